/*
 * pages.h - the page and API handlers named in the route table.
 * One file per area under src/web/pages/.
 */
#ifndef ALC_WEB_PAGES_H
#define ALC_WEB_PAGES_H

#include <stddef.h>
#include <stdint.h>

struct req;

int page_root(struct req *r);      /* pages/home.c */
int page_home(struct req *r);
int page_login_form(struct req *r); /* pages/auth.c */
int page_login_submit(struct req *r);
int page_logout(struct req *r);
int page_password_forgot_form(struct req *r); /* pages/password.c */
int page_password_forgot_submit(struct req *r);
int page_password_reset_form(struct req *r);
int page_password_reset_submit(struct req *r);
int page_sessions(struct req *r);  /* pages/account.c */
int page_sessions_end_others(struct req *r);
int page_session_keepalive(struct req *r);
int page_mfa_login_form(struct req *r); /* pages/mfa.c */
int page_mfa_login_submit(struct req *r);
int page_mfa_account(struct req *r);
int page_mfa_qr(struct req *r);
int page_mfa_enable(struct req *r);
int page_mfa_regenerate(struct req *r);
int page_mfa_disable(struct req *r);
/* next if it is a local path ("/x", never "//host"), else NULL (auth.c). */
const char *page_safe_next(const char *next);
int page_healthz(struct req *r);   /* pages/health.c */
int page_staff(struct req *r);       /* pages/staff.c */
int page_staff_csv(struct req *r);
int page_permissions(struct req *r);
int page_staff_invite(struct req *r); /* pages/staff_admin.c */
int page_staff_member(struct req *r);
int page_staff_roles(struct req *r);
int page_staff_deactivate(struct req *r);
int page_staff_offboarding(struct req *r);
int page_staff_reinvite(struct req *r);
int page_staff_unlock(struct req *r);
int page_staff_mfa_reset(struct req *r);
/* Shared by pages/staff.c and pages/staff_admin.c: */
struct staff_view;
/* Renders /staff with v's management part (filled by the caller). */
int staff_index_send(struct req *r, int status, struct staff_view *v);
/* Fills the management part of v (blank invitation form, lockouts) when
 * the user may manage staff. */
int staff_index_manage(struct req *r, struct staff_view *v);
/* "2026-03-10 14:05 UTC" for ms, or none when ms <= 0. */
const char *staff_when(struct req *r, int64_t ms, const char *none);
/* "Practice owner, Clinician" */
const char *staff_role_labels(struct req *r, unsigned roles);
struct staff_role_choice_view;
/* Every role as a checkbox (role_<name>, id <prefix><name>); *n of them. */
const struct staff_role_choice_view *staff_role_choices(struct req *r,
    const char *prefix, unsigned checked, size_t *n);
