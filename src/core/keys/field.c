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
 */
#include "core/keys/keystore_impl.h"
#include "base/buf.h"
#include "base/err.h"

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

int
keystore_blind(struct keystore *ks, int64_t practice_id,
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
	    (rc = ks_active_key(ks, practice_id, KS_BLIND_INDEX, &k)) != 0)
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
	    (rc = ks_active_key(ks, practice_id, KS_BLIND_INDEX, &k)) != 0) {
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
