/*
 * chain.c - the canonical serialization of an audit event and its hash.
 *
 * hash(event) = BLAKE2b-256 (libsodium crypto_generichash, 32-byte output,
 * no key) over
 *
 *     prev_hash       32 bytes: the previous event's hash, zeros for seq 1
 *     0x01            format version
 *     field 1 .. 21   in the order of CHAIN_COLUMNS / enum chain_field:
 *                       NULL     0x00
 *                       integer  0x01, then the value as a 64-bit two's
 *                                complement number in LEB128 (7 bits a
 *                                byte, least significant first, high bit
 *                                set on every byte but the last)
 *                       text     0x02, then the byte length in LEB128,
 *                                then the UTF-8 bytes
 *
 * Every field carries its own type tag and length, and the field list is
 * fixed, so two different events never serialize to the same bytes.  seq
 * and recorded_at are fields, so moving an event in the chain or in time
 * changes its hash.  Booleans (mfa), the outcome code and ids are
 * integers; the action letter is text.  NULL and 0 (or NULL and "") are
 * different values: the writer stores 0 ids and NULL strings as NULL, and
 * the verifier hashes what the row holds, so a NULL turned into 0 behind
 * Alcove's back breaks the chain.
 *
 * Why LEB128 rather than fixed-width numbers: BLAKE2b works in 128-byte
 * blocks and the hash is most of what verify costs; a typical read event
 * serializes to about 220 bytes (two blocks) instead of about 300 (three).
 *
 * Changing anything here (order, tags, adding a field) invalidates every
 * existing chain: do it only with a new format version byte, and keep
 * verifying old events with the old format.
 *
 * The bytes are laid out in one 1 KiB stack buffer (memcpy, no call per
 * field) and a typical event is hashed by a single crypto_generichash
 * call; a longer one streams through the hash state in 1 KiB pieces.
 * Hashing allocates nothing (verify runs it a million times a second).
 */
#include "audit/chain.h"
#include "base/err.h"

#include <sodium.h>

#include <string.h>

#define CHAIN_FORMAT 0x01
#define TAG_NULL 0x00
#define TAG_INT 0x01
#define TAG_TEXT 0x02

static const unsigned char field_is_text[CHAIN_NFIELDS] = {
	[CF_ACTOR_ROLE] = 1, [CF_SESSION_REF] = 1, [CF_SOURCE_ADDR] = 1,
	[CF_USER_AGENT] = 1, [CF_ACTION] = 1, [CF_VERB] = 1,
	[CF_OBJECT_TYPE] = 1, [CF_OBJECT_ID] = 1, [CF_SENSITIVITY] = 1,
	[CF_PURPOSE_OF_USE] = 1, [CF_REASON] = 1, [CF_REQUEST_ID] = 1,
	[CF_DETAIL] = 1,
};

int
audit_chain_field_is_text(enum chain_field f)
{
	return f < CHAIN_NFIELDS && field_is_text[f];
}

static void
set_int(struct chain_val *v, int64_t i, int zero_is_null)
{
	memset(v, 0, sizeof(*v));
	v->null = zero_is_null && i == 0;
	v->i = i;
}

static void
set_text(struct chain_val *v, const char *s)
{
	memset(v, 0, sizeof(*v));
	v->null = s == NULL;
	v->s = s;
	v->n = s ? strlen(s) : 0;
}

void
audit_chain_row_from_event(struct chain_row *r, const struct audit_event *ev,
    int64_t seq, int64_t recorded_at, char action, char action_buf[2])
{
	struct chain_val *v = r->v;

	action_buf[0] = action;
	action_buf[1] = '\0';
	set_int(&v[CF_SEQ], seq, 0);
	set_int(&v[CF_RECORDED_AT], recorded_at, 0);
	set_int(&v[CF_ACTOR_USER_ID], ev->actor_user_id, 1);
	set_text(&v[CF_ACTOR_ROLE], ev->actor_role);
	set_int(&v[CF_ON_BEHALF_OF], ev->on_behalf_of, 1);
	set_text(&v[CF_SESSION_REF], ev->session_ref);
	set_text(&v[CF_SOURCE_ADDR], ev->source_addr);
	set_text(&v[CF_USER_AGENT], ev->user_agent);
	set_int(&v[CF_MFA], ev->mfa ? 1 : 0, 0);
	set_text(&v[CF_ACTION], action_buf);
	set_text(&v[CF_VERB], ev->verb);
	set_int(&v[CF_PRACTICE_ID], ev->practice_id, 1);
	set_text(&v[CF_OBJECT_TYPE], ev->object_type);
	set_text(&v[CF_OBJECT_ID], ev->object_id);
	set_int(&v[CF_PATIENT_ID], ev->patient_id, 1);
	set_text(&v[CF_SENSITIVITY], ev->sensitivity ? ev->sensitivity : "normal");
	set_text(&v[CF_PURPOSE_OF_USE], ev->purpose_of_use);
	set_int(&v[CF_OUTCOME], ev->outcome, 0);
	set_text(&v[CF_REASON], ev->reason);
	set_text(&v[CF_REQUEST_ID], ev->request_id);
	set_text(&v[CF_DETAIL], ev->detail);
}

