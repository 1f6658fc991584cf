/*
 * pages/schedule_edit.c - the "Move or change" form of the appointment
 * page (POST /schedule/appointments/{id}/move): a new date, start time,
 * length, clinician, type or room, for "Only this appointment" (the
 * default) or "This and all following" of a series.
 *
 * The form comes filled with what the appointment has now; the handler
 * sends core/scheduling only what differs (sched_change's "keep" values
 * for the rest), so choosing "this and all following" to change only the
 * clinician leaves every later occurrence at its own time.  Fields left
 * out of the post (an older form, a script) are kept too.  A mistake or
 * a conflict brings the page back (422) with what was typed; conflicts
 * are listed and an override needs a reason, as when booking.
 */
#include "web/pages/pages.h"
#include "web/audit_web.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/views_schedule.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/err.h"
#include "core/scheduling/scheduling.h"
#include "core/users/admin.h"
#include "core/users/users.h"

#include <stdlib.h>
#include <string.h>

static const char *const scope_opts[][2] = {
	{"this", "Only this appointment"},
	{"following", "This and all following"}};

/* The posted value of name, or (not posted) the appointment's own. */
static const char *
posted_or(struct req *r, const char *name, const char *now)
{
	const char *v = req_form(r, name);

	return v != NULL ? v : now;
}

static const char *
id_text(struct req *r, int64_t id)
{
	return id > 0 ? arena_printf(r->arena, "%lld", (long long)id) : "";
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

static int
fill_selects(struct req *r, const struct sched_appt *a,
    struct sched_appt_view *v)
{
	struct sched_named *clin, *types, *rooms;
	struct sched_option_view *sc, *rm;
	size_t nc, nt, nr, i;
	const char *room;
	int rc;

	if ((rc = sched_web_clinicians(r, &clin, &nc)) != 0 ||
	    (rc = sched_types(r->app->db, r->arena, r->sess->practice_id,
	    &types, &nt)) != 0 ||
	    (rc = sched_rooms(r->app->db, r->arena, r->sess->practice_id,
	    &rooms, &nr)) != 0)
		return rc;
	v->edit_clinicians = sched_web_options(r, clin, nc, NULL, posted_or(r,
	    "clinician", id_text(r, a->nclinicians ? a->clinicians[0] : 0)),
	    &v->n_edit_clinicians);
	v->edit_types = sched_web_options(r, types, nt, "No particular type",
	    posted_or(r, "type", id_text(r, a->type_id)), &v->n_edit_types);
	room = posted_or(r, "room", id_text(r, a->room_id));
	rm = sched_web_options(r, rooms, nr, "No room (telehealth or "
	    "elsewhere)", strcmp(room, "none") == 0 ? "" : room,
	    &v->n_edit_rooms);
	if ((sc = arena_alloc(r->arena, 2 * sizeof(*sc))) == NULL || !rm ||
	    !v->edit_clinicians || !v->edit_types)
		return ALC_ENOMEM;
	rm[0].value = "none"; /* "" would read as "not posted: keep" */
	v->edit_rooms = rm;
	for (i = 0; i < 2; i++) {
		sc[i].value = scope_opts[i][0];
		sc[i].label = scope_opts[i][1];
		sc[i].selected = strcmp(posted_or(r, "scope", "this"),
		    scope_opts[i][0]) == 0;
	}
	v->scopes = sc;
	v->n_scopes = 2;
	return 0;
}

int
sched_web_edit_form(struct req *r, const struct sched_appt *a,
    const struct caldate *d, int minute, struct sched_appt_view *v)
{
	char day[CALDATE_TEXT_SIZE];

	field(&v->date, "date", "Date", "date", posted_or(r, "date",
	    arena_strdup(r->arena, caldate_format(*d, day))));
	v->date.required = 1;
	field(&v->time, "time", "Start time", "time", posted_or(r, "time",
	    sched_web_hm(r, minute)));
	v->time.required = 1;
	field(&v->minutes, "minutes", "Length in minutes", "number",
	    posted_or(r, "minutes", arena_printf(r->arena, "%d", a->minutes)));
	field(&v->move_override, "override_reason", "Reason for changing "
	    "despite conflicts", "text", req_form(r, "override_reason"));
	v->move_override.hint = "Only needed when the new time collides.";
	return fill_selects(r, a, v);
}

/* The change from the form, against appointment a; NULL or a message. */
static const char *
read_change(struct req *r, const struct sched_appt *a,
    struct sched_change *ch)
{
	const char *mins = req_form(r, "minutes"), *room = req_form(r, "room");
	int64_t clin = sched_web_id(req_form(r, "clinician"));
	int64_t type = sched_web_id(req_form(r, "type"));
	char *end = NULL;
	long m = 0;

	memset(ch, 0, sizeof(*ch));
	ch->following = req_form(r, "scope") != NULL &&
	    strcmp(req_form(r, "scope"), "following") == 0;
	ch->override_reason = req_form(r, "override_reason");
	if (caldate_parse(req_form(r, "date") ? req_form(r, "date") : "",
	    &ch->date) != 0 || (ch->start_min = sched_web_minute(req_form(r,
	    "time"))) < 0)
		return "Choose the new date and start time.";
	if (mins != NULL && mins[0] != '\0' && ((m = strtol(mins, &end, 10)),
	    *end != '\0' || m < 5 || m > 600))
		return "The length must be 5 to 600 minutes.";
	ch->minutes = (int)m;
	/* The form shows the first clinician; a new one takes their place
	 * and co-clinicians of a group stay. */
	ch->replaces_clinician = a->nclinicians ? a->clinicians[0] : 0;
	ch->clinician_id = ch->replaces_clinician == clin ? 0 : clin;
	ch->type_id = type == a->type_id ? 0 : type;
	if (room != NULL && strcmp(room, "none") == 0)
		ch->room_id = a->room_id ? -1 : 0;
	else if (room != NULL && sched_web_id(room) != a->room_id)
		ch->room_id = sched_web_id(room);
	return NULL;
}

int
page_schedule_move(struct req *r)
{
	int64_t id = sched_web_id(req_param(r, "id")), series = 0;
	struct sched_conflicts cf;
	struct sched_change ch;
	struct audit_event who;
	struct sched_appt a;
	struct alc_err err;
	const char *msg;
	int rc;

	if (id == 0)
		return ALC_ENOTFOUND;
	if ((rc = sched_get(r->app->db, r->arena, r->sess->practice_id, id,
	    &a)) != 0)
		return rc;
	if ((msg = read_change(r, &a, &ch)) != NULL)
		return sched_web_appt_conflicts(r, id, 422, msg, NULL);
	memset(&err, 0, sizeof(err));
	web_audit_who(r, &who);
	rc = sched_change(r->app->db, r->sess->practice_id, id, &ch, &who, &cf,
	    &series, &err);
	if (rc == ALC_EINVAL || rc == ALC_ECONFLICT)
		return sched_web_appt_conflicts(r, id, 422,
		    arena_strdup(r->arena, err.user), rc == ALC_ECONFLICT ?
		    &cf : NULL);
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/schedule/appointments/%lld?done=%s", (long long)id,
	    ch.following ? "changed_following" : "moved"));
}
