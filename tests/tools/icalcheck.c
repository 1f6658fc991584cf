/*
 * icalcheck.c - test-only: reads an iCalendar feed on stdin and checks it
 * with libical, the parser many calendar servers use.  Exit 0 when it
 * parses into one VCALENDAR, passes icalrestriction_check (RFC 5546
 * rules for its METHOD, here PUBLISH) and has no X-LIC-ERROR properties;
 * otherwise 1, with what is wrong on stderr.  Prints the number of
 * VEVENTs on stdout.  Built by `make build/asan/tests/icalcheck`.
 */
#include <libical/ical.h>

#include <stdio.h>
#include <stdlib.h>

static char *
slurp(FILE *f)
{
	size_t cap = 1 << 16, n = 0, got;
	char *b = malloc(cap + 1), *nb;

	while (b != NULL && (got = fread(b + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			if ((nb = realloc(b, cap * 2 + 1)) == NULL) {
				free(b);
				return NULL;
			}
			b = nb;
			cap *= 2;
		}
	}
	if (b != NULL)
		b[n] = '\0';
	return b;
}

int
main(void)
{
	char *text = slurp(stdin);
	icalcomponent *cal, *ev;
	int errors, events = 0, rc = 1;

	if (text == NULL)
		return 2;
	cal = icalparser_parse_string(text);
	if (cal == NULL || icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT) {
		fprintf(stderr, "icalcheck: not one VCALENDAR\n");
		goto out;
	}
	if (!icalrestriction_check(cal))
		fprintf(stderr, "icalcheck: restriction check failed\n");
	errors = icalcomponent_count_errors(cal);
	if (errors > 0)
		fprintf(stderr, "icalcheck: %d errors:\n%s\n", errors,
		    icalcomponent_as_ical_string(cal));
	for (ev = icalcomponent_get_first_component(cal,
	    ICAL_VEVENT_COMPONENT); ev != NULL;
	    ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT))
		events++;
	printf("%d\n", events);
	rc = icalcomponent_count_errors(cal) > 0 ? 1 : 0;
out:
	if (cal != NULL)
		icalcomponent_free(cal);
	free(text);
	return rc;
}
