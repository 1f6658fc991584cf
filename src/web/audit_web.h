/*
 * audit_web.h - who and where, from a request, for audit events.
 *
 * Pages fill only what happened (verb, object, patient, outcome); this
 * fills the rest from the request context, the same way everywhere.
 */
#ifndef ALC_WEB_AUDIT_WEB_H
#define ALC_WEB_AUDIT_WEB_H

struct audit_event;
struct req;

/* Zeroes ev and fills actor, roles, session reference, address, user
 * agent, MFA, practice and request id from r (signed in or not). */
void web_audit_who(struct req *r, struct audit_event *ev);

#endif
