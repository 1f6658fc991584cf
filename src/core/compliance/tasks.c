/*
 * tasks.c - adding, editing, retiring and reading compliance tasks, and
 * the helpers the other files of core/compliance share (impl.h).
 *
 * Input is checked here as well as in the form that sends it: the core
 * is the last line before the database and other callers (CLI, API) will
 * come.  Owners must be active staff of the same practice, so a task can
 * never be handed to someone outside it.
 */
#include "core/compliance/compliance.h"
#include "core/compliance/impl.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

int
cmp_audit(struct db_conn *c, int64_t pid, const struct compliance_actor *who,
    const char *verb, int64_t task_id, const char *detail)
{
	return cmp_audit_obj(c, pid, who, verb, "compliance_task", task_id,
	    detail);
}

int
cmp_audit_obj(struct db_conn *c, int64_t pid,
    const struct compliance_actor *who, const char *verb,
    const char *object_type, int64_t task_id, const char *detail)
{
	struct audit_event ev;
	char oid[24];

	if (who->who != NULL)
		ev = *who->who;
	else {
		memset(&ev, 0, sizeof(ev));
		ev.actor_role = "system";
	}
	snprintf(oid, sizeof(oid), "%lld", (long long)task_id);
	ev.action = 0;
	ev.verb = verb;
	ev.practice_id = pid;
	ev.object_type = object_type;
	ev.object_id = oid;
	ev.detail = detail;
	return audit_write(c, &ev);
}

int64_t
cmp_uid(const struct compliance_actor *a)
{
	return a->who != NULL ? a->who->actor_user_id : 0;
}

