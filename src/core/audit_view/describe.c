/*
 * audit_view/describe.c - one audit event as a sentence a practice owner
 * can read: who did what to whom, from the verb, the joined names and the
 * short JSON detail (which never holds PHI, only ids and codes).
 *
 * Verbs without a sentence of their own fall back to "<who>: <verb label>
 * <object>", so a new verb is readable before anyone writes its sentence.
 */
#include "core/audit_view/audit_view.h"
#include "core/users/users.h"
#include "base/arena.h"
#include "base/buf.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

const struct audit_verb_label audit_verb_labels[] = {
	{"LOGIN", "Sign-in"}, {"LOGIN_FAIL", "Failed sign-in"},
	{"LOGOUT", "Sign-out"}, {"TIMEOUT", "Session timed out"},
	{"SESSION_REVOKE", "Session ended"}, {"VIEW", "Viewed"},
	{"SEARCH", "Searched"}, {"CREATE", "Created"}, {"UPDATE", "Changed"},
	{"DELETE", "Deleted"}, {"RESTORE", "Restored"}, {"PRINT", "Printed"},
	{"EXPORT", "Exported"}, {"DOWNLOAD", "Downloaded"},
	{"IMPORT", "Imported"}, {"DISCLOSE", "Disclosed"},
	{"MFA_CHANGE", "Two-step sign-in changed"},
	{"PASSWORD_CHANGE", "Password changed"},
	{"PRIV_CHANGE", "Roles changed"}, {"USER_CHANGE", "Account changed"},
	{"CONFIG_CHANGE", "Settings changed"}, {"KEY_CHANGE", "Keys changed"},
	{"BREAK_GLASS", "Emergency access"},
	{"ACCESS_DENIED", "Access denied"},
	{"AUDIT_EXPORT", "Audit trail exported"},
	{"AUDIT_VERIFY", "Audit trail verified"},
	{"AUDIT_DIGEST", "Audit digest recorded"},
	{"AUDIT_REVIEW", "Audit trail reviewed"}, {"BACKUP", "Backup"},
	{"SYSTEM", "System event"},
};
const size_t audit_verb_labels_count = sizeof(audit_verb_labels) /
    sizeof(audit_verb_labels[0]);

int
audit_view_verb_known(const char *verb)
{
	size_t i;

	for (i = 0; verb != NULL && i < audit_verb_labels_count; i++)
		if (strcmp(audit_verb_labels[i].verb, verb) == 0)
			return 1;
	return 0;
}

static const char *
verb_label(const char *verb)
{
	size_t i;

	for (i = 0; verb != NULL && i < audit_verb_labels_count; i++)
		if (strcmp(audit_verb_labels[i].verb, verb) == 0)
			return audit_verb_labels[i].label;
	return verb != NULL ? verb : "Event";
}

