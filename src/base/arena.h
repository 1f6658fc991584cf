/*
 * arena.h - region allocator for request-scoped memory.
 *
 * Each request gets one arena; everything allocated from it is released
 * at once by arena_free() when the response has been sent.  Memory from an
 * arena is never freed by hand.  Blocks are 8 KiB by default; a larger
 * allocation gets a block of its own.  Not thread-safe: an arena belongs to
 * one request, which runs on one thread at a time.
 *
 * Cleanups registered with arena_defer() run (last registered first) when
 * the arena is freed, so request-scoped resources that are not memory
 * (a database connection, a prepared statement) cannot be leaked by an
 * early return.
 */
#ifndef ALC_ARENA_H
#define ALC_ARENA_H

#include <stddef.h>

struct arena;

struct arena *arena_new(void);
void arena_free(struct arena *a);

/* Zeroed memory aligned for any type; NULL when out of memory. */
void *arena_alloc(struct arena *a, size_t size);
/* Copies; NULL in gives NULL out. */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Run fn(arg) when the arena is freed.  Returns 0 or ALC_ENOMEM (in which
 * case fn has already been run, so nothing leaks). */
int arena_defer(struct arena *a, void (*fn)(void *), void *arg);
/* Bytes handed out so far (for tests and limits). */
size_t arena_used(const struct arena *a);

#endif
