/*
 * format.c - the backup container: plain header, then secretstream chunks
 * (backup.h describes the layout).
 *
 * Writing compresses with one zlib deflate stream and cuts its output into
 * chunks of BACKUP_CHUNK_BYTES; the last chunk carries the FINAL tag.
 * Reading never trusts a length before checking it against the largest
 * chunk a writer makes, so a damaged length cannot make it allocate much;
 * every chunk is authenticated before its bytes are decompressed.
 */
#include "core/backup/backup.h"
#include "base/buf.h"
#include "base/err.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zlib.h>

#define SS crypto_secretstream_xchacha20poly1305
#define SS_ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define KDF_CONTEXT "alcbkup1"
#define CHUNK_MAX_CT (BACKUP_MANIFEST_MAX + SS_ABYTES)

_Static_assert(BACKUP_SS_HEADER_BYTES ==
    crypto_secretstream_xchacha20poly1305_HEADERBYTES, "header size");
_Static_assert(BACKUP_CHUNK_BYTES <= BACKUP_MANIFEST_MAX, "chunk size");

struct backup_writer {
	FILE *f;
	crypto_secretstream_xchacha20poly1305_state st;
	z_stream z;
	unsigned char out[BACKUP_CHUNK_BYTES];
	unsigned char ct[BACKUP_CHUNK_BYTES + SS_ABYTES];
};

struct backup_reader {
	FILE *f;
	crypto_secretstream_xchacha20poly1305_state st;
	unsigned char *ct, *pt;
	unsigned char out[BACKUP_CHUNK_BYTES];
};

