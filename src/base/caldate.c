/*
 * caldate.c - calendar dates and the date in a practice's time zone.
 * See caldate.h.
 *
 * Day numbers use the days-from-civil algorithm (H. Hinnant), exact for
 * every proleptic Gregorian date.  Time zones come from TZif files (RFC
 * 8536): the version 2+ block with 64-bit transition times when present,
 * else the version 1 block.
 *
 * A calendar page converts every appointment's time, so a zone file is
 * read once per process and kept: up to ZONE_CACHE zones (a practice has
 * one), immutable once cached and never freed, found under a mutex.  A
 * zone beyond that is read for the call and freed.  A tzdata update is
 * seen at the next start.
 */
#include "base/caldate.h"
#include "base/err.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ZONEINFO "/usr/share/zoneinfo/"
#define TZIF_MAX (256 * 1024)
#define ZONE_CACHE 16
/* 28 Gregorian years between 1901 and 2099: 10227 days. */
#define CYCLE28_S (10227LL * 86400)

int
caldate_is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
caldate_days_in_month(int y, int m)
{
	static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31};

	if (m < 1 || m > 12)
		return 0;
	return m == 2 && caldate_is_leap(y) ? 29 : dim[m - 1];
}

int
caldate_valid(struct caldate d)
{
	return d.y >= 1900 && d.y <= 9999 && d.m >= 1 && d.m <= 12 &&
	    d.d >= 1 && d.d <= caldate_days_in_month(d.y, d.m);
}

static int
digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
caldate_parse(const char *s, struct caldate *out)
{
	struct caldate d;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    digits(s, 4, &d.y) != 0 || digits(s + 5, 2, &d.m) != 0 ||
	    digits(s + 8, 2, &d.d) != 0 || !caldate_valid(d))
		return ALC_EINVAL;
	*out = d;
	return 0;
}

char *
caldate_format(struct caldate d, char *out)
{
	unsigned y = (unsigned)d.y % 10000, m = (unsigned)d.m % 100,
	    dd = (unsigned)d.d % 100;

	snprintf(out, CALDATE_TEXT_SIZE, "%04u-%02u-%02u", y, m, dd);
	return out;
}

int64_t
caldate_to_days(struct caldate d)
{
	int64_t y = d.m <= 2 ? d.y - 1 : d.y;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (d.m + (d.m > 2 ? -3 : 9)) + 2) / 5 + d.d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

struct caldate
caldate_from_days(int64_t z)
{
	struct caldate d;
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d.d = (int)(doy - (153 * mp + 2) / 5 + 1);
	d.m = (int)(mp < 10 ? mp + 3 : mp - 9);
	d.y = (int)(yoe + era * 400 + (d.m <= 2));
	return d;
}

struct caldate
caldate_add_days(struct caldate d, int64_t n)
{
	return caldate_from_days(caldate_to_days(d) + n);
}

int64_t
caldate_diff(struct caldate a, struct caldate b)
{
	return caldate_to_days(b) - caldate_to_days(a);
}

int
caldate_cmp(struct caldate a, struct caldate b)
{
	int64_t x = caldate_to_days(a), y = caldate_to_days(b);

	return x < y ? -1 : x > y;
}

struct caldate
caldate_add_months(struct caldate d, int n, int anchor_day)
{
	int64_t idx = (int64_t)d.y * 12 + (d.m - 1) + n;
	struct caldate r;
	int dim;

	if (anchor_day <= 0)
		anchor_day = d.d;
	r.y = (int)(idx / 12);
	r.m = (int)(idx % 12) + 1;
	dim = caldate_days_in_month(r.y, r.m);
	r.d = anchor_day < dim ? anchor_day : dim;
	return r;
}

/* --- time zones ---------------------------------------------------------- */

/* Zone names as in the tz database: letters, digits, '_', '-', '+' and
 * '/' between components; never "..", never absolute. */
static int
tz_name_ok(const char *tz)
{
	const char *p;

	if (tz == NULL || tz[0] == '\0' || tz[0] == '/' || strlen(tz) > 64 ||
	    strstr(tz, "..") != NULL || strstr(tz, "//") != NULL)
		return 0;
	for (p = tz; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		    *p == '+' || *p == '/'))
			return 0;
	return 1;
}

