/*
 * routes.c - the whole HTTP surface of Alcove, one row per route.
 *
 * Order matters only where patterns overlap: the first row whose pattern
 * and method match wins.  Every row names the action authorization checks
 * before the handler runs (web/authz.c).
 */
#include "web/router.h"
#include "web/pages/pages.h"

const struct route routes[] = {
	{HTTP_GET, "/", ACT_PUBLIC, page_root},
	{HTTP_GET, "/login", ACT_PUBLIC, page_login_form},
	{HTTP_POST, "/login", ACT_PUBLIC, page_login_submit},
	{HTTP_GET, "/password/forgot", ACT_PUBLIC, page_password_forgot_form},
	{HTTP_POST, "/password/forgot", ACT_PUBLIC,
	    page_password_forgot_submit},
	{HTTP_GET, "/password/reset", ACT_PUBLIC, page_password_reset_form},
	{HTTP_POST, "/password/reset", ACT_PUBLIC, page_password_reset_submit},
	{HTTP_POST, "/logout", ACT_SIGN_OUT, page_logout},
	{HTTP_GET, "/login/mfa", ACT_MFA_VERIFY, page_mfa_login_form},
	{HTTP_POST, "/login/mfa", ACT_MFA_VERIFY, page_mfa_login_submit},
	{HTTP_GET, "/account/mfa", ACT_MFA_SETUP, page_mfa_account},
	{HTTP_GET, "/account/mfa/qr.svg", ACT_MFA_SETUP, page_mfa_qr},
	{HTTP_POST, "/account/mfa/enable", ACT_MFA_SETUP, page_mfa_enable},
	{HTTP_POST, "/account/mfa/recovery-codes", ACT_SIGNED_IN,
	    page_mfa_regenerate},
	{HTTP_POST, "/account/mfa/disable", ACT_SIGNED_IN, page_mfa_disable},
	{HTTP_GET, "/home", ACT_SIGNED_IN, page_home},
	{HTTP_GET, "/account/sessions", ACT_SIGNED_IN, page_sessions},
	{HTTP_POST, "/account/sessions/end-others", ACT_SIGNED_IN,
	    page_sessions_end_others},
	{HTTP_POST, "/session/keepalive", ACT_SIGNED_IN, page_session_keepalive},
	{HTTP_GET, "/staff", ACT_STAFF_VIEW, page_staff},
	{HTTP_GET, "/staff/access-review.csv", ACT_STAFF_VIEW, page_staff_csv},
	{HTTP_GET, "/staff/permissions", ACT_SIGNED_IN, page_permissions},
	{HTTP_POST, "/staff", ACT_STAFF_MANAGE, page_staff_invite},
	/* After the fixed /staff/... paths above, which it would shadow. */
	{HTTP_GET, "/staff/:id", ACT_STAFF_VIEW, page_staff_member},
	{HTTP_POST, "/staff/:id/roles", ACT_STAFF_MANAGE, page_staff_roles},
	{HTTP_POST, "/staff/:id/deactivate", ACT_STAFF_MANAGE,
	    page_staff_deactivate},
	{HTTP_POST, "/staff/:id/offboarding", ACT_STAFF_MANAGE,
	    page_staff_offboarding},
	{HTTP_POST, "/staff/:id/invite", ACT_STAFF_MANAGE, page_staff_reinvite},
	{HTTP_POST, "/staff/:id/unlock", ACT_STAFF_MANAGE, page_staff_unlock},
	{HTTP_POST, "/staff/:id/mfa-reset", ACT_STAFF_MANAGE,
	    page_staff_mfa_reset},
	{HTTP_GET, "/compliance", ACT_COMPLIANCE_VIEW, page_compliance},
	{HTTP_GET, "/compliance/calendar", ACT_COMPLIANCE_VIEW,
	    page_compliance_calendar},
	{HTTP_POST, "/compliance/calendar/token", ACT_COMPLIANCE_VIEW,
	    page_compliance_token},
	{HTTP_POST, "/compliance/calendar/revoke", ACT_COMPLIANCE_VIEW,
	    page_compliance_token_revoke},
	/* Calendar apps have no session: the token in the URL is checked by
	 * the handler (pages/compliance_form.c). */
	{HTTP_GET, "/compliance/calendar.ics", ACT_PUBLIC, page_compliance_ics},
	{HTTP_GET, "/compliance/tasks/new", ACT_COMPLIANCE_MANAGE,
	    page_compliance_new},
	{HTTP_POST, "/compliance/tasks", ACT_COMPLIANCE_MANAGE,
	    page_compliance_create},
	{HTTP_GET, "/compliance/tasks/:id", ACT_COMPLIANCE_VIEW,
	    page_compliance_task},
	{HTTP_GET, "/compliance/tasks/:id/edit", ACT_COMPLIANCE_MANAGE,
	    page_compliance_edit},
	{HTTP_POST, "/compliance/tasks/:id/edit", ACT_COMPLIANCE_MANAGE,
	    page_compliance_update},
	/* Owner, backup owner or manager: checked by the handler and core. */
	{HTTP_POST, "/compliance/tasks/:id/complete", ACT_COMPLIANCE_VIEW,
	    page_compliance_complete},
	{HTTP_POST, "/compliance/tasks/:id/reassign", ACT_COMPLIANCE_VIEW,
	    page_compliance_reassign},
	{HTTP_POST, "/compliance/tasks/:id/signoff", ACT_COMPLIANCE_MANAGE,
	    page_compliance_signoff},
	{HTTP_POST, "/compliance/tasks/:id/retire", ACT_COMPLIANCE_MANAGE,
	    page_compliance_retire},
	{HTTP_GET, "/audit", ACT_AUDIT_VIEW, page_audit},
	{HTTP_GET, "/audit/export.csv", ACT_AUDIT_VIEW, page_audit_csv},
	{HTTP_GET, "/audit/export.json", ACT_AUDIT_VIEW, page_audit_json},
	{HTTP_GET, "/settings", ACT_SETTINGS_MANAGE, page_settings},
	{HTTP_POST, "/settings", ACT_SETTINGS_MANAGE, page_settings_save},
	{HTTP_GET, "/healthz", ACT_PUBLIC, page_healthz},
	{HTTP_GET, "/static/*", ACT_PUBLIC, page_static},
};
const unsigned routes_count = sizeof(routes) / sizeof(routes[0]);
