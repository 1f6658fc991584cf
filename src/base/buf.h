/*
 * buf.h - the one growable byte buffer used for building strings and pages.
 *
 * A buf either owns heap memory (buf_init(b, NULL); release with buf_free)
 * or grows inside a request arena (buf_init(b, arena); never freed by
 * hand).  Appends never fail loudly: on allocation failure or when the
 * buffer would pass its limit, the buffer is marked failed, later appends
 * do nothing, and buf_failed() tells the caller once, at the end.  This
 * keeps rendering code free of an error check per line while guaranteeing
 * that a truncated page is never sent.
 *
 * The content is always NUL-terminated (b->data[b->len] == 0) once
 * anything was appended; b->data is NULL for an untouched buffer, and
 * buf_cstr() returns "" then.
 */
#ifndef ALC_BUF_H
#define ALC_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

struct buf {
	char *data;
	size_t len, cap;
	size_t limit;        /* 0: no limit */
	struct arena *arena; /* NULL: heap */
	int failed;
};

void buf_init(struct buf *b, struct arena *arena);
void buf_free(struct buf *b);
void buf_reset(struct buf *b); /* length 0, keeps memory and state */

void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void buf_put_i64(struct buf *b, int64_t v);

static inline int buf_failed(const struct buf *b) { return b->failed; }
static inline const char *buf_cstr(const struct buf *b)
{
	return b->data ? b->data : "";
}
/* Hands the heap memory to the caller (who frees it) and empties b. */
char *buf_detach(struct buf *b);

#endif
