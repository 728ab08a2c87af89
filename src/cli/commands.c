/* commands.c — the guanxi subcommands: serve, init, migrate, tenant, user,
 * backup, restore, check. */
#include "cli/cli.h"

#include "analytics/analytics.h"
#include "analytics/stats.h"
#include "core/err.h"
#include "core/log.h"
#include "core/time.h"
#include "core/utf8.h"
#include "crm/auth.h"
#include "crm/customer.h"
#include "crm/perm.h"
#include "crm/transaction.h"
#include "crm/user.h"
#include "http/http.h"
#include "io/dump.h"
#include "io/export.h"
#include "io/import.h"
#include "jobs/scheduler.h"
#include "store/migrations.h"
#include "store/store.h"
#include "text/searchkey.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

const char *gx_cli_opt(const struct gx_cli *c, const char *name)
{
	for (int i = 0; i < c->nopts; i++)
		if (strcmp(c->opt_name[i], name) == 0)
			return c->opt_value[i];
	return NULL;
}

const char *gx_cli_db_name(const struct gx_cli *c)
{
	/* postgres://user:password@host/db -> postgres://user:***@host/db */
	static char shown[1100];
	const char *url = c->cfg.db, *scheme = strstr(url, "://");
	const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
	const char *colon = scheme ? strchr(scheme + 3, ':') : NULL;
	if (!at || !colon || colon > at) {
		snprintf(shown, sizeof shown, "%s", url);
		return shown;
	}
	snprintf(shown, sizeof shown, "%.*s:***%s", (int)(colon - url), url, at);
	return shown;
}

int gx_cli_open(struct gx_cli *c, bool create, struct gx_store **out)
{
	struct gx_store_opts o = {.readers = 8, .busy_timeout_ms = (int)c->cfg.busy_timeout_ms,
				  .create = create, .replica = c->cfg.db_replica};
	int rc = gx_store_open(c->cfg.db, &o, out);
	if (rc == GX_ENOTFOUND || rc == GX_EIO) {
		fprintf(stderr, "guanxi: no database at %s (run 'guanxi init' first)\n", gx_cli_db_name(c));
		return rc;
	}
	if (rc) {
		fprintf(stderr, "guanxi: cannot open %s: %s\n", gx_cli_db_name(c), gx_strerror(rc));
		return rc;
	}
	int applied = 0;
	rc = gx_migrate(*out, c->cfg.db, &applied);
	if (rc) {
		fprintf(stderr, "guanxi: migrating %s failed; it was left as it was\n", gx_cli_db_name(c));
		gx_store_close(*out);
		*out = NULL;
	}
	return rc;
}

static char *prompt_tty(const char *prompt)
{
	FILE *tty = fopen("/dev/tty", "r+");
	if (!tty)
		return NULL;
	struct termios old, quiet;
	int fd = fileno(tty);
	bool echo_off = tcgetattr(fd, &old) == 0;
	if (echo_off) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	fprintf(tty, "%s", prompt);
	fflush(tty);
	char buf[1100];
	char *line = fgets(buf, sizeof buf, tty);
	if (echo_off)
		tcsetattr(fd, TCSAFLUSH, &old);
	fprintf(tty, "\n");
	fclose(tty);
	if (!line)
		return NULL;
	buf[strcspn(buf, "\r\n")] = '\0';
	char *r = strdup(buf);
	sodium_memzero(buf, sizeof buf);
	return r;
}

char *gx_cli_password(const struct gx_cli *c, const char *opt, const char *env, const char *prompt)
{
	const char *v = gx_cli_opt(c, opt);
	if (v)
		return strdup(v);
	v = getenv(env);
	if (v)
		return strdup(v);
	char *a = prompt_tty(prompt);
	if (!a)
		return NULL;
	char *b = prompt_tty("Repeat it: ");
	if (!b || strcmp(a, b) != 0) {
		fprintf(stderr, "guanxi: the two passwords differ\n");
		free(a);
		free(b);
		return NULL;
	}
	free(b);
	return a;
}

int gx_cli_tenant(struct gx_cli *c, struct gx_store *s, long long *tenant_id)
{
	const char *slug = gx_cli_opt(c, "tenant");
	if (slug) {
		int64_t id;
		int rc = gx_tenant_find(s, slug, &id);
		if (rc)
			fprintf(stderr, "guanxi: no tenant '%s'\n", slug);
		*tenant_id = id;
		return rc;
	}
	json_t *list;
	int rc = gx_tenant_list(s, &list);
	if (rc)
		return rc;
	if (json_array_size(list) != 1) {
		fprintf(stderr, "guanxi: %s; say which with --tenant SLUG\n",
			json_array_size(list) ? "this server hosts several tenants" : "no tenant yet (run guanxi init)");
		json_decref(list);
		return GX_EINVAL;
	}
	*tenant_id = json_integer_value(json_object_get(json_array_get(list, 0), "id"));
	json_decref(list);
	return 0;
}

int gx_cli_open_tenant(struct gx_cli *c, struct gx_store **out, long long *tenant_id)
{
	*tenant_id = 0;
	int rc = gx_cli_open(c, false, out);
	if (!rc)
		rc = gx_cli_tenant(c, *out, tenant_id);
	if (rc && *out) {
		gx_store_close(*out);
		*out = NULL;
	}
	return rc;
}

/* ---- serve ------------------------------------------------------------------------ */

