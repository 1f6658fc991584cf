/*
 * writer.c - group commit for the audit events of PHI reads.
 *
 * A read of PHI must have its event on disk before the page goes out, and
 * reads are by far the commonest audited action.  One transaction per
 * read would cost one fsync per page (about 2,600/s on SQLite with
 * synchronous=FULL, DESIGN.md "Durability").  Instead each request thread
 * queues its event and sleeps; one writer thread takes everything queued
 * (up to AUDIT_WRITER_BATCH), appends it in one transaction, commits -
 * one fsync - and wakes the requests, each with its own result.  While it
 * commits, the next batch gathers, so under load batches grow by
 * themselves and with a single reader nothing waits for a timer.
 *
 * Queue entries live on the callers' stacks (a caller blocks until its
 * entry is done), so queueing allocates nothing and events are not copied.
 *
 * Failures.  An event audit_write would refuse is failed at once, before
 * it can spoil a batch.  If the database refuses one inside a batch, or
 * the commit fails, the transaction is gone (audit_write rolled it back),
 * so every event of the batch is written again, each in its own
 * transaction: a bad one fails by itself and the others succeed.  Only a
 * lock timeout (ALC_EBUSY) fails the whole batch at once, since retrying
 * would only wait again.
 */
#include "audit/audit.h"
#include "audit/chain.h"
#include "base/err.h"
#include "base/log.h"
#include "db/db.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define ACQUIRE_MS 10000

struct pending {
	const struct audit_event *ev;
	struct pending *next;
	int rc;
	int done;
};

struct audit_writer {
	struct db *db;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work;   /* the writer: something queued, or stop */
	pthread_cond_t done;   /* the callers: some entries finished */
	struct pending *head, *tail;
	int stopping, joined;
	int64_t txns, events;
};

/* Writes the batch in one transaction on c; on failure, each entry alone.
 * Sets every entry's rc.  Returns the number of transactions committed. */
static int64_t
write_batch(struct db_conn *c, struct pending *batch)
{
	struct pending *p;
	int64_t txns = 0;
	int rc;

	if ((rc = db_begin(c)) == 0) {
		for (p = batch; p != NULL && rc == 0; p = p->next)
			rc = audit_write(c, p->ev);
		if (rc == 0 && (rc = db_commit(c)) == 0)
			txns = 1;
		db_rollback(c);
	}
	for (p = batch; p != NULL; p = p->next)
		p->rc = rc;
	if (rc == 0 || rc == ALC_EBUSY || batch->next == NULL)
		return txns;
	/* The database refused something: find it by writing one at a time. */
	for (p = batch; p != NULL; p = p->next)
		if ((p->rc = audit_write(c, p->ev)) == 0)
			txns++;
	return txns;
}

/* Takes up to AUDIT_WRITER_BATCH entries off the queue (w->mu held). */
static struct pending *
take_batch(struct audit_writer *w)
{
	struct pending *first = w->head, *p = first;
	int n = 1;

	while (p->next != NULL && n < AUDIT_WRITER_BATCH) {
		p = p->next;
		n++;
	}
	w->head = p->next;
	if (w->head == NULL)
		w->tail = NULL;
	p->next = NULL;
	return first;
}

static void *
writer_main(void *arg)
{
	struct audit_writer *w = arg;
	struct pending *batch, *p, *next;
	struct alc_err err;
	struct db_conn *c;
	int64_t txns, n;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->head == NULL && !w->stopping)
			pthread_cond_wait(&w->work, &w->mu);
		if (w->head == NULL)
			break; /* stopping, and drained */
		batch = take_batch(w);
		pthread_mutex_unlock(&w->mu);

		txns = 0;
		if ((c = db_acquire(w->db, ACQUIRE_MS, &err)) == NULL) {
			log_error("audit writer: no database connection", "error=%d",
			    err.code);
			for (p = batch; p != NULL; p = p->next)
				p->rc = ALC_EBUSY;
		} else {
			txns = write_batch(c, batch);
			db_release(c);
		}

		pthread_mutex_lock(&w->mu);
		w->txns += txns;
		for (p = batch, n = 0; p != NULL; p = next) {
			next = p->next; /* p belongs to its caller once done */
			n += p->rc == 0;
			p->done = 1;
		}
		w->events += n;
		pthread_cond_broadcast(&w->done);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct audit_writer *
audit_writer_new(struct db *db)
{
	struct audit_writer *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->db = db;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->done, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		pthread_cond_destroy(&w->done);
		pthread_cond_destroy(&w->work);
		pthread_mutex_destroy(&w->mu);
		free(w);
		return NULL;
	}
	return w;
}

int
audit_record_read(struct audit_writer *w, const struct audit_event *ev)
{
	struct pending p = {.ev = ev};
	char action;
	int rc;

	if ((rc = audit_check_event(ev, &action)) != 0)
		return rc;
	pthread_mutex_lock(&w->mu);
	if (w->stopping) {
		pthread_mutex_unlock(&w->mu);
		return ALC_EBUSY;
	}
	/* The entry lives on this stack: we return only once the writer has
	 * marked it done, after which it no longer touches it. */
	if (w->tail != NULL)
		w->tail->next = &p;
	else
		w->head = &p; // cppcheck-suppress autoVariables
	w->tail = &p; // cppcheck-suppress autoVariables
	pthread_cond_signal(&w->work);
	while (!p.done)
		pthread_cond_wait(&w->done, &w->mu);
	pthread_mutex_unlock(&w->mu);
	return p.rc;
}

void
audit_writer_stop(struct audit_writer *w)
{
	int join;

	pthread_mutex_lock(&w->mu);
	w->stopping = 1;
	join = !w->joined;
	w->joined = 1;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	if (join)
		pthread_join(w->thread, NULL);
}

void
audit_writer_free(struct audit_writer *w)
{
	if (w == NULL)
		return;
	audit_writer_stop(w);
	pthread_cond_destroy(&w->done);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

void
audit_writer_stats(struct audit_writer *w, int64_t *txns, int64_t *events)
{
	pthread_mutex_lock(&w->mu);
	if (txns != NULL)
		*txns = w->txns;
	if (events != NULL)
		*events = w->events;
	pthread_mutex_unlock(&w->mu);
}
