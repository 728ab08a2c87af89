/* log.c — leveled logging with UTC timestamps; synchronous by default, batched
 * through a writer thread while the server runs (see log.h). */
#include "core/log.h"

#include "core/err.h"
#include "core/time.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_level = GX_LOG_INFO;
static const char *names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

void gx_log_set_level(int level)
{
	log_level = level;
}

int gx_log_enabled(int level)
{
	return level <= log_level;
}

int gx_log_level_parse(const char *s)
{
	static const char *lower[] = {"error", "warn", "info", "debug"};
	for (int i = 0; i < 4; i++)
		if (strcmp(s, lower[i]) == 0)
			return i;
	return -1;
}

/* ---- formatting -------------------------------------------------------------- */

/* Writes "YYYY-MM-DDTHH:MM:SS.mmmZ" (gx_time_iso's form) to out and returns
 * its length. gmtime_r takes glibc's time-zone lock and snprintf is slow, so
 * each thread keeps the text of the current second. */
static size_t timestamp(char *out, size_t cap)
{
	static __thread int64_t cached_sec = INT64_MIN;
	static __thread char prefix[40];
	static __thread size_t prefix_len;
	int64_t ms = gx_now_ms();
	if (ms < 0) {
		gx_time_iso(ms, out, cap);
		return strlen(out);
	}
	if (ms / 1000 != cached_sec) {
		char full[40];
		gx_time_iso(ms, full, sizeof full);
		char *dot = strrchr(full, '.');
		if (!dot) {
			snprintf(out, cap, "%s", full);
			return strlen(out);
		}
		prefix_len = (size_t)(dot - full);
		memcpy(prefix, full, prefix_len);
		cached_sec = ms / 1000;
	}
	if (prefix_len + 6 > cap)
		return 0;
	int frac = (int)(ms % 1000);
	memcpy(out, prefix, prefix_len);
	char *p = out + prefix_len;
	p[0] = '.';
	p[1] = (char)('0' + frac / 100);
	p[2] = (char)('0' + frac / 10 % 10);
	p[3] = (char)('0' + frac % 10);
	p[4] = 'Z';
	p[5] = '\0';
	return prefix_len + 5;
}

/* Builds "<timestamp> <LEVEL> <msg>\n" in line (cap >= GX_LOG_MSG_MAX + 64);
 * returns its length. msg is cut at GX_LOG_MSG_MAX - 1 bytes. */
static size_t format_line(char *line, size_t cap, int level, const char *msg, size_t len)
{
	size_t n = timestamp(line, cap);
	size_t nl = strlen(names[level]);
	line[n++] = ' ';
	memcpy(line + n, names[level], nl);
	n += nl;
	line[n++] = ' ';
	if (len > GX_LOG_MSG_MAX - 1)
		len = GX_LOG_MSG_MAX - 1;
	memcpy(line + n, msg, len);
	n += len;
	line[n++] = '\n';
	return n;
}

/* ---- the queue and its writer ---------------------------------------------------- */

static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t qwake;  /* the writer waits for lines or for the stop */
static pthread_cond_t qdone;  /* loggers wait for the writer to finish a batch */
static bool async_on, stopping, writing;
static char *qbuf, *wbuf;     /* queued lines; the batch being written */
static size_t qlen;
static int64_t qfirst_ms;     /* monotonic time of the oldest queued line */
static pthread_t writer;
static bool atexit_set;

/* write(2) all of p, retrying on EINTR and short writes; gives up on other
 * errors (there is nowhere to report them). */
static void write_all(const char *p, size_t n)
{
	int fd = fileno(stderr);
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* With qlock held: waits until the writer is idle, then writes what is
 * queued from this thread, so that a line written next comes after it. */
static void drain_locked(void)
{
	while (writing)
		pthread_cond_wait(&qdone, &qlock);
	if (qlen) {
		write_all(qbuf, qlen);
		qlen = 0;
	}
}

static void *writer_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&qlock);
	for (;;) {
		while (!stopping && qlen < GX_LOG_QUEUE_FLUSH) {
			if (!qlen) {
				pthread_cond_wait(&qwake, &qlock);
				continue;
			}
			int64_t due = qfirst_ms + GX_LOG_FLUSH_MS;
			if (gx_mono_ms() >= due)
				break;
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			int64_t wait_ms = due - gx_mono_ms();
			if (wait_ms < 1)
				wait_ms = 1;
			ts.tv_sec += (time_t)(wait_ms / 1000);
			ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&qwake, &qlock, &ts);
		}
		if (!qlen) {
			if (stopping)
				break;
			continue;
		}
		char *batch = qbuf;
		size_t n = qlen;
		qbuf = wbuf;
		wbuf = batch;
		qlen = 0;
		writing = true;
		pthread_mutex_unlock(&qlock);
		write_all(batch, n);
		pthread_mutex_lock(&qlock);
		writing = false;
		pthread_cond_broadcast(&qdone);
	}
	pthread_mutex_unlock(&qlock);
	return NULL;
}