int
cmp_exec(struct db_conn *c, const char *sql, const int64_t *v, int n)
{
	struct db_stmt *s;
	int i, rc;

	if ((rc = db_prepare(c, &s, sql)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		db_bind_i64(s, i + 1, v[i]);
	rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

int
cmp_is_member(struct db_conn *c, int64_t pid, int64_t uid)
{
	struct db_stmt *s;
	int rc;

	if (uid <= 0 || db_prepare(c, &s, "SELECT 1 FROM memberships m JOIN "
	    "users u ON u.id = m.user_id WHERE m.practice_id = ? AND "
	    "m.user_id = ? AND u.status = 'active' LIMIT 1") != 0)
		return 0;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, uid);
	rc = db_step(s);
	db_stmt_done(s);
	return rc == DB_ROW;
}

int
cmp_text_ok(const char *s, size_t max, int multiline)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, n, len;

	if (s == NULL)
		return 1;
	if ((len = strlen(s)) > max)
		return 0;
	for (i = 0; i < len; i += n) {
		if (p[i] < 0x80) {
			n = 1;
			if ((p[i] < 0x20 && !(multiline && (p[i] == '\n' ||
			    p[i] == '\r' || p[i] == '\t'))) || p[i] == 0x7f)
				return 0;
			continue;
		}
		n = p[i] >= 0xf0 && p[i] <= 0xf4 ? 4 : p[i] >= 0xe0 ? 3 :
		    p[i] >= 0xc2 && p[i] <= 0xdf ? 2 : 0;
		if (n == 0 || i + n > len)
			return 0;
		for (size_t k = 1; k < n; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
		/* Overlong 3- and 4-byte forms, surrogates, > U+10FFFF. */
		if ((p[i] == 0xe0 && p[i + 1] < 0xa0) ||
		    (p[i] == 0xed && p[i + 1] >= 0xa0) ||
		    (p[i] == 0xf0 && p[i + 1] < 0x90) ||
		    (p[i] == 0xf4 && p[i + 1] >= 0x90))
			return 0;
	}
	return 1;
}

const char *
cmp_col(struct arena *a, struct db_stmt *s, int col)
{
	const char *v = db_col_text(s, col);

	return arena_strdup(a, v ? v : "");
}

#define TASK_COLS "SELECT t.id, t.seed_key, t.title, t.description, " \
	"t.rule_citation, t.rule_text, t.owner_id, t.backup_owner_id, " \
	"o.display_name, o.email, b.display_name, t.recurrence, t.every_n, " \
	"t.anchor_day, t.next_due, t.checklist, t.requires_signoff, t.status, " \
	"t.retire_reason, t.retired_at, t.retain_until, t.created_at, " \
	"t.updated_at, (SELECT max(x.id) FROM compliance_occurrences x WHERE " \
	"x.task_id = t.id AND x.signoff_required = 1 AND x.signed_off_at IS " \
	"NULL) FROM compliance_tasks t JOIN users o ON o.id = t.owner_id " \
	"LEFT JOIN users b ON b.id = t.backup_owner_id WHERE t.practice_id = ? "

static enum compliance_recur
recur_parse(const char *s)
{
	if (s != NULL && strcmp(s, "months") == 0)
		return COMPLIANCE_MONTHS;
	if (s != NULL && strcmp(s, "days") == 0)
		return COMPLIANCE_DAYS;
	return COMPLIANCE_ONCE;
}

static const char *
recur_name(enum compliance_recur k)
{
	return k == COMPLIANCE_MONTHS ? "months" : k == COMPLIANCE_DAYS ?
	    "days" : "once";
}

static int
read_task(struct db_stmt *s, struct arena *a, struct compliance_task *t)
{
	memset(t, 0, sizeof(*t));
	t->id = db_col_i64(s, 0);
	t->seed_key = db_col_is_null(s, 1) ? NULL : cmp_col(a, s, 1);
	t->title = cmp_col(a, s, 2);
	t->description = cmp_col(a, s, 3);
	t->rule_citation = cmp_col(a, s, 4);
	t->rule_text = cmp_col(a, s, 5);
	t->owner_id = db_col_i64(s, 6);
	t->backup_id = db_col_i64(s, 7);
	t->owner_name = cmp_col(a, s, 8);
	t->owner_email = cmp_col(a, s, 9);
	t->backup_name = db_col_is_null(s, 10) ? NULL : cmp_col(a, s, 10);
	t->rec.kind = recur_parse(db_col_text(s, 11));
	t->rec.every = (int)db_col_i64(s, 12);
	t->rec.anchor_day = (int)db_col_i64(s, 13);
	t->next_due = db_col_is_null(s, 14) ? NULL : cmp_col(a, s, 14);
	t->checklist = cmp_col(a, s, 15);
	t->requires_signoff = (int)db_col_i64(s, 16);
	t->retired = strcmp(db_col_text(s, 17), "retired") == 0;
	t->retire_reason = db_col_is_null(s, 18) ? NULL : cmp_col(a, s, 18);
	t->retired_at = db_col_i64(s, 19);
	t->retain_until = cmp_col(a, s, 20);
	t->created_at = db_col_i64(s, 21);
	t->updated_at = db_col_i64(s, 22);
	t->awaiting_signoff = db_col_i64(s, 23);
	return t->title && t->description && t->rule_citation && t->rule_text &&
	    t->owner_name && t->owner_email && t->checklist && t->retain_until ?
	    0 : ALC_ENOMEM;
}

int
cmp_load_task(struct db_conn *c, struct arena *a, int64_t pid, int64_t id,
    struct compliance_task *t)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, TASK_COLS "AND t.id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, id);
	if ((rc = db_step(s)) == DB_ROW)
		rc = read_task(s, a, t);
	else if (rc == DB_DONE)
		rc = ALC_ENOTFOUND;
	db_stmt_done(s);
	return rc;
}

int
compliance_task_get(struct db *db, struct arena *a, int64_t practice_id,
    int64_t id, struct compliance_task *out)
{
	struct db_conn *c;
	int rc;

	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	rc = cmp_load_task(c, a, practice_id, id, out);
	db_release(c);
	return rc;
}

int
compliance_task_list(struct db *db, struct arena *a, int64_t practice_id,
    int with_retired, struct compliance_task **out, size_t *n)
{
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((*out = arena_alloc(a, COMPLIANCE_MAX_TASKS * sizeof(**out))) ==
	    NULL)
		return ALC_ENOMEM;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, TASK_COLS "AND (t.status = 'active' OR ? "
	    "= 1) ORDER BY t.status, CASE WHEN t.next_due IS NULL THEN 1 ELSE 0 "
	    "END, t.next_due, t.title, t.id")) == 0) {
		db_bind_i64(s, 1, practice_id);
		db_bind_i64(s, 2, with_retired ? 1 : 0);
		while (*n < COMPLIANCE_MAX_TASKS && (rc = db_step(s)) == DB_ROW)
			if ((rc = read_task(s, a, &(*out)[(*n)++])) != 0)
				break;
		db_stmt_done(s);
		rc = rc < 0 ? rc : 0;
	}
	db_release(c);
	return rc;
}

