/* cli.h — the guanxi command line: argument parsing shared by subcommands. */
#ifndef GX_CLI_CLI_H
#define GX_CLI_CLI_H

#include <stdbool.h>

#include "core/config.h"

struct gx_store;

#define GX_CLI_MAX 32
struct gx_cli {
	const char *prog;
	const char *cmd;
	struct gx_config cfg;
	/* --name value flags that are not config keys */
	const char *opt_name[GX_CLI_MAX];
	const char *opt_value[GX_CLI_MAX];
	int nopts;
	const char *pos[GX_CLI_MAX];
	int npos;
	bool help;
};

/* The value of --name (NULL when absent); "" for a flag given without value. */
const char *gx_cli_opt(const struct gx_cli *c, const char *name);
/* The database name for messages (a URL's password hidden). */
const char *gx_cli_db_name(const struct gx_cli *c);
/* Opens (and migrates) the database of c->cfg.db. create: allow a new file. */
int gx_cli_open(struct gx_cli *c, bool create, struct gx_store **out);
/* Reads a password: the named option, then the environment variable, then a
 * prompt on the terminal (twice). NULL when none can be had. Caller frees. */
char *gx_cli_password(const struct gx_cli *c, const char *opt, const char *env, const char *prompt);
/* Resolves --tenant SLUG (or the only tenant) to an id. */
int gx_cli_tenant(struct gx_cli *c, struct gx_store *s, long long *tenant_id);
/* Opens the existing database (gx_cli_open) and resolves the tenant
 * (gx_cli_tenant), what most subcommands do first. On an error, said on
 * stderr, nothing stays open: *out is NULL. The caller closes *out. */
int gx_cli_open_tenant(struct gx_cli *c, struct gx_store **out, long long *tenant_id);
/* A new password of 16 characters from an alphabet without look-alikes,
 * for a password shown once (init --generate-password, the demo's staff).
 * Caller frees (sodium_memzero first); NULL when out of memory. */
char *gx_cli_generate_password(void);

int gx_cmd_serve(struct gx_cli *c);
int gx_cmd_init(struct gx_cli *c);
int gx_cmd_migrate(struct gx_cli *c);
int gx_cmd_tenant(struct gx_cli *c);
int gx_cmd_user(struct gx_cli *c);
int gx_cmd_backup(struct gx_cli *c);
int gx_cmd_restore(struct gx_cli *c);
int gx_cmd_check(struct gx_cli *c);
int gx_cmd_demo(struct gx_cli *c);
int gx_cmd_copy_data(struct gx_cli *c);
int gx_cmd_import(struct gx_cli *c);
int gx_cmd_export(struct gx_cli *c);
int gx_cmd_analytics(struct gx_cli *c);
int gx_cmd_reindex(struct gx_cli *c);

#endif
