/* ical.h — iCalendar (RFC 5545) export of activities with libical: each
 * activity as a VEVENT (start = when it happened, end = start + duration),
 * written one event at a time so that a calendar of any size streams. */
#ifndef GX_IO_ICAL_H
#define GX_IO_ICAL_H

#include <jansson.h>
#include <stddef.h>

/* Receives written text; returns 0 or a negative GX_E* code to stop. */
typedef int (*gx_ical_sink_fn)(void *ud, const char *s, size_t n);

/* Writes the calendar's opening lines (VERSION, PRODID, CALSCALE, METHOD). */
int gx_ical_begin(gx_ical_sink_fn sink, void *ud);
/* Writes one activity record (as the entity engine returns it) as a VEVENT:
 * UID activity-<id>@guanxi, DTSTAMP, DTSTART (occurred_at, UTC), DTEND when
 * it has a duration, SUMMARY (subject), DESCRIPTION (notes and outcome),
 * CATEGORIES (channel), CREATED, LAST-MODIFIED, X-GUANXI-CUSTOMER
 * (customer_name, may be NULL). Errors: GX_EINVAL (no valid occurred_at or
 * subject), GX_ENOMEM, the sink's code. */
int gx_ical_activity(const json_t *activity, const char *customer_name, gx_ical_sink_fn sink, void *ud);
/* Writes END:VCALENDAR. */
int gx_ical_end(gx_ical_sink_fn sink, void *ud);

#endif
