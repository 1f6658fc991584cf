/*
 * pages/schedule_book.c - the booking form (GET /schedule/new) and booking
 * (POST /schedule).
 *
 * The patient is found by what was typed (patients_search: name, birth
 * date, phone, chart number) through a GET form on the same page, then
 * chosen with a radio button; one patient is booked here, and more are
 * added to a couple, family or group from the appointment page.  Dates
 * and times are in the practice's zone.  On any error the form comes back
 * with what was typed; on conflicts it lists them (never the other
 * patients' names: a link to each appointment) and offers the override,
 * which needs a reason.  Names shown (search results, the chosen patient)
 * are audited like a calendar (schedule.c) before the page is sent.
 */
#include "web/pages/pages.h"
#include "web/audit_web.h"
#include "web/authz.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/views_schedule.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "core/patients/patients.h"
#include "core/scheduling/scheduling.h"
#include "core/users/admin.h"
#include "core/users/users.h"
#include "templates.h"

#include <stdlib.h>
#include <string.h>

#define MAX_FOUND 20

int64_t
sched_web_id(const char *s)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0')
		return 0;
	v = strtoll(s, &end, 10);
	return *end == '\0' && v > 0 ? (int64_t)v : 0;
}

/* "HH:MM" to minutes of the day; -1 when it is not a time. */
int
sched_web_minute(const char *s)
{
	if (s == NULL || strlen(s) != 5 || s[2] != ':' ||
	    s[0] < '0' || s[0] > '2' || s[1] < '0' || s[1] > '9' ||
	    s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9')
		return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0');
	return h > 23 ? -1 : h * 60 + (s[3] - '0') * 10 + (s[4] - '0');
}

static void
field(struct field_view *f, const char *name, const char *label,
    const char *type, const char *value)
{
	memset(f, 0, sizeof(*f));
	f->name = name;
	f->label = label;
	f->type = type;
	f->value = value;
}

static struct sched_option_view *
options(struct req *r, const struct sched_named *x, size_t n,
    const char *none, const char *sel, size_t *out_n)
{
	struct sched_option_view *o;
	size_t i, k = 0;

	if ((o = arena_alloc(r->arena, (n + 2) * sizeof(*o))) == NULL)
		return NULL;
	if (none != NULL) {
		o[k].value = "";
		o[k].label = none;
		o[k++].selected = sel == NULL || sel[0] == '\0';
	}
	for (i = 0; i < n; i++, k++) {
		o[k].value = arena_printf(r->arena, "%lld", (long long)x[i].id);
		o[k].label = x[i].minutes ? arena_printf(r->arena, "%s (%d min)",
		    x[i].name, x[i].minutes) : x[i].name;
		o[k].selected = sel != NULL && strcmp(sel, o[k].value) == 0;
	}
	*out_n = k;
	return o;
}

static struct sched_option_view *
fixed(struct req *r, const char *const (*pairs)[2], size_t n,
    const char *sel, size_t *out_n)
{
	struct sched_option_view *o;
	size_t i;

	if ((o = arena_alloc(r->arena, n * sizeof(*o))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		o[i].value = pairs[i][0];
		o[i].label = pairs[i][1];
		o[i].selected = sel ? strcmp(sel, pairs[i][0]) == 0 : i == 0;
	}
	*out_n = n;
	return o;
}

static const char *const kinds[][2] = {{"individual", "Individual"},
	{"couple_family", "Couple or family"}, {"group", "Group"}};
static const char *const repeats[][2] = {{"none", "Does not repeat"},
	{"weekly", "Every week (or every few weeks)"},
	{"monthly", "Monthly, on the same weekday"}};
static const char *const nths[][2] = {{"1", "First"}, {"2", "Second"},
	{"3", "Third"}, {"4", "Fourth"}, {"-1", "Last"}};

static int
clinician_options(struct req *r, struct sched_book_view *v, const char *sel)
{
	struct sched_named *x;
	struct user_row *u;
	size_t n, i, k = 0;
	int rc;

	if ((u = arena_alloc(r->arena, 200 * sizeof(*u))) == NULL ||
	    (x = arena_alloc(r->arena, 200 * sizeof(*x))) == NULL)
		return ALC_ENOMEM;
	if ((rc = users_review(r->app->db, r->sess->practice_id, u, 200, &n))
	    != 0)
		return rc;
	for (i = 0; i < n; i++)
		if (u[i].active && (u[i].roles & (ROLE_CLINICIAN |
		    ROLE_SUPERVISOR))) {
			memset(&x[k], 0, sizeof(x[k]));
			x[k].id = u[i].id;
			x[k++].name = arena_strdup(r->arena, u[i].name);
		}
	if (sel == NULL && (r->sess->roles & (ROLE_CLINICIAN | ROLE_SUPERVISOR)))
		sel = arena_printf(r->arena, "%lld", (long long)r->sess->user_id);
	v->clinicians = options(r, x, k, NULL, sel, &v->n_clinicians);
	return v->clinicians ? 0 : ALC_ENOMEM;
}

typedef const char *(*getter)(struct req *, const char *);

static int
fill_form(struct req *r, struct sched_book_view *v, getter get)
{
	struct sched_named *t, *rm;
	size_t nt, nr;
	char tz[64];
	int rc;

	v->csrf = r->sess->csrf;
	if ((rc = sched_practice_tz(r->app->db, r->sess->practice_id, tz,
	    sizeof(tz))) != 0 ||
	    (rc = sched_types(r->app->db, r->arena, r->sess->practice_id, &t,
	    &nt)) != 0 ||
	    (rc = sched_rooms(r->app->db, r->arena, r->sess->practice_id, &rm,
	    &nr)) != 0 ||
	    (rc = clinician_options(r, v, get(r, "clinician"))) != 0)
		return rc;
	v->zone = arena_strdup(r->arena, tz);
	v->types = options(r, t, nt, "No particular type", get(r, "type"),
	    &v->n_types);
	v->rooms = options(r, rm, nr, "No room (telehealth or elsewhere)",
	    get(r, "room"), &v->n_rooms);
	v->kinds = fixed(r, kinds, 3, get(r, "kind"), &v->n_kinds);
	v->repeats = fixed(r, repeats, 3, get(r, "repeat"), &v->n_repeats);
	v->nths = fixed(r, nths, 5, get(r, "nth"), &v->n_nths);
	if (!v->types || !v->rooms || !v->kinds || !v->repeats || !v->nths)
		return ALC_ENOMEM;
	field(&v->date, "date", "Date", "date", get(r, "date"));
	v->date.required = 1;
	field(&v->time, "time", "Start time", "time", get(r, "time"));
	v->time.required = 1;
	v->time.hint = arena_printf(r->arena, "In the practice's time zone "
	    "(%s).", tz);
	field(&v->minutes, "minutes", "Length in minutes", "number",
	    get(r, "minutes"));
	v->minutes.hint = "Leave empty to use the appointment type's length "
	    "(50 minutes without a type).";
	field(&v->capacity, "capacity", "Group size limit", "number",
	    get(r, "capacity"));
	v->capacity.hint = "Groups only: the most patients the group takes.";
	field(&v->interval, "interval", "Every how many weeks", "number",
	    get(r, "interval"));
	field(&v->count, "count", "Number of sessions", "number",
	    get(r, "count"));
	field(&v->until, "until", "Or: last date", "date", get(r, "until"));
	field(&v->override_reason, "override_reason", "Reason for booking "
	    "despite the conflicts", "text", get(r, "override_reason"));
	return 0;
}

/* The search results (GET q) or the chosen patient (POST), with the
 * audit event for the names shown. */
static int
fill_patients(struct req *r, struct sched_book_view *v, const char *q,
    int64_t chosen)
{
	struct sched_option_view *o;
	struct patient_brief *b;
	struct alc_err err;
	int64_t ids[MAX_FOUND];
	size_t n = 0, i;
	int rc;

	if (chosen > 0) {
		if ((b = arena_alloc(r->arena, sizeof(*b))) == NULL)
			return ALC_ENOMEM;
		if ((rc = patients_briefs(r->app->db, r->app->keys, r->arena,
		    r->sess->practice_id, &chosen, 1, b)) != 0)
			return rc;
		if (b->id == 0)
			return 0;
		v->patient_id = arena_printf(r->arena, "%lld", (long long)chosen);
		v->chosen = arena_printf(r->arena, "%s (%s)", b->display_name,
		    b->chart_no);
		return sched_web_audit(r, "booking", &chosen, 1);
	}
	if (q == NULL || q[0] == '\0')
		return 0;
	memset(&err, 0, sizeof(err));
	rc = patients_search(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, q, MAX_FOUND, &b, &n, &err);
	if (rc == ALC_EINVAL) {
		v->q_error = err.user[0] ? arena_strdup(r->arena, err.user) :
		    "Type a name, birth date, phone number or chart number.";
		return 0;
	}
	if (rc != 0)
		return rc;
	if (n == 0)
		v->q_error = "No patient matches. Check the spelling, or try a "
		    "birth date or chart number.";
	if ((o = arena_alloc(r->arena, (n + 1) * sizeof(*o))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n; i++) {
		o[i].value = arena_printf(r->arena, "%lld", (long long)b[i].id);
		o[i].label = arena_printf(r->arena, "%s, born %s (%s)",
		    b[i].display_name, b[i].dob ? b[i].dob : "?", b[i].chart_no);
		o[i].selected = n == 1;
		ids[i] = b[i].id;
	}
	v->patients = o;
	v->n_patients = n;
	return n ? sched_web_audit(r, "booking_search", ids, n) : 0;
}

static int
send_form(struct req *r, int status, struct sched_book_view *v)
{
	struct buf body;

	buf_init(&body, r->arena);
	tmpl_schedule_new(&body, v);
	return page_send(r, status, "Book an appointment", &body);
}

int
page_schedule_new(struct req *r)
{
	struct sched_book_view v;
	int rc;

	memset(&v, 0, sizeof(v));
	if ((rc = fill_form(r, &v, req_query)) != 0)
		return rc;
	v.q = req_query(r, "q");
	if ((rc = fill_patients(r, &v, v.q, sched_web_id(req_query(r,
	    "patient")))) != 0)
		return rc;
	return send_form(r, 200, &v);
}

static int
int_field(struct req *r, const char *name, int dflt)
{
	const char *s = req_form(r, name);
	char *end;
	long v;

	if (s == NULL || s[0] == '\0')
		return dflt;
	v = strtol(s, &end, 10);
	return *end == '\0' && v >= -1 && v <= 100000 ? (int)v : -2;
}

/* The booking from the form; a message for the top of the form or NULL. */
static const char *
read_booking(struct req *r, struct sched_booking *b, int64_t *pat,
    int64_t *clin, const char *tz)
{
	const char *rep = req_form(r, "repeat"), *until = req_form(r, "until");
	struct sched_named *t;
	size_t nt, i;

	memset(b, 0, sizeof(*b));
	*pat = sched_web_id(req_form(r, "patient"));
	*clin = sched_web_id(req_form(r, "clinician"));
	b->patients = pat;
	b->npatients = *pat ? 1 : 0;
	b->clinicians = clin;
	b->nclinicians = *clin ? 1 : 0;
	b->kind = req_form(r, "kind") ? req_form(r, "kind") : "individual";
	b->capacity = int_field(r, "capacity", 0);
	b->type_id = sched_web_id(req_form(r, "type"));
	b->room_id = sched_web_id(req_form(r, "room"));
	b->tz = tz;
	b->override_reason = NULL;
	if (req_form(r, "override") != NULL) {
		b->override_reason = req_form(r, "override_reason");
		if (b->override_reason == NULL || b->override_reason[0] == '\0')
			return "Give the reason for booking despite the conflicts.";
	}
	if (*pat == 0)
		return "Find the patient and choose them.";
	if (caldate_parse(req_form(r, "date") ? req_form(r, "date") : "",
	    &b->date) != 0 || (b->start_min = sched_web_minute(req_form(r,
	    "time"))) < 0)
		return "Choose a date and a start time.";
	b->minutes = int_field(r, "minutes", 0);
	if (b->minutes == 0 && b->type_id && sched_types(r->app->db, r->arena,
	    r->sess->practice_id, &t, &nt) == 0)
		for (i = 0; i < nt; i++)
			if (t[i].id == b->type_id)
				b->minutes = t[i].minutes;
	if (b->minutes == 0)
		b->minutes = 50;
	if (b->capacity < 0)
		return "The group size limit must be a number.";
	if (rep != NULL && strcmp(rep, "weekly") == 0)
		b->recur.freq = SCHED_WEEKLY;
	else if (rep != NULL && strcmp(rep, "monthly") == 0)
		b->recur.freq = SCHED_MONTHLY_WEEKDAY;
	b->recur.interval = int_field(r, "interval", 1);
	b->recur.nth = int_field(r, "nth", 1);
	b->recur.count = int_field(r, "count", 0);
	if (until != NULL && until[0] != '\0' &&
	    caldate_parse(until, &b->recur.until) != 0)
		return "The last date is not a date.";
	return NULL;
}

void
sched_web_conflicts(struct req *r, const struct sched_conflicts *cf,
    const struct sched_suggest_view **out, size_t *n)
{
	static const struct {
		const char *what, *text;
	} words[] = {{"clinician", "The clinician is already booked"},
	    {"room", "The room is already booked"},
	    {"patient", "The patient already has an appointment"},
	    {"hours", "Outside the clinician's working hours or on their "
	    "time off (a warning)"}};
	struct sched_suggest_view *s;
	size_t i, k;

	*n = 0;
	if ((s = arena_alloc(r->arena, (cf->n + 1) * sizeof(*s))) == NULL)
		return;
	for (i = 0; i < cf->n; i++) {
		s[i].who = cf->items[i].what;
		for (k = 0; k < sizeof(words) / sizeof(words[0]); k++)
			if (strcmp(words[k].what, cf->items[i].what) == 0)
				s[i].who = words[k].text;
		s[i].when = arena_printf(r->arena, "%s at %s",
		    sched_web_date(r, cf->items[i].date),
		    sched_web_hm(r, cf->items[i].start_min));
		s[i].note = cf->items[i].appointment_id ? arena_printf(r->arena,
		    "/schedule/appointments/%lld",
		    (long long)cf->items[i].appointment_id) : NULL;
	}
	*out = s;
	*n = cf->n;
}

int
page_schedule_create(struct req *r)
{
	struct sched_booking b;
	struct sched_conflicts cf;
	struct sched_book_view v;
	struct audit_event who;
	struct alc_err err;
	int64_t pat, clin, first, series;
	const char *msg;
	char tz[64];
	int rc;

	memset(&v, 0, sizeof(v));
	memset(&err, 0, sizeof(err));
	if ((rc = sched_practice_tz(r->app->db, r->sess->practice_id, tz,
	    sizeof(tz))) != 0)
		return rc;
	if ((msg = read_booking(r, &b, &pat, &clin, tz)) == NULL) {
		web_audit_who(r, &who);
		rc = sched_book(r->app->db, r->sess->practice_id, &b, &who,
		    &first, &series, &cf, &err);
		if (rc == 0) {
			return resp_redirect(r, 303, arena_printf(r->arena,
			    "/schedule/appointments/%lld?done=%s",
			    (long long)first, series ? "series" : "booked"));
		}
		if (rc != ALC_EINVAL && rc != ALC_ECONFLICT)
			return rc;
		msg = arena_strdup(r->arena, err.user);
		if (rc == ALC_ECONFLICT) {
			sched_web_conflicts(r, &cf, &v.conflicts,
			    &v.n_conflicts);
			v.more_conflicts = cf.total - cf.n;
		}
	}
	if ((rc = fill_form(r, &v, req_form)) != 0 ||
	    (rc = fill_patients(r, &v, NULL, pat)) != 0)
		return rc;
	v.error = msg;
	return send_form(r, 422, &v);
}
