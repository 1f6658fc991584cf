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
int page_practices(struct req *r);       /* pages/practices.c */
int page_practice_switch(struct req *r);
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
int page_staff_supervisor(struct req *r);
int page_staff_request_approve(struct req *r);  /* staff_requests.c */
int page_staff_request_decline(struct req *r);
/* Shared by pages/staff.c and pages/staff_admin.c: */
struct staff_view;
/* Renders /staff with v's management part (filled by the caller). */
int staff_index_send(struct req *r, int status, struct staff_view *v);
/* Fills the management part of v (blank invitation form, lockouts) when
 * the user may manage staff. */
int staff_index_manage(struct req *r, struct staff_view *v);
/* Fills v's pending invitation requests (staff_requests.c); the row of
 * request err_id (0: none) shows error and the typed note. */
int staff_fill_requests(struct req *r, struct staff_view *v, int64_t err_id,
    const char *note, const char *error);
/* A positive decimal id from a URL, or 0 (staff_admin.c). */
int64_t staff_parse_id(const char *s);
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
int page_compliance_dashboard(struct req *r); /* compliance_dashboard.c */
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
int page_settings_keys(struct req *r); /* pages/settings_keys.c */
int page_settings_keys_rotate(struct req *r);
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
int page_risk(struct req *r);            /* pages/risk.c */
int page_risk_start(struct req *r);
int page_risk_assessment(struct req *r);
int page_risk_save(struct req *r);
int page_risk_complete(struct req *r);
int page_risk_register(struct req *r);   /* pages/risk_register.c */
int page_risk_register_csv(struct req *r);
int page_risk_new(struct req *r);
int page_risk_create(struct req *r);
int page_risk_item(struct req *r);
int page_risk_update(struct req *r);
int page_risk_task(struct req *r);
int page_policies(struct req *r);     /* pages/policies.c */
int page_policy_adopt(struct req *r);
int page_policy(struct req *r);
int page_policy_version(struct req *r);
int page_policy_attest(struct req *r);
int page_policy_edit(struct req *r);
int page_policy_update(struct req *r);
int page_policy_publish(struct req *r);
int page_policy_retire(struct req *r);
int page_policy_report(struct req *r);
int page_training(struct req *r);     /* pages/training.c */
int page_training_add(struct req *r);
int page_training_settings(struct req *r);
int page_training_retire(struct req *r);
int page_workforce_log(struct req *r);
int page_workforce_log_add(struct req *r);
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
int page_schedule_setup_feed(struct req *r);
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
/* pages/schedule_setup.c: set-up, and helpers the other pages share. */
int page_schedule_setup(struct req *r);
int page_schedule_setup_location(struct req *r);
int page_schedule_setup_room(struct req *r);
int page_schedule_setup_type(struct req *r);
int page_schedule_setup_hours(struct req *r);
int page_schedule_setup_exception(struct req *r);
int page_schedule_setup_retire(struct req *r);
struct sched_named;
struct sched_option_view;
const char *sched_web_cpt_label(const char *code); /* NULL: not on the list */
int64_t sched_web_cents(const char *dollars);      /* "75.50" -> 7550; -1 bad */
/* Active clinicians and supervisors (id, name), arena-allocated. */
int sched_web_clinicians(struct req *r, struct sched_named **out, size_t *n);
const char *sched_web_name_of(const struct sched_named *x, size_t n,
    int64_t id);
struct sched_option_view *sched_web_options(struct req *r,
    const struct sched_named *x, size_t n, const char *first,
    const char *sel, size_t *out_n);
/* pages/schedule_today.c: the front desk's list of the day. */
int page_schedule_today(struct req *r);
int page_schedule_arrive(struct req *r);
/* pages/schedule_waitlist.c: the waitlist, its matches, group members. */
int page_schedule_waitlist(struct req *r);
int page_schedule_waitlist_add(struct req *r);
int page_schedule_waitlist_remove(struct req *r);
int page_schedule_group_add(struct req *r);
int page_schedule_group_remove(struct req *r);
/* "Waitlist matches" for the freed slots (cancelled, late-cancelled)
 * among ap[0..n): names by the calendar's rule, audited (view
 * "waitlist_matches") before the caller sends its page. */
int sched_web_waitlist_matches(struct req *r, const struct sched_appt *ap,
    size_t n, const char *tz, const struct sched_suggest_view **out,
    size_t *nout);
