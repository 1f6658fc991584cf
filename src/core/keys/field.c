/*
 * field.c - sealing and opening PHI fields; blind indexes.
 *
 * The header (version, key id) travels in clear at the front of every
 * ciphertext so that whoever reads it knows which key opens it, and it is
 * repeated in the associated data so it cannot be altered.  The AD also
 * names the practice, purpose, row, table and column: each is encoded with
 * a fixed width or a length prefix, so no two different field references
 * produce the same AD bytes.
 *
 * Opening checks the key's own practice and purpose against the caller's
 * reference before trying it: a psychotherapy note read through a
 * 'general' reference fails even though the key id in the ciphertext
 * would open it, so code written for general records can never become a
 * path to psychotherapy notes or Part 2 records.
 *
 * Blind indexes are computed with the practice's active blind-index key,
 * or (the _as variants) with a named one: while that key is rotated,
 * search computes what was typed under the active and every retiring
 * index key (keystore_blind_keys) and looks each value up, and writers
 * record the key id beside the value (keystore_blind_key) so the
 * rotation knows when a retiring key is no longer used.
 */
#include "core/keys/keystore_impl.h"
#include "base/buf.h"
#include "base/err.h"
#include "db/db.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 64 /* table and column names */
#define AD_MAX (1 + 8 + 8 + 1 + 8 + 1 + NAME_MAX_LEN + 1 + NAME_MAX_LEN)

static void
put_be64(unsigned char *p, int64_t v)
{
	uint64_t u = (uint64_t)v;
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (unsigned char)(u & 0xff);
		u >>= 8;
	}
}

static int64_t
get_be64(const unsigned char *p)
{
	uint64_t u = 0;
	int i;

	for (i = 0; i < 8; i++)
		u = (u << 8) | p[i];
	return (int64_t)u;
}

static int
name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > 0 && n <= NAME_MAX_LEN;
}

static int
ref_ok(const struct field_ref *ref)
{
	return ref != NULL && ref->practice_id > 0 && ref->row_id > 0 &&
	    (ref->purpose == KS_GENERAL || ref->purpose == KS_PSYCHOTHERAPY ||
	    ref->purpose == KS_PART2) && name_ok(ref->table) &&
	    name_ok(ref->column);
}

/* The AD for a field sealed under key_id; returns its length.  ref must
 * have passed ref_ok. */
static size_t
field_ad(unsigned char ad[AD_MAX], int64_t key_id, const struct field_ref *ref)
{
	size_t n = 0, tl = strlen(ref->table), cl = strlen(ref->column);

	ad[n++] = KEYSTORE_FIELD_VERSION;
	put_be64(ad + n, key_id);
	n += 8;
	put_be64(ad + n, ref->practice_id);
	n += 8;
	ad[n++] = (unsigned char)ref->purpose;
	put_be64(ad + n, ref->row_id);
	n += 8;
	ad[n++] = (unsigned char)tl;
	memcpy(ad + n, ref->table, tl);
	n += tl;
	ad[n++] = (unsigned char)cl;
	memcpy(ad + n, ref->column, cl);
	return n + cl;
}

static void
truncate_to(struct buf *out, size_t start)
{
	out->len = start;
	if (out->data != NULL)
		out->data[start] = '\0';
}

int
keystore_seal(struct keystore *ks, const struct field_ref *ref,
    const void *pt, size_t n, struct buf *out)
{
	unsigned char ad[AD_MAX], hdr[KEYSTORE_FIELD_HEADER];
	const struct ks_key *k;
	size_t adlen, start = out->len;
	int rc;

	if (ks == NULL || !ref_ok(ref) || (pt == NULL && n > 0))
		return ALC_EINVAL;
	if (buf_failed(out))
		return ALC_ENOMEM;
	if ((rc = ks_active_key(ks, ref->practice_id, ref->purpose, &k)) != 0)
		return rc;
	hdr[0] = KEYSTORE_FIELD_VERSION;
	put_be64(hdr + 1, k->id);
	adlen = field_ad(ad, k->id, ref);
	buf_append(out, hdr, sizeof(hdr));
	if (buf_failed(out))
		return ALC_ENOMEM;
	if ((rc = aead_seal(out, k->key, ad, adlen, pt, n)) != 0 &&
	    !buf_failed(out))
		truncate_to(out, start);
	return rc;
}

