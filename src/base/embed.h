/*
 * embed.h - files compiled into the binary at build time.
 *
 * tools/embed turns files into C arrays (build/gen/...), so the single
 * `alcove` binary carries its stylesheets, scripts, icons and database
 * migrations and never reads them from disk.  Tables are sorted by name.
 */
#ifndef ALC_EMBED_H
#define ALC_EMBED_H

#include <stddef.h>

struct embedded_file {
	const char *name;          /* path relative to its root: "css/alcove.css" */
	const unsigned char *data; /* NUL-terminated, len excludes the NUL */
	size_t len;
	const char *hash;          /* 16 hex digits of a content hash */
};

/* static/: served under /static/ with content-hashed names. */
extern const struct embedded_file static_assets[];
extern const size_t static_assets_count;

/* src/db/migrations/: NNNN_name.sql, applied in name order. */
extern const struct embedded_file migrations[];
extern const size_t migrations_count;

/* Binary search by name; NULL when absent. */
const struct embedded_file *embed_find(const struct embedded_file *tab,
    size_t n, const char *name);

#endif
