/* log.h — leveled logging to stderr, one line per event. */
#ifndef GX_CORE_LOG_H
#define GX_CORE_LOG_H

enum { GX_LOG_ERROR, GX_LOG_WARN, GX_LOG_INFO, GX_LOG_DEBUG };

void gx_log_set_level(int level);
/* Parses "error|warn|info|debug"; returns -1 when unknown. */
int gx_log_level_parse(const char *s);
void gx_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define gx_log_error(...) gx_log(GX_LOG_ERROR, __VA_ARGS__)
#define gx_log_warn(...) gx_log(GX_LOG_WARN, __VA_ARGS__)
#define gx_log_info(...) gx_log(GX_LOG_INFO, __VA_ARGS__)
#define gx_log_debug(...) gx_log(GX_LOG_DEBUG, __VA_ARGS__)

#endif