static int
read_zone(const char *tz, unsigned char **data, size_t *len)
{
	char path[128];
	unsigned char *buf = NULL;
	ssize_t got;
	size_t n = 0;
	int fd, rc = ALC_ENOTFOUND;

	snprintf(path, sizeof(path), ZONEINFO "%s", tz);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return ALC_ENOTFOUND;
	if ((buf = malloc(TZIF_MAX)) == NULL) {
		rc = ALC_ENOMEM;
		goto out;
	}
	while (n < TZIF_MAX && (got = read(fd, buf + n, TZIF_MAX - n)) > 0)
		n += (size_t)got;
	if (n < 44 || memcmp(buf, "TZif", 4) != 0)
		goto out;
	if ((*data = realloc(buf, n)) == NULL)
		*data = buf;
	*len = n;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}

static struct zone {
	char name[65];
	unsigned char *data;
	size_t len;
} zones[ZONE_CACHE];
static size_t nzones;
static pthread_mutex_t zone_lock = PTHREAD_MUTEX_INITIALIZER;

/* The cached zone tz, or NULL. */
static const struct zone *
zone_find(const char *tz)
{
	size_t i;

	for (i = 0; i < nzones; i++)
		if (strcmp(zones[i].name, tz) == 0)
			return &zones[i];
	return NULL;
}

/* Zone tz's file: cached, or read for this call when the cache is full
 * (then *tofree is set and the caller frees it; else it is NULL). */