/* The roles ticked in the posted form. */
unsigned staff_read_roles(struct req *r);
/* Where links in e-mails start: server.public_url, else the bound origin. */
const char *staff_base_url(struct req *r);
/* The message for a missing (none) or too long reason, or NULL. */
const char *staff_reason_error(const char *reason, const char *none);
int page_compliance(struct req *r);  /* pages/compliance.c */
int page_compliance_task(struct req *r);
int page_compliance_complete(struct req *r);
int page_compliance_reassign(struct req *r);
int page_compliance_signoff(struct req *r);
int page_compliance_retire(struct req *r);
int page_compliance_new(struct req *r); /* pages/compliance_form.c */
int page_compliance_create(struct req *r);
int page_compliance_edit(struct req *r);
int page_compliance_update(struct req *r);
int page_compliance_calendar(struct req *r);
int page_compliance_token(struct req *r);
int page_compliance_token_revoke(struct req *r);
int page_compliance_ics(struct req *r);
int page_audit(struct req *r);       /* pages/audit.c */
int page_audit_csv(struct req *r);
int page_audit_json(struct req *r);
int page_audit_review(struct req *r); /* pages/audit_review.c */
int page_audit_review_mark(struct req *r);
int page_audit_review_sign(struct req *r);
int page_settings(struct req *r);    /* pages/settings.c */
int page_settings_save(struct req *r);
int page_incident_new(struct req *r); /* pages/incidents.c */
int page_incident_create(struct req *r);
int page_incidents(struct req *r);
int page_incidents_hhs_csv(struct req *r);
int page_incident(struct req *r);
int page_incident_note(struct req *r);
int page_incident_status(struct req *r);
int page_incident_assess(struct req *r);
int page_incident_approve(struct req *r);
int page_incident_letter(struct req *r); /* pages/incidents_letter.c */
int page_incident_letter_print(struct req *r);
int page_vendors(struct req *r);      /* pages/vendors.c */
int page_vendor_new(struct req *r);
int page_vendor_create(struct req *r);
int page_vendor(struct req *r);
int page_vendor_update(struct req *r);
int page_vendor_retire(struct req *r);
int page_patients(struct req *r);    /* pages/patients.c */
int page_patient(struct req *r);
int page_patient_break_glass(struct req *r);
int page_patient_new(struct req *r); /* pages/patients_form.c */
int page_patient_create(struct req *r);
int page_patient_edit(struct req *r);
int page_patient_update(struct req *r);
int page_patient_team_add(struct req *r); /* pages/patients_team.c */
int page_patient_team_remove(struct req *r);
int page_patient_merge(struct req *r);
int page_break_glass_reviews(struct req *r);
int page_break_glass_review(struct req *r);
/* Shared by the pages/patients*.c files: */
struct patient_actor;
struct patient_brief;
struct patient_record;
struct patient_row_view;
struct patient_show_view;
/* The :id route parameter (0 when not a positive number). */
int64_t patients_web_id(struct req *r);
/* The signed-in user as core/patients sees them. */
void patients_web_actor(struct req *r, struct patient_actor *a);
/* List rows (href, chart, name, DOB, status) for n briefs. */
const struct patient_row_view *patients_web_rows(struct req *r,
    const struct patient_brief *b, size_t n);
/* Checks access, audits the view, renders the overview with status and
 * the optional messages of the care-team and merge forms. */
int patients_web_show(struct req *r, int64_t id, int status,
    const char *team_error, const char *merge_error);
/* The 403 page with the break-glass form (audits ACCESS_DENIED). */
int patients_web_denied(struct req *r, int64_t id, const char *error,
    const char *reason);
/* The overview's view from a loaded record (acc: enum patient_access). */
int patients_web_fill_show(struct req *r, const struct patient_record *p,
    int acc, int bg, struct patient_show_view *v);
int page_schedule(struct req *r);   /* pages/schedule.c */
int page_schedule_new(struct req *r); /* pages/schedule_book.c */
int page_schedule_create(struct req *r);
int page_schedule_appt(struct req *r); /* pages/schedule_appt.c */
int page_schedule_status(struct req *r);
int page_schedule_move(struct req *r);
int page_schedule_following(struct req *r);
int page_schedule_feed(struct req *r); /* pages/schedule_feed.c */
int page_schedule_feed_token(struct req *r);
int page_schedule_feed_revoke(struct req *r);
int page_schedule_ics(struct req *r);
/* Shared by the pages/schedule*.c files: */
struct caldate;
struct sched_appt;
struct sched_conflicts;
struct sched_suggest_view;
const char *sched_web_date(struct req *r, struct caldate d); /* "Monday 1 June 2026" */
const char *sched_web_hm(struct req *r, int minute);        /* "09:05" */
const char *sched_web_status(const char *status);           /* "No-show" */
int sched_web_today(struct req *r, const char *tz, struct caldate *d);
/* The names to show for the patients of ap[0..n) in order (flattened),
 * by the viewer's roles and care team, and the ids actually named. */
int sched_web_names(struct req *r, struct sched_appt *ap, size_t n,
    const char ***names, int64_t **shown, size_t *nshown);
/* The calendar audit event(s) for the named patients (schedule.c). */
int sched_web_audit(struct req *r, const char *view, const int64_t *ids,
    size_t n);
int64_t sched_web_id(const char *s);     /* positive id, or 0 */
int sched_web_minute(const char *hhmm);  /* minute of day, or -1 */
void sched_web_conflicts(struct req *r, const struct sched_conflicts *cf,
    const struct sched_suggest_view **out, size_t *n);
int page_static(struct req *r);    /* pages/static.c */

#endif
