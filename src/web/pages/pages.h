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
int page_settings(struct req *r);    /* pages/settings.c */
int page_settings_save(struct req *r);
int page_static(struct req *r);    /* pages/static.c */

#endif
