/*
 * pages/schedule_setup.c - scheduling set-up for owners and
 * administrators (ACT_SCHEDULE_SETUP): locations (the automatic
 * "Telehealth" included), rooms of a location, appointment types, working
 * hours per weekday and time off or holidays.
 *
 * One page (GET /schedule/setup) shows every list with its form; each form
 * posts to its own route and, on a mistake, the whole page comes back
 * (422) with what was typed and the message next to the field.  Types
 * take a CPT code from Alcove's shipped list of common behavioral-health
 * codes (validated here: a code not on the list is refused) and a fee
 * typed in dollars, stored as integer cents.  Locations, rooms and types
 * are retired, never deleted.  Nothing here is PHI; core/scheduling
 * writes a CONFIG_CHANGE audit event with every change.
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
#include "core/scheduling/scheduling.h"
#include "core/users/admin.h"
#include "core/users/users.h"
#include "templates.h"

#include <stdlib.h>
#include <string.h>

/* The CPT codes a behavioral-health practice uses most, with Alcove's own
 * short labels (not the AMA descriptors). */
static const char *const cpt_codes[][2] = {
	{"90791", "Diagnostic evaluation"},
	{"90792", "Diagnostic evaluation with medical services"},
	{"90832", "Psychotherapy, about 30 minutes"},
	{"90834", "Psychotherapy, about 45 minutes"},
	{"90837", "Psychotherapy, about 60 minutes"},
	{"90839", "Crisis psychotherapy, first hour"},
	{"90840", "Crisis psychotherapy, each further 30 minutes"},
	{"90846", "Family therapy, patient not present"},
	{"90847", "Family or couples therapy, patient present"},
	{"90853", "Group psychotherapy"},
	{"96127", "Brief emotional or behavioral assessment"},
	{"99202", "New patient visit, straightforward"},
	{"99203", "New patient visit, low complexity"},
	{"99204", "New patient visit, moderate complexity"},
	{"99205", "New patient visit, high complexity"},
	{"99211", "Established patient visit, minimal"},
	{"99212", "Established patient visit, straightforward"},
	{"99213", "Established patient visit, low complexity"},
	{"99214", "Established patient visit, moderate complexity"},
	{"99215", "Established patient visit, high complexity"}};
#define NCPT (sizeof(cpt_codes) / sizeof(cpt_codes[0]))

static const char *const colour_labels[SCHED_PALETTE_N] = {"Blue", "Green",
	"Purple", "Orange", "Teal", "Grey"};
static const char *const wdays[] = {"Sunday", "Monday", "Tuesday",
	"Wednesday", "Thursday", "Friday", "Saturday"};

static const struct {
	const char *done, *text;
} done_msgs[] = {{"location", "The location is added."},
	{"room", "The room is added."}, {"type", "The appointment type is "
	"added."}, {"hours", "The working hours are added."},
	{"exception", "The time off is added."},
	{"retired", "It is retired: it no longer appears when booking."},
	{"feed", "The calendar subscriptions are changed."}};

const char *
sched_web_cpt_label(const char *code)
{
	size_t i;

	for (i = 0; code != NULL && i < NCPT; i++)
		if (strcmp(code, cpt_codes[i][0]) == 0)
			return cpt_codes[i][1];
	return NULL;
}

int64_t
sched_web_cents(const char *s)
{
	long long d = 0, c = 0;
	int n = 0, k = 0;

	if (s != NULL && *s == '$')
		s++;
	if (s == NULL || s[0] == '\0')
		return 0;
	for (; *s >= '0' && *s <= '9' && n < 7; s++, n++)
		d = d * 10 + (*s - '0');
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9' && k < 2; s++, k++)
			c = c * 10 + (*s - '0');
	if (*s != '\0' || n == 0)
		return -1;
	return d * 100 + (k == 1 ? c * 10 : c);
}

int
sched_web_clinicians(struct req *r, struct sched_named **out, size_t *n)
{
	struct user_row *u;
	size_t nu, i;
	int rc;

	*n = 0;
	if ((u = arena_alloc(r->arena, 200 * sizeof(*u))) == NULL ||
	    (*out = arena_alloc(r->arena, 200 * sizeof(**out))) == NULL)
		return ALC_ENOMEM;
	if ((rc = users_review(r->app->db, r->sess->practice_id, u, 200, &nu))
	    != 0)
		return rc;
	for (i = 0; i < nu; i++)
		if (u[i].active && (u[i].roles & (ROLE_CLINICIAN |
		    ROLE_SUPERVISOR))) {
			memset(&(*out)[*n], 0, sizeof(**out));
			(*out)[*n].id = u[i].id;
			(*out)[(*n)++].name = arena_strdup(r->arena, u[i].name);
		}
	return 0;
}

