/*
 * pages/incidents_letter.c - the draft of the notice to individuals of
 * 45 CFR 164.404(c): its five required elements prefilled from the
 * incident (what happened with the dates, the kinds of PHI from the first
 * risk factor's narrative, what to do, what the practice is doing from
 * the mitigation narrative, how to reach the practice), edited in a form,
 * then shown as a printable letter.  The draft is not stored: the letter
 * sent is the practice's record; the timeline and audit trail record that
 * it was drafted and printed (PRINT event).
 */
#include "web/pages/pages.h"
#include "web/pages/compliance_impl.h"
#include "web/audit_web.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/views_incidents.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "core/compliance/incident.h"
#include "core/users/users.h"
#include "templates.h"

#include <string.h>

#define NPARTS 5

static const char *const part_names[NPARTS] = {"what_happened",
    "information", "steps", "our_actions", "contact"};
static const char *const part_labels[NPARTS] = {
	"What happened",
	"What information was involved",
	"What you can do to protect yourself",
	"What we are doing",
	"How to reach us",
};

static const char *
prefill(struct req *r, const struct incident *inc, int k)
{
	switch (k) {
	case 0:
		return arena_printf(r->arena, "%s\n\n%s\n\nWe discovered this "
		    "on %s.", inc->title, inc->description, inc->discovered_on);
	case 1:
		return inc->as.f[0].text && inc->as.f[0].text[0] ?
		    inc->as.f[0].text : "[The kinds of information involved, such "
		    "as name, date of birth, diagnosis, insurance number.]";
	case 2:
		return "Review the statements you receive from your health plan "
		    "and contact them about any service you did not receive. "
		    "[Add any other steps that fit this incident.]";
	case 3:
		return inc->as.f[3].text && inc->as.f[3].text[0] ?
		    inc->as.f[3].text : "[What we are doing to investigate, to "
		    "limit the harm and to prevent this from happening again.]";
	default:
		return arena_printf(r->arena, "If you have questions, call us "
		    "toll-free at [number], e-mail [address], visit [web site] or "
		    "write to %s, [postal address].", r->sess->practice_name);
	}
}

static int
render(struct req *r, int printable)
{
	struct inc_letter_part_view *p;
	struct inc_letter_view v;
	struct audit_event ev;
	struct incident inc;
	char d[CALDATE_TEXT_SIZE];
	struct buf body;
	const char *t;
	int64_t id = cmpweb_parse_id(req_param(r, "id"));
	int rc, k;

	if (id == 0)
		return ALC_ENOTFOUND;
	if ((rc = incident_get(r->app->db, r->arena, r->sess->practice_id, id,
	    &inc)) != 0)
		return rc;
	if ((p = arena_alloc(r->arena, NPARTS * sizeof(*p))) == NULL)
		return ALC_ENOMEM;
	for (k = 0; k < NPARTS; k++) {
		p[k].name = part_names[k];
		p[k].label = part_labels[k];
		t = printable ? req_form(r, part_names[k]) : NULL;
		p[k].text = t != NULL ? t : prefill(r, &inc, k);
	}
	memset(&v, 0, sizeof(v));
	v.id = (long long)inc.id;
	v.csrf = r->sess->csrf;
	v.title = inc.title;
	v.practice = r->sess->practice_name;
	v.date = arena_strdup(r->arena, caldate_format(cmpweb_today(r), d));
	v.parts = p;
	v.n_parts = NPARTS;
	v.printable = printable;
	web_audit_who(r, &ev);
	ev.verb = printable ? "PRINT" : "VIEW";
	ev.object_type = "incident";
	ev.object_id = arena_printf(r->arena, "%lld", (long long)inc.id);
	ev.detail = "{\"letter\":\"individual_notice\"}";
	if ((rc = audit_record_read(r->app->audit, &ev)) != 0)
		return rc;
	buf_init(&body, r->arena);
	tmpl_incidents_letter(&body, &v);
	return page_send(r, 200, "Notice letter", &body);
}

int
page_incident_letter(struct req *r)
{
	return render(r, 0);
}

int
page_incident_letter_print(struct req *r)
{
	return render(r, 1);
}
