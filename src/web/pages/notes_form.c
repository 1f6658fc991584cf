/*
 * pages/notes_form.c - a note's page and its draft form: new (from a
 * template, optionally an appointment), create, show, save.  See
 * pages/notes.c for access and audit.
 *
 * Posted values are checked against the template: a choice must be one
 * of its options, a scale 0..10, a date YYYY-MM-DD, any value at most
 * NOTES_VALUE_MAX bytes.  Drafts may be incomplete: required fields are
 * marked, not enforced, until... never; the signer decides.  A refused
 * form comes back (422) with what was typed.
 */
#include "web/pages/pages.h"
#include "web/authz.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/views_notes.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "core/notes/notes.h"
#include "core/patients/patients.h"
#include "core/users/users.h"
#include "templates.h"

#include <stdlib.h>
#include <string.h>

static int
fill_options(struct req *r, const struct note_field *f, const char *val,
    struct note_field_view *fv)
{
	struct note_option_view *o;
	size_t i, len;
	const char *p;

	if ((o = arena_alloc(r->arena, (f->n_options + 1) * sizeof(*o))) ==
	    NULL)
		return ALC_ENOMEM;
	for (i = 0; i < f->n_options; i++) {
		o[i].id = arena_printf(r->arena, "f-%s-%zu", f->key, i);
		o[i].name = arena_printf(r->arena, "%s__%zu", f->key, i);
		o[i].value = f->options[i];
		o[i].label = f->options[i];
		len = strlen(f->options[i]);
		o[i].selected = 0;
		for (p = val; p != NULL && (p = strstr(p, f->options[i])) != NULL;
		    p += len)
			if ((p == val || p[-1] == ' ') &&
			    (p[len] == '\0' || p[len] == ';'))
				o[i].selected = 1;
	}
	fv->options = o;
	fv->n_options = f->n_options;
	return 0;
}

/* Section views of t with vals (NULL: empty). */
int
notes_web_sections(struct req *r, const struct note_template *t,
    const struct note_value *vals, size_t nv,
    const struct note_section_view **out)
{
	struct note_section_view *sv;
	struct note_field_view *fv;
	size_t i, j;
	int rc;

	if ((sv = arena_alloc(r->arena, (t->n_sections + 1) * sizeof(*sv))) ==
	    NULL)
		return ALC_ENOMEM;
	for (i = 0; i < t->n_sections; i++) {
		const struct note_section *s = &t->sections[i];

		if ((fv = arena_alloc(r->arena, (s->n_fields + 1) *
		    sizeof(*fv))) == NULL)
			return ALC_ENOMEM;
		memset(fv, 0, (s->n_fields + 1) * sizeof(*fv));
		for (j = 0; j < s->n_fields; j++) {
			const struct note_field *f = &s->fields[j];

			fv[j].name = f->key;
			fv[j].id = arena_printf(r->arena, "f-%s", f->key);
			fv[j].label = f->label;
			fv[j].required = f->required;
			fv[j].value = notes_value(vals, nv, f->key);
			fv[j].is_text = f->type == NF_TEXT;
			fv[j].is_line = f->type == NF_DIAGNOSIS ||
			    f->type == NF_MEASURE;
			fv[j].hint = f->type == NF_DIAGNOSIS ? "ICD-10-CM codes "
			    "and names, e.g. F41.1 Generalized anxiety disorder" :
			    f->type == NF_MEASURE ? "e.g. PHQ-9 12 (moderate)" :
			    NULL;
			fv[j].is_date = f->type == NF_DATE;
			fv[j].is_scale = f->type == NF_SCALE;
			fv[j].is_choice = f->type == NF_CHOICE;
			fv[j].is_multi = f->type == NF_MULTI;
			if ((f->type == NF_CHOICE || f->type == NF_MULTI) &&
			    (rc = fill_options(r, f, fv[j].value, &fv[j])) != 0)
				return rc;
		}
		sv[i].title = s->title;
		sv[i].fields = fv;
		sv[i].n_fields = s->n_fields;
	}
	*out = sv;
	return 0;
}

static const char *
posted_multi(struct req *r, const struct note_field *f)
{
	struct buf b;
	const char *x;
	size_t i;

	buf_init(&b, r->arena);
	for (i = 0; i < f->n_options; i++) {
		x = req_form(r, arena_printf(r->arena, "%s__%zu", f->key, i));
		if (x != NULL && strcmp(x, f->options[i]) == 0)
			buf_printf(&b, "%s%s", b.len ? "; " : "", x);
	}
	return b.len && !buf_failed(&b) ? buf_cstr(&b) : NULL;
}

static int
valid(const struct note_field *f, const char *x)
{
	size_t i;
	char *end;
	long v;

	if (strlen(x) > NOTES_VALUE_MAX)
		return 0;
	switch (f->type) {
	case NF_CHOICE:
		for (i = 0; i < f->n_options; i++)
			if (strcmp(x, f->options[i]) == 0)
				return 1;
		return 0;
	case NF_SCALE:
		v = strtol(x, &end, 10);
		return *end == '\0' && v >= 0 && v <= 10;
	case NF_DATE:
		return strlen(x) == 10 && x[4] == '-' && x[7] == '-';
	default:
		return 1;
	}
}

/* The posted values of t's fields into *vals (arena); *bad the label of
 * the first field that does not validate (NULL: none). */
int
notes_web_posted(struct req *r, const struct note_template *t,
    struct note_value **vals, size_t *n, const char **bad)
{
	struct note_value *v;
	size_t i, j, k = 0, cap = 0;
	const char *x;

	*bad = NULL;
	for (i = 0; i < t->n_sections; i++)
		cap += t->sections[i].n_fields;
	if ((v = arena_alloc(r->arena, (cap + 1) * sizeof(*v))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < t->n_sections; i++)
		for (j = 0; j < t->sections[i].n_fields; j++) {
			const struct note_field *f = &t->sections[i].fields[j];

			x = f->type == NF_MULTI ? posted_multi(r, f) :
			    req_form(r, f->key);
			if (x == NULL || *x == '\0')
				continue;
			if (!valid(f, x) && *bad == NULL)
				*bad = f->label;
			v[k].key = f->key;
			v[k++].value = x;
		}
	*vals = v;
	*n = k;
	return 0;
}
