/*
 * blind.h - blind indexes: exact-match search over encrypted fields.
 *
 * A blind index is a keyed hash of a normalised value, stored beside the
 * ciphertext: the front desk looks a patient up by last name or birth
 * date by hashing what was typed and comparing index values, and the
 * database never sees the value itself.  Without the key (the practice's
 * 'blind_index' data key) the index values are useless to a thief: they
 * cannot be recomputed from a list of common names.
 *
 *   value = hex(BLAKE2b-128(key, "alcove-blind v1" || kind || normalised))
 *
 * The kind is hashed too, so a phone number and a birth date never share
 * an index value.  Normalisation (version 1; changing it means
 * recomputing every stored index, so it is part of the format):
 *
 *   BLIND_NAME   UTF-8 text split into tokens at white space (incl. no-break
 *                space), hyphens and dashes, commas and slashes.  Letters
 *                are lower-cased: ASCII, Latin-1, Latin Extended-A, Greek
 *                and Cyrillic.  Accents are folded for Latin letters
 *                (é->e, ñ->n, ø->o, ß->ss, æ->ae, ł->l ...) and combining
 *                accents (U+0300-U+036F) are dropped, so composed and
 *                decomposed input agree.  Apostrophes, periods and other
 *                punctuation are dropped.  Other characters are kept as
 *                given.  "Mary-Jane O'Brien" -> "mary" "jane" "obrien".
 *                Whole-value form: the tokens joined by one space.
 *   BLIND_DOB    exactly YYYY-MM-DD (surrounding white space trimmed), a
 *                real calendar date, year 1800-2999.
 *   BLIND_PHONE  digits only; may contain space ( ) - . / + as separators,
 *                no letters.  11 digits with a leading 1 become the 10-digit
 *                US number; otherwise 7-15 digits kept as given.
 *                "(555) 123-4567" == "555.123.4567" == "+1 555 123 4567".
 *   BLIND_EMAIL  white space trimmed, ASCII lower-cased; must have one
 *                '@' with text on both sides and no inner white space.
 *
 * Errors: ALC_EINVAL for a value that does not normalise (bad date, letters
 * in a phone, a name with no letters or digits, invalid UTF-8);
 * ALC_ETOOBIG for input longer than BLIND_MAX_INPUT bytes or more tokens
 * than the caller has room for.
 */
#ifndef ALC_CRYPTO_BLIND_H
#define ALC_CRYPTO_BLIND_H

#include <stddef.h>

struct buf;

enum blind_kind {
	BLIND_NAME = 1,
	BLIND_DOB = 2,
	BLIND_PHONE = 3,
	BLIND_EMAIL = 4,
};

#define BLIND_KEY_BYTES 32
#define BLIND_HEX_SIZE 33   /* 32 hex digits and a NUL */
#define BLIND_MAX_INPUT 1024
#define BLIND_MAX_TOKENS 16 /* a sensible array size for name tokens */

/* Appends the normalised whole value to out (NUL-terminated by buf).
 * 0 or an error as above; ALC_ENOMEM when out failed. */
int blind_normalize(enum blind_kind kind, const char *value, struct buf *out);

/* Splits a name into normalised tokens: appends each token to out followed
 * by a NUL byte, and stores its offset in out in offs[0..*count-1] (so
 * out->data + offs[i] is token i).  At most max tokens (ALC_ETOOBIG
 * beyond).  ALC_EINVAL when there is no token at all. */
int blind_name_tokens(const char *value, struct buf *out, size_t *offs,
    size_t max, size_t *count);

/* Index value of an already normalised value (n bytes at norm) into out
 * as 32 lower-case hex digits. */
void blind_hash(const unsigned char key[BLIND_KEY_BYTES],
    enum blind_kind kind, const char *norm, size_t n,
    char out[BLIND_HEX_SIZE]);

#endif
