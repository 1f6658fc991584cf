#include "web/audit_web.h"
#include "web/http.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "core/users/admin.h"
#include "core/users/users.h"

#include <string.h>

void
web_audit_who(struct req *r, struct audit_event *ev)
{
	const char *ua = req_header(r, "User-Agent");
	char roles[128], *clean;

	memset(ev, 0, sizeof(*ev));
	ev->source_addr = r->addr;
	ev->request_id = r->rid;
	if (ua != NULL && (clean = arena_alloc(r->arena, 512)) != NULL)
		ev->user_agent = audit_text_clean(clean, 512, ua);
	if (r->sess == NULL)
		return;
	roles_format(r->sess->roles, roles, sizeof(roles));
	ev->actor_user_id = r->sess->user_id;
	ev->actor_role = arena_strdup(r->arena, roles);
	/* The session's row id: links the event to the sessions table
	 * without revealing anything that could resume the session. */
	ev->session_ref = arena_printf(r->arena, "session:%lld",
	    (long long)r->sess->id);
	ev->mfa = r->sess->mfa;
	ev->practice_id = r->sess->practice_id;
}