int gx_cmd_serve(struct gx_cli *c)
{
	struct gx_store *s;
	c->cfg.threads = c->cfg.threads ? c->cfg.threads : sysconf(_SC_NPROCESSORS_ONLN);
	int rc = gx_cli_open(c, false, &s);
	if (rc)
		return rc;
	gx_auth_throttle_config((int)c->cfg.login_max_failures, (int)c->cfg.login_window);
	gx_api_init();
	/* ICU compiles its Han-Latin rules on first use (~150 ms): do it now,
	 * and fail early when OpenCC's or ICU's data is missing */
	rc = gx_text_init();
	if (rc) {
		fprintf(stderr, "guanxi: cannot load the Chinese text data (OpenCC t2s.json, ICU): %s\n", gx_strerror(rc));
		gx_store_close(s);
		return rc;
	}
	rc = gx_scheduler_start(s, (int)c->cfg.job_interval);
	if (!rc)
		rc = gx_server_run(&c->cfg, s);
	gx_api_io_shutdown();
	gx_scheduler_stop();
	gx_store_close(s);
	gx_text_shutdown();
	return rc;
}

/* ---- init ------------------------------------------------------------------------- */

static int create_user(struct gx_store *s, long long tenant_id, const char *username, const char *name,
		       const char *role, const char *email, const char *password, long long *id_out)
{
	struct gx_arena a;
	gx_arena_init(&a, 0);
	struct gx_ctx ctx = {.store = s, .arena = &a, .tenant_id = tenant_id};
	json_t *in = json_pack("{s:s, s:s, s:s, s:s}", "username", username, "display_name", name ? name : username,
			       "role", role, "password", password);
	if (email)
		json_object_set_new(in, "email", json_string(email));
	json_t *out = NULL;
	struct gx_errors errs = {0};
	int rc = gx_entity_create(&ctx, &gx_users_entity, in, &out, &errs);
	if (rc && errs.list) {
		size_t i;
		json_t *e;
		json_array_foreach(errs.list, i, e)
			fprintf(stderr, "guanxi: %s\n", json_string_value(json_object_get(e, "message")));
	}
	if (!rc && id_out)
		*id_out = json_integer_value(json_object_get(out, "id"));
	json_decref(errs.list);
	json_decref(out);
	json_decref(in);
	gx_arena_free(&a);
	return rc;
}