int
compliance_checklist_split(struct arena *a, const char *text,
    const char ***items, size_t *n)
{
	const char *p = text ? text : "", *eol, *b, *e;

	*n = 0;
	if ((*items = arena_alloc(a, COMPLIANCE_CHECKLIST_ITEMS *
	    sizeof(**items))) == NULL)
		return ALC_ENOMEM;
	for (; *p; p = *eol ? eol + 1 : eol) {
		eol = p + strcspn(p, "\n");
		for (b = p; b < eol && (*b == ' ' || *b == '\t' || *b == '\r');)
			b++;
		for (e = eol; e > b && (e[-1] == ' ' || e[-1] == '\t' ||
		    e[-1] == '\r');)
			e--;
		if (e == b)
			continue;
		if (*n == COMPLIANCE_CHECKLIST_ITEMS)
			return ALC_ETOOBIG;
		if (((*items)[(*n)++] = arena_strndup(a, b, (size_t)(e - b))) ==
		    NULL)
			return ALC_ENOMEM;
	}
	return 0;
}

static int
invalid(struct alc_err *err, const char *user)
{
	return alc_err_set_user(err, ALC_EINVAL, user, "compliance task: %s",
	    user);
}

/* Checks what the database cannot; *due receives next_due parsed. */
static int
check_input(struct db_conn *c, int64_t pid,
    const struct compliance_task_input *in, struct caldate *due,
    struct alc_err *err)
{
	struct compliance_recurrence rec = in->rec;

	if (in->title == NULL || in->title[0] == '\0' ||
	    !cmp_text_ok(in->title, COMPLIANCE_TITLE_MAX, 0))
		return invalid(err, "Give the task a title (up to 200 "
		    "characters).");
	if (!cmp_text_ok(in->description, COMPLIANCE_TEXT_MAX, 1) ||
	    !cmp_text_ok(in->rule_citation, COMPLIANCE_CITATION_MAX, 0) ||
	    !cmp_text_ok(in->rule_text, COMPLIANCE_RULE_MAX, 1) ||
	    !cmp_text_ok(in->checklist, COMPLIANCE_TEXT_MAX, 1))
		return invalid(err, "A text field is too long or holds "
		    "characters that cannot be stored.");
	if (caldate_parse(in->next_due, due) != 0)
		return invalid(err, "Enter the due date as a date, such as "
		    "2026-03-31.");
	rec.anchor_day = due->d;
	if (compliance_recurrence_check(&rec) != 0)
		return invalid(err, "Choose how often the task repeats.");
	if (!cmp_is_member(c, pid, in->owner_id))
		return invalid(err, "Choose the owner from the staff list.");
	if (in->backup_id != 0 && (in->backup_id == in->owner_id ||
	    !cmp_is_member(c, pid, in->backup_id)))
		return invalid(err, "Choose a backup owner from the staff list, "
		    "other than the owner.");
	return 0;
}

