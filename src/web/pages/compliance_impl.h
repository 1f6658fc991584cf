/*
 * compliance_impl.h - helpers shared by pages/compliance.c (the list and a
 * task) and pages/compliance_form.c (adding and editing tasks, and the
 * calendar feed); not used elsewhere.
 */
#ifndef ALC_WEB_PAGES_COMPLIANCE_IMPL_H
#define ALC_WEB_PAGES_COMPLIANCE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "base/caldate.h"

struct audit_event;
struct cmp_option_view;
struct compliance_actor;
struct req;

/* A positive decimal id ("12"), else 0. */
int64_t cmpweb_parse_id(const char *s);
/* The signed-in person as the core's actor (ev holds the audit fields). */
void cmpweb_actor(struct req *r, struct compliance_actor *a,
    struct audit_event *ev);
/* Today in the practice's time zone. */
struct caldate cmpweb_today(struct req *r);
/* "2026-03-10 14:05 UTC" for ms, from the arena. */
const char *cmpweb_when(struct req *r, int64_t ms);
/* The practice's active staff as <option>s, `selected` marked. */
int cmpweb_staff_options(struct req *r, int64_t selected,
    struct cmp_option_view **out, size_t *n);

#endif