char *gx_cli_generate_password(void)
{
	/* 16 characters from an alphabet without look-alikes */
	static const char alphabet[] = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	char *p = malloc(17);
	if (!p)
		return NULL;
	for (int i = 0; i < 16; i++)
		p[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
	p[16] = '\0';
	return p;
}

/* The first company and its administrator are named in the tenant's language
 * (the people who open the app first read these names in it). */
static const char *default_tenant_name(const char *locale)
{
	return locale && strcmp(locale, "en") == 0 ? "My company" : "我的公司";
}

static const char *admin_display_name(const char *locale)
{
	if (locale && strcmp(locale, "en") == 0)
		return "Administrator";
	if (locale && strcmp(locale, "zh-TW") == 0)
		return "系統管理員";
	return "系统管理员";
}

int gx_cmd_init(struct gx_cli *c)
{
	const char *admin = gx_cli_opt(c, "admin-user");
	const char *slug = gx_cli_opt(c, "tenant");
	const char *tname = gx_cli_opt(c, "tenant-name");
	const char *locale = gx_cli_opt(c, "locale");
	bool generate = gx_cli_opt(c, "generate-password") != NULL;
	struct stat st;
	bool is_url = strstr(c->cfg.db, "://") != NULL;
	if (is_url || (stat(c->cfg.db, &st) == 0 && st.st_size > 0)) {
		struct gx_store *s;
		int rc = gx_cli_open(c, is_url, &s);
		if (rc)
			return rc;
		json_t *list = NULL;
		rc = gx_tenant_list(s, &list);
		size_t n = list ? json_array_size(list) : 0;
		json_decref(list);
		gx_store_close(s);
		if (!rc && n) {
			fprintf(stderr, "guanxi: %s is already initialised; use 'guanxi tenant add' or 'guanxi user add'\n",
				gx_cli_db_name(c));
			return GX_ECONFLICT;
		}
	}
	char *pw = generate ? gx_cli_generate_password()
			    : gx_cli_password(c, "admin-password", "GUANXI_ADMIN_PASSWORD",
					      "Password for the administrator: ");
	if (!pw) {
		fprintf(stderr, "guanxi: give the administrator's password with --admin-password, "
				"GUANXI_ADMIN_PASSWORD, a terminal prompt, or --generate-password\n");
		return GX_EINVAL;
	}
	struct gx_errors errs = {0};
	if (!gx_password_acceptable(pw, "password", &errs)) {
		json_decref(errs.list);
		fprintf(stderr, "guanxi: a password needs 8 to 1024 characters\n");
		free(pw);
		return GX_EINVAL;
	}
	struct gx_store *s;
	int rc = gx_cli_open(c, true, &s);
	int64_t tid = 0;
	if (!rc) {
		rc = gx_tenant_create(s, slug ? slug : "default", tname ? tname : default_tenant_name(locale),
				      gx_cli_opt(c, "time-zone"), gx_cli_opt(c, "currency"), locale, &tid);
		if (rc)
			fprintf(stderr, "guanxi: cannot create the tenant (slug: lower-case letters, digits, '-'; "
					"--locale zh-CN, zh-TW or en; --time-zone an IANA name; --currency ISO 4217)\n");
	}
	long long uid = 0;
	if (!rc)
		rc = create_user(s, tid, admin ? admin : "admin", admin_display_name(locale), "admin", NULL, pw, &uid);
	if (!rc) {
		printf("guanxi: database %s is ready (tenant '%s').\n", gx_cli_db_name(c), slug ? slug : "default");
		if (generate)
			printf("\n  Administrator: %s\n  Password:      %s\n\n  This password is shown only "
			       "once and stored only as a hash. Change it after logging in.\n\n",
			       admin ? admin : "admin", pw);
	}
	sodium_memzero(pw, strlen(pw));
	free(pw);
	gx_store_close(s);
	return rc;
}

int gx_cmd_migrate(struct gx_cli *c)
{
	struct gx_store *s;
	int rc = gx_cli_open(c, false, &s);
	if (rc)
		return rc;
	int v = 0;
	gx_schema_version(s, &v);
	printf("guanxi: %s is at schema version %d\n", gx_cli_db_name(c), v);
	gx_store_close(s);
	return 0;
}

/* ---- tenant ----------------------------------------------------------------------- */

int gx_cmd_tenant(struct gx_cli *c)
{
	const char *sub = c->npos ? c->pos[0] : NULL;
	if (!sub || (strcmp(sub, "add") && strcmp(sub, "list"))) {
		fprintf(stderr, "guanxi: tenant add SLUG --name NAME | tenant list\n");
		return GX_EINVAL;
	}
	struct gx_store *s;
	int rc = gx_cli_open(c, false, &s);
	if (rc)
		return rc;
	if (strcmp(sub, "list") == 0) {
		json_t *list;
		rc = gx_tenant_list(s, &list);
		size_t i;
		json_t *t;
		if (!rc) {
			printf("%-20s %-30s %-16s %s\n", "SLUG", "NAME", "TIME ZONE", "CURRENCY");
			json_array_foreach(list, i, t)
				printf("%-20s %-30s %-16s %s\n", json_string_value(json_object_get(t, "slug")),
				       json_string_value(json_object_get(t, "name")),
				       json_string_value(json_object_get(t, "time_zone")),
				       json_string_value(json_object_get(t, "currency")));
			json_decref(list);
		}
	} else {
		const char *name = gx_cli_opt(c, "name");
		if (c->npos < 2 || !name) {
			fprintf(stderr, "guanxi: tenant add SLUG --name NAME\n");
			rc = GX_EINVAL;
		} else {
			rc = gx_tenant_create(s, c->pos[1], name, gx_cli_opt(c, "time-zone"),
					      gx_cli_opt(c, "currency"), gx_cli_opt(c, "locale"), NULL);
			if (rc == GX_ECONFLICT)
				fprintf(stderr, "guanxi: tenant '%s' exists already\n", c->pos[1]);
			else if (rc)
				fprintf(stderr, "guanxi: a slug is 1-63 lower-case letters, digits or '-'; --locale zh-CN, "
						"zh-TW or en; --time-zone an IANA name; --currency ISO 4217\n");
			else
				printf("guanxi: tenant '%s' added; add its first admin with 'guanxi user add NAME --role admin --tenant %s'\n",
				       c->pos[1], c->pos[1]);
		}
	}
	gx_store_close(s);
	return rc;
}

/* ---- user ------------------------------------------------------------------------- */

static int user_patch(struct gx_store *s, long long tid, const char *username, json_t *patch)
{
	struct gx_arena a;
	gx_arena_init(&a, 0);
	struct gx_ctx ctx = {.store = s, .arena = &a, .tenant_id = tid};
	int64_t id;
	int rc = gx_user_find(&ctx, username, &id);
	json_t *cur = NULL, *out = NULL;
	struct gx_errors errs = {0};
	if (rc == GX_ENOTFOUND)
		fprintf(stderr, "guanxi: no user '%s'\n", username);
	if (!rc)
		rc = gx_entity_get(&ctx, &gx_users_entity, id, false, &cur);
	if (!rc)
		rc = gx_entity_update(&ctx, &gx_users_entity, id,
				      json_integer_value(json_object_get(cur, "version")), patch, &out, &errs);
	if (rc && errs.list) {
		size_t i;
		json_t *e;
		json_array_foreach(errs.list, i, e)
			fprintf(stderr, "guanxi: %s\n", json_string_value(json_object_get(e, "message")));
	}
	json_decref(errs.list);
	json_decref(cur);
	json_decref(out);
	gx_arena_free(&a);
	return rc;
}

int gx_cmd_user(struct gx_cli *c)
{
	const char *sub = c->npos ? c->pos[0] : "";
	bool list = strcmp(sub, "list") == 0;
	if (!list && (c->npos < 2 || (strcmp(sub, "add") && strcmp(sub, "passwd") && strcmp(sub, "disable")))) {
		fprintf(stderr, "guanxi: user add|list|passwd|disable (see guanxi user --help)\n");
		return GX_EINVAL;
	}
	struct gx_store *s;
	long long tid;
	int rc = gx_cli_open_tenant(c, &s, &tid);
	if (rc)
		return rc;
	if (list) {
		struct gx_arena a;
		gx_arena_init(&a, 0);
		struct gx_ctx ctx = {.store = s, .arena = &a, .tenant_id = tid};
		struct gx_list_query q;
		gx_list_init(&gx_users_entity, &q);
		q.limit = 200;
		printf("%-20s %-24s %-10s %s\n", "USERNAME", "NAME", "ROLE", "STATUS");
		for (;;) {
			json_t *page;
			rc = gx_entity_list(&ctx, &gx_users_entity, &q, &page);
			if (rc)
				break;
			size_t i;
			json_t *u;
			json_array_foreach(json_object_get(page, "items"), i, u)
			{ /* padded by terminal columns: Chinese names are 2 a character */
				printf("%-20s ", json_string_value(json_object_get(u, "username")));
				const char *name = json_string_value(json_object_get(u, "display_name"));
				gx_print_padded(stdout, name ? name : "", 24);
				printf(" %-10s %s\n", json_string_value(json_object_get(u, "role")),
				       json_is_null(json_object_get(u, "disabled_at")) ? "active" : "disabled");
			}
			const char *next = json_string_value(json_object_get(page, "next_cursor"));
			int prc = next ? gx_list_param(&ctx, &gx_users_entity, &q, "cursor", gx_arena_strdup(&a, next), NULL) : 1;
			json_decref(page);
			if (prc)
				break;
		}
		gx_arena_free(&a);
	} else if (strcmp(sub, "add") == 0) {
		const char *role = gx_cli_opt(c, "role");
		if (!role || !gx_role_valid(role)) {
			fprintf(stderr, "guanxi: --role is one of admin, manager, sales, service, marketing, readonly\n");
			rc = GX_EINVAL;
		} else {
			char *pw = gx_cli_password(c, "password", "GUANXI_PASSWORD", "Password for the new user: ");
			if (!pw) {
				fprintf(stderr, "guanxi: give a password with --password, GUANXI_PASSWORD or a prompt\n");
				rc = GX_EINVAL;
			} else {
				rc = create_user(s, tid, c->pos[1], gx_cli_opt(c, "name"), role, gx_cli_opt(c, "email"), pw, NULL);
				if (!rc)
					printf("guanxi: user '%s' added\n", c->pos[1]);
				sodium_memzero(pw, strlen(pw));
				free(pw);
			}
		}
	} else if (strcmp(sub, "passwd") == 0) {
		char *pw = gx_cli_password(c, "password", "GUANXI_PASSWORD", "New password: ");
		if (!pw) {
			fprintf(stderr, "guanxi: give a password with --password, GUANXI_PASSWORD or a prompt\n");
			rc = GX_EINVAL;
		} else {
			json_t *patch = json_pack("{s:s}", "password", pw);
			rc = user_patch(s, tid, c->pos[1], patch);
			json_decref(patch);
			sodium_memzero(pw, strlen(pw));
			free(pw);
			if (!rc)
				printf("guanxi: password of '%s' changed\n", c->pos[1]);
		}
	} else {
		json_t *patch = json_pack("{s:b}", "disabled", 1);
		rc = user_patch(s, tid, c->pos[1], patch);
		json_decref(patch);
		if (!rc)
			printf("guanxi: user '%s' disabled; their sessions are ended\n", c->pos[1]);
	}
	gx_store_close(s);
	return rc;
}

/* ---- backup, restore, check ----------------------------------------------------------- */

int gx_cmd_backup(struct gx_cli *c)
{
	if (c->npos != 1) {
		fprintf(stderr, "guanxi: backup FILE\n");
		return GX_EINVAL;
	}
	struct gx_store *s;
	int rc = gx_cli_open(c, false, &s);
	if (rc)
		return rc;
	rc = gx_store_backup(s, c->pos[0]);
	if (rc)
		fprintf(stderr, "guanxi: backup to %s failed: %s\n", c->pos[0], gx_strerror(rc));
	else
		printf("guanxi: backed up %s to %s\n", gx_cli_db_name(c), c->pos[0]);
	gx_store_close(s);
	return rc;
}

int gx_cmd_restore(struct gx_cli *c)
{
	if (c->npos != 1) {
		fprintf(stderr, "guanxi: restore FILE\n");
		return GX_EINVAL;
	}
	if (access(c->pos[0], R_OK) != 0) {
		fprintf(stderr, "guanxi: cannot read %s\n", c->pos[0]);
		return GX_EIO;
	}
	struct gx_store_opts o = {.readers = 1, .busy_timeout_ms = (int)c->cfg.busy_timeout_ms, .create = 1};
	struct gx_store *s;
	int rc = gx_store_open(c->cfg.db, &o, &s);
	if (rc)
		return rc;
	rc = gx_store_restore(s, c->pos[0]);
	if (rc)
		fprintf(stderr, "guanxi: restore failed (%s); the database was not changed\n", gx_strerror(rc));
	gx_store_close(s);
	if (!rc) {
		/* the backup may predate the binary's schema */
		rc = gx_cli_open(c, false, &s);
		if (!rc) {
			printf("guanxi: restored %s from %s\n", gx_cli_db_name(c), c->pos[0]);
			gx_store_close(s);
		}
	}
	return rc;
}

int gx_cmd_check(struct gx_cli *c)
{
	struct gx_store *s;
	int rc = gx_cli_open(c, false, &s);
	if (rc)
		return rc;
	char msg[512];
	rc = gx_store_check(s, msg, sizeof msg);
	printf("guanxi: integrity check: %s\n", msg);
	gx_store_close(s);
	return rc;
}

/* ---- import and export of customers and contacts; the full export ---------------------- */

/* Opens the database and the tenant (*s, NULL on an error there) and sets
 * up the context the CLI's imports and exports run in: the system, or with
 * --as USERNAME that user (their role's visibility, their name in the
 * audit log). The caller frees the arena a (always initialised) and
 * closes *s. */
static int io_open(struct gx_cli *c, struct gx_store **s, struct gx_arena *a, struct gx_ctx *ctx, char *role,
		   size_t rolecap)
{
	gx_arena_init(a, 0);
	long long tid;
	int rc = gx_cli_open_tenant(c, s, &tid);
	if (rc)
		return rc;
	*ctx = (struct gx_ctx){.store = *s, .arena = a, .tenant_id = tid, .ip = "cli"};
	gx_user_module_init();
	gx_customer_module_init();
	gx_entity_register(&gx_import_mappings_entity);
	const char *as = gx_cli_opt(c, "as");
	if (!as)
		return 0;
	int64_t uid;
	json_t *u = NULL;
	rc = gx_user_find(ctx, as, &uid);
	if (!rc)
		rc = gx_entity_get(ctx, &gx_users_entity, uid, false, &u);
	if (rc) {
		fprintf(stderr, "guanxi: no user '%s'\n", as);
		return rc;
	}
	snprintf(role, rolecap, "%s", json_string_value(json_object_get(u, "role")));
	json_decref(u);
	ctx->user_id = uid;
	ctx->role = role;
	return 0;
}

static int file_src(void *ud, void *buf, size_t cap, size_t *got)
{
	*got = fread(buf, 1, cap, ud);
	return ferror((FILE *)ud) ? GX_EIO : 0;
}

static void import_progress(void *ud, const struct gx_import_progress *p)
{
	int64_t *started = ud;
	double secs = (double)(gx_mono_ms() - *started) / 1000.0;
	bool tty = isatty(2);
	static int64_t last_line;
	if (!tty && gx_mono_ms() - last_line < 10000)
		return;
	last_line = gx_mono_ms();
	fprintf(stderr, "%sguanxi import: %llu rows", tty ? "\r" : "", (unsigned long long)p->rows);
	if (p->total_bytes)
		fprintf(stderr, " (%llu%%)", (unsigned long long)(p->bytes * 100 / p->total_bytes));
	fprintf(stderr, ", %llu created, %llu updated, %llu failed, %.0f rows/s   %s", (unsigned long long)p->created,
		(unsigned long long)p->updated, (unsigned long long)p->failed, secs > 0 ? (double)p->rows / secs : 0.0,
		tty ? "" : "\n");
}

/* "header=field;header2=field" or a JSON object/array. */
static json_t *parse_map(const char *s)
{
	if (s[0] == '{' || s[0] == '[')
		return json_loads(s, 0, NULL);
	json_t *m = json_object();
	char *copy = strdup(s), *save = NULL;
	for (char *t = copy ? strtok_r(copy, ";", &save) : NULL; t; t = strtok_r(NULL, ";", &save)) {
		char *eq = strrchr(t, '=');
		if (!eq) {
			json_decref(m);
			free(copy);
			return NULL;
		}
		*eq = '\0';
		json_object_set_new(m, t, json_string(eq + 1));
	}
	free(copy);
	return m;
}

static int file_sink(void *ud, const char *s, size_t n)
{
	return fwrite(s, 1, n, ud) == n ? 0 : GX_EIO;
}

static int import_records(struct gx_cli *c)
{
	if (c->npos != 2) {
		fprintf(stderr, "guanxi: import customers|contacts FILE (see guanxi import --help)\n");
		return GX_EINVAL;
	}
	json_t *oj = json_pack("{s:s, s:s}", "entity", c->pos[0], "filename", c->pos[1]);
	static const char *const pass[] = {"mode", "key", "duplicates", "encoding", "delimiter", "customer", "format", NULL};
	for (const char *const *k = pass; *k; k++)
		if (gx_cli_opt(c, *k))
			json_object_set_new(oj, *k, json_string(gx_cli_opt(c, *k)));
	if (gx_cli_opt(c, "dry-run"))
		json_object_set_new(oj, "dry_run", json_true());
	if (gx_cli_opt(c, "create-customers"))
		json_object_set_new(oj, "create_customers", json_true());
	if (gx_cli_opt(c, "map")) {
		json_t *m = parse_map(gx_cli_opt(c, "map"));
		if (!m) {
			fprintf(stderr, "guanxi: --map is 'header=field;header=field' or a JSON object\n");
			json_decref(oj);
			return GX_EINVAL;
		}
		json_object_set_new(oj, "mapping", m);
	}
	FILE *f = strcmp(c->pos[1], "-") ? fopen(c->pos[1], "rb") : stdin;
	if (!f) {
		fprintf(stderr, "guanxi: cannot read %s\n", c->pos[1]);
		json_decref(oj);
		return GX_EIO;
	}
	struct stat sb;
	uint64_t size = fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size : 0;
	struct gx_store *s = NULL;
	struct gx_arena a;
	struct gx_ctx ctx;
	char role[16];
	int rc = io_open(c, &s, &a, &ctx, role, sizeof role);
	/* names to ids: a saved mapping, the owner */
	if (!rc && gx_cli_opt(c, "mapping")) {
		struct gx_list_query q;
		gx_list_init(&gx_import_mappings_entity, &q);
		json_t *page = NULL;
		struct gx_errors e = {0};
		rc = gx_list_param(&ctx, &gx_import_mappings_entity, &q, "filter[name]", gx_cli_opt(c, "mapping"), &e);
		json_decref(e.list);
		if (!rc)
			rc = gx_entity_list(&ctx, &gx_import_mappings_entity, &q, &page);
		json_t *first = json_array_get(json_object_get(page, "items"), 0);
		if (!rc && !first) {
			fprintf(stderr, "guanxi: no saved mapping named '%s'\n", gx_cli_opt(c, "mapping"));
			rc = GX_EINVAL;
		}
		if (!rc)
			json_object_set(oj, "mapping_id", json_object_get(first, "id"));
		json_decref(page);
	}
	if (!rc && gx_cli_opt(c, "owner")) {
		int64_t uid;
		rc = gx_user_find(&ctx, gx_cli_opt(c, "owner"), &uid);
		if (rc)
			fprintf(stderr, "guanxi: no user '%s' (--owner)\n", gx_cli_opt(c, "owner"));
		else
			json_object_set_new(oj, "owner_id", json_integer(uid));
	}
	struct gx_import_opts o = {0};
	struct gx_errors errs = {0};
	if (!rc)
		rc = gx_import_opts_parse(oj, &o, &errs);
	int64_t batch = 0;
	if (!rc)
		rc = gx_import_begin(&ctx, &o, &batch, &errs);
	size_t i;
	json_t *e;
	json_array_foreach(errs.list, i, e)
		fprintf(stderr, "guanxi: %s\n", json_string_value(json_object_get(e, "message")));
	json_decref(errs.list);
	int64_t started = gx_mono_ms();
	o.progress = import_progress;
	o.progress_ud = &started;
	json_t *sum = NULL;
	if (!rc) {
		rc = gx_import_execute(&ctx, batch, &o, file_src, f, size, &sum);
		if (isatty(2))
			fprintf(stderr, "\n");
	}
	if (sum) {
		json_t *su = json_object_get(sum, "summary");
		const char *status = json_string_value(json_object_get(sum, "status"));
		printf("guanxi: import %lld of %s (%s): %s\n", (long long)batch, c->pos[1], c->pos[0], status);
		printf("  rows %lld: %lld created, %lld updated, %lld unchanged, %lld failed (%lld possible duplicates)%s\n",
		       (long long)json_integer_value(json_object_get(su, "rows")),
		       (long long)json_integer_value(json_object_get(su, "created")),
		       (long long)json_integer_value(json_object_get(su, "updated")),
		       (long long)json_integer_value(json_object_get(su, "unchanged")),
		       (long long)json_integer_value(json_object_get(su, "failed")),
		       (long long)json_integer_value(json_object_get(su, "duplicates")),
		       strcmp(status, "done") ? (strcmp(status, "dry_run") ? "; nothing was written" : "; a dry run: nothing was written") : "");
		if (json_object_get(su, "encoding"))
			printf("  encoding %s (confidence %lld), delimiter '%s', matched by %s, %.1f s\n",
			       json_string_value(json_object_get(su, "encoding")),
			       (long long)json_integer_value(json_object_get(su, "encoding_confidence")),
			       json_string_value(json_object_get(su, "delimiter")), json_string_value(json_object_get(su, "key")),
			       (double)json_integer_value(json_object_get(su, "elapsed_ms")) / 1000.0);
		json_t *m;
		json_array_foreach(json_object_get(su, "mapping"), i, m)
			printf("  column %lld %-24s -> %s (%s)\n", (long long)json_integer_value(json_object_get(m, "column")),
			       json_string_value(json_object_get(m, "header")),
			       json_string_value(json_object_get(m, "field")) ? json_string_value(json_object_get(m, "field")) : "-",
			       json_string_value(json_object_get(m, "status")));
		json_array_foreach(json_object_get(su, "header_errors"), i, m)
			fprintf(stderr, "guanxi: %s\n", json_string_value(json_object_get(m, "message")));
		if (json_string_value(json_object_get(sum, "error")))
			fprintf(stderr, "guanxi: %s\n", json_string_value(json_object_get(sum, "error")));
		json_array_foreach(json_object_get(su, "errors"), i, m) {
			if (i == 10)
				break;
			json_t *fe = json_array_get(json_object_get(m, "errors"), 0);
			fprintf(stderr, "  line %lld: %s%s%s\n", (long long)json_integer_value(json_object_get(m, "line")),
				json_string_value(json_object_get(fe, "field")) ? json_string_value(json_object_get(fe, "field")) : "",
				json_string_value(json_object_get(fe, "field")) ? ": " : "",
				json_string_value(json_object_get(fe, "message")));
		}
		if (json_integer_value(json_object_get(su, "failed"))) {
			const char *ef = gx_cli_opt(c, "errors");
			if (ef) {
				FILE *out = fopen(ef, "wb");
				int erc = out ? gx_import_errors_csv(&ctx, batch, true, file_sink, out) : GX_EIO;
				if (out)
					fclose(out);
				printf("  row errors written to %s%s\n", ef, erc ? " (failed)" : "");
			} else {
				printf("  row errors: guanxi import errors %lld FILE.csv\n", (long long)batch);
			}
		}
		if (!strcmp(status, "done"))
			printf("  to undo: guanxi import undo %lld\n", (long long)batch);
		if (!rc && strcmp(status, "done") && strcmp(status, "dry_run"))
			rc = GX_EINVAL;
		json_decref(sum);
	} else if (rc) {
		fprintf(stderr, "guanxi: import failed: %s\n", gx_strerror(rc));
	}
	if (f != stdin)
		fclose(f);
	gx_arena_free(&a);
	json_decref(oj);
	if (s)
		gx_store_close(s);
	return rc;
}

/* guanxi import undo BATCH | import errors BATCH FILE */
static int import_batch_cmd(struct gx_cli *c)
{
	bool undo = !strcmp(c->pos[0], "undo");
	char *end = NULL;
	long long batch = c->npos >= 2 ? strtoll(c->pos[1], &end, 10) : 0;
	if (batch <= 0 || *end || (!undo && c->npos != 3)) {
		fprintf(stderr, "guanxi: import undo BATCH | import errors BATCH FILE.csv\n");
		return GX_EINVAL;
	}
	struct gx_store *s = NULL;
	struct gx_arena a;
	struct gx_ctx ctx;
	char role[16];
	int rc = io_open(c, &s, &a, &ctx, role, sizeof role);
	if (!rc && undo) {
		json_t *out = NULL;
		struct gx_errors errs = {0};
		rc = gx_import_undo(&ctx, batch, &out, &errs);
		if (!rc)
			printf("guanxi: import %lld undone: %lld records deleted, %lld restored, %lld fields kept (changed since)\n",
			       batch, (long long)json_integer_value(json_object_get(out, "deleted")),
			       (long long)json_integer_value(json_object_get(out, "restored")),
			       (long long)json_integer_value(json_object_get(out, "conflicts")));
		else
			fprintf(stderr, "guanxi: cannot undo import %lld: %s\n", batch,
				errs.list ? json_string_value(json_object_get(json_array_get(errs.list, 0), "message")) : gx_strerror(rc));
		json_decref(errs.list);
		json_decref(out);
	} else if (!rc) {
		FILE *out = strcmp(c->pos[2], "-") ? fopen(c->pos[2], "wb") : stdout;
		rc = out ? gx_import_errors_csv(&ctx, batch, true, file_sink, out) : GX_EIO;
		if (out && out != stdout)
			fclose(out);
		if (rc)
			fprintf(stderr, "guanxi: cannot write the errors of import %lld: %s\n", batch, gx_strerror(rc));
	}
	gx_arena_free(&a);
	if (s)
		gx_store_close(s);
	return rc;
}

static void dump_progress(void *ud, const char *table, uint64_t rows, bool done)
{
	(void)ud;
	if (done || isatty(2))
		fprintf(stderr, "%s%-24s %llu rows%s", isatty(2) ? "\r" : "", table, (unsigned long long)rows,
			done || !isatty(2) ? "\n" : "");
}

static int import_all(struct gx_cli *c)
{
	const char *dir = gx_cli_opt(c, "all");
	struct gx_store *s;
	int rc = gx_cli_open(c, true, &s);
	if (rc)
		return rc;
	char msg[600];
	int tables = 0;
	uint64_t rows = 0;
	rc = gx_dump_import(s, dir, dump_progress, NULL, &tables, &rows, msg, sizeof msg);
	if (rc)
		fprintf(stderr, "guanxi: import --all %s failed, nothing was loaded: %s\n", dir, msg);
	else
		printf("guanxi: loaded %d tables, %llu rows from %s into %s\n", tables, (unsigned long long)rows, dir,
		       c->cfg.db);
	gx_store_close(s);
	return rc;
}

static int export_all(struct gx_cli *c)
{
	const char *dir = gx_cli_opt(c, "all");
	struct gx_store *s;
	int rc = gx_cli_open(c, false, &s);
	if (rc)
		return rc;
	int tables = 0;
	uint64_t rows = 0;
	rc = gx_dump_export(s, dir, dump_progress, NULL, &tables, &rows);
	if (rc == GX_ECONFLICT)
		fprintf(stderr, "guanxi: %s holds an export already: choose an empty directory\n", dir);
	else if (rc)
		fprintf(stderr, "guanxi: export --all to %s failed: %s\n", dir, gx_strerror(rc));
	else
		printf("guanxi: exported %d tables, %llu rows to %s (manifest.json lists the files and their SHA-256)\n",
		       tables, (unsigned long long)rows, dir);
	gx_store_close(s);
	return rc;
}

/* Decodes %XX and '+' of a query string value in place. */
static void url_decode(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (*r == '%' && isxdigit((unsigned char)r[1]) && isxdigit((unsigned char)r[2])) {
			char h[3] = {r[1], r[2], 0};
			*w++ = (char)strtol(h, NULL, 16);
			r += 2;
		} else {
			*w++ = *r == '+' ? ' ' : *r;
		}
	}
	*w = '\0';
}

