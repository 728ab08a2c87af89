/* calendar.h — local days and months of a tenant's time zone (ICU), for
 * purchase days, cohorts and retention periods. */
#ifndef GX_ANALYTICS_CALENDAR_H
#define GX_ANALYTICS_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

struct gx_tz;

/* Opens the IANA time zone `zone` ("Asia/Shanghai"); NULL, "" or a zone ICU
 * does not know mean UTC. Not thread-safe: one per thread or request.
 * Caller owns *out (gx_tz_close). GX_ENOMEM. */
int gx_tz_open(const char *zone, struct gx_tz **out);
void gx_tz_close(struct gx_tz *tz); /* accepts NULL */
/* Offset of local time from UTC at utc_ms, in milliseconds. */
int64_t gx_tz_offset(struct gx_tz *tz, int64_t utc_ms);
/* The local day number (days since 1970-01-01 local) of utc_ms. */
int64_t gx_tz_day(struct gx_tz *tz, int64_t utc_ms);
/* UTC milliseconds of the local midnight starting day. */
int64_t gx_tz_day_start(struct gx_tz *tz, int64_t day);

/* Civil date of a day number and back (proleptic Gregorian). */
void gx_day_civil(int64_t day, int *y, int *m, int *d);
int64_t gx_day_from_civil(int y, int m, int d);
/* "YYYY-MM" of a day number into out (at least 8 bytes). */
void gx_day_month(int64_t day, char *out, size_t cap);
/* gx_time_iso(ms, out, cap), the same text, without snprintf and gmtime_r
 * ("2026-01-31T01:30:00.000Z"; 25 bytes). */
void gx_utc_iso(int64_t ms, char *out, size_t cap);
/* Parses "YYYY-MM" into *y, *m. GX_EINVAL when malformed. */
int gx_month_parse(const char *s, int *y, int *m);

#endif
