/*
 * pages/static.c - embedded CSS, JS and icons under /static/.
 *
 * Asset URLs carry the content hash ("css/alcove.<hash>.css"), so they can
 * be cached for a year: a changed file gets a new URL.  A request whose
 * hash is not the current one gets 404 rather than stale or mismatched
 * content.
 */
#include "web/pages/pages.h"
#include "web/http.h"
#include "base/arena.h"
#include "base/embed.h"
#include "base/err.h"

#include <string.h>

static const char *
content_type(const char *name)
{
	static const struct { const char *ext, *type; } types[] = {
		{".css", "text/css; charset=utf-8"},
		{".js", "text/javascript; charset=utf-8"},
		{".svg", "image/svg+xml"},
		{".png", "image/png"},
		{".ico", "image/x-icon"},
		{".woff2", "font/woff2"},
		{".txt", "text/plain; charset=utf-8"},
	};
	const char *dot = strrchr(name, '.');
	size_t i;

	for (i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

/* Splits "css/alcove.<16 hex>.css" into the file name and the hash. */
static int
split_hashed(struct req *r, const char *path, char **name, const char **hash)
{
	const char *ext = strrchr(path, '.'), *h;
	size_t i;

	if (ext == NULL || ext == path)
		return ALC_ENOTFOUND;
	for (h = ext - 1; h > path && *h != '.' && *h != '/'; h--)
		;
	if (*h != '.' || ext - h - 1 != 16)
		return ALC_ENOTFOUND;
	for (i = 1; i <= 16; i++)
		if (strchr("0123456789abcdef", h[i]) == NULL || h[i] == '\0')
			return ALC_ENOTFOUND;
	*name = arena_printf(r->arena, "%.*s%s", (int)(h - path), path, ext);
	*hash = h + 1;
	return *name ? 0 : ALC_ENOMEM;
}

int
page_static(struct req *r)
{
	const struct embedded_file *f;
	const char *hash;
	char *name;
	int rc;

	if ((rc = split_hashed(r, req_param(r, "*"), &name, &hash)) != 0)
		return rc;
	f = embed_find(static_assets, static_assets_count, name);
	if (f == NULL || strncmp(f->hash, hash, 16) != 0)
		return ALC_ENOTFOUND;
	r->content_type = content_type(name);
	r->cache = CACHE_IMMUTABLE;
	/* Embedded data lives for the whole process: no copy needed. */
	r->out_static = f->data;
	r->out_static_len = f->len;
	return 0;
}
