/*
 * authz.c - the authorization decision for each route's action.
 *
 * Deny by default: an action that is not listed here is refused.
 */
#include "web/authz.h"
#include "web/http.h"
#include "base/arena.h"
#include "base/err.h"
#include "core/users/users.h"

/* Minimum necessary (45 CFR 164.502(b), 164.308(a)(4)): each role gets
 * the actions its job needs.  Plain-language labels, because the staff
 * pages show this table to the practice as it is. */
const struct permission permissions[] = {
	{ACT_STAFF_VIEW, "see the staff list and review who has access",
	    ROLE_OWNER | ROLE_ADMIN | ROLE_COMPLIANCE},
	{ACT_STAFF_MANAGE, "add staff, change their roles and deactivate them",
	    ROLE_OWNER | ROLE_ADMIN},
	/* Separation of duties: administrators ask, owners approve (an
	 * owner's own request needs another owner unless they are the only
	 * one: core/users/invite_request.h). */
	{ACT_INVITE_REQUEST, "ask for a new staff member to be invited, with "
	    "their roles", ROLE_OWNER | ROLE_ADMIN},
	{ACT_INVITE_APPROVE, "approve or decline requests to invite staff",
	    ROLE_OWNER},
	{ACT_AUDIT_VIEW, "read and export the audit trail",
	    ROLE_OWNER | ROLE_COMPLIANCE},
	{ACT_AUDIT_REVIEW, "review the audit trail each month, note what "
	    "flagged events were and sign the review off",
	    ROLE_OWNER | ROLE_COMPLIANCE},
	{ACT_SETTINGS_MANAGE, "change the practice's security settings",
	    ROLE_OWNER | ROLE_ADMIN},
	/* Everybody owns some compliance task (training, access review). */
	{ACT_COMPLIANCE_VIEW, "see the compliance program and complete the "
	    "tasks they own", ROLE_OWNER | ROLE_ADMIN | ROLE_CLINICIAN |
	    ROLE_SUPERVISOR | ROLE_BILLING | ROLE_FRONT_DESK | ROLE_COMPLIANCE},
	{ACT_COMPLIANCE_MANAGE, "add, change and retire compliance tasks and "
	    "sign them off", ROLE_OWNER | ROLE_ADMIN | ROLE_COMPLIANCE},
	/* Clinicians and supervisors are further limited to their care
	 * teams' patients (core/patients/patients.h). */
	{ACT_PATIENT_VIEW, "find patients and open their records (clinicians: "
	    "their own patients)", ROLE_OWNER | ROLE_ADMIN | ROLE_CLINICIAN |
	    ROLE_SUPERVISOR | ROLE_BILLING | ROLE_FRONT_DESK | ROLE_COMPLIANCE},
	{ACT_PATIENT_EDIT, "register patients and change their details",
	    ROLE_OWNER | ROLE_ADMIN | ROLE_CLINICIAN | ROLE_SUPERVISOR |
	    ROLE_FRONT_DESK},
	{ACT_PATIENT_MERGE, "merge duplicate patient records",
	    ROLE_OWNER | ROLE_ADMIN},
	{ACT_CARE_TEAM_MANAGE, "assign clinicians to patients",
	    ROLE_OWNER | ROLE_ADMIN | ROLE_SUPERVISOR},
	{ACT_BREAK_GLASS, "open a record outside their care team in an "
	    "emergency, giving a reason", ROLE_CLINICIAN | ROLE_SUPERVISOR},
	{ACT_BREAK_GLASS_REVIEW, "review emergency (break-glass) access",
	    ROLE_OWNER | ROLE_COMPLIANCE},
	{ACT_SCHEDULE_VIEW, "see the calendar and the day's appointments",
	    ROLE_OWNER | ROLE_ADMIN | ROLE_CLINICIAN | ROLE_SUPERVISOR |
	    ROLE_BILLING | ROLE_FRONT_DESK},
	{ACT_SCHEDULE_BOOK, "book, move and cancel appointments",
	    ROLE_OWNER | ROLE_ADMIN | ROLE_CLINICIAN | ROLE_SUPERVISOR |
	    ROLE_FRONT_DESK},
	{ACT_SCHEDULE_SETUP, "set up locations, rooms, appointment types and "
	    "working hours", ROLE_OWNER | ROLE_ADMIN},
	/* Anyone who notices an incident must be able to report it. */
	{ACT_INCIDENT_REPORT, "report a security or privacy incident",
	    ROLE_OWNER | ROLE_ADMIN | ROLE_CLINICIAN | ROLE_SUPERVISOR |
	    ROLE_BILLING | ROLE_FRONT_DESK | ROLE_COMPLIANCE},
	{ACT_INCIDENT_MANAGE, "investigate incidents and assess breaches",
	    ROLE_OWNER | ROLE_COMPLIANCE},
	{ACT_VENDOR_VIEW, "see the vendors and business associate agreements",
	    ROLE_OWNER | ROLE_ADMIN | ROLE_COMPLIANCE},
	{ACT_VENDOR_MANAGE, "add and change vendors and their agreements",
	    ROLE_OWNER | ROLE_ADMIN | ROLE_COMPLIANCE},
	{ACT_RISK_MANAGE, "carry out and sign the security risk analysis and "
	    "keep the risk register", ROLE_OWNER | ROLE_ADMIN | ROLE_COMPLIANCE},
	/* Every workforce member must read and attest to the policies. */
	{ACT_POLICY_VIEW, "read the practice's policies, attest to them and "
	    "see their own training", ROLE_OWNER | ROLE_ADMIN | ROLE_CLINICIAN |
	    ROLE_SUPERVISOR | ROLE_BILLING | ROLE_FRONT_DESK | ROLE_COMPLIANCE},
	{ACT_POLICY_MANAGE, "write, publish and retire policies and see who "
	    "has attested", ROLE_OWNER | ROLE_ADMIN | ROLE_COMPLIANCE},
	{ACT_TRAINING_MANAGE, "record staff training and see everyone's",
	    ROLE_OWNER | ROLE_ADMIN | ROLE_COMPLIANCE},
	/* Also limited to the care team's patients (clinical access). */
	{ACT_MEASURE_RECORD, "record rating scales (PHQ-9, GAD-7 ...) and "
	    "acknowledge their safety alerts", ROLE_OWNER | ROLE_CLINICIAN |
	    ROLE_SUPERVISOR},
	{ACT_RIGHTS_LOG, "record patients' requests (access to records, "
	    "amendment, accounting, restriction, confidential communications) "
	    "and follow their deadlines", ROLE_OWNER | ROLE_ADMIN |
	    ROLE_FRONT_DESK | ROLE_COMPLIANCE | ROLE_CLINICIAN},
	{ACT_RIGHTS_DECIDE, "decide patients' requests, extend their "
	    "deadlines, record delivery and print denial letters",
	    ROLE_OWNER | ROLE_COMPLIANCE},
	{ACT_DISCLOSURE_LOG, "record disclosures of patient information and "
	    "produce the accounting of disclosures", ROLE_OWNER | ROLE_ADMIN |
	    ROLE_CLINICIAN | ROLE_SUPERVISOR | ROLE_BILLING | ROLE_COMPLIANCE},
	/* Also limited to the care team's patients (clinical access). */
	{ACT_NOTE_WRITE, "write, sign and add addenda to clinical notes and "
	    "their own psychotherapy notes", ROLE_OWNER | ROLE_CLINICIAN |
	    ROLE_SUPERVISOR},
	{ACT_NOTE_COSIGN, "co-sign or return the notes of the clinicians "
	    "they supervise", ROLE_OWNER | ROLE_SUPERVISOR},
};
const unsigned permissions_count = sizeof(permissions) /
    sizeof(permissions[0]);

