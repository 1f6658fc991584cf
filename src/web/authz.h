/*
 * authz.h - actions and the one place that decides who may perform them.
 *
 * Every route names an action.  authz_check() is called by the dispatcher
 * before any handler runs.  The identity issue fills in roles and the
 * role-to-action table; until a request carries an authenticated user,
 * only public actions are allowed.
 */
#ifndef ALC_WEB_AUTHZ_H
#define ALC_WEB_AUTHZ_H

struct req;

enum action {
	ACT_PUBLIC, /* anyone, signed in or not: sign-in page, health, assets */
	ACT_SIGNED_IN, /* any signed-in staff member */
	/* Actions open to a session that has not finished signing in (see
	 * enum session_stage); every other action refuses such a session. */
	ACT_SIGN_OUT,  /* any session, whatever its stage */
	ACT_MFA_VERIFY, /* the sign-in code page: a session awaiting its code */
	ACT_MFA_SETUP, /* setting up MFA: signed in, or made to enrol first */
	/* Role-restricted actions: who may do each is the permission table
	 * in authz.c, and nowhere else. */
	ACT_STAFF_VIEW,   /* the staff list and access review */
	ACT_STAFF_MANAGE, /* add staff, change their roles, deactivate them */
	ACT_INVITE_REQUEST, /* ask for a new staff member to be invited */
	ACT_INVITE_APPROVE, /* approve or decline invitation requests */
	ACT_AUDIT_VIEW,   /* read and export the audit trail */
	ACT_AUDIT_REVIEW, /* the periodic audit-log review and its sign-off */
	ACT_SETTINGS_MANAGE, /* change the practice's security settings */
	ACT_COMPLIANCE_VIEW,   /* the compliance program: tasks, due dates */
	ACT_COMPLIANCE_MANAGE, /* add, edit, retire tasks; sign off */
	/* Patients: the role gate only; core/patients/patients.h decides
	 * per record (care team, restricted records, break-glass). */
	ACT_PATIENT_VIEW,     /* find patients and open their records */
	ACT_PATIENT_EDIT,     /* register patients, change their details */
	ACT_PATIENT_MERGE,    /* merge duplicate records */
	ACT_CARE_TEAM_MANAGE, /* assign clinicians to patients */
	ACT_BREAK_GLASS,      /* emergency access outside one's care team */
	ACT_BREAK_GLASS_REVIEW, /* review break-glass use */
	/* Scheduling. */
	ACT_SCHEDULE_VIEW,    /* calendars and the day's list */
	ACT_SCHEDULE_BOOK,    /* book, move, cancel appointments; waitlist */
	ACT_SCHEDULE_SETUP,   /* locations, rooms, appointment types, hours */
	/* Compliance records. */
	ACT_INCIDENT_REPORT,  /* report a security or privacy incident */
	ACT_INCIDENT_MANAGE,  /* investigate incidents, assess breaches */
	ACT_VENDOR_VIEW,      /* the vendor and BAA inventory */
	ACT_VENDOR_MANAGE,    /* add and change vendors and their BAAs */
	ACT_RISK_MANAGE,      /* the risk analysis and the risk register */
	/* Policies and training. */
	ACT_POLICY_VIEW,      /* read policies and attest to them */
	ACT_POLICY_MANAGE,    /* adopt, edit, publish, retire policies */
	ACT_TRAINING_MANAGE,  /* record training; the practice-wide list */
	/* Measurement-based care (reading uses the patient's clinical
	 * access, core/patients/patients.h). */
	ACT_MEASURE_RECORD,   /* record rating scales, acknowledge alerts */
	/* Patient-rights requests and disclosures (core/rights/rights.h). */
	ACT_RIGHTS_LOG,       /* record requests, see them and their clocks */
	ACT_RIGHTS_DECIDE,    /* decide, extend, fulfil; denial letters */
	ACT_DISCLOSURE_LOG,   /* record disclosures; accounting of them */
	/* Clinical notes (reading uses ACT_PATIENT_VIEW and clinical access). */
	ACT_NOTE_WRITE,       /* write, sign and add addenda to notes */
	ACT_NOTE_COSIGN,      /* co-sign or return supervisees' notes */
	ACT_COUNT
};

/* One row of the permission matrix, for the page that explains it. */
struct permission {
	enum action action;
	const char *label; /* "see the staff list and review who has access" */
	unsigned roles;    /* ROLE_* bits allowed */
};
extern const struct permission permissions[];
extern const unsigned permissions_count;

/* 0 when allowed; ALC_EAUTH when the visitor must sign in first (the
 * dispatcher redirects to the sign-in page, or to authz_stage_path when
 * the session is waiting for its second factor); ALC_EPERM when signed in but
 * not allowed (403). */
int authz_check(struct req *r, enum action a);
/* Where a session that has not finished signing in must go (the MFA code
 * page or MFA setup); NULL for a signed-in or absent session.  The
 * dispatcher sends ALC_EAUTH answers for such sessions there. */
const char *authz_stage_path(const struct req *r);
const char *authz_action_name(enum action a);
/* Non-zero when a holder of roles (ROLE_* bits) may perform role-restricted
 * action a, by the permission table: for requests authenticated without a
 * session (a calendar feed token). */
int authz_roles_allow(unsigned roles, enum action a);

#endif
