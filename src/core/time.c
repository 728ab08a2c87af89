/* time.c — UTC time helpers (re-entrant; no gmtime/localtime). */
#include "core/time.h"

#include "core/err.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t gx_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t gx_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void gx_time_iso(int64_t ms, char *out, size_t cap)
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (int)(ms % 1000));
}

static int days_in_month(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return GX_EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int gx_date_parse(const char *s, int *y, int *m, int *d)
{
	if (strlen(s) < 10 || s[4] != '-' || s[7] != '-')
		return GX_EINVAL;
	if (digits(s, 4, y) || digits(s + 5, 2, m) || digits(s + 8, 2, d))
		return GX_EINVAL;
	if (*y < 1 || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m))
		return GX_EINVAL;
	return 0;
}

int gx_time_parse(const char *s, int64_t *ms_out)
{
	int y, mo, d, h = 0, mi = 0, se = 0, ms = 0, off = 0;
	if (gx_date_parse(s, &y, &mo, &d))
		return GX_EINVAL;
	const char *p = s + 10;
	if (*p == 'T' || *p == ' ') {
		if (strlen(p) < 9 || p[3] != ':' || p[6] != ':')
			return GX_EINVAL;
		if (digits(p + 1, 2, &h) || digits(p + 4, 2, &mi) || digits(p + 7, 2, &se))
			return GX_EINVAL;
		if (h > 23 || mi > 59 || se > 60)
			return GX_EINVAL;
		p += 9;
		if (*p == '.') {
			p++;
			int n = 0, frac = 0;
			while (*p >= '0' && *p <= '9') {
				if (n < 3)
					frac = frac * 10 + (*p - '0');
				n++;
				p++;
			}
			if (n == 0)
				return GX_EINVAL;
			for (int i = n; i < 3; i++)
				frac *= 10;
			ms = frac;
		}
		if (*p == 'Z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int oh, om;
			if (strlen(p) != 6 || p[3] != ':' || digits(p + 1, 2, &oh) ||
			    digits(p + 4, 2, &om) || oh > 23 || om > 59)
				return GX_EINVAL;
			off = (oh * 60 + om) * (*p == '+' ? 1 : -1);
			p += 6;
		} else {
			return GX_EINVAL; /* a time must say its zone */
		}
	}
	if (*p)
		return GX_EINVAL;
	int64_t days = days_from_civil(y, mo, d);
	*ms_out = ((days * 86400 + h * 3600 + mi * 60 + se) - (int64_t)off * 60) * 1000 + ms;
	return 0;
}