int
authz_roles_allow(unsigned roles, enum action a)
{
	unsigned i;

	for (i = 0; i < permissions_count; i++)
		if (permissions[i].action == a)
			return (permissions[i].roles & roles) != 0;
	return 0;
}

static int
role_allows(const struct req *r, enum action a)
{
	return authz_roles_allow(r->sess->roles, a);
}

/* A session that has not finished signing in (password checked, MFA code
 * or MFA setup due) may only finish, or sign out.  Deny by default here
 * too: an action added later is closed to it without anyone remembering. */
static int
stage_allows(enum session_stage st, enum action a)
{
	switch (a) {
	case ACT_PUBLIC:
	case ACT_SIGN_OUT:
		return 1;
	case ACT_MFA_VERIFY:
		return st == SESSION_MFA_PENDING;
	case ACT_MFA_SETUP:
		return st == SESSION_MFA_ENROL;
	default:
		return 0;
	}
}

int
authz_check(struct req *r, enum action a)
{
	if (r->sess != NULL && r->sess->stage != SESSION_FULL &&
	    !stage_allows(r->sess->stage, a))
		return ALC_EAUTH;
	switch (a) {
	case ACT_PUBLIC:
		return 0;
	case ACT_SIGNED_IN:
	case ACT_SIGN_OUT:
	case ACT_MFA_VERIFY:
	case ACT_MFA_SETUP:
		return r->sess != NULL ? 0 : ALC_EAUTH;
	default:
		if (r->sess == NULL)
			return ALC_EAUTH;
		return role_allows(r, a) ? 0 : ALC_EPERM;
	}
}