static void
put_be(unsigned char *p, uint64_t v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

static uint64_t
get_be(const unsigned char *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

static void
header_encode(const struct backup_header *h, unsigned char *p)
{
	memcpy(p, BACKUP_MAGIC, 8);
	p[8] = (unsigned char)h->version;
	put_be(p + 9, (uint64_t)h->key_id, 8);
	memcpy(p + 17, h->master_id, 16);
	memcpy(p + 33, h->wrapped, BACKUP_WRAPPED_BYTES);
	memcpy(p + 33 + BACKUP_WRAPPED_BYTES, h->ss, BACKUP_SS_HEADER_BYTES);
}

static void
derive(unsigned char sk[BACKUP_KEY_BYTES],
    const unsigned char key[BACKUP_KEY_BYTES])
{
	crypto_kdf_derive_from_key(sk, BACKUP_KEY_BYTES, 1, KDF_CONTEXT, key);
}

/* Encrypts and writes one chunk of n bytes from w->out or p. */
static int
push(struct backup_writer *w, const unsigned char *p, size_t n,
    const unsigned char *ad, size_t adlen, unsigned char tag)
{
	unsigned char len[4], *ct = w->ct;
	unsigned long long clen;
	int rc = ALC_EIO;

	if (n > BACKUP_CHUNK_BYTES &&
	    (ct = malloc(n + SS_ABYTES)) == NULL)
		return ALC_ENOMEM;
	crypto_secretstream_xchacha20poly1305_push(&w->st, ct, &clen, p, n, ad,
	    adlen, tag);
	put_be(len, clen, 4);
	if (fwrite(len, 1, 4, w->f) == 4 && fwrite(ct, 1, clen, w->f) == clen)
		rc = 0;
	if (ct != w->ct)
		free(ct);
	return rc;
}

int
backup_writer_open(struct backup_writer **out, FILE *f,
    struct backup_header *h, const unsigned char backup_key[BACKUP_KEY_BYTES],
    const char *manifest, size_t manifest_len)
{
	unsigned char hdr[BACKUP_HEADER_BYTES], sk[BACKUP_KEY_BYTES];
	struct backup_writer *w;
	int rc;

	*out = NULL;
	if (manifest_len > BACKUP_MANIFEST_MAX)
		return ALC_ETOOBIG;
	if (sodium_init() < 0 || (w = calloc(1, sizeof(*w))) == NULL)
		return ALC_ENOMEM;
	w->f = f;
	if (deflateInit(&w->z, 6) != Z_OK) {
		free(w);
		return ALC_ENOMEM;
	}
	derive(sk, backup_key);
	crypto_secretstream_xchacha20poly1305_init_push(&w->st, h->ss, sk);
	sodium_memzero(sk, sizeof(sk));
	h->version = BACKUP_VERSION;
	header_encode(h, hdr);
	if (fwrite(hdr, 1, sizeof(hdr), f) != sizeof(hdr))
		rc = ALC_EIO;
	else
		rc = push(w, (const unsigned char *)manifest, manifest_len, hdr,
		    sizeof(hdr), crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
	if (rc != 0) {
		backup_writer_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

/* Runs deflate with flush; pushes each full output chunk (and with
 * Z_FINISH the remainder, tagged FINAL). */
static int
deflate_run(struct backup_writer *w, int flush)
{
	int zrc, rc;

	do {
		zrc = deflate(&w->z, flush);
		if (zrc == Z_STREAM_ERROR)
			return ALC_EIO;
		if (w->z.avail_out == 0 || (flush == Z_FINISH &&
		    zrc == Z_STREAM_END)) {
			rc = push(w, w->out, sizeof(w->out) - w->z.avail_out,
			    NULL, 0, zrc == Z_STREAM_END ?
			    crypto_secretstream_xchacha20poly1305_TAG_FINAL :
			    crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
			if (rc != 0)
				return rc;
			w->z.next_out = w->out;
			w->z.avail_out = sizeof(w->out);
		}
	} while (w->z.avail_in > 0 || (flush == Z_FINISH && zrc != Z_STREAM_END));
	return 0;
}

int
backup_writer_write(struct backup_writer *w, const void *p, size_t n)
{
	int rc;

	if (w->z.next_out == NULL) {
		w->z.next_out = w->out;
		w->z.avail_out = sizeof(w->out);
	}
	while (n > 0) {
		size_t take = n > (1u << 30) ? (1u << 30) : n;

		w->z.next_in = (Bytef *)(uintptr_t)p;
		w->z.avail_in = (uInt)take;
		if ((rc = deflate_run(w, Z_NO_FLUSH)) != 0)
			return rc;
		p = (const unsigned char *)p + take;
		n -= take;
	}
	return 0;
}

int
backup_writer_finish(struct backup_writer *w)
{
	int rc;

	if (w->z.next_out == NULL) {
		w->z.next_out = w->out;
		w->z.avail_out = sizeof(w->out);
	}
	w->z.next_in = NULL;
	w->z.avail_in = 0;
	if ((rc = deflate_run(w, Z_FINISH)) != 0)
		return rc;
	return fflush(w->f) == 0 ? 0 : ALC_EIO;
}

void
backup_writer_free(struct backup_writer *w)
{
	if (w == NULL)
		return;
	deflateEnd(&w->z);
	sodium_memzero(&w->st, sizeof(w->st));
	free(w);
}

int
backup_header_read(FILE *f, struct backup_header *h, struct alc_err *err)
{
	unsigned char p[BACKUP_HEADER_BYTES];
	size_t got = fread(p, 1, sizeof(p), f);

	memset(h, 0, sizeof(*h));
	if (got < 9 || memcmp(p, BACKUP_MAGIC, 8) != 0)
		return alc_err_set(err, ALC_EINVAL, "not an Alcove backup file");
	if (p[8] != BACKUP_VERSION)
		return alc_err_set(err, ALC_EINVAL, "backup format version %d is "
		    "not supported by this version of Alcove", p[8]);
	if (got < sizeof(p))
		return alc_err_set(err, ALC_EINVAL, "the backup file is truncated");
	h->version = p[8];
	h->key_id = (int64_t)get_be(p + 9, 8);
	memcpy(h->master_id, p + 17, 16);
	h->master_id[16] = '\0';
	memcpy(h->wrapped, p + 33, BACKUP_WRAPPED_BYTES);
	memcpy(h->ss, p + 33 + BACKUP_WRAPPED_BYTES, BACKUP_SS_HEADER_BYTES);
	return 0;
}

/* Reads one chunk's ciphertext into r->ct.  1 at a clean end of file. */
static int
read_chunk(struct backup_reader *r, size_t *n, struct alc_err *err)
{
	unsigned char len[4];
	size_t got = fread(len, 1, 4, r->f);

	if (got == 0 && feof(r->f))
		return 1;
	if (got != 4)
		return alc_err_set(err, ALC_EINVAL, "the backup file is truncated");
	*n = (size_t)get_be(len, 4);
	if (*n < SS_ABYTES || *n > CHUNK_MAX_CT)
		return alc_err_set(err, ALC_ECRYPTO, "the backup file is damaged "
		    "(a chunk length is out of range)");
	if (fread(r->ct, 1, *n, r->f) != *n)
		return alc_err_set(err, ALC_EINVAL, "the backup file is truncated");
	return 0;
}

/* Decrypts the next chunk into r->pt.  1 at end of file. */
static int
pull(struct backup_reader *r, const unsigned char *ad, size_t adlen,
    size_t *n, unsigned char *tag, struct alc_err *err)
{
	unsigned long long plen;
	size_t clen = 0;
	int rc;

	if ((rc = read_chunk(r, &clen, err)) != 0)
		return rc;
	if (crypto_secretstream_xchacha20poly1305_pull(&r->st, r->pt, &plen,
	    tag, r->ct, clen, ad, adlen) != 0)
		return alc_err_set(err, ALC_ECRYPTO, "the backup file is damaged "
		    "or was altered (a chunk does not authenticate)");
	*n = (size_t)plen;
	return 0;
}

int
backup_reader_open(struct backup_reader **out, FILE *f,
    const struct backup_header *h,
    const unsigned char backup_key[BACKUP_KEY_BYTES], struct buf *manifest,
    struct alc_err *err)
{
	unsigned char hdr[BACKUP_HEADER_BYTES], sk[BACKUP_KEY_BYTES], tag = 0;
	struct backup_reader *r = NULL;
	size_t n = 0;
	int rc;

	*out = NULL;
	if (sodium_init() < 0 || (r = calloc(1, sizeof(*r))) == NULL ||
	    (r->ct = malloc(CHUNK_MAX_CT)) == NULL ||
	    (r->pt = malloc(CHUNK_MAX_CT)) == NULL) {
		backup_reader_free(r);
		return alc_err_set(err, ALC_ENOMEM, "out of memory");
	}
	r->f = f;
	header_encode(h, hdr);
	derive(sk, backup_key);
	rc = crypto_secretstream_xchacha20poly1305_init_pull(&r->st, h->ss, sk);
	sodium_memzero(sk, sizeof(sk));
	if (rc != 0)
		rc = alc_err_set(err, ALC_ECRYPTO, "the backup header is damaged");
	else if ((rc = pull(r, hdr, sizeof(hdr), &n, &tag, err)) == 1)
		rc = alc_err_set(err, ALC_EINVAL, "the backup file is truncated");
	else if (rc == 0 && tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE)
		rc = alc_err_set(err, ALC_EINVAL, "the backup file has no data");
	if (rc == 0) {
		buf_append(manifest, r->pt, n);
		if (buf_failed(manifest))
			rc = alc_err_set(err, ALC_ENOMEM, "out of memory");
	}
	if (rc != 0) {
		backup_reader_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

/* Inflates the n bytes at r->pt, handing the output to sink. */
static int
inflate_chunk(struct backup_reader *r, z_stream *z, size_t n,
    int (*sink)(void *, const void *, size_t), void *ctx, int *ended,
    struct alc_err *err)
{
	int zrc, rc;

	z->next_in = r->pt;
	z->avail_in = (uInt)n;
	do {
		z->next_out = r->out;
		z->avail_out = sizeof(r->out);
		zrc = inflate(z, Z_NO_FLUSH);
		if (zrc != Z_OK && zrc != Z_STREAM_END && zrc != Z_BUF_ERROR)
			return alc_err_set(err, ALC_EINVAL, "the backup's data "
			    "does not decompress");
		*ended = zrc == Z_STREAM_END;
		if (sink != NULL && sizeof(r->out) > z->avail_out &&
		    (rc = sink(ctx, r->out, sizeof(r->out) - z->avail_out)) != 0)
			return alc_err_set(err, rc, "writing the restored data "
			    "failed");
	} while (!*ended && zrc != Z_BUF_ERROR &&
	    (z->avail_in > 0 || z->avail_out == 0));
	if (z->avail_in > 0)
		return alc_err_set(err, ALC_EINVAL, "the backup's data does not "
		    "decompress (bytes after its end)");
	return 0;
}

int
backup_reader_payload(struct backup_reader *r,
    int (*sink)(void *ctx, const void *p, size_t n), void *ctx,
    struct alc_err *err)
{
	z_stream z;
	unsigned char tag = 0;
	size_t n = 0;
	int rc, ended = 0;

	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK)
		return alc_err_set(err, ALC_ENOMEM, "out of memory");
	for (;;) {
		if ((rc = pull(r, NULL, 0, &n, &tag, err)) == 1) {
			rc = alc_err_set(err, ALC_EINVAL, "the backup file is "
			    "truncated (its final chunk is missing)");
			break;
		}
		if (rc != 0 || (rc = inflate_chunk(r, &z, n, sink, ctx, &ended,
		    err)) != 0)
			break;
		if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
			if (!ended)
				rc = alc_err_set(err, ALC_EINVAL, "the backup's "
				    "data ends early");
			else if (fgetc(r->f) != EOF)
				rc = alc_err_set(err, ALC_EINVAL, "the backup "
				    "file has bytes after its end");
			break;
		}
	}
	inflateEnd(&z);
	return rc;
}

void
backup_reader_free(struct backup_reader *r)
{
	if (r == NULL)
		return;
	sodium_memzero(&r->st, sizeof(r->st));
	free(r->ct);
	free(r->pt);
	free(r);
}
