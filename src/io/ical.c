/* ical.c — activities as iCalendar VEVENTs through libical (see ical.h). */
#include "io/ical.h"

#include "core/err.h"
#include "core/time.h"

#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gx_ical_begin(gx_ical_sink_fn sink, void *ud)
{
	char head[256];
	int n = snprintf(head, sizeof head,
			 "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//guanxi//guanxi %s//EN\r\nCALSCALE:GREGORIAN\r\n"
			 "METHOD:PUBLISH\r\n", GX_VERSION);
	return sink(ud, head, (size_t)n);
}

int gx_ical_end(gx_ical_sink_fn sink, void *ud)
{
	return sink(ud, "END:VCALENDAR\r\n", 15);
}

static struct icaltimetype utc_time(int64_t ms)
{
	return icaltime_from_timet_with_zone((time_t)(ms / 1000), 0, icaltimezone_get_utc_timezone());
}

static int64_t time_of(const json_t *rec, const char *field)
{
	int64_t ms = 0;
	const char *s = json_string_value(json_object_get(rec, field));
	return s && gx_time_parse(s, &ms) == 0 ? ms : -1;
}

int gx_ical_activity(const json_t *a, const char *customer_name, gx_ical_sink_fn sink, void *ud)
{
	int64_t start = time_of(a, "occurred_at");
	const char *subject = json_string_value(json_object_get(a, "subject"));
	if (start < 0 || !subject)
		return GX_EINVAL;
	icalcomponent *ev = icalcomponent_new_vevent();
	if (!ev)
		return GX_ENOMEM;
	char uid[80];
	snprintf(uid, sizeof uid, "activity-%lld@guanxi", (long long)json_integer_value(json_object_get(a, "id")));
	icalcomponent_add_property(ev, icalproperty_new_uid(uid));
	icalcomponent_add_property(ev, icalproperty_new_dtstamp(utc_time(gx_now_ms())));
	icalcomponent_add_property(ev, icalproperty_new_dtstart(utc_time(start)));
	json_t *dur = json_object_get(a, "duration_min");
	if (json_is_integer(dur) && json_integer_value(dur) > 0)
		icalcomponent_add_property(ev, icalproperty_new_dtend(utc_time(start + json_integer_value(dur) * 60000)));
	icalcomponent_add_property(ev, icalproperty_new_summary(subject));
	const char *notes = json_string_value(json_object_get(a, "notes"));
	const char *outcome = json_string_value(json_object_get(a, "outcome"));
	if (notes || outcome) {
		size_t n = (notes ? strlen(notes) : 0) + (outcome ? strlen(outcome) : 0) + 32;
		char *d = malloc(n);
		if (d) {
			snprintf(d, n, "%s%s%s%s", notes ? notes : "", notes && outcome ? "\n" : "", outcome ? "结果/Outcome: " : "",
				 outcome ? outcome : "");
			icalcomponent_add_property(ev, icalproperty_new_description(d));
			free(d);
		}
	}
	const char *channel = json_string_value(json_object_get(a, "channel"));
	if (channel)
		icalcomponent_add_property(ev, icalproperty_new_categories(channel));
	int64_t t = time_of(a, "created_at");
	if (t >= 0)
		icalcomponent_add_property(ev, icalproperty_new_created(utc_time(t)));
	t = time_of(a, "updated_at");
	if (t >= 0)
		icalcomponent_add_property(ev, icalproperty_new_lastmodified(utc_time(t)));
	icalcomponent_add_property(ev, icalproperty_new_status(ICAL_STATUS_CONFIRMED));
	icalcomponent_add_property(ev, icalproperty_new_class(ICAL_CLASS_PRIVATE));
	if (customer_name) {
		icalproperty *x = icalproperty_new_x(customer_name);
		icalproperty_set_x_name(x, "X-GUANXI-CUSTOMER");
		icalcomponent_add_property(ev, x);
	}
	char *text = icalcomponent_as_ical_string_r(ev);
	icalcomponent_free(ev);
	if (!text)
		return GX_ENOMEM;
	int rc = sink(ud, text, strlen(text));
	free(text);
	return rc;
}
