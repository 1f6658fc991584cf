/*
 * pages.h - the page and API handlers named in the route table.
 * One file per area under src/web/pages/.
 */
#ifndef ALC_WEB_PAGES_H
#define ALC_WEB_PAGES_H

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
int page_static(struct req *r);    /* pages/static.c */

#endif
