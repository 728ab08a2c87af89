/* log.h — leveled logging to stderr, one line per event; optionally written
 * by a background thread in batches (the server's request log). */
#ifndef GX_CORE_LOG_H
#define GX_CORE_LOG_H

#include <stddef.h>

enum { GX_LOG_ERROR, GX_LOG_WARN, GX_LOG_INFO, GX_LOG_DEBUG };

void gx_log_set_level(int level);
/* True when lines of this level are written (callers skip formatting otherwise). */
int gx_log_enabled(int level);
/* Parses "error|warn|info|debug"; returns -1 when unknown. */
int gx_log_level_parse(const char *s);
void gx_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Logs msg[0..len) as one line (the timestamp and level are added; the
 * message is cut at GX_LOG_MSG_MAX - 1 bytes, as gx_log cuts it). */
void gx_log_msg(int level, const char *msg, size_t len);
#define GX_LOG_MSG_MAX 2048

/* Batched mode (the server): from gx_log_async_start until gx_log_async_stop,
 * INFO and DEBUG lines go to an in-memory queue that a writer thread writes
 * to stderr at least every GX_LOG_FLUSH_MS milliseconds, or sooner when
 * GX_LOG_QUEUE_FLUSH bytes are waiting; ERROR and WARN lines are written at
 * once, after everything queued before them. A crash (not exit(), not
 * SIGTERM) may lose the INFO lines of the last GX_LOG_FLUSH_MS milliseconds,
 * at most GX_LOG_QUEUE_MAX bytes; when the queue is full (stderr blocked)
 * loggers wait for the writer. Lines keep their order. Start returns 0 or
 * GX_ENOMEM/GX_EIO (then logging stays synchronous). */
#define GX_LOG_FLUSH_MS 50
#define GX_LOG_QUEUE_FLUSH (32u << 10)
#define GX_LOG_QUEUE_MAX (256u << 10)
int gx_log_async_start(void);
/* Writes what is queued now (any mode; safe to call at any time). */
void gx_log_flush(void);
/* Flushes, stops the writer thread and returns to synchronous writes. */
void gx_log_async_stop(void);

#define gx_log_error(...) gx_log(GX_LOG_ERROR, __VA_ARGS__)
#define gx_log_warn(...) gx_log(GX_LOG_WARN, __VA_ARGS__)
#define gx_log_info(...) gx_log(GX_LOG_INFO, __VA_ARGS__)
#define gx_log_debug(...) gx_log(GX_LOG_DEBUG, __VA_ARGS__)

#endif
