/* calendar.c — local days and months in a tenant's time zone through ICU's
 * calendar (daylight saving included), and civil-date arithmetic. */
#include "analytics/calendar.h"

#include "core/err.h"
#include "core/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ucal.h>
#include <unicode/ustring.h>

#define DAY_MS 86400000LL
#define BUCKET_MS 900000LL /* zone offsets change on quarter hours at most */

struct gx_tz {
	UCalendar *cal;    /* NULL: UTC */
	int64_t bucket;    /* the last looked-up quarter hour and its offset */
	int64_t offset;
	int cached;
};

int gx_tz_open(const char *zone, struct gx_tz **out)
{
	*out = NULL;
	struct gx_tz *tz = calloc(1, sizeof *tz);
	if (!tz)
		return GX_ENOMEM;
	if (zone && *zone && strcmp(zone, "UTC") != 0 && strlen(zone) < 64) {
		UChar id[64];
		u_uastrcpy(id, zone);
		UErrorCode st = U_ZERO_ERROR;
		tz->cal = ucal_open(id, -1, "en_US", UCAL_GREGORIAN, &st);
		if (U_FAILURE(st)) {
			if (tz->cal)
				ucal_close(tz->cal);
			tz->cal = NULL; /* unknown to ICU: UTC */
		}
	}
	*out = tz;
	return 0;
}

void gx_tz_close(struct gx_tz *tz)
{
	if (!tz)
		return;
	if (tz->cal)
		ucal_close(tz->cal);
	free(tz);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t gx_tz_offset(struct gx_tz *tz, int64_t utc_ms)
{
	if (!tz || !tz->cal)
		return 0;
	int64_t bucket = floor_div(utc_ms, BUCKET_MS);
	if (tz->cached && bucket == tz->bucket)
		return tz->offset;
	UErrorCode st = U_ZERO_ERROR;
	ucal_setMillis(tz->cal, (UDate)utc_ms, &st);
	int32_t zone = ucal_get(tz->cal, UCAL_ZONE_OFFSET, &st);
	int32_t dst = ucal_get(tz->cal, UCAL_DST_OFFSET, &st);
	int64_t off = U_FAILURE(st) ? 0 : (int64_t)zone + dst;
	tz->bucket = bucket;
	tz->offset = off;
	tz->cached = 1;
	return off;
}

int64_t gx_tz_day(struct gx_tz *tz, int64_t utc_ms)
{
	return floor_div(utc_ms + gx_tz_offset(tz, utc_ms), DAY_MS);
}

int64_t gx_tz_day_start(struct gx_tz *tz, int64_t day)
{
	int64_t local = day * DAY_MS;
	/* the offset at the instant itself, found in two steps */
	int64_t guess = local - gx_tz_offset(tz, local);
	return local - gx_tz_offset(tz, guess);
}

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t gx_day_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void gx_day_civil(int64_t day, int *y, int *m, int *d)
{
	int64_t z = day + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Digits by hand: the statistics format a time or a month per row (10M
 * rows: snprintf was 7 % of a rebuild). */
static void put_digits(char *p, int v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

void gx_day_month(int64_t day, char *out, size_t cap)
{
	int y, m, d;
	gx_day_civil(day, &y, &m, &d);
	if (cap >= 8 && y >= 0 && y <= 9999) {
		put_digits(out, y, 4);
		out[4] = '-';
		put_digits(out + 5, m, 2);
		out[7] = '\0';
		return;
	}
	snprintf(out, cap, "%04d-%02d", y, m);
}

void gx_utc_iso(int64_t ms, char *out, size_t cap)
{
	int64_t day = floor_div(ms, 86400000), in_day = ms - day * 86400000;
	int y, m, d;
	gx_day_civil(day, &y, &m, &d);
	if (ms < 0 || cap < 25 || y > 9999) {
		gx_time_iso(ms, out, cap);
		return;
	}
	int secs = (int)(in_day / 1000);
	put_digits(out, y, 4);
	out[4] = '-';
	put_digits(out + 5, m, 2);
	out[7] = '-';
	put_digits(out + 8, d, 2);
	out[10] = 'T';
	put_digits(out + 11, secs / 3600, 2);
	out[13] = ':';
	put_digits(out + 14, secs / 60 % 60, 2);
	out[16] = ':';
	put_digits(out + 17, secs % 60, 2);
	out[19] = '.';
	put_digits(out + 20, (int)(in_day % 1000), 3);
	out[23] = 'Z';
	out[24] = '\0';
}

int gx_month_parse(const char *s, int *y, int *m)
{
	if (!s || strlen(s) != 7 || s[4] != '-')
		return GX_EINVAL;
	for (int i = 0; i < 7; i++)
		if (i != 4 && (s[i] < '0' || s[i] > '9'))
			return GX_EINVAL;
	*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	*m = (s[5] - '0') * 10 + (s[6] - '0');
	return *m >= 1 && *m <= 12 ? 0 : GX_EINVAL;
}
