/* log.c — leveled logging with UTC timestamps. */
#include "core/log.h"

#include "core/time.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int log_level = GX_LOG_INFO;
static const char *names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

void gx_log_set_level(int level)
{
	log_level = level;
}

int gx_log_level_parse(const char *s)
{
	static const char *lower[] = {"error", "warn", "info", "debug"};
	for (int i = 0; i < 4; i++)
		if (strcmp(s, lower[i]) == 0)
			return i;
	return -1;
}

void gx_log(int level, const char *fmt, ...)
{
	if (level > log_level)
		return;
	char ts[40], line[2048];
	gx_time_iso(gx_now_ms(), ts, sizeof ts);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	/* one fprintf per line so concurrent threads do not interleave */
	fprintf(stderr, "%s %s %s\n", ts, names[level], line);
}