/* Bytes are gathered here; a typical event fits whole, and is hashed by
 * one crypto_generichash call.  A longer one streams: the state is
 * started on the first flush. */
#define SINK_BUF 1024
#define SINK_HDR 11 /* a tag and a 10-byte LEB128 */

struct sink {
	crypto_generichash_state st;
	int started;
	size_t len;
	unsigned char buf[SINK_BUF];
};

static void
sink_stream(struct sink *k, const void *p, size_t n)
{
	if (!k->started) {
		crypto_generichash_init(&k->st, NULL, 0, AUDIT_HASH_BYTES);
		k->started = 1;
	}
	if (k->len > 0)
		crypto_generichash_update(&k->st, k->buf, k->len);
	k->len = 0;
	if (n > 0)
		crypto_generichash_update(&k->st, p, n);
}

/* LEB128 of v into out (at most 10 bytes); returns the length. */
static inline size_t
put_varint(unsigned char *out, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		out[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (unsigned char)v;
	return n;
}

static inline void
sink_field(struct sink *k, const struct chain_val *v, int text)
{
	unsigned char *b;

	// cppcheck-suppress ctuuninitvar ; k->st is set up when first needed
	if (k->len > SINK_BUF - SINK_HDR)
		sink_stream(k, NULL, 0);
	b = k->buf + k->len;
	if (v->null) {
		b[0] = TAG_NULL;
		k->len++;
	} else if (!text) {
		b[0] = TAG_INT;
		k->len += 1 + put_varint(b + 1, (uint64_t)v->i);
	} else {
		b[0] = TAG_TEXT;
		k->len += 1 + put_varint(b + 1, (uint64_t)v->n);
		if (v->n <= SINK_BUF - k->len) {
			memcpy(k->buf + k->len, v->s, v->n);
			k->len += v->n;
		} else
			sink_stream(k, v->s, v->n);
	}
}

void
audit_chain_hash(const unsigned char prev[AUDIT_HASH_BYTES],
    const struct chain_row *r, unsigned char out[AUDIT_HASH_BYTES])
{
	struct sink k;
	int f;

	k.started = 0;
	memcpy(k.buf, prev, AUDIT_HASH_BYTES);
	k.buf[AUDIT_HASH_BYTES] = CHAIN_FORMAT;
	k.len = AUDIT_HASH_BYTES + 1;
	/* k.st is set up by sink_stream only when needed (zeroing the whole
	 * sink for every event would cost more than the fields). */
	for (f = 0; f < CHAIN_NFIELDS; f++)
		sink_field(&k, &r->v[f], field_is_text[f]);
	if (!k.started) {
		crypto_generichash(out, AUDIT_HASH_BYTES, k.buf, k.len, NULL, 0);
		return;
	}
	sink_stream(&k, NULL, 0);
	crypto_generichash_final(&k.st, out, AUDIT_HASH_BYTES);
}

void
audit_chain_hex(char *out, const unsigned char h[AUDIT_HASH_BYTES])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < AUDIT_HASH_BYTES; i++) {
		out[2 * i] = digits[h[i] >> 4];
		out[2 * i + 1] = digits[h[i] & 0x0f];
	}
	out[AUDIT_HASH_HEX_LEN] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
audit_chain_unhex(unsigned char out[AUDIT_HASH_BYTES], const char *hex,
    size_t n)
{
	int i, hi, lo;

	if (hex == NULL || n != AUDIT_HASH_HEX_LEN)
		return ALC_EINVAL;
	for (i = 0; i < AUDIT_HASH_BYTES; i++) {
		hi = hexval(hex[2 * i]);
		lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return ALC_EINVAL;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}