static int
is(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

/* Who acted, as a name. */
static const char *
actor(const struct audit_row *row)
{
	if (row->actor_name != NULL)
		return row->actor_name;
	if (row->actor_user_id != 0)
		return "A former user";
	if (is(row->actor_role, "operator"))
		return "An operator (command line)";
	return "The system";
}

/* Whose account an event on a user is about. */
static const char *
object_user(const struct audit_row *row)
{
	if (row->object_name != NULL)
		return row->object_name;
	return row->actor_name != NULL ? row->actor_name : "an unknown account";
}

/* detail's string member key, or NULL (json freed by the caller). */
static const char *
detail_str(json_t *d, const char *key)
{
	return d != NULL ? json_string_value(json_object_get(d, key)) : NULL;
}

/* "front_desk,billing" -> "Front desk, Billing" */
static void
put_roles(struct buf *b, const char *codes)
{
	char one[32];
	const char *p = codes, *e;
	size_t n;
	unsigned r;

	if (codes == NULL || *codes == '\0') {
		buf_puts(b, "no roles");
		return;
	}
	while (*p) {
		e = strchr(p, ',');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		snprintf(one, sizeof(one), "%.*s", (int)(n < 31 ? n : 31), p);
		r = role_parse(one);
		buf_puts(b, r ? role_label(r) : one);
		p += n;
		if (*p == ',') {
			p++;
			buf_puts(b, ", ");
		}
	}
}

static void
put_session(struct buf *b, const struct audit_row *row, json_t *d)
{
	const char *step = detail_str(d, "step");

	if (is(row->verb, "LOGIN"))
		buf_printf(b, "%s signed in (%s)", actor(row),
		    is(step, "second_factor") ? "second step" :
		    is(step, "rotated") ? "session renewed" : "password");
	else if (is(row->verb, "LOGOUT"))
		buf_printf(b, "%s signed out", actor(row));
	else if (is(row->verb, "TIMEOUT"))
		buf_printf(b, "%s's session timed out", actor(row));
	else
		buf_printf(b, "%s's session was ended", actor(row));
}

static void
put_user_event(struct buf *b, const struct audit_row *row, json_t *d)
{
	if (is(row->verb, "LOGIN_FAIL")) {
		buf_printf(b, "Failed sign-in for %s", row->actor_email ?
		    row->actor_email : "an unknown account");
	} else if (is(row->verb, "PRIV_CHANGE")) {
		buf_printf(b, "%s's roles changed: ", object_user(row));
		put_roles(b, detail_str(d, "roles_before"));
		buf_puts(b, " -> ");
		put_roles(b, detail_str(d, "roles_after"));
	} else if (is(row->verb, "MFA_CHANGE"))
		buf_printf(b, "%s changed two-step sign-in", object_user(row));
	else if (is(row->verb, "PASSWORD_CHANGE"))
		buf_printf(b, "%s's password was changed", object_user(row));
	else if (is(row->verb, "USER_CHANGE"))
		buf_printf(b, "%s's account was changed by %s",
		    object_user(row), actor(row));
	else
		buf_printf(b, "%s: %s - the account of %s", actor(row),
		    verb_label(row->verb), object_user(row));
}

/* " - compliance task": an object type as words. */
static void
put_words(struct buf *b, const char *type)
{
	buf_puts(b, " - ");
	for (; *type; type++)
		buf_putc(b, *type == '_' ? ' ' : *type);
}

static void
put_other(struct buf *b, const struct audit_row *row, json_t *d)
{
	json_t *rows = d != NULL ? json_object_get(d, "rows") : NULL;

	if (is(row->verb, "VIEW") && is(row->object_type, "audit_trail"))
		buf_printf(b, "%s viewed the audit trail", actor(row));
	else if (is(row->verb, "AUDIT_EXPORT"))
		buf_printf(b, "%s exported the audit trail", actor(row));
	else if (is(row->verb, "EXPORT") &&
	    is(row->object_type, "access_review"))
		buf_printf(b, "%s downloaded the access review", actor(row));
	else if (is(row->verb, "AUDIT_VERIFY"))
		buf_printf(b, "%s checked the audit trail's integrity",
		    actor(row));
	else if (is(row->verb, "AUDIT_DIGEST"))
		buf_puts(b, "The daily audit digest was recorded");
	else {
		buf_printf(b, "%s: %s", actor(row), verb_label(row->verb));
		if (row->object_type != NULL)
			put_words(b, row->object_type);
		if (row->object_id != NULL)
			buf_printf(b, " #%s", row->object_id);
		if (row->patient_id != 0)
			buf_printf(b, " (patient #%lld)",
			    (long long)row->patient_id);
	}
	if (json_is_integer(rows))
		buf_printf(b, " (%lld rows)", (long long)json_integer_value(rows));
}

void
audit_view_describe_to(struct buf *b, const struct audit_row *row)
{
	json_t *d = NULL;

	if (row->detail != NULL)
		d = json_loads(row->detail, 0, NULL);
	if (is(row->object_type, "session"))
		put_session(b, row, d);
	else if (is(row->object_type, "user"))
		put_user_event(b, row, d);
	else
		put_other(b, row, d);
	if (row->outcome != 0 && row->reason != NULL)
		buf_printf(b, " (%s)", row->reason);
	json_decref(d);
}

const char *
audit_view_describe(struct arena *a, const struct audit_row *row)
{
	struct buf b;

	buf_init(&b, a);
	audit_view_describe_to(&b, row);
	return buf_failed(&b) ? NULL : buf_cstr(&b);
}

const char *
audit_view_sensitivity_label(const char *sensitivity)
{
	if (is(sensitivity, "psychotherapy_note"))
		return "psychotherapy note";
	if (is(sensitivity, "part2"))
		return "Part 2 record";
	return NULL;
}
