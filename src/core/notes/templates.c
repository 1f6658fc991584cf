/*
 * templates.c - the shipped note templates.  See notes.h.
 *
 * data/templates/KEY.json is embedded as note_templates (Makefile): one
 * object {"key", "version", "name", "description", "sections": [{"title",
 * "fields": [{"key", "label", "type", "options", "required"}]}]}.  They
 * are parsed on each use into the caller's arena: a handful of small
 * files, cheaper to parse than to cache behind a lock, and a template can
 * never be changed under a running request.  A malformed file is a build
 * mistake the unit test catches (every template must parse).
 */
#include "core/notes/notes.h"
#include "base/arena.h"
#include "base/embed.h"
#include "base/err.h"

#include <jansson.h>
#include <string.h>

/* build/gen/note_templates.c (Makefile). */
extern const struct embedded_file note_templates[];
extern const size_t note_templates_count;

static const char *const type_names[] = {"text", "choice", "multi", "date",
    "scale", "diagnosis", "measure"};

enum note_field_type
note_field_type_parse(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < sizeof(type_names) / sizeof(*type_names);
	    i++)
		if (strcmp(s, type_names[i]) == 0)
			return (enum note_field_type)i;
	return NF_TEXT;
}

static const char *
str(struct arena *a, json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? arena_strdup(a, s) : NULL;
}

static int
parse_field(struct arena *a, json_t *jf, struct note_field *f)
{
	json_t *opts = json_object_get(jf, "options");
	size_t i;

	f->key = str(a, jf, "key");
	f->label = str(a, jf, "label");
	f->type = note_field_type_parse(json_string_value(json_object_get(jf,
	    "type")));
	f->required = json_is_true(json_object_get(jf, "required"));
	f->n_options = json_array_size(opts);
	f->options = arena_alloc(a, (f->n_options + 1) * sizeof(*f->options));
	if (f->key == NULL || f->label == NULL || f->options == NULL)
		return ALC_EINVAL;
	for (i = 0; i < f->n_options; i++)
		if ((f->options[i] = arena_strdup(a,
		    json_string_value(json_array_get(opts, i)))) == NULL)
			return ALC_EINVAL;
	return 0;
}

static int
parse_section(struct arena *a, json_t *js, struct note_section *s)
{
	json_t *fs = json_object_get(js, "fields");
	size_t i;
	int rc;

	s->title = str(a, js, "title");
	s->n_fields = json_array_size(fs);
	s->fields = arena_alloc(a, (s->n_fields + 1) * sizeof(*s->fields));
	if (s->title == NULL || s->fields == NULL || s->n_fields == 0)
		return ALC_EINVAL;
	memset(s->fields, 0, (s->n_fields + 1) * sizeof(*s->fields));
	for (i = 0; i < s->n_fields; i++)
		if ((rc = parse_field(a, json_array_get(fs, i),
		    &s->fields[i])) != 0)
			return rc;
	return 0;
}

static int
parse(struct arena *a, const struct embedded_file *e, struct note_template *t)
{
	json_t *o, *secs;
	size_t i;
	int rc = ALC_EINVAL;

	memset(t, 0, sizeof(*t));
	if ((o = json_loadb((const char *)e->data, e->len, 0, NULL)) == NULL)
		return ALC_EINVAL;
	secs = json_object_get(o, "sections");
	t->key = str(a, o, "key");
	t->name = str(a, o, "name");
	t->description = str(a, o, "description");
	t->version = (int)json_integer_value(json_object_get(o, "version"));
	t->n_sections = json_array_size(secs);
	t->sections = arena_alloc(a, (t->n_sections + 1) * sizeof(*t->sections));
	if (t->key == NULL || t->name == NULL || t->version < 1 ||
	    t->sections == NULL || t->n_sections == 0)
		goto out;
	for (i = 0; i < t->n_sections; i++)
		if ((rc = parse_section(a, json_array_get(secs, i),
		    &t->sections[i])) != 0)
			goto out;
	rc = 0;
out:
	json_decref(o);
	return rc;
}

int
note_templates_list(struct arena *a, struct note_template **out, size_t *n)
{
	struct note_template *t;
	size_t i;
	int rc;

	*n = 0;
	if ((t = arena_alloc(a, (note_templates_count + 1) * sizeof(*t))) ==
	    NULL)
		return ALC_ENOMEM;
	for (i = 0; i < note_templates_count; i++)
		if ((rc = parse(a, &note_templates[i], &t[i])) != 0)
			return rc;
	*out = t;
	*n = note_templates_count;
	return 0;
}

int
note_template_get(struct arena *a, const char *key, int version,
    struct note_template *out)
{
	const struct embedded_file *e;
	char *name;
	int rc;

	if (key == NULL || strchr(key, '/') != NULL ||
	    (name = arena_printf(a, "%s.json", key)) == NULL)
		return ALC_ENOTFOUND;
	if ((e = embed_find(note_templates, note_templates_count, name)) ==
	    NULL)
		return ALC_ENOTFOUND;
	if ((rc = parse(a, e, out)) != 0)
		return rc;
	return version == 0 || version == out->version ? 0 : ALC_ENOTFOUND;
}