int gx_cmd_export(struct gx_cli *c)
{
	if (gx_cli_opt(c, "all"))
		return export_all(c);
	if (c->npos != 2) {
		fprintf(stderr, "guanxi: export ENTITY FILE.csv|.xlsx|.vcf|.ics | export --all DIR (see guanxi export --help)\n");
		return GX_EINVAL;
	}
	const char *path = c->pos[1], *ext = strrchr(path, '.');
	const char *fmt = gx_cli_opt(c, "format") ? gx_cli_opt(c, "format") : ext ? ext + 1 : "csv";
	struct gx_export_opts o = {.lang = 0, .vcard_version = 30};
	if (!strcasecmp(fmt, "csv"))
		o.format = GX_EXPORT_CSV;
	else if (!strcasecmp(fmt, "xlsx"))
		o.format = GX_EXPORT_XLSX;
	else if (!strcasecmp(fmt, "vcf"))
		o.format = GX_EXPORT_VCF;
	else if (!strcasecmp(fmt, "ics"))
		o.format = GX_EXPORT_ICS;
	else {
		fprintf(stderr, "guanxi: export formats are csv, xlsx, vcf (contacts) and ics (activities)\n");
		return GX_EINVAL;
	}
	if (gx_cli_opt(c, "lang") && (o.lang = gx_export_lang(gx_cli_opt(c, "lang"))) < 0) {
		fprintf(stderr, "guanxi: --lang is zh-CN, zh-TW or en\n");
		return GX_EINVAL;
	}
	o.bom = gx_cli_opt(c, "bom") != NULL;
	o.columns = gx_cli_opt(c, "columns");
	if (gx_cli_opt(c, "vcard-version"))
		o.vcard_version = strcmp(gx_cli_opt(c, "vcard-version"), "4.0") ? 30 : 40;
	struct gx_store *s = NULL;
	struct gx_arena a;
	struct gx_ctx ctx;
	char role[16];
	int rc = io_open(c, &s, &a, &ctx, role, sizeof role);
	const struct gx_entity *e = rc ? NULL : gx_entity_find(c->pos[0]);
	if (!rc && !e) {
		fprintf(stderr, "guanxi: nothing called '%s' to export (customers, contacts, activities, ...)\n", c->pos[0]);
		rc = GX_EINVAL;
	}
	struct gx_list_query q;
	if (e)
		gx_list_init(e, &q);
	/* the list API's parameters: --query 'filter[status]=customer&sort=-name' */
	char *query = gx_cli_opt(c, "query") ? gx_arena_strdup(&a, gx_cli_opt(c, "query")) : NULL, *save = NULL;
	for (char *t = !rc && query ? strtok_r(query, "&", &save) : NULL; t; t = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(t, '=');
		if (eq)
			*eq = '\0';
		url_decode(t);
		if (eq)
			url_decode(eq + 1);
		struct gx_errors errs = {0};
		rc = gx_list_param(&ctx, e, &q, t, eq ? eq + 1 : "", &errs);
		if (rc)
			fprintf(stderr, "guanxi: --query: %s\n",
				json_string_value(json_object_get(json_array_get(errs.list, 0), "message")));
		json_decref(errs.list);
		if (rc)
			break;
	}
	uint64_t rows = 0;
	if (!rc && o.format == GX_EXPORT_XLSX) {
		rc = gx_export_xlsx(&ctx, e, &q, &o, path, &rows);
	} else if (!rc) {
		FILE *f = strcmp(path, "-") ? fopen(path, "wb") : stdout;
		rc = f ? gx_export_to_sink(&ctx, e, &q, &o, file_sink, f, &rows) : GX_EIO;
		if (f && f != stdout && fclose(f) && !rc)
			rc = GX_EIO;
	}
	if (!rc)
		fprintf(stderr, "guanxi: exported %llu %s to %s\n", (unsigned long long)rows, e->name, path);
	else if (e)
		fprintf(stderr, "guanxi: export failed: %s%s\n", gx_strerror(rc),
			rc == GX_EINVAL ? " (a column that is not a field, or a format this list has not: vcf is for contacts, ics for activities)" : "");
	gx_arena_free(&a);
	if (s)
		gx_store_close(s);
	return rc;
}

