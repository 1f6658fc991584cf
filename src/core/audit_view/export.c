/*
 * audit_view/export.c - the audit trail as CSV or JSON (issue #5).
 *
 * Both formats are written row by row from audit_view_scan's callback,
 * which reads AUDIT_VIEW_BATCH rows at a time: nothing but the output
 * grows with the export.  The sentence of each row is built in one heap
 * scratch buffer reused for every row, not in the request arena.
 *
 * CSV cells are defused against spreadsheet formulas the way the access
 * review is (pages/staff.c): a cell starting with = + - @ tab or CR gets
 * a leading apostrophe.  JSON objects are built with jansson, one per
 * row, and appended as the elements of one array.
 */
#include "core/audit_view/audit_view.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/timeutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct export_ctx {
	enum audit_export_format fmt;
	struct buf *out;
	struct buf scratch; /* the sentence of the current row */
	size_t n;
};

char *
audit_view_time(char *dst, size_t dstsz, int64_t ms)
{
	char iso[32];

	time_format_iso(iso, sizeof(iso), ms);
	snprintf(dst, dstsz, "%.10s %.8s UTC", iso, iso + 11);
	return dst;
}

static void
csv_field(struct buf *b, const char *s, int last)
{
	const char *p;

	if (s == NULL)
		s = "";
	buf_putc(b, '"');
	if (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
	    s[0] == '\t' || s[0] == '\r')
		buf_putc(b, '\'');
	for (p = s; *p; p++) {
		if (*p == '"')
			buf_putc(b, '"');
		buf_putc(b, *p);
	}
	buf_putc(b, '"');
	buf_puts(b, last ? "\r\n" : ",");
}

static void
csv_int(struct buf *b, int64_t v)
{
	if (v != 0)
		buf_put_i64(b, v);
	buf_putc(b, ',');
}

#define CSV_HEADER "seq,time_utc,event,actor_user_id,actor_name," \
	"actor_email,actor_role,address,verb,action,object_type,object_id," \
	"patient_id,sensitivity,outcome,reason,request_id\r\n"

static void
csv_row(struct buf *b, const struct audit_row *row, const char *what,
    const char *when)
{
	char action[2] = {row->action, '\0'};

	csv_int(b, row->seq);
	csv_field(b, when, 0);
	csv_field(b, what, 0);
	csv_int(b, row->actor_user_id);
	csv_field(b, row->actor_name, 0);
	csv_field(b, row->actor_email, 0);
	csv_field(b, row->actor_role, 0);
	csv_field(b, row->source_addr, 0);
	csv_field(b, row->verb, 0);
	csv_field(b, action, 0);
	csv_field(b, row->object_type, 0);
	csv_field(b, row->object_id, 0);
	csv_int(b, row->patient_id);
	csv_field(b, row->sensitivity, 0);
	csv_field(b, row->outcome == 0 ? "success" : "failure", 0);
	csv_field(b, row->reason, 0);
	csv_field(b, row->request_id, 1);
}

/* NULL strings and zero ids become JSON null. */
static json_t *
jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
jid(int64_t v)
{
	return v != 0 ? json_integer(v) : json_null();
}

static int
json_row(struct buf *b, const struct audit_row *row, const char *what,
    const char *when, int first)
{
	char action[2] = {row->action, '\0'};
	json_t *o;
	char *text;

	o = json_pack("{s:I, s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:s, "
	    "s:s, s:o, s:o, s:o, s:o, s:i, s:o, s:o}",
	    "seq", (json_int_t)row->seq, "time_utc", when,
	    "recorded_at_ms", (json_int_t)row->recorded_at,
	    "event", jstr(what), "actor_user_id", jid(row->actor_user_id),
	    "actor_name", jstr(row->actor_name),
	    "actor_email", jstr(row->actor_email),
	    "actor_role", jstr(row->actor_role),
	    "address", jstr(row->source_addr),
	    "verb", row->verb ? row->verb : "", "action", action,
	    "object_type", jstr(row->object_type),
	    "object_id", jstr(row->object_id),
	    "patient_id", jid(row->patient_id),
	    "sensitivity", jstr(row->sensitivity), "outcome", row->outcome,
	    "reason", jstr(row->reason), "request_id", jstr(row->request_id));
	if (o == NULL || (text = json_dumps(o, JSON_COMPACT)) == NULL) {
		json_decref(o);
		return ALC_ENOMEM;
	}
	buf_puts(b, first ? "\n" : ",\n");
	buf_puts(b, text);
	free(text);
	json_decref(o);
	return 0;
}

static int
export_row(void *arg, const struct audit_row *row)
{
	struct export_ctx *x = arg;
	char when[40];
	int rc = 0;

	buf_reset(&x->scratch);
	audit_view_describe_to(&x->scratch, row);
	if (buf_failed(&x->scratch))
		return ALC_ENOMEM;
	audit_view_time(when, sizeof(when), row->recorded_at);
	if (x->fmt == AUDIT_EXPORT_CSV)
		csv_row(x->out, row, buf_cstr(&x->scratch), when);
	else
		rc = json_row(x->out, row, buf_cstr(&x->scratch), when,
		    x->n == 0);
	x->n++;
	return buf_failed(x->out) ? ALC_ENOMEM : rc;
}

int
audit_view_export(struct db *db, const struct audit_filter *f,
    enum audit_export_format fmt, struct buf *out)
{
	struct export_ctx x;
	int rc;

	memset(&x, 0, sizeof(x));
	x.fmt = fmt;
	x.out = out;
	buf_init(&x.scratch, NULL);
	buf_puts(out, fmt == AUDIT_EXPORT_CSV ? CSV_HEADER : "[");
	if ((rc = audit_view_scan(db, f, AUDIT_EXPORT_CAP, export_row, &x)) != 0)
		goto out;
	if (fmt == AUDIT_EXPORT_JSON)
		buf_puts(out, x.n ? "\n]\n" : "]\n");
	rc = buf_failed(out) ? ALC_ENOMEM : 0;
out:
	buf_free(&x.scratch);
	return rc;
}