static int
zone_get(const char *tz, const unsigned char **data, size_t *len,
    unsigned char **tofree)
{
	const struct zone *z;
	unsigned char *d = NULL;
	size_t n = 0;
	int rc;

	*tofree = NULL;
	pthread_mutex_lock(&zone_lock);
	z = zone_find(tz);
	pthread_mutex_unlock(&zone_lock);
	if (z == NULL) {
		if ((rc = read_zone(tz, &d, &n)) != 0)
			return rc;
		pthread_mutex_lock(&zone_lock);
		if ((z = zone_find(tz)) == NULL && nzones < ZONE_CACHE) {
			snprintf(zones[nzones].name, sizeof(zones[0].name), "%s",
			    tz);
			zones[nzones].data = d;
			zones[nzones].len = n;
			z = &zones[nzones++];
			d = NULL;
		}
		pthread_mutex_unlock(&zone_lock);
		if (z == NULL) {
			*data = *tofree = d;
			*len = n;
			return 0;
		}
		free(d); /* another thread cached it first */
	}
	*data = z->data;
	*len = z->len;
	return 0;
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int64_t
be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct tzif_block {
	const unsigned char *times, *idx, *types;
	uint32_t timecnt, typecnt;
	int wide; /* 8-byte transition times */
	int rule; /* the footer has a DST rule beyond the last transition */
};

/* Size of a data block with the counts of the header at h. */
static size_t
block_size(const unsigned char *h, int wide)
{
	size_t tw = wide ? 8 : 4;

	return be32(h + 32) * (tw + 1) + be32(h + 36) * 6 + be32(h + 40) +
	    be32(h + 28) * (tw + 4) + be32(h + 24) + be32(h + 20);
}

static int
parse_tzif(const unsigned char *b, size_t len, struct tzif_block *z)
{
	const unsigned char *h = b;
	size_t off = 44, sz = block_size(h, 0);
	const unsigned char *foot;

	memset(z, 0, sizeof(*z));
	if (sz > len - off)
		return ALC_ENOTFOUND;
	if (b[4] >= '2') {
		h = b + off + sz;
		if ((size_t)(h - b) + 44 > len || memcmp(h, "TZif", 4) != 0)
			return ALC_ENOTFOUND;
		off = (size_t)(h - b) + 44;
		if ((sz = block_size(h, 1)) > len - off)
			return ALC_ENOTFOUND;
		z->wide = 1;
		foot = b + off + sz;
		z->rule = memchr(foot, ',', len - (size_t)(foot - b)) != NULL;
	}
	z->timecnt = be32(h + 32);
	z->typecnt = be32(h + 36);
	z->times = b + off;
	z->idx = z->times + z->timecnt * (z->wide ? 8 : 4);
	z->types = z->idx + z->timecnt;
	return z->typecnt > 0 ? 0 : ALC_ENOTFOUND;
}

static int64_t
trans_at(const struct tzif_block *z, uint32_t i)
{
	return z->wide ? be64(z->times + 8 * i) :
	    (int64_t)(int32_t)be32(z->times + 4 * i);
}

static int32_t
offset_at(const struct tzif_block *z, int64_t t)
{
	uint32_t lo = 0, hi = z->timecnt, type = 0;

	if (z->timecnt > 0 && z->rule && t > trans_at(z, z->timecnt - 1))
		t -= ((t - trans_at(z, z->timecnt - 1)) / CYCLE28_S + 1) *
		    CYCLE28_S;
	/* The last transition at or before t (type 0 before the first). */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (trans_at(z, mid) <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0)
		type = z->idx[lo - 1];
	if (type >= z->typecnt)
		type = 0;
	return (int32_t)be32(z->types + 6 * type);
}

int
caldate_utc_offset(const char *tz, int64_t t, int32_t *offset)
{
	struct tzif_block z;
	const unsigned char *data = NULL;
	unsigned char *tofree;
	size_t len = 0;
	int rc;

	*offset = 0;
	if (!tz_name_ok(tz))
		return ALC_EINVAL;
	if ((rc = zone_get(tz, &data, &len, &tofree)) != 0)
		return rc;
	if ((rc = parse_tzif(data, len, &z)) == 0)
		*offset = offset_at(&z, t);
	free(tofree);
	return rc;
}

int
caldate_today(const char *tz, int64_t now_ms, struct caldate *out)
{
	int64_t t = now_ms / 1000 - (now_ms % 1000 < 0);
	int32_t off;
	int rc;

	if ((rc = caldate_utc_offset(tz, t, &off)) != 0)
		return rc;
	t += off;
	*out = caldate_from_days(t / 86400 - (t % 86400 < 0));
	return 0;
}

/* --- local wall time <-> UTC ------------------------------------------- */

/* Local seconds (since 1970-01-01 local midnight) of date at minute. */
static int64_t
local_seconds(struct caldate date, int minute)
{
	return caldate_to_days(date) * 86400 + (int64_t)minute * 60;
}

/* The UTC instant of local time l under the zone z.  The offsets a day
 * before and a day after l bracket any one transition: a candidate is
 * consistent when the zone's offset at it is the offset it was made
 * with.  Two consistent candidates (an overlap) give the earlier one;
 * none (a gap) gives the offset before the gap, RFC 5545's rule, so
 * 02:30 on a spring-forward night is 03:30 daylight time. */
static int64_t
local_to_utc_s(const struct tzif_block *z, int64_t l)
{
	int32_t oa = offset_at(z, l - 86400), ob = offset_at(z, l + 86400);
	int64_t ta = l - oa, tb = l - ob;
	int va = offset_at(z, ta) == oa, vb = offset_at(z, tb) == ob;

	if (va && vb)
		return ta < tb ? ta : tb;
	if (vb)
		return tb;
	return ta;
}

int
caldate_local_to_utc(const char *tz, struct caldate date, int minute_of_day,
    int64_t *ms)
{
	struct tzif_block z;
	const unsigned char *data = NULL;
	unsigned char *tofree;
	size_t len = 0;
	int rc;

	*ms = 0;
	if (!tz_name_ok(tz) || !caldate_valid(date) || minute_of_day < 0 ||
	    minute_of_day >= 24 * 60)
		return ALC_EINVAL;
	if ((rc = zone_get(tz, &data, &len, &tofree)) != 0)
		return rc;
	if ((rc = parse_tzif(data, len, &z)) == 0)
		*ms = local_to_utc_s(&z, local_seconds(date, minute_of_day)) *
		    1000;
	free(tofree);
	return rc;
}

int
caldate_from_utc(const char *tz, int64_t ms, struct caldate *date,
    int *minute_of_day)
{
	int64_t t = ms / 1000 - (ms % 1000 < 0), day;
	int32_t off;
	int rc;

	if ((rc = caldate_utc_offset(tz, t, &off)) != 0)
		return rc;
	t += off;
	day = t / 86400 - (t % 86400 < 0);
	*date = caldate_from_days(day);
	*minute_of_day = (int)((t - day * 86400) / 60);
	return 0;
}

int
caldate_weekday(struct caldate d)
{
	int64_t w = (caldate_to_days(d) + 4) % 7; /* 1970-01-01: Thursday */

	return (int)(w < 0 ? w + 7 : w);
}
