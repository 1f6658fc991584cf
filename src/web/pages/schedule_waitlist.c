/*
 * pages/schedule_waitlist.c - the waitlist (GET/POST /schedule/waitlist,
 * POST /schedule/waitlist/:id/remove), the "Waitlist matches" that the
 * appointment page and the day view show for a freed slot, and adding or
 * removing patients of a group appointment.
 *
 * Everything here that names a patient follows the calendar's rule
 * (sched_web_names: a clinician sees names on their own care team only)
 * and writes the calendar's audit event before the page is sent: view
 * "waitlist" for the list, "waitlist_search"/"waitlist_add" for the
 * patient search and the chosen patient, "waitlist_matches" for
 * suggestions.  A freed slot is a cancelled or late-cancelled appointment
 * still ahead; an entry fits it by clinician, weekday and hours
 * (sched_waitlist_fits), and its link opens the booking form prefilled
 * with patient, clinician, date, time, length, type and room.
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
#include "base/timeutil.h"
#include "core/patients/patients.h"
#include "core/scheduling/scheduling.h"
#include "core/users/users.h"
#include "templates.h"

#include <stdlib.h>
#include <string.h>

#define MAX_FOUND 20
#define MAX_MATCHES 20

static const char *const day_short[] = {"Sun", "Mon", "Tue", "Wed", "Thu",
	"Fri", "Sat"};
static const char *const day_long[] = {"Sunday", "Monday", "Tuesday",
	"Wednesday", "Thursday", "Friday", "Saturday"};
static const char *const day_keys[] = {"day0", "day1", "day2", "day3",
	"day4", "day5", "day6"};

/* Names of patients ids[0..n) by the calendar's rule. */
static int
names_for(struct req *r, const int64_t *ids, size_t n, const char ***names,
    int64_t **shown, size_t *nshown)
{
	struct sched_appt *ap;
	size_t i;

	if ((ap = arena_alloc(r->arena, (n + 1) * sizeof(*ap))) == NULL)
		return ALC_ENOMEM;
	memset(ap, 0, (n + 1) * sizeof(*ap));
	for (i = 0; i < n; i++) {
		ap[i].patients[0] = ids[i];
		ap[i].npatients = 1;
	}
	return sched_web_names(r, ap, n, names, shown, nshown);
}

static const char *
days_text(struct req *r, const char *days)
{
	struct buf b;
	int i;

	if (strcmp(days, "1111111") == 0)
		return "Any day";
	buf_init(&b, r->arena);
	for (i = 1; i <= 7; i++)
		if (days[i % 7] == '1')
			buf_printf(&b, "%s%s", b.len ? ", " : "", day_short[i % 7]);
	return buf_cstr(&b);
}

static const char *
times_text(struct req *r, int from, int to)
{
	if (from == 0 && to == 1440)
		return "Any time";
	return arena_printf(r->arena, "%s to %s", sched_web_hm(r, from),
	    to == 1440 ? "24:00" : sched_web_hm(r, to));
}