/* ---- import transactions, analytics ------------------------------------------------------ */

static int import_transactions(struct gx_cli *c)
{
	if (c->npos != 2) {
		fprintf(stderr, "guanxi: import transactions FILE.csv [--tenant SLUG] [--batch N]\n");
		return GX_EINVAL;
	}
	const char *batch_s = gx_cli_opt(c, "batch");
	char *end = NULL;
	long long batch = batch_s ? strtoll(batch_s, &end, 10) : 0;
	if (batch_s && (*end || batch < 0)) {
		fprintf(stderr, "guanxi: --batch is a number of rows (0: the whole file is one batch)\n");
		return GX_EINVAL;
	}
	FILE *f = strcmp(c->pos[1], "-") == 0 ? stdin : fopen(c->pos[1], "rb");
	if (!f) {
		fprintf(stderr, "guanxi: cannot read %s\n", c->pos[1]);
		return GX_EIO;
	}
	struct gx_store *s = NULL;
	long long tid;
	int rc = gx_cli_open_tenant(c, &s, &tid);
	struct gx_tx_import_summary sum = {0};
	if (!rc) {
		rc = gx_transactions_import_csv(s, tid, f, batch, &sum);
		size_t i;
		json_t *e;
		json_array_foreach(sum.errors, i, e)
			fprintf(stderr, "row %lld: %s: %s (%s)\n", (long long)json_integer_value(json_object_get(e, "row")),
				json_string_value(json_object_get(e, "field")) ? json_string_value(json_object_get(e, "field")) : "-",
				json_string_value(json_object_get(e, "message")), json_string_value(json_object_get(e, "code")));
		if ((int64_t)json_array_size(sum.errors) < sum.failed)
			fprintf(stderr, "... and more: %lld rows failed in all\n", (long long)sum.failed);
		printf("guanxi: %lld rows read, %lld imported, %lld skipped (already imported), %lld failed%s\n",
		       (long long)sum.rows, (long long)sum.created, (long long)sum.skipped, (long long)sum.failed,
		       rc == GX_EINVAL ? batch ? "; the failing batch was not written"
					  : "; nothing was imported (fix the rows and run it again)" : "");
		json_decref(sum.errors);
		if (rc && rc != GX_EINVAL)
			fprintf(stderr, "guanxi: import failed: %s\n", gx_strerror(rc));
	}
	if (f != stdin)
		fclose(f);
	if (s)
		gx_store_close(s);
	return rc;
}

