/*
 * chain.h - private to src/audit/: the canonical serialization of an event,
 * and its hash.
 *
 * Also the checks audit_write applies before writing (defined in
 * audit.c, shared with the group-commit writer).
 *
 * An event is a fixed list of CHAIN_NFIELDS fields (enum chain_field), in
 * the order of CHAIN_COLUMNS, each an integer or a text value, either of
 * which may be NULL.  audit_write fills a struct chain_row from a struct
 * audit_event; audit_verify fills one straight from the columns of a
 * SELECT of CHAIN_COLUMNS, so both hash exactly what the row holds.
 */
#ifndef ALC_AUDIT_CHAIN_H
#define ALC_AUDIT_CHAIN_H

#include "audit/audit.h"

#include <stddef.h>
#include <stdint.h>

/* The hashed columns of audit_events, in serialization order. */
#define CHAIN_COLUMNS "seq, recorded_at, actor_user_id, actor_role, " \
	"on_behalf_of, session_ref, source_addr, user_agent, mfa, action, " \
	"verb, practice_id, object_type, object_id, patient_id, sensitivity, " \
	"purpose_of_use, outcome, reason, request_id, detail"

enum chain_field {
	CF_SEQ, CF_RECORDED_AT, CF_ACTOR_USER_ID, CF_ACTOR_ROLE,
	CF_ON_BEHALF_OF, CF_SESSION_REF, CF_SOURCE_ADDR, CF_USER_AGENT, CF_MFA,
	CF_ACTION, CF_VERB, CF_PRACTICE_ID, CF_OBJECT_TYPE, CF_OBJECT_ID,
	CF_PATIENT_ID, CF_SENSITIVITY, CF_PURPOSE_OF_USE, CF_OUTCOME,
	CF_REASON, CF_REQUEST_ID, CF_DETAIL,
	CHAIN_NFIELDS
};

/* One field: NULL, an integer, or n bytes of text at s. */
struct chain_val {
	int null;
	int64_t i;
	const char *s;
	size_t n;
};

struct chain_row {
	struct chain_val v[CHAIN_NFIELDS];
};

/* 1 when field f holds text, 0 when it holds an integer. */
int audit_chain_field_is_text(enum chain_field f);

/* Fills r from ev with the given seq and recorded_at.  action_buf (two
 * bytes) holds the one-letter action text that r points at; r also
 * points into ev's strings.  Applies the storage rules: zero ids and
 * NULL strings are NULL, a NULL sensitivity is "normal". */
void audit_chain_row_from_event(struct chain_row *r,
    const struct audit_event *ev, int64_t seq, int64_t recorded_at,
    char action, char action_buf[2]);

/* out = BLAKE2b-256(prev || canonical(r)). */
void audit_chain_hash(const unsigned char prev[AUDIT_HASH_BYTES],
    const struct chain_row *r, unsigned char out[AUDIT_HASH_BYTES]);

/* Lower-case hex of a hash into out (AUDIT_HASH_HEX_SIZE bytes). */
void audit_chain_hex(char *out, const unsigned char h[AUDIT_HASH_BYTES]);
/* Parses 64 hex digits (n must be 64); 0 or ALC_EINVAL. */
int audit_chain_unhex(unsigned char out[AUDIT_HASH_BYTES], const char *hex,
    size_t n);

/* (audit.c) Checks ev as audit_write does before touching the database,
 * and sets *action to the action to store (the explicit one, or the
 * verb's default).  0 or ALC_EINVAL. */
int audit_check_event(const struct audit_event *ev, char *action);

#endif
