/*
 * message.c - RFC 5322 messages for mail.h: headers, quoted-printable
 * bodies, RFC 2047 encoded words for non-ASCII subjects and names.
 *
 * Why quoted-printable rather than 8bit: every line stays under 78
 * characters and 7-bit clean whatever the text holds (long links, emoji,
 * names in any script), so no relay has to re-encode or wrap it, which
 * could break a link.  A '.' at the start of a line is encoded too, so
 * SMTP dot-stuffing never matters.
 *
 * Header injection is impossible by construction: every value is checked
 * for CR and LF before anything is written, and addresses may not hold
 * spaces, controls or angle brackets.
 */
#include "core/mail/mail.h"
#include "base/buf.h"
#include "base/err.h"
#include "crypto/random.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define QP_LINE 76

static const char hexdig[] = "0123456789ABCDEF";

int
mail_addr(const char *from, char *out, size_t outsz)
{
	const char *lt = strchr(from, '<'), *gt, *a = from, *at, *p;
	size_t n;

	if (lt != NULL) {
		if ((gt = strchr(lt, '>')) == NULL || gt[1] != '\0')
			return ALC_EINVAL;
		a = lt + 1;
		n = (size_t)(gt - a);
	} else
		n = strlen(from);
	if (n == 0 || n > MAIL_ADDR_MAX || n >= outsz)
		return ALC_EINVAL;
	for (p = a; p < a + n; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '<' ||
		    *p == '>' || *p == '"' || *p == ',')
			return ALC_EINVAL;
	memcpy(out, a, n);
	out[n] = '\0';
	at = strchr(out, '@');
	if (at == NULL || at == out || at[1] == '\0' || strchr(at + 1, '@'))
		return ALC_EINVAL;
	return 0;
}

static int
has_crlf(const char *s)
{
	return s == NULL || strpbrk(s, "\r\n") != NULL;
}

static int
is_ascii(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80 || (unsigned char)s[i] < ' ')
			return 0;
	return 1;
}

/* RFC 2047 "B" words of at most 45 bytes of text each (60 of base64),
 * split at UTF-8 boundaries and folded onto continuation lines. */
static void
put_encoded_words(struct buf *out, const char *s, size_t n)
{
	char b64[sodium_base64_ENCODED_LEN(45,
	    sodium_base64_VARIANT_ORIGINAL)];
	size_t i = 0, len;

	while (i < n) {
		len = n - i < 45 ? n - i : 45;
		while (len > 1 && i + len < n &&
		    ((unsigned char)s[i + len] & 0xC0) == 0x80)
			len--;
		sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)s + i,
		    len, sodium_base64_VARIANT_ORIGINAL);
		buf_printf(out, "%s=?UTF-8?B?%s?=", i ? "\r\n " : "", b64);
		i += len;
	}
}

/* A display name: as a quoted string when ASCII, else encoded words. */
static void
put_display(struct buf *out, const char *s, size_t n)
{
	size_t i;

	if (!is_ascii(s, n)) {
		put_encoded_words(out, s, n);
		return;
	}
	buf_putc(out, '"');
	for (i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			buf_putc(out, '\\');
		buf_putc(out, s[i]);
	}
	buf_putc(out, '"');
}

/* From: "Name" <addr>, or the bare address. */
static int
put_from(struct buf *out, const char *from, const char *addr)
{
	const char *lt = strchr(from, '<');
	size_t n;

	buf_puts(out, "From: ");
	if (lt != NULL) {
		n = (size_t)(lt - from);
		while (n > 0 && (from[n - 1] == ' ' || from[n - 1] == '\t'))
			n--;
		while (n > 0 && (*from == ' ' || *from == '"'))
			from++, n--;
		while (n > 0 && from[n - 1] == '"')
			n--;
		if (n > 0) {
			put_display(out, from, n);
			buf_putc(out, ' ');
		}
	}
	buf_printf(out, "<%s>\r\n", addr);
	return 0;
}

static void
put_date(struct buf *out, int64_t now_ms)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t t = (time_t)(now_ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	buf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Appends one encoded unit, breaking the line softly first when it would
 * pass QP_LINE - 1 characters (the '=' of a soft break needs the last). */
static void
qp_put(struct buf *out, size_t *col, const char *unit, size_t n)
{
	if (*col + n > QP_LINE - 1) {
		buf_puts(out, "=\r\n");
		*col = 0;
	}
	buf_append(out, unit, n);
	*col += n;
}

void
mail_qp_encode(struct buf *out, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t col = 0;
	char unit[3];
	int at_eol;

	for (; *p; p++) {
		if (*p == '\n' || (*p == '\r' && p[1] == '\n')) {
			if (*p == '\r')
				p++;
			buf_puts(out, "\r\n");
			col = 0;
			continue;
		}
		at_eol = p[1] == '\0' || p[1] == '\n' || p[1] == '\r';
		if ((*p >= 33 && *p <= 126 && *p != '=' &&
		    !(*p == '.' && col == 0)) ||
		    ((*p == ' ' || *p == '\t') && !at_eol)) {
			unit[0] = (char)*p;
			qp_put(out, &col, unit, 1);
		} else {
			unit[0] = '=';
			unit[1] = hexdig[*p >> 4];
			unit[2] = hexdig[*p & 15];
			qp_put(out, &col, unit, 3);
		}
	}
	if (col > 0)
		buf_puts(out, "\r\n");
}

int
mail_build(struct buf *out, const struct mail_msg *m, int64_t now_ms)
{
	char from[MAIL_ADDR_MAX + 1], to[MAIL_ADDR_MAX + 1], id[33];
	const char *domain;

	if (m->body == NULL || has_crlf(m->from) || has_crlf(m->to) ||
	    has_crlf(m->subject) || strlen(m->subject) > 500 ||
	    mail_addr(m->from, from, sizeof(from)) != 0 ||
	    mail_addr(m->to, to, sizeof(to)) != 0 || strchr(m->to, '<'))
		return ALC_EINVAL;
	domain = strchr(from, '@') + 1;
	rand_hex(id, 16);
	put_date(out, now_ms);
	buf_printf(out, "Message-ID: <%s@%s>\r\n", id, domain);
	put_from(out, m->from, from);
	buf_printf(out, "To: <%s>\r\nSubject: ", to);
	if (is_ascii(m->subject, strlen(m->subject)))
		buf_puts(out, m->subject);
	else
		put_encoded_words(out, m->subject, strlen(m->subject));
	buf_puts(out, "\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "Auto-Submitted: auto-generated\r\n\r\n");
	mail_qp_encode(out, m->body);
	return buf_failed(out) ? ALC_ENOMEM : 0;
}