int
keystore_open_field(struct keystore *ks, const struct field_ref *ref,
    const void *ct, size_t n, struct buf *out)
{
	const unsigned char *c = ct;
	unsigned char ad[AD_MAX];
	const struct ks_key *k;
	size_t adlen;
	int rc;

	if (ks == NULL || !ref_ok(ref))
		return ALC_EINVAL;
	if (c == NULL || n < KEYSTORE_FIELD_OVERHEAD ||
	    c[0] != KEYSTORE_FIELD_VERSION)
		return ALC_ECRYPTO;
	if ((rc = ks_key_by_id(ks, get_be64(c + 1), &k)) != 0)
		return rc == ALC_ENOTFOUND ? ALC_ECRYPTO : rc;
	if (k->practice_id != ref->practice_id || k->purpose != ref->purpose)
		return ALC_ECRYPTO;
	adlen = field_ad(ad, k->id, ref);
	return aead_open(out, k->key, ad, adlen, c + KEYSTORE_FIELD_HEADER,
	    n - KEYSTORE_FIELD_HEADER);
}

/* The key to blind with: key_id, or the active one when key_id is 0; it
 * must be the practice's blind-index key. */
static int
blind_key(struct keystore *ks, int64_t practice_id, int64_t key_id,
    const struct ks_key **k)
{
	int rc;

	if (key_id == 0)
		return ks_active_key(ks, practice_id, KS_BLIND_INDEX, k);
	if ((rc = ks_key_by_id(ks, key_id, k)) != 0)
		return rc;
	return (*k)->practice_id == practice_id &&
	    (*k)->purpose == KS_BLIND_INDEX ? 0 : ALC_EINVAL;
}

int
keystore_blind_key(struct keystore *ks, int64_t practice_id, int64_t *key_id)
{
	const struct ks_key *k;
	int rc;

	*key_id = 0;
	if (ks == NULL || practice_id < 1)
		return ALC_EINVAL;
	if ((rc = ks_active_key(ks, practice_id, KS_BLIND_INDEX, &k)) == 0)
		*key_id = k->id;
	return rc;
}

int
keystore_blind_keys(struct db_conn *c, int64_t practice_id, int64_t *ids,
    size_t max, size_t *n)
{
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((rc = db_prepare(c, &s, "SELECT id FROM data_keys WHERE "
	    "practice_id = ? AND purpose = 'blind_index' AND status IN "
	    "('active', 'retiring') ORDER BY id DESC")) != 0)
		return rc;
	db_bind_i64(s, 1, practice_id);
	while ((rc = db_step(s)) == DB_ROW && *n < max)
		ids[(*n)++] = db_col_i64(s, 0);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

int
keystore_blind(struct keystore *ks, int64_t practice_id,
    enum blind_kind kind, const char *value, char out[BLIND_HEX_SIZE])
{
	return keystore_blind_as(ks, practice_id, 0, kind, value, out);
}

int
keystore_blind_as(struct keystore *ks, int64_t practice_id, int64_t key_id,
    enum blind_kind kind, const char *value, char out[BLIND_HEX_SIZE])
{
	const struct ks_key *k;
	struct buf norm;
	int rc;

	out[0] = '\0';
	if (ks == NULL || practice_id < 1)
		return ALC_EINVAL;
	buf_init(&norm, NULL);
	if ((rc = blind_normalize(kind, value, &norm)) != 0 ||
	    (rc = blind_key(ks, practice_id, key_id, &k)) != 0)
		goto out;
	blind_hash(k->key, kind, norm.data, norm.len, out);
out:
	if (norm.data != NULL)
		sodium_memzero(norm.data, norm.cap);
	buf_free(&norm);
	return rc;
}

int
keystore_blind_tokens(struct keystore *ks, int64_t practice_id,
    const char *name, char (*out)[BLIND_HEX_SIZE], size_t max,
    size_t *count)
{
	return keystore_blind_tokens_as(ks, practice_id, 0, name, out, max,
	    count);
}

int
keystore_blind_tokens_as(struct keystore *ks, int64_t practice_id,
    int64_t key_id, const char *name, char (*out)[BLIND_HEX_SIZE],
    size_t max, size_t *count)
{
	const struct ks_key *k;
	struct buf toks;
	size_t *offs = NULL, i;
	int rc;

	*count = 0;
	if (ks == NULL || practice_id < 1 || max == 0)
		return ALC_EINVAL;
	buf_init(&toks, NULL);
	if ((offs = calloc(max, sizeof(*offs))) == NULL) {
		rc = ALC_ENOMEM;
		goto out;
	}
	if ((rc = blind_name_tokens(name, &toks, offs, max, count)) != 0 ||
	    (rc = blind_key(ks, practice_id, key_id, &k)) != 0) {
		*count = 0;
		goto out;
	}
	for (i = 0; i < *count; i++)
		blind_hash(k->key, BLIND_NAME, toks.data + offs[i],
		    strlen(toks.data + offs[i]), out[i]);
out:
	if (toks.data != NULL)
		sodium_memzero(toks.data, toks.cap);
	buf_free(&toks);
	free(offs);
	return rc;
}
