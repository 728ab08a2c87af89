/* time.h — wall-clock time in milliseconds and ISO 8601 (UTC) text. */
#ifndef GX_CORE_TIME_H
#define GX_CORE_TIME_H

#include <stddef.h>
#include <stdint.h>

/* Milliseconds since the Unix epoch (UTC). */
int64_t gx_now_ms(void);
/* Monotonic milliseconds, for durations and deadlines. */
int64_t gx_mono_ms(void);
/* Formats ms as "2026-11-24T12:00:00.000Z" into out (at least 25 bytes). */
void gx_time_iso(int64_t ms, char *out, size_t cap);
/* Parses "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)" into UTC ms;
 * GX_EINVAL when malformed or out of range. */
int gx_time_parse(const char *s, int64_t *ms_out);
/* Parses a calendar date "YYYY-MM-DD" only (validated, e.g. no Feb 30). */
int gx_date_parse(const char *s, int *y, int *m, int *d);

#endif