const char *
authz_stage_path(const struct req *r)
{
	if (r->sess == NULL)
		return NULL;
	switch (r->sess->stage) {
	case SESSION_MFA_PENDING:
		return "/login/mfa";
	case SESSION_MFA_ENROL:
		return "/account/mfa";
	case SESSION_FULL:
		break;
	}
	return NULL;
}

const char *
authz_action_name(enum action a)
{
	switch (a) {
	case ACT_PUBLIC: return "public";
	case ACT_SIGNED_IN: return "signed-in";
	case ACT_SIGN_OUT: return "sign-out";
	case ACT_MFA_VERIFY: return "mfa-verify";
	case ACT_MFA_SETUP: return "mfa-setup";
	case ACT_STAFF_VIEW: return "staff-view";
	case ACT_STAFF_MANAGE: return "staff-manage";
	case ACT_INVITE_REQUEST: return "invite-request";
	case ACT_INVITE_APPROVE: return "invite-approve";
	case ACT_AUDIT_VIEW: return "audit-view";
	case ACT_AUDIT_REVIEW: return "audit-review";
	case ACT_SETTINGS_MANAGE: return "settings-manage";
	case ACT_COMPLIANCE_VIEW: return "compliance-view";
	case ACT_COMPLIANCE_MANAGE: return "compliance-manage";
	case ACT_PATIENT_VIEW: return "patient-view";
	case ACT_PATIENT_EDIT: return "patient-edit";
	case ACT_PATIENT_MERGE: return "patient-merge";
	case ACT_CARE_TEAM_MANAGE: return "care-team-manage";
	case ACT_BREAK_GLASS: return "break-glass";
	case ACT_BREAK_GLASS_REVIEW: return "break-glass-review";
	case ACT_SCHEDULE_VIEW: return "schedule-view";
	case ACT_SCHEDULE_BOOK: return "schedule-book";
	case ACT_SCHEDULE_SETUP: return "schedule-setup";
	case ACT_INCIDENT_REPORT: return "incident-report";
	case ACT_INCIDENT_MANAGE: return "incident-manage";
	case ACT_VENDOR_VIEW: return "vendor-view";
	case ACT_VENDOR_MANAGE: return "vendor-manage";
	case ACT_RISK_MANAGE: return "risk-manage";
	case ACT_POLICY_VIEW: return "policy-view";
	case ACT_POLICY_MANAGE: return "policy-manage";
	case ACT_TRAINING_MANAGE: return "training-manage";
	case ACT_MEASURE_RECORD: return "measure-record";
	case ACT_RIGHTS_LOG: return "rights-log";
	case ACT_RIGHTS_DECIDE: return "rights-decide";
	case ACT_DISCLOSURE_LOG: return "disclosure-log";
	case ACT_NOTE_WRITE: return "note-write";
	case ACT_NOTE_COSIGN: return "note-cosign";
	case ACT_COUNT: break;
	}
	return "unknown";
}