static void flush_at_exit(void)
{
	gx_log_flush();
}

int gx_log_async_start(void)
{
	pthread_mutex_lock(&qlock);
	if (async_on) {
		pthread_mutex_unlock(&qlock);
		return 0;
	}
	pthread_mutex_unlock(&qlock);
	char *a = malloc(GX_LOG_QUEUE_MAX), *b = malloc(GX_LOG_QUEUE_MAX);
	if (!a || !b) {
		free(a);
		free(b);
		return GX_ENOMEM;
	}
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&qwake, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&qdone, NULL);
	pthread_mutex_lock(&qlock);
	qbuf = a;
	wbuf = b;
	qlen = 0;
	stopping = false;
	writing = false;
	if (pthread_create(&writer, NULL, writer_main, NULL) != 0) {
		qbuf = wbuf = NULL;
		pthread_mutex_unlock(&qlock);
		pthread_cond_destroy(&qwake);
		pthread_cond_destroy(&qdone);
		free(a);
		free(b);
		return GX_EIO;
	}
	__atomic_store_n(&async_on, true, __ATOMIC_RELEASE);
	if (!atexit_set)
		atexit_set = atexit(flush_at_exit) == 0;
	pthread_mutex_unlock(&qlock);
	return 0;
}

void gx_log_flush(void)
{
	pthread_mutex_lock(&qlock);
	if (async_on)
		drain_locked();
	pthread_mutex_unlock(&qlock);
}

void gx_log_async_stop(void)
{
	pthread_mutex_lock(&qlock);
	if (!async_on) {
		pthread_mutex_unlock(&qlock);
		return;
	}
	stopping = true;
	pthread_cond_signal(&qwake);
	pthread_mutex_unlock(&qlock);
	pthread_join(writer, NULL);
	pthread_mutex_lock(&qlock);
	drain_locked(); /* lines queued after the writer's last look */
	__atomic_store_n(&async_on, false, __ATOMIC_RELEASE);
	free(qbuf);
	free(wbuf);
	qbuf = wbuf = NULL;
	pthread_mutex_unlock(&qlock);
	pthread_cond_destroy(&qwake);
	pthread_cond_destroy(&qdone);
}

/* ---- entry points ------------------------------------------------------------------ */

void gx_log_msg(int level, const char *msg, size_t len)
{
	if (level > log_level || level < 0)
		return;
	char line[GX_LOG_MSG_MAX + 128];
	size_t n = format_line(line, sizeof line, level, msg, len);
	if (!__atomic_load_n(&async_on, __ATOMIC_ACQUIRE)) { /* only start and stop change it */
		/* one write per line so concurrent threads do not interleave */
		fwrite(line, 1, n, stderr);
		return;
	}
	pthread_mutex_lock(&qlock);
	if (!async_on) {
		pthread_mutex_unlock(&qlock);
		fwrite(line, 1, n, stderr);
		return;
	}
	if (level <= GX_LOG_WARN) {
		/* errors and warnings are not held back: written now, after
		 * everything queued before them */
		drain_locked();
		write_all(line, n);
		pthread_mutex_unlock(&qlock);
		return;
	}
	while (qlen + n > GX_LOG_QUEUE_MAX) {
		/* stderr is slower than the loggers: wait for the writer */
		pthread_cond_signal(&qwake);
		if (!writing) {
			drain_locked();
			break;
		}
		pthread_cond_wait(&qdone, &qlock);
	}
	if (!qlen)
		qfirst_ms = gx_mono_ms();
	memcpy(qbuf + qlen, line, n);
	qlen += n;
	if (qlen == n || qlen >= GX_LOG_QUEUE_FLUSH)
		pthread_cond_signal(&qwake);
	pthread_mutex_unlock(&qlock);
}

void gx_log(int level, const char *fmt, ...)
{
	if (level > log_level)
		return;
	char msg[GX_LOG_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	gx_log_msg(level, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
}