const char *
sched_web_name_of(const struct sched_named *x, size_t n, int64_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (x[i].id == id)
			return x[i].name;
	return "A former staff member";
}

struct sched_option_view *
sched_web_options(struct req *r, const struct sched_named *x, size_t n,
    const char *first, const char *sel, size_t *out_n)
{
	struct sched_option_view *o;
	size_t i, k = 0;

	if ((o = arena_alloc(r->arena, (n + 1) * sizeof(*o))) == NULL)
		return NULL;
	if (first != NULL) {
		o[k].value = "";
		o[k].label = first;
		o[k++].selected = sel == NULL || sel[0] == '\0';
	}
	for (i = 0; i < n; i++, k++) {
		o[k].value = arena_printf(r->arena, "%lld", (long long)x[i].id);
		o[k].label = x[i].name;
		o[k].selected = sel != NULL && strcmp(sel, o[k].value) == 0;
	}
	*out_n = k;
	return o;
}

static struct sched_option_view *
pairs(struct req *r, const char *const *values, const char *const *labels,
    size_t n, const char *sel, size_t *out_n)
{
	struct sched_option_view *o;
	size_t i;

	if ((o = arena_alloc(r->arena, (n + 1) * sizeof(*o))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		o[i].value = values[i];
		o[i].label = labels[i];
		o[i].selected = sel != NULL && strcmp(sel, values[i]) == 0;
	}
	*out_n = n;
	return o;
}

static void
field(struct req *r, struct field_view *f, const char *name,
    const char *label, const char *type)
{
	memset(f, 0, sizeof(*f));
	f->name = name;
	f->label = label;
	f->type = type;
	f->value = req_form(r, name);
}

static void
fill_fields(struct req *r, struct sched_setup_view *v)
{
	field(r, &v->location_name, "location_name", "New location", "text");
	field(r, &v->room_name, "room_name", "Room name", "text");
	field(r, &v->type_name, "type_name", "Type name", "text");
	field(r, &v->type_minutes, "type_minutes", "Default length in "
	    "minutes", "number");
	field(r, &v->type_fee, "type_fee", "Fee in dollars", "text");
	v->type_fee.hint = "Such as 150 or 150.00; leave empty for none.";
	field(r, &v->hours_start, "hours_start", "From", "time");
	field(r, &v->hours_end, "hours_end", "Until", "time");
	field(r, &v->exc_first, "exc_first", "First day", "date");
	field(r, &v->exc_last, "exc_last", "Last day", "date");
	field(r, &v->exc_label, "exc_label", "Reason", "text");
	v->exc_label.hint = "Shown to whoever books, e.g. \"Conference\" or "
	    "\"Thanksgiving\". No patient information.";
}

static int
fill_options(struct req *r, struct sched_setup_view *v,
    const struct sched_named *clin, size_t nclin,
    const struct sched_named *loc, size_t nloc)
{
	static const char *const kv[] = {"time_off", "holiday"};
	static const char *const kl[] = {"Time off", "Holiday"};
	static const char *const wv[] = {"1", "2", "3", "4", "5", "6", "0"};
	static const char *const wl[] = {"Monday", "Tuesday", "Wednesday",
	    "Thursday", "Friday", "Saturday", "Sunday"};
	const char *cv[NCPT + 1], *cl[NCPT + 1];
	size_t i;

	cv[0] = "";
	cl[0] = "No billing code";
	for (i = 0; i < NCPT; i++) {
		cv[i + 1] = cpt_codes[i][0];
		cl[i + 1] = arena_printf(r->arena, "%s %s", cpt_codes[i][0],
		    cpt_codes[i][1]);
	}
	v->cpts = pairs(r, cv, cl, NCPT + 1, req_form(r, "cpt"), &v->n_cpts);
	v->colours = pairs(r, sched_palette, colour_labels, SCHED_PALETTE_N,
	    req_form(r, "colour"), &v->n_colours);
	v->weekdays = pairs(r, wv, wl, 7, req_form(r, "weekday"),
	    &v->n_weekdays);
	v->exc_kinds = pairs(r, kv, kl, 2, req_form(r, "exc_kind"),
	    &v->n_exc_kinds);
	v->clinicians = sched_web_options(r, clin, nclin, NULL,
	    req_form(r, "clinician"), &v->n_clinicians);
	v->exc_whom = sched_web_options(r, clin, nclin, "The whole practice",
	    req_form(r, "whom"), &v->n_exc_whom);
	v->location_opts = sched_web_options(r, loc, nloc, NULL,
	    req_form(r, "location"), &v->n_location_opts);
	return v->cpts && v->colours && v->weekdays && v->exc_kinds &&
	    v->clinicians && v->exc_whom && v->location_opts ? 0 : ALC_ENOMEM;
}

static struct sched_setup_row_view *
rows_of(struct req *r, const struct sched_named *x, size_t n,
    const char *kind, int type)
{
	struct sched_setup_row_view *o;
	size_t i;

	if ((o = arena_alloc(r->arena, (n + 1) * sizeof(*o))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		o[i].name = x[i].name;
		o[i].kind = kind;
		o[i].id = arena_printf(r->arena, "%lld", (long long)x[i].id);
		if (!type)
			o[i].detail = x[i].fee_cents ? "telehealth" : NULL;
		else
			o[i].detail = arena_printf(r->arena, "%d minutes, %s%s, "
			    "$%lld.%02lld, %s", x[i].minutes, x[i].cpt ?
			    x[i].cpt : "no billing code", x[i].cpt ?
			    arena_printf(r->arena, " (%s)", sched_web_cpt_label(
			    x[i].cpt) ? sched_web_cpt_label(x[i].cpt) : "?") : "",
			    (long long)(x[i].fee_cents / 100),
			    (long long)(x[i].fee_cents % 100), x[i].colour);
	}
	return o;
}

static int
fill_hours(struct req *r, struct sched_setup_view *v,
    const struct sched_named *clin, size_t nclin)
{
	struct sched_hours_row *h;
	struct sched_exception_row *e;
	struct sched_setup_row_view *o;
	char a[CALDATE_TEXT_SIZE], b[CALDATE_TEXT_SIZE];
	size_t nh, ne, i;
	int rc;

	if ((rc = sched_hours_list(r->app->db, r->arena, r->sess->practice_id,
	    &h, &nh)) != 0 || (rc = sched_exceptions_list(r->app->db, r->arena,
	    r->sess->practice_id, &e, &ne)) != 0)
		return rc;
	if ((o = arena_alloc(r->arena, (nh + ne + 1) * sizeof(*o))) == NULL)
		return ALC_ENOMEM;
	memset(o, 0, (nh + ne + 1) * sizeof(*o));
	for (i = 0; i < nh; i++) {
		o[i].name = sched_web_name_of(clin, nclin, h[i].user_id);
		o[i].detail = arena_printf(r->arena, "%s %s to %s",
		    wdays[h[i].weekday % 7], sched_web_hm(r, h[i].start_min),
		    h[i].end_min == 1440 ? "24:00" : sched_web_hm(r,
		    h[i].end_min));
	}
	v->hours = o;
	v->n_hours = nh;
	for (i = 0; i < ne; i++) {
		o[nh + i].name = e[i].user_id ? sched_web_name_of(clin, nclin,
		    e[i].user_id) : "The whole practice";
		o[nh + i].detail = arena_printf(r->arena, "%s, %s to %s%s%s",
		    strcmp(e[i].kind, "holiday") == 0 ? "Holiday" : "Time off",
		    caldate_format(e[i].first, a), caldate_format(e[i].last, b),
		    e[i].label ? ": " : "", e[i].label ? e[i].label : "");
	}
	v->exceptions = o + nh;
	v->n_exceptions = ne;
	return 0;
}

/* Renders the page; v holds the errors the handler found. */
static int
render(struct req *r, struct sched_setup_view *v, int status)
{
	struct sched_named *loc, *rooms, *types, *clin;
	size_t nloc, nrooms, ntypes, nclin;
	struct buf body;
	char tz[64];
	int rc;

	if ((rc = sched_practice_tz(r->app->db, r->sess->practice_id, tz,
	    sizeof(tz))) != 0 ||
	    (rc = sched_locations(r->app->db, r->arena, r->sess->practice_id,
	    &loc, &nloc)) != 0 ||
	    (rc = sched_rooms(r->app->db, r->arena, r->sess->practice_id,
	    &rooms, &nrooms)) != 0 ||
	    (rc = sched_types(r->app->db, r->arena, r->sess->practice_id,
	    &types, &ntypes)) != 0 ||
	    (rc = sched_web_clinicians(r, &clin, &nclin)) != 0 ||
	    (rc = fill_options(r, v, clin, nclin, loc, nloc)) != 0 ||
	    (rc = fill_hours(r, v, clin, nclin)) != 0 ||
	    (rc = sched_feed_initials_get(r->app->db, r->sess->practice_id,
	    &v->feed_initials)) != 0)
		return rc;
	v->csrf = r->sess->csrf;
	v->zone = arena_strdup(r->arena, tz);
	v->locations = rows_of(r, loc, nloc, "location", 0);
	v->n_locations = nloc;
	v->rooms = rows_of(r, rooms, nrooms, "room", 0);
	v->n_rooms = nrooms;
	v->types = rows_of(r, types, ntypes, "type", 1);
	v->n_types = ntypes;
	if (!v->locations || !v->rooms || !v->types)
		return ALC_ENOMEM;
	buf_init(&body, r->arena);
	tmpl_schedule_setup(&body, v);
	return page_send(r, status, "Scheduling set-up", &body);
}

int
page_schedule_setup(struct req *r)
{
	struct sched_setup_view v;
	const char *done = req_query(r, "done");
	size_t i;

	for (i = 0; done && i < sizeof(done_msgs) / sizeof(done_msgs[0]); i++)
		if (strcmp(done, done_msgs[i].done) == 0)
			page_flash(r, "success", done_msgs[i].text);
	memset(&v, 0, sizeof(v));
	fill_fields(r, &v);
	return render(r, &v, 200);
}

static int
done(struct req *r, const char *what)
{
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/schedule/setup?done=%s", what));
}

/* After a core call: redirect on success, the page with msg on a user
 * error (*slot gets it), the error itself otherwise. */
static int
after(struct req *r, struct sched_setup_view *v, int rc,
    const struct alc_err *err, const char **slot, const char *what)
{
	if (rc == 0)
		return done(r, what);
	if (rc != ALC_EINVAL && rc != ALC_EEXIST && rc != ALC_EDB)
		return rc;
	*slot = arena_strdup(r->arena, err->user[0] ? err->user :
	    "That could not be saved: check the values.");
	return render(r, v, 422);
}

int
page_schedule_setup_location(struct req *r)
{
	struct sched_setup_view v;
	struct audit_event who;
	struct alc_err err;
	int64_t id;
	int rc;

	memset(&v, 0, sizeof(v));
	memset(&err, 0, sizeof(err));
	fill_fields(r, &v);
	web_audit_who(r, &who);
	rc = sched_location_add(r->app->db, r->sess->practice_id,
	    req_form(r, "location_name"), 0, &who, &id, &err);
	return after(r, &v, rc, &err, &v.location_name.error, "location");
}

int
page_schedule_setup_room(struct req *r)
{
	struct sched_setup_view v;
	struct audit_event who;
	struct alc_err err;
	int64_t id, loc = sched_web_id(req_form(r, "location"));
	int rc;

	memset(&v, 0, sizeof(v));
	memset(&err, 0, sizeof(err));
	fill_fields(r, &v);
	if (loc == 0) {
		v.room_error = "Choose the location the room is in.";
		return render(r, &v, 422);
	}
	web_audit_who(r, &who);
	rc = sched_room_add(r->app->db, r->sess->practice_id, loc,
	    req_form(r, "room_name"), &who, &id, &err);
	return after(r, &v, rc, &err, &v.room_name.error, "room");
}

int
page_schedule_setup_type(struct req *r)
{
	struct sched_setup_view v;
	struct sched_named t;
	struct audit_event who;
	struct alc_err err;
	const char *m = req_form(r, "type_minutes"), *cpt = req_form(r, "cpt");
	char *end = NULL;
	int64_t id;
	int rc;

	memset(&v, 0, sizeof(v));
	memset(&err, 0, sizeof(err));
	memset(&t, 0, sizeof(t));
	fill_fields(r, &v);
	t.name = req_form(r, "type_name");
	t.minutes = m && m[0] ? (int)strtol(m, &end, 10) : 0;
	t.cpt = cpt && cpt[0] ? cpt : NULL;
	t.colour = req_form(r, "colour");
	t.fee_cents = sched_web_cents(req_form(r, "type_fee"));
	if (m == NULL || m[0] == '\0' || *end != '\0' || t.minutes < 5 ||
	    t.minutes > 600)
		v.type_minutes.error = "Give the usual length: 5 to 600 minutes.";
	else if (t.cpt != NULL && sched_web_cpt_label(t.cpt) == NULL)
		v.type_cpt_error = "Choose a code from the list.";
	else if (t.fee_cents < 0)
		v.type_fee.error = "Type the fee in dollars, such as 150 or "
		    "150.00.";
	else if (!sched_colour_ok(t.colour))
		v.type_colour_error = "Choose a colour from the list.";
	else {
		web_audit_who(r, &who);
		rc = sched_type_add(r->app->db, r->sess->practice_id, &t, &who,
		    &id, &err);
		return after(r, &v, rc, &err, &v.type_name.error, "type");
	}
	return render(r, &v, 422);
}

int
page_schedule_setup_hours(struct req *r)
{
	struct sched_setup_view v;
	struct audit_event who;
	struct alc_err err;
	const char *wd = req_form(r, "weekday"), *e = req_form(r, "hours_end");
	int64_t clin = sched_web_id(req_form(r, "clinician"));
	int from = sched_web_minute(req_form(r, "hours_start"));
	int to = e && strcmp(e, "24:00") == 0 ? 1440 : sched_web_minute(e);
	int rc;

	memset(&v, 0, sizeof(v));
	memset(&err, 0, sizeof(err));
	fill_fields(r, &v);
	if (clin == 0 || wd == NULL || strlen(wd) != 1 || wd[0] < '0' ||
	    wd[0] > '6')
		v.hours_error = "Choose the clinician and the day.";
	else if (from < 0)
		v.hours_start.error = "Give the start time, such as 09:00.";
	else if (to < 0 || to <= from)
		v.hours_end.error = "Give an end time after the start.";
	else {
		web_audit_who(r, &who);
		rc = sched_hours_add(r->app->db, r->sess->practice_id, clin,
		    wd[0] - '0', from, to, &who, &err);
		return after(r, &v, rc, &err, &v.hours_error, "hours");
	}
	return render(r, &v, 422);
}

int
page_schedule_setup_exception(struct req *r)
{
	struct sched_setup_view v;
	struct audit_event who;
	struct alc_err err;
	struct caldate a, b;
	const char *f = req_form(r, "exc_first"), *l = req_form(r, "exc_last");
	const char *label = req_form(r, "exc_label");
	int rc;

	memset(&v, 0, sizeof(v));
	memset(&err, 0, sizeof(err));
	fill_fields(r, &v);
	if (caldate_parse(f ? f : "", &a) != 0)
		v.exc_first.error = "Give the first day.";
	else if (caldate_parse(l && l[0] ? l : f, &b) != 0 ||
	    caldate_cmp(b, a) < 0)
		v.exc_last.error = "Give a last day on or after the first.";
	else if (label != NULL && strlen(label) > 200)
		v.exc_label.error = "Keep the reason under 200 characters.";
	else {
		web_audit_who(r, &who);
		rc = sched_exception_add(r->app->db, r->sess->practice_id,
		    sched_web_id(req_form(r, "whom")), req_form(r, "exc_kind"),
		    a, b, label && label[0] ? label : NULL, &who, &err);
		return after(r, &v, rc, &err, &v.exc_error, "exception");
	}
	return render(r, &v, 422);
}

int
page_schedule_setup_retire(struct req *r)
{
	static const char *const kinds[] = {"location", "room", "type"};
	const char *k = req_form(r, "kind");
	int64_t id = sched_web_id(req_form(r, "id"));
	struct audit_event who;
	size_t i;
	int rc;

	for (i = 0; k != NULL && i < 3; i++)
		if (strcmp(k, kinds[i]) == 0)
			break;
	if (k == NULL || i == 3 || id == 0)
		return ALC_ENOTFOUND;
	web_audit_who(r, &who);
	if ((rc = sched_retire(r->app->db, r->sess->practice_id,
	    (enum sched_setup_kind)i, id, &who)) != 0)
		return rc;
	return done(r, "retired");
}