static int
fill_list(struct req *r, struct sched_waitlist_view *v,
    const struct sched_named *staff, size_t nstaff)
{
	struct sched_wait_row_view *rows;
	struct sched_wait *w;
	const char **names;
	int64_t *ids, *shown;
	char d[CALDATE_TEXT_SIZE];
	size_t n, nshown, i;
	int rc;

	if ((rc = sched_waitlist_list(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, &w, &n)) != 0)
		return rc;
	if ((ids = arena_alloc(r->arena, (n + 1) * sizeof(*ids))) == NULL ||
	    (rows = arena_alloc(r->arena, (n + 1) * sizeof(*rows))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n; i++)
		ids[i] = w[i].patient_id;
	if ((rc = names_for(r, ids, n, &names, &shown, &nshown)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		memset(&rows[i], 0, sizeof(rows[i]));
		rows[i].who = names[i];
		rows[i].clinician = w[i].clinician_id ? sched_web_name_of(staff,
		    nstaff, w[i].clinician_id) : "Anyone";
		rows[i].days = days_text(r, w[i].days);
		rows[i].times = times_text(r, w[i].earliest_min, w[i].latest_min);
		rows[i].since = w[i].since.y ? arena_strdup(r->arena,
		    caldate_format(w[i].since, d)) : NULL;
		/* The note is PHI: only for those who see the name. */
		rows[i].note = strcmp(names[i], "Appointment") == 0 ? NULL :
		    w[i].note;
		rows[i].remove_action = arena_printf(r->arena,
		    "/schedule/waitlist/%lld/remove", (long long)w[i].id);
	}
	v->rows = rows;
	v->n_rows = n;
	return nshown ? sched_web_audit(r, "waitlist", shown, nshown) : 0;
}

/* The search results (GET q) or the chosen patient, audited. */
static int
fill_patient(struct req *r, struct sched_waitlist_view *v, int64_t chosen)
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
		    r->sess->practice_id, &chosen, 1, b)) != 0 || b->id == 0)
			return rc;
		v->patient_id = arena_printf(r->arena, "%lld", (long long)chosen);
		v->chosen = arena_printf(r->arena, "%s (%s)", b->display_name,
		    b->chart_no);
		return sched_web_audit(r, "waitlist_add", &chosen, 1);
	}
	if (v->q == NULL || v->q[0] == '\0')
		return 0;
	memset(&err, 0, sizeof(err));
	rc = patients_search(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, v->q, MAX_FOUND, &b, &n, &err);
	if (rc == ALC_EINVAL) {
		v->q_error = "Type a name, birth date, phone number or chart "
		    "number.";
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
	return n ? sched_web_audit(r, "waitlist_search", ids, n) : 0;
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

typedef const char *(*getter)(struct req *, const char *);

static int
render(struct req *r, struct sched_waitlist_view *v, int status, getter get,
    int64_t chosen)
{
	struct sched_option_view *days;
	struct sched_named *staff;
	struct buf body;
	size_t nstaff, i;
	int rc;

	if ((rc = sched_web_clinicians(r, &staff, &nstaff)) != 0 ||
	    (rc = fill_list(r, v, staff, nstaff)) != 0 ||
	    (rc = fill_patient(r, v, chosen)) != 0)
		return rc;
	v->csrf = r->sess->csrf;
	if ((v->clinicians = sched_web_options(r, staff, nstaff, "Anyone",
	    get(r, "clinician"), &v->n_clinicians)) == NULL ||
	    (days = arena_alloc(r->arena, 7 * sizeof(*days))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < 7; i++) {
		days[i].value = day_keys[(i + 1) % 7];
		days[i].label = day_long[(i + 1) % 7];
		days[i].selected = get(r, day_keys[(i + 1) % 7]) != NULL;
	}
	v->days = days;
	v->n_days = 7;
	field(&v->earliest, "earliest", "Earliest start", "time",
	    get(r, "earliest"));
	v->earliest.hint = "Leave both times empty for any time of day.";
	field(&v->latest, "latest", "Finished by", "time", get(r, "latest"));
	field(&v->since, "since", "Waiting since", "date", get(r, "since"));
	v->since.hint = "Leave empty for today.";
	field(&v->note, "note", "Note", "text", get(r, "note"));
	buf_init(&body, r->arena);
	tmpl_schedule_waitlist(&body, v);
	return page_send(r, status, "Waitlist", &body);
}

int
page_schedule_waitlist(struct req *r)
{
	struct sched_waitlist_view v;
	const char *done = req_query(r, "done");

	memset(&v, 0, sizeof(v));
	if (done != NULL)
		page_flash(r, "success", strcmp(done, "removed") == 0 ?
		    "The patient is off the waitlist." : "The patient is on "
		    "the waitlist.");
	v.q = req_query(r, "q");
	return render(r, &v, 200, req_query, sched_web_id(req_query(r,
	    "patient")));
}

/* The entry from the form; a message for the form, or NULL. */
static const char *
read_wait(struct req *r, struct sched_wait *w, const char *tz)
{
	const char *e = req_form(r, "earliest"), *l = req_form(r, "latest");
	const char *since = req_form(r, "since");
	int i;

	memset(w, 0, sizeof(*w));
	w->patient_id = sched_web_id(req_form(r, "patient"));
	w->clinician_id = sched_web_id(req_form(r, "clinician"));
	for (i = 0; i < 7; i++)
		w->days[i] = req_form(r, day_keys[i]) ? '1' : '0';
	w->earliest_min = e && e[0] ? sched_web_minute(e) : 0;
	w->latest_min = l && l[0] ? (strcmp(l, "24:00") == 0 ? 1440 :
	    sched_web_minute(l)) : 1440;
	w->note = req_form(r, "note");
	if (w->earliest_min < 0 || w->latest_min < 0)
		return "Give times such as 09:00 and 12:00, or leave them empty.";
	if (since != NULL && since[0] != '\0') {
		if (caldate_parse(since, &w->since) != 0)
			return "Waiting since: give a date.";
	} else if (sched_web_today(r, tz, &w->since) != 0)
		w->since.y = 0;
	return NULL;
}

int
page_schedule_waitlist_add(struct req *r)
{
	struct sched_waitlist_view v;
	struct audit_event who;
	struct sched_wait w;
	struct alc_err err;
	const char *msg;
	char tz[64];
	int64_t id;
	int rc;

	memset(&v, 0, sizeof(v));
	memset(&err, 0, sizeof(err));
	if ((rc = sched_practice_tz(r->app->db, r->sess->practice_id, tz,
	    sizeof(tz))) != 0)
		return rc;
	if ((msg = read_wait(r, &w, tz)) == NULL) {
		web_audit_who(r, &who);
		rc = sched_waitlist_add(r->app->db, r->app->keys,
		    r->sess->practice_id, &w, &who, &id, &err);
		if (rc == 0)
			return resp_redirect(r, 303, "/schedule/waitlist?done="
			    "added");
		if (rc != ALC_EINVAL && rc != ALC_EEXIST)
			return rc;
		msg = arena_strdup(r->arena, err.user[0] ? err.user :
		    "Check the patient and the clinician.");
	}
	v.error = msg;
	return render(r, &v, 422, req_form, w.patient_id);
}

int
page_schedule_waitlist_remove(struct req *r)
{
	struct sched_waitlist_view v;
	int64_t id = sched_web_id(req_param(r, "id"));
	struct audit_event who;
	struct alc_err err;
	int rc;

	if (id == 0)
		return ALC_ENOTFOUND;
	memset(&err, 0, sizeof(err));
	web_audit_who(r, &who);
	rc = sched_waitlist_remove(r->app->db, r->sess->practice_id, id,
	    req_form(r, "reason"), &who, &err);
	if (rc == ALC_EINVAL) {
		memset(&v, 0, sizeof(v));
		v.error = arena_strdup(r->arena, err.user);
		return render(r, &v, 422, req_query, 0);
	}
	return rc != 0 ? rc : resp_redirect(r, 303,
	    "/schedule/waitlist?done=removed");
}

/* The booking link for entry w in the freed slot a. */
static const char *
book_href(struct req *r, const struct sched_appt *a,
    const struct sched_wait *w)
{
	char d[CALDATE_TEXT_SIZE];
	int64_t clin = w->clinician_id ? w->clinician_id :
	    (a->nclinicians ? a->clinicians[0] : 0);

	return arena_printf(r->arena, "/schedule/new?patient=%lld&clinician="
	    "%lld&date=%s&time=%s&minutes=%d&type=%lld&room=%lld",
	    (long long)w->patient_id, (long long)clin, caldate_format(a->date,
	    d), sched_web_hm(r, a->start_min), a->minutes,
	    (long long)a->type_id, (long long)a->room_id);
}

static int
freed(const struct sched_appt *a, int64_t now)
{
	return a->start_at > now && (strcmp(a->status, "cancelled") == 0 ||
	    strcmp(a->status, "late_cancel") == 0);
}

int
sched_web_waitlist_matches(struct req *r, const struct sched_appt *ap,
    size_t n, const char *tz, const struct sched_suggest_view **out,
    size_t *nout)
{
	struct sched_suggest_view *s;
	struct sched_wait *w, *hit[MAX_MATCHES];
	const struct sched_appt *slot[MAX_MATCHES];
	const char **names;
	int64_t ids[MAX_MATCHES], *shown, now = time_now_ms();
	size_t nw, k = 0, i, j, nshown;
	int rc;

	*nout = 0;
	for (i = 0; i < n && !freed(&ap[i], now); i++)
		;
	if (i == n || authz_check(r, ACT_SCHEDULE_BOOK) != 0)
		return 0;
	if ((rc = sched_waitlist_list(r->app->db, NULL, r->arena,
	    r->sess->practice_id, &w, &nw)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		for (j = 0; freed(&ap[i], now) && j < nw && k < MAX_MATCHES; j++)
			if (sched_waitlist_fits(&w[j], ap[i].clinicians,
			    ap[i].nclinicians, ap[i].date, ap[i].start_min,
			    ap[i].minutes)) {
				slot[k] = &ap[i];
				hit[k] = &w[j];
				ids[k++] = w[j].patient_id;
			}
	if (k == 0)
		return 0;
	if ((rc = names_for(r, ids, k, &names, &shown, &nshown)) != 0)
		return rc;
	if ((s = arena_alloc(r->arena, k * sizeof(*s))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < k; i++) {
		s[i].who = names[i];
		s[i].when = arena_printf(r->arena, "fits %s at %s (wants %s, %s)",
		    sched_web_date(r, slot[i]->date), sched_web_hm(r,
		    slot[i]->start_min), days_text(r, hit[i]->days), times_text(r,
		    hit[i]->earliest_min, hit[i]->latest_min));
		s[i].note = book_href(r, slot[i], hit[i]);
	}
	*out = s;
	*nout = k;
	(void)tz;
	return nshown ? sched_web_audit(r, "waitlist_matches", shown, nshown) :
	    0;
}

/* The patient typed on the group form: a chart number, or a search with
 * exactly one result. */
static int
find_one(struct req *r, const char *q, int64_t *id, const char **msg)
{
	struct patient_brief *b;
	struct alc_err err;
	size_t n = 0;
	int rc;

	*id = 0;
	*msg = "Type the patient's chart number (such as P-000012) or full "
	    "name.";
	if (q == NULL || q[0] == '\0')
		return 0;
	if (patients_by_chart(r->app->db, r->sess->practice_id, q, id) == 0)
		return 0;
	memset(&err, 0, sizeof(err));
	rc = patients_search(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, q, 2, &b, &n, &err);
	if (rc != 0 && rc != ALC_EINVAL)
		return rc;
	if (rc == 0 && n == 1)
		*id = b[0].id;
	else if (rc == 0 && n > 1)
		*msg = "More than one patient matches: type the chart number.";
	else if (rc == 0)
		*msg = "No patient matches. Check the spelling, or type the "
		    "chart number.";
	return 0;
}

int
page_schedule_group_add(struct req *r)
{
	int64_t id = sched_web_id(req_param(r, "id")), pat;
	struct audit_event who;
	struct alc_err err;
	const char *msg;
	int rc;

	if (id == 0)
		return ALC_ENOTFOUND;
	if ((rc = find_one(r, req_form(r, "add_patient"), &pat, &msg)) != 0)
		return rc;
	if (pat == 0)
		return sched_web_appt_page(r, id, 422, msg);
	memset(&err, 0, sizeof(err));
	web_audit_who(r, &who);
	rc = sched_add_patient(r->app->db, r->sess->practice_id, id, pat, &who,
	    &err);
	if (rc == ALC_EINVAL || rc == ALC_ECONFLICT || rc == ALC_EEXIST)
		return sched_web_appt_page(r, id, 422, arena_strdup(r->arena,
		    err.user));
	return rc != 0 ? rc : resp_redirect(r, 303, arena_printf(r->arena,
	    "/schedule/appointments/%lld?done=joined", (long long)id));
}

int
page_schedule_group_remove(struct req *r)
{
	int64_t id = sched_web_id(req_param(r, "id"));
	int64_t pat = sched_web_id(req_form(r, "patient"));
	struct audit_event who;
	struct alc_err err;
	int rc;

	if (id == 0)
		return ALC_ENOTFOUND;
	memset(&err, 0, sizeof(err));
	web_audit_who(r, &who);
	rc = sched_remove_patient(r->app->db, r->sess->practice_id, id, pat,
	    &who, &err);
	if (rc == ALC_EINVAL || (rc == ALC_ENOTFOUND && err.user[0]))
		return sched_web_appt_page(r, id, 422, arena_strdup(r->arena,
		    err.user));
	return rc != 0 ? rc : resp_redirect(r, 303, arena_printf(r->arena,
	    "/schedule/appointments/%lld?done=left", (long long)id));
}
