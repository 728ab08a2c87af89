/* config.c — settings: defaults < file < environment < flags. */
#include "core/config.h"

#include "core/err.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum kind { STR, INT };
struct key {
	const char *name;
	enum kind kind;
	size_t off, size;
	int64_t min, max;
};

#define S(f) {#f, STR, offsetof(struct gx_config, f), sizeof(((struct gx_config *)0)->f), 0, 0}
#define I(f, lo, hi) {#f, INT, offsetof(struct gx_config, f), 0, lo, hi}
static const struct key keys[] = {
	S(listen), S(db), S(db_replica), S(log_level),
	I(threads, 0, 256),
	I(body_max, 1024, (int64_t)1 << 32),
	I(header_max, 4096, 16 << 20),
	I(conn_timeout, 1, 3600),
	I(request_timeout, 1, 86400),
	I(conn_limit, 1, 100000),
	I(per_ip_limit, 1, 100000),
	I(session_ttl, 60, 366 * 86400),
	I(login_max_failures, 1, 1000),
	I(login_window, 1, 86400),
	I(busy_timeout_ms, 0, 600000),
	I(job_interval, 1, 86400),
};
#undef S
#undef I

void gx_config_defaults(struct gx_config *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->listen, sizeof c->listen, "127.0.0.1:8080");
	snprintf(c->db, sizeof c->db, "guanxi.db");
	snprintf(c->log_level, sizeof c->log_level, "info");
	c->threads = 0;
	c->body_max = 1 << 20;
	c->header_max = 64 << 10;
	c->conn_timeout = 30;
	c->request_timeout = 120;
	c->conn_limit = 1024;
	c->per_ip_limit = 256;
	c->session_ttl = 12 * 3600;
	c->login_max_failures = 5;
	c->login_window = 900;
	c->busy_timeout_ms = 10000;
	c->job_interval = 3600;
}

static const struct key *find_key(const char *name)
{
	char norm[64];
	size_t n = strlen(name);
	if (n >= sizeof norm)
		return NULL;
	for (size_t i = 0; i <= n; i++)
		norm[i] = name[i] == '-' ? '_' : (char)tolower((unsigned char)name[i]);
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (strcmp(keys[i].name, norm) == 0)
			return &keys[i];
	return NULL;
}

int gx_config_is_key(const char *key)
{
	return find_key(key) != NULL;
}

int gx_config_set(struct gx_config *c, const char *key, const char *value)
{
	const struct key *k = find_key(key);
	if (!k)
		return GX_ENOTFOUND;
	char *field = (char *)c + k->off;
	if (k->kind == STR) {
		if (strlen(value) >= k->size)
			return GX_EINVAL;
		memcpy(field, value, strlen(value) + 1);
		return 0;
	}
	char *end;
	errno = 0;
	long long v = strtoll(value, &end, 10);
	if (errno || end == value || *end || v < k->min || v > k->max)
		return GX_EINVAL;
	*(int64_t *)(void *)field = v;
	return 0;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int gx_config_load_file(struct gx_config *c, const char *path, int *bad_line)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return GX_EIO;
	char line[2048];
	int lineno = 0, rc = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			rc = GX_EINVAL;
			break;
		}
		*eq = '\0';
		char *key = trim(s), *val = trim(eq + 1);
		size_t vn = strlen(val);
		if (vn >= 2 && val[0] == '"' && val[vn - 1] == '"') {
			val[vn - 1] = '\0';
			val++;
		}
		if (gx_config_set(c, key, val)) {
			rc = GX_EINVAL;
			break;
		}
	}
	fclose(f);
	if (rc && bad_line)
		*bad_line = lineno;
	return rc;
}

int gx_config_load_env(struct gx_config *c)
{
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		char name[80];
		snprintf(name, sizeof name, "GUANXI_%s", keys[i].name);
		for (char *p = name; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		const char *v = getenv(name);
		if (v && gx_config_set(c, keys[i].name, v))
			return GX_EINVAL;
	}
	return 0;
}
