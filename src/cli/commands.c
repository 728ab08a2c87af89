/* commands.c — the guanxi subcommands: serve, init, migrate, tenant, user,
 * backup, restore, check. */
#include "cli/cli.h"

#include "core/err.h"
#include "core/log.h"
#include "crm/auth.h"
#include "crm/perm.h"
#include "crm/user.h"
#include "http/http.h"
#include "jobs/scheduler.h"
#include "store/migrations.h"
#include "store/store.h"
#include "text/searchkey.h"

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
				  .create = create};
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

static char *generate_password(void)
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

int gx_cmd_init(struct gx_cli *c)
{
	const char *admin = gx_cli_opt(c, "admin-user");
	const char *slug = gx_cli_opt(c, "tenant");
	const char *tname = gx_cli_opt(c, "tenant-name");
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
	char *pw = generate ? generate_password()
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
		rc = gx_tenant_create(s, slug ? slug : "default", tname ? tname : "我的公司", NULL, NULL, NULL, &tid);
		if (rc)
			fprintf(stderr, "guanxi: cannot create the tenant (slug: lower-case letters, digits, '-')\n");
	}
	long long uid = 0;
	if (!rc)
		rc = create_user(s, tid, admin ? admin : "admin", "系统管理员", "admin", NULL, pw, &uid);
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
				fprintf(stderr, "guanxi: a slug is 1-63 lower-case letters, digits or '-'\n");
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
	int rc = gx_cli_open(c, false, &s);
	if (rc)
		return rc;
	long long tid;
	rc = gx_cli_tenant(c, s, &tid);
	if (rc) {
		gx_store_close(s);
		return rc;
	}
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
				printf("%-20s %-24s %-10s %s\n", json_string_value(json_object_get(u, "username")),
				       json_string_value(json_object_get(u, "display_name")),
				       json_string_value(json_object_get(u, "role")),
				       json_is_null(json_object_get(u, "disabled_at")) ? "active" : "disabled");
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