int gx_cmd_import(struct gx_cli *c)
{
	const char *what = c->npos ? c->pos[0] : "";
	if (strcmp(what, "transactions") == 0)
		return import_transactions(c);
	if (!strcmp(what, "customers") || !strcmp(what, "contacts"))
		return import_records(c);
	if ((!strcmp(what, "undo") || !strcmp(what, "errors")) && c->npos >= 2)
		return import_batch_cmd(c);
	if (gx_cli_opt(c, "all"))
		return import_all(c);
	fprintf(stderr, "guanxi: import customers|contacts|transactions FILE, import undo|errors BATCH, "
			"import --all DIR (see guanxi import --help)\n");
	return GX_EINVAL;
}

int gx_cmd_analytics(struct gx_cli *c)
{
	const char *sub = c->npos ? c->pos[0] : "";
	if (strcmp(sub, "rebuild") && strcmp(sub, "refit") && strcmp(sub, "score")) {
		fprintf(stderr, "guanxi: analytics rebuild|refit|score [--tenant SLUG]\n");
		return GX_EINVAL;
	}
	struct gx_store *s;
	long long tid;
	int rc = gx_cli_open_tenant(c, &s, &tid);
	if (rc)
		return rc; /* said why */
	json_t *out = NULL;
	if (!rc && strcmp(sub, "rebuild") == 0) {
		int64_t n = 0;
		rc = gx_stats_rebuild(s, tid, &n);
		if (!rc)
			printf("guanxi: statistics rebuilt from scratch for %lld customers, and scored\n", (long long)n);
	} else if (!rc && strcmp(sub, "refit") == 0) {
		rc = gx_analytics_refit(s, tid, 0, &out);
		size_t i;
		json_t *f;
		json_array_foreach(json_object_get(out, "fits"), i, f) {
			json_t *bg = json_object_get(f, "bgnbd");
			if (bg)
				printf("guanxi: %s: BG/NBD r=%.4f alpha=%.4f a=%.4f b=%.4f (%lld customers)\n",
				       json_string_value(json_object_get(f, "currency")), json_real_value(json_object_get(bg, "r")),
				       json_real_value(json_object_get(bg, "alpha")), json_real_value(json_object_get(bg, "a")),
				       json_real_value(json_object_get(bg, "b")),
				       (long long)json_integer_value(json_object_get(f, "n_customers")));
			else
				printf("guanxi: %s: %s\n", json_string_value(json_object_get(f, "currency")),
				       json_string_value(json_object_get(f, "error")));
		}
		if (!rc)
			printf("guanxi: fitted in %.2f s (%.2f s of CPU; reading the statistics included), scored in %.2f s\n",
			       json_real_value(json_object_get(out, "fit_seconds")),
			       json_real_value(json_object_get(out, "fit_cpu_seconds")),
			       json_real_value(json_object_get(out, "score_seconds")));
	} else if (!rc) {
		rc = gx_analytics_score_all(s, tid, &out);
		if (!rc)
			printf("guanxi: %lld customers scored\n", (long long)json_integer_value(json_object_get(out, "customers")));
	}
	if (rc)
		fprintf(stderr, "guanxi: analytics %s failed: %s\n", sub, gx_strerror(rc));
	json_decref(out);
	gx_store_close(s);
	return rc;
}
