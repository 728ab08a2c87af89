/* config.h — settings from a config file, GUANXI_* environment variables and
 * command-line flags, in that order of precedence (flags win). */
#ifndef GX_CORE_CONFIG_H
#define GX_CORE_CONFIG_H

#include <stdint.h>

struct gx_config {
	char listen[128];      /* host:port to bind */
	char db[1024];         /* SQLite file path or postgres:// URL */
	char db_replica[1024]; /* postgres:// URL of a read replica ("" = none) */
	char log_level[16];
	int64_t threads;       /* HTTP worker threads (0 = number of cores) */
	int64_t body_max;      /* request body limit, bytes */
	int64_t header_max;    /* per-connection memory for headers, bytes */
	int64_t conn_timeout;  /* idle connection timeout, seconds */
	int64_t request_timeout; /* whole-request deadline, seconds */
	int64_t conn_limit;    /* total connections */
	int64_t per_ip_limit;  /* connections per client address */
	int64_t session_ttl;   /* seconds a login session lasts */
	int64_t login_max_failures; /* failed logins before 429 */
	int64_t login_window;  /* seconds over which failures are counted */
	int64_t busy_timeout_ms; /* SQLite busy timeout */
	int64_t job_interval;  /* seconds between runs of the periodic jobs */
};

/* Fills in the built-in defaults. */
void gx_config_defaults(struct gx_config *c);
/* Sets one setting by name ("listen", "body_max", ...); dashes and
 * underscores are equivalent. GX_ENOTFOUND for an unknown key, GX_EINVAL for
 * a bad value. */
int gx_config_set(struct gx_config *c, const char *key, const char *value);
/* Reads "key = value" lines ('#' comments) from path. GX_EIO when it cannot
 * be read; on a bad line, GX_EINVAL with the line number in *bad_line. */
int gx_config_load_file(struct gx_config *c, const char *path, int *bad_line);
/* Applies every GUANXI_<KEY> environment variable that names a setting. */
int gx_config_load_env(struct gx_config *c);
/* True when key names a setting. */
int gx_config_is_key(const char *key);

#endif