static void
bind_fields(struct db_stmt *s, const struct compliance_task_input *in,
    const struct caldate *due)
{
	char d[CALDATE_TEXT_SIZE];

	db_bind_text(s, 1, in->title);
	db_bind_text(s, 2, in->description ? in->description : "");
	db_bind_text(s, 3, in->rule_citation ? in->rule_citation : "");
	db_bind_text(s, 4, in->rule_text ? in->rule_text : "");
	db_bind_i64(s, 5, in->owner_id);
	if (in->backup_id)
		db_bind_i64(s, 6, in->backup_id);
	else
		db_bind_null(s, 6);
	db_bind_text(s, 7, recur_name(in->rec.kind));
	db_bind_i64(s, 8, in->rec.kind == COMPLIANCE_ONCE ? 1 : in->rec.every);
	db_bind_i64(s, 9, due->d);
	db_bind_text(s, 10, caldate_format(*due, d));
	db_bind_text(s, 11, in->checklist ? in->checklist : "");
	db_bind_i64(s, 12, in->requires_signoff ? 1 : 0);
}

int
cmp_task_create_in(struct db_conn *c, int64_t pid, const struct compliance_actor *who,
    const struct compliance_task_input *in, int64_t *id, struct alc_err *err)
{
	char ret[CALDATE_TEXT_SIZE];
	struct caldate due;
	struct db_stmt *s;
	int64_t now = time_now_ms();
	int rc;

	if ((rc = check_input(c, pid, in, &due, err)) != 0)
		return rc;
	if ((rc = db_prepare(c, &s, "INSERT INTO compliance_tasks (title, "
	    "description, rule_citation, rule_text, owner_id, backup_owner_id, "
	    "recurrence, every_n, anchor_day, next_due, checklist, "
	    "requires_signoff, practice_id, retain_until, created_by, "
	    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?) RETURNING id")) != 0)
		return rc;
	bind_fields(s, in, &due);
	db_bind_i64(s, 13, pid);
	/* In effect while active: retirement moves it on. */
	db_bind_text(s, 14, caldate_format(compliance_retain_until(due), ret));
	if (cmp_uid(who))
		db_bind_i64(s, 15, cmp_uid(who));
	else
		db_bind_null(s, 15);
	db_bind_i64(s, 16, now);
	db_bind_i64(s, 17, now);
	if ((rc = db_step(s)) == DB_ROW)
		*id = db_col_i64(s, 0);
	db_stmt_done(s);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ALC_EDB;
	return cmp_audit(c, pid, who, "CREATE", *id, "{\"change\":\"created\"}");
}

int
compliance_task_create(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, const struct compliance_task_input *in,
    int64_t *id, struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 &&
	    (rc = cmp_task_create_in(c, practice_id, who, in, id, err)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

/* Records a change of owner or backup made by editing. */
static int
record_change(struct db_conn *c, int64_t pid, int64_t id, const char *which,
    int64_t from, int64_t to, const struct compliance_actor *who)
{
	struct db_stmt *s;
	int rc;

	if (from == to)
		return 0;
	if ((rc = db_prepare(c, &s, "INSERT INTO compliance_reassignments "
	    "(practice_id, task_id, which, from_user, to_user, reason, "
	    "changed_by, changed_at) VALUES (?, ?, ?, ?, ?, 'changed when the "
	    "task was edited', ?, ?)")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, id);
	db_bind_text(s, 3, which);
	from ? db_bind_i64(s, 4, from) : db_bind_null(s, 4);
	to ? db_bind_i64(s, 5, to) : db_bind_null(s, 5);
	cmp_uid(who) ? db_bind_i64(s, 6, cmp_uid(who)) : db_bind_null(s, 6);
	db_bind_i64(s, 7, time_now_ms());
	rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static int
update_in(struct db_conn *c, struct arena *a, int64_t pid,
    const struct compliance_actor *who, int64_t id,
    const struct compliance_task_input *in, struct alc_err *err)
{
	struct compliance_task old;
	struct caldate due;
	struct db_stmt *s;
	int rc;

	if ((rc = cmp_load_task(c, a, pid, id, &old)) != 0)
		return rc;
	if (old.retired)
		return alc_err_set_user(err, ALC_ECONFLICT, "This task is retired "
		    "and can no longer be changed.", "task %lld retired",
		    (long long)id);
	if ((rc = check_input(c, pid, in, &due, err)) != 0)
		return rc;
	if ((rc = db_prepare(c, &s, "UPDATE compliance_tasks SET title = ?, "
	    "description = ?, rule_citation = ?, rule_text = ?, owner_id = ?, "
	    "backup_owner_id = ?, recurrence = ?, every_n = ?, anchor_day = ?, "
	    "next_due = ?, checklist = ?, requires_signoff = ?, updated_at = ? "
	    "WHERE practice_id = ? AND id = ?")) != 0)
		return rc;
	bind_fields(s, in, &due);
	db_bind_i64(s, 13, time_now_ms());
	db_bind_i64(s, 14, pid);
	db_bind_i64(s, 15, id);
	rc = db_step(s);
	db_stmt_done(s);
	if (rc < 0 ||
	    (rc = record_change(c, pid, id, "owner", old.owner_id,
	    in->owner_id, who)) != 0 ||
	    (rc = record_change(c, pid, id, "backup", old.backup_id,
	    in->backup_id, who)) != 0)
		return rc;
	return cmp_audit(c, pid, who, "UPDATE", id, "{\"change\":\"edited\"}");
}

int
compliance_task_update(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id,
    const struct compliance_task_input *in, struct alc_err *err)
{
	struct arena *a;
	struct db_conn *c;
	int rc;

	if ((a = arena_new()) == NULL)
		return ALC_ENOMEM;
	if ((c = db_acquire(db, 5000, err)) == NULL) {
		arena_free(a);
		return ALC_EBUSY;
	}
	if ((rc = db_begin(c)) == 0 &&
	    (rc = update_in(c, a, practice_id, who, id, in, err)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	arena_free(a);
	return rc;
}

static int
retire_in(struct db_conn *c, int64_t pid, const struct compliance_actor *who,
    int64_t id, const char *reason, struct caldate today)
{
	char ret[CALDATE_TEXT_SIZE];
	struct db_stmt *s;
	int64_t now = time_now_ms();
	int rc;

	if ((rc = db_prepare(c, &s, "UPDATE compliance_tasks SET status = "
	    "'retired', retired_at = ?, retired_by = ?, retire_reason = ?, "
	    "retain_until = ?, updated_at = ? WHERE practice_id = ? AND id = ? "
	    "AND status = 'active'")) != 0)
		return rc;
	db_bind_i64(s, 1, now);
	cmp_uid(who) ? db_bind_i64(s, 2, cmp_uid(who)) : db_bind_null(s, 2);
	db_bind_text(s, 3, reason);
	db_bind_text(s, 4, caldate_format(compliance_retain_until(today), ret));
	db_bind_i64(s, 5, now);
	db_bind_i64(s, 6, pid);
	db_bind_i64(s, 7, id);
	if ((rc = db_step(s)) >= 0 && db_changes(s) != 1)
		rc = ALC_ENOTFOUND;
	db_stmt_done(s);
	if (rc < 0)
		return rc;
	return cmp_audit(c, pid, who, "UPDATE", id, "{\"change\":\"retired\"}");
}

int
compliance_task_retire(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id, const char *reason,
    struct caldate today, struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if (reason == NULL || reason[0] == '\0' ||
	    !cmp_text_ok(reason, COMPLIANCE_REASON_MAX, 1))
		return invalid(err, "Say why the task is retired (up to 500 "
		    "characters).");
	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 &&
	    (rc = retire_in(c, practice_id, who, id, reason, today)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}