/* The appointment page (schedule_appt.c) with an error, for the group
 * forms. */
int sched_web_appt_page(struct req *r, int64_t id, int status,
    const char *error);
/* The same with the conflicts of a refused change listed (cf may be
 * NULL); and the "Move or change" form's fields (schedule_edit.c), the
 * appointment's own values unless the request posted others. */
int sched_web_appt_conflicts(struct req *r, int64_t id, int status,
    const char *error, const struct sched_conflicts *cf);
struct sched_appt_view;
int sched_web_edit_form(struct req *r, const struct sched_appt *a,
    const struct caldate *d, int minute, struct sched_appt_view *v);
int page_measures(struct req *r);   /* pages/measures.c */
int page_measure_new(struct req *r);
int page_measure_create(struct req *r);
int page_measure_ack(struct req *r);
/* Clinical notes: pages/notes.c, notes_form.c, notes_page.c,
 * notes_sign.c, notes_psych.c. */
int page_notes(struct req *r);
int page_note_new(struct req *r);
int page_note_create(struct req *r);
int page_note(struct req *r);
int page_note_save(struct req *r);
int page_note_sign(struct req *r);
int page_note_addendum(struct req *r);
int page_note_cosign(struct req *r);
int page_note_versions(struct req *r);
int page_note_print(struct req *r);
int page_notes_due(struct req *r);
int page_psych_notes(struct req *r);
int page_psych_create(struct req *r);
int page_psych_note(struct req *r);
/* Shared by the pages/notes*.c files: */
struct note;
struct note_template;
struct note_value;
struct note_section_view;
/* Messages of a note's page (NULL: none). */
struct notes_msgs {
	const char *error, *sign_error, *message;
};
int notes_web_gate(struct req *r, int64_t id, int *bg, int *shown);
int64_t notes_web_nid(struct req *r);
int notes_web_audit(struct req *r, const char *verb, const char *type,
    int64_t patient, int64_t oid, const char *sens, int bg);
int notes_web_brief(struct req *r, int64_t id, struct patient_brief *b);
const char *notes_web_status(const struct note *n);
const char *notes_web_title(struct req *r, const char *key, int version);
int notes_web_sections(struct req *r, const struct note_template *t,
    const struct note_value *vals, size_t nv,
    const struct note_section_view **out);
int notes_web_posted(struct req *r, const struct note_template *t,
    struct note_value **vals, size_t *n, const char **bad);
int notes_web_render(struct req *r, const struct patient_brief *b,
    const struct note *n, const struct note_value *vals, size_t nv,
    int status, const struct notes_msgs *m);
int notes_web_show(struct req *r, int status, const struct notes_msgs *m);
struct alc_err;
int notes_web_refused(struct req *r, int rc, const struct alc_err *err);
int page_rights_open(struct req *r); /* pages/rights.c */
int page_rights_patient(struct req *r);
int page_rights_create(struct req *r);
int page_rights_settings(struct req *r);
int page_rights_settings_save(struct req *r);
int page_rights_request(struct req *r); /* pages/rights_request.c */
int page_rights_extend(struct req *r);
int page_rights_decide(struct req *r);
int page_rights_review(struct req *r);
int page_rights_fulfil(struct req *r);
int page_rights_letter(struct req *r);
int page_disclosures(struct req *r); /* pages/rights_disclosures.c */
int page_disclosure_create(struct req *r);
int page_accounting(struct req *r);
int page_accounting_csv(struct req *r);
int page_accounting_record(struct req *r);
/* Shared by the pages/rights*.c files: */
struct caldate;
struct rights_clock;
/* Today in the practice's zone, and a date as arena text. */
struct caldate rightsweb_today(struct req *r);
const char *rightsweb_date(struct req *r, struct caldate d);
/* At least demographic access to patient pat, and its brief in *b; *shown
 * when the break-glass page was rendered instead. */
int rightsweb_gate(struct req *r, int64_t pat, int *shown,
    struct patient_brief *b);
/* Writes a read event (verb VIEW, PRINT, EXPORT) before a page is sent. */
int rightsweb_audit(struct req *r, const char *verb, const char *type,
    int64_t oid, int64_t pat, int part2, const char *detail);
/* "12 days left", "3 days overdue", "No federal deadline". */
const char *rightsweb_days(struct req *r, const struct rights_clock *k);
int page_static(struct req *r);    /* pages/static.c */

#endif
