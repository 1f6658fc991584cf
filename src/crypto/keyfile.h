/*
 * keyfile.h - the master key file: creation and safe loading.
 *
 * The master key wraps the data keys that seal PHI fields (the wrapping
 * itself comes with field encryption).  It lives in a file outside the
 * database, so a stolen database or backup holds no usable key.  Format,
 * one line of text so an operator can recognise and back it up:
 *
 *     alcove-master-key v1 <64 lower-case hex digits>\n
 */
#ifndef ALC_CRYPTO_KEYFILE_H
#define ALC_CRYPTO_KEYFILE_H

#define KEYFILE_KEY_BYTES 32

struct alc_err;

/* Creates path with a fresh random key: O_CREAT|O_EXCL, mode 0600, the
 * file and its directory fsync'd before returning.  Never overwrites:
 * ALC_EEXIST when path exists.  ALC_EIO on other file errors (a partly
 * written file is removed). */
int keyfile_create(const char *path, struct alc_err *err);

/* Reads the key in path into key.  Refuses (ALC_EPERM, with the fix in
 * err->msg) a file that is not owned by the current user or that grants
 * any access to group or others; refuses a wrong format or a key of the
 * wrong length (ALC_EINVAL); ALC_ENOTFOUND / ALC_EIO when it cannot be
 * read.  On failure key is zeroed.  Key bytes are never put in err.
 *
 * The caller owns the secret in key: keep it in memory locked with
 * sodium_mlock() (or allocated with sodium_malloc()) so it is never
 * swapped out, and wipe it with crypto_wipe() / sodium_munlock() when
 * done. */
int keyfile_load(const char *path, unsigned char key[KEYFILE_KEY_BYTES],
    struct alc_err *err);

#endif
