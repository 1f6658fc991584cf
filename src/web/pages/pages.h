/*
 * pages.h - the page and API handlers named in the route table.
 * One file per area under src/web/pages/.
 */
#ifndef ALC_WEB_PAGES_H
#define ALC_WEB_PAGES_H

struct req;

int page_home(struct req *r);      /* pages/home.c */
int page_login_form(struct req *r); /* pages/auth.c */
int page_healthz(struct req *r);   /* pages/health.c */
int page_static(struct req *r);    /* pages/static.c */

#endif
