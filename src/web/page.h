/*
 * page.h - wrapping page bodies in the layout; asset URLs; error pages.
 */
#ifndef ALC_WEB_PAGE_H
#define ALC_WEB_PAGE_H

#include "base/buf.h"

struct req;

/* Renders the layout around body (already-rendered HTML) into r->out with
 * the given status and title.  Returns 0 or ALC_ENOMEM. */
int page_send(struct req *r, int status, const char *title,
    const struct buf *body);
/* Shows a message at the top of the page being rendered; kind is "info",
 * "success" or "error".  At most four; later ones are dropped. */
void page_flash(struct req *r, const char *kind, const char *text);
/* The error page for an HTTP status, naming the request id. */
void page_error(struct req *r, int status);
/* The same with a specific title and message. */
void page_error_msg(struct req *r, int status, const char *title,
    const char *message);
/* "/static/css/alcove.<hash>.css" for "css/alcove.css" (NULL if absent). */
const char *page_asset_href(struct req *r, const char *name);

#endif
