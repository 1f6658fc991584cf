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
int page_sessions(struct req *r);  /* pages/account.c */
int page_sessions_end_others(struct req *r);
int page_healthz(struct req *r);   /* pages/health.c */
int page_static(struct req *r);    /* pages/static.c */

#endif
