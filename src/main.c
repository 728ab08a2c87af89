/* main.c — the guanxi binary: parses the command line and runs a subcommand. */
#include "cli/cli.h"

#include "core/err.h"
#include "core/log.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct command {
	const char *name;
	int (*run)(struct gx_cli *c);
	const char *usage;
	const char *help;
};

static const struct command commands[] = {
	{"serve", gx_cmd_serve, "serve [--listen 127.0.0.1:8080] [--db FILE]",
	 "Runs the HTTP server (REST API under /api/v1 and the web app at /)."},
	{"init", gx_cmd_init,
	 "init [--db FILE] [--admin-user admin] [--admin-password PW | --generate-password] [--tenant SLUG] [--tenant-name NAME]\n"
	 "     [--locale zh-CN|zh-TW|en] [--time-zone Asia/Shanghai] [--currency CNY]",
	 "Creates the database and the first tenant and administrator. The password comes from\n"
	 "--admin-password, GUANXI_ADMIN_PASSWORD or a prompt; --generate-password makes one and\n"
	 "prints it once. There is no built-in default password."},
	{"migrate", gx_cmd_migrate, "migrate [--db FILE]",
	 "Applies pending schema migrations (after a backup of the database file)."},
	{"tenant", gx_cmd_tenant,
	 "tenant add SLUG --name NAME [--time-zone Asia/Shanghai] [--currency CNY] [--locale zh-CN]\n"
	 "       tenant list",
	 "Adds or lists tenants (companies) hosted by this server."},
	{"user", gx_cmd_user,
	 "user add USERNAME --role ROLE [--name DISPLAY_NAME] [--email E] [--password PW] [--tenant SLUG]\n"
	 "       user list [--tenant SLUG]\n"
	 "       user passwd USERNAME [--password PW] [--tenant SLUG]\n"
	 "       user disable USERNAME [--tenant SLUG]",
	 "Manages users. Roles: admin, manager, sales, service, marketing, readonly.\n"
	 "Passwords come from --password, GUANXI_PASSWORD or a prompt."},
	{"backup", gx_cmd_backup, "backup FILE [--db FILE]",
	 "Writes an online, consistent copy of the database to FILE (safe while serve runs)."},
	{"restore", gx_cmd_restore, "restore FILE [--db FILE]",
	 "Replaces the database with the backup FILE after checking it. Stop the server first."},
	{"check", gx_cmd_check, "check [--db FILE]", "Runs the database integrity check."},
	{"import", gx_cmd_import,
	 "import customers|contacts FILE.csv|.vcf [--mode skip_bad|all_or_nothing] [--dry-run] [--key auto|id|code|email|phone|none]\n"
	 "         [--duplicates report|create] [--map 'header=field;...'] [--mapping NAME] [--encoding gbk] [--delimiter ';']\n"
	 "         [--customer CODE] [--create-customers] [--owner USERNAME] [--errors FILE.csv] [--as USERNAME] [--tenant SLUG]\n"
	 "       import undo BATCH | import errors BATCH FILE.csv\n"
	 "       import --all DIR [--db FILE]\n"
	 "       import transactions FILE.csv [--db FILE] [--tenant SLUG] [--batch N]",
	 "customers, contacts: imports a CSV (UTF-8, GBK/GB18030, Big5, UTF-16, Windows-1252; comma, semicolon\n"
	 "or tab; detected) or, for contacts, vCards, as one batch in one transaction: column headers map by\n"
	 "name (Chinese, English, Salesforce and HubSpot exports, field labels, custom fields) or by --map;\n"
	 "rows update the record with the same id, code, e-mail or phone (--key); likely duplicates are row\n"
	 "errors unless --duplicates create. --mode skip_bad imports the good rows, all_or_nothing none if\n"
	 "one is bad; --dry-run checks everything and writes nothing. Progress on stderr, a summary on stdout;\n"
	 "'import undo BATCH' takes a whole batch back, 'import errors BATCH FILE' writes its bad rows.\n"
	 "--all DIR: loads an 'export --all' directory into an empty database (checksums checked first).\n"
	 "transactions: imports transactions from another system (CSV, UTF-8, header row): customer_code (or\n"
	 "customer_id), occurred_at, amount (decimal, e.g. 12.34), external_ref, and optionally cost,\n"
	 "currency, channel, product, category, quantity, notes. Every row is checked; with any row\n"
	 "error nothing is imported (with --batch N: nothing of the failing batch of N rows). Rows\n"
	 "whose external_ref is in already with the same content are skipped, so a re-run is safe."},
	{"export", gx_cmd_export,
	 "export ENTITY FILE.csv|.xlsx|.vcf|.ics [--lang zh-CN|zh-TW|en] [--bom] [--columns a,b,...]\n"
	 "         [--query 'filter[status]=customer&sort=-name'] [--vcard-version 4.0] [--as USERNAME] [--tenant SLUG]\n"
	 "       export --all DIR [--db FILE]",
	 "ENTITY (customers, contacts, activities, ...): its list (the list API's filter, sort and q in\n"
	 "--query) as CSV (UTF-8; --bom for Excel on Windows) or XLSX with headers in --lang, custom fields\n"
	 "as columns; contacts as vCard, activities as iCalendar. Cells that a spreadsheet would run as a\n"
	 "formula are neutralised. --all DIR: every tenant's data as JSON Lines per table plus manifest.json\n"
	 "(schema version, row counts, SHA-256), for 'import --all' on another server."},
	{"analytics", gx_cmd_analytics, "analytics rebuild|refit|score [--db FILE] [--tenant SLUG]",
	 "rebuild: recomputes every customer's statistics from the transactions, activities and\n"
	 "teams, then scores; refit: fits the CLV model (BG/NBD + Gamma-Gamma) and scores; score:\n"
	 "recomputes RFM quintiles, tiers, CLV, P(alive) and decline flags."},
	{"reindex", gx_cmd_reindex, "reindex [customers|contacts|all] [--db FILE] [--tenant SLUG] [--batch 1000] [--after ID]",
	 "Rebuilds the search terms and the name sort and duplicate keys of every customer (contacts:\n"
	 "of the customers with contacts, whose terms hold theirs), in transactions of --batch records\n"
	 "with progress on stderr. Run it after an ICU or OpenCC upgrade (new sort keys) or a bulk load.\n"
	 "Every tenant unless --tenant; safe to run again, and while the server runs. --after ID: only the\n"
	 "records after that id (to continue a run that stopped; the progress shows the last id)."},
	{"copy-data", gx_cmd_copy_data, "copy-data --from DB --to DB [--force] [--batch 2000]",
	 "Copies a whole installation between SQLite and PostgreSQL (either way): migrates the target,\n"
	 "copies every table in one transaction, checks row counts and checksums before committing.\n"
	 "Refuses a target that holds rows unless --force (which deletes them first)."},
	{"demo", gx_cmd_demo, "demo [--db FILE] [--tenant SLUG] [--customers 300] [--light]",
	 "Loads a realistic demo company into a tenant: teams and staff, customers with Chinese and\n"
	 "English names, contacts, relationship teams and a year of interactions. --light: customers\n"
	 "only (for benchmarks with many rows)."},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f, const char *prog)
{
	fprintf(f, "guanxi %s — an open-source CRM\n\nUsage: %s COMMAND [options]\n\nCommands:\n", GX_VERSION, prog);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %s\n", commands[i].usage);
	fprintf(f, "\nEvery command takes --db FILE and --config FILE. Settings come from the config file\n"
		   "(--config, GUANXI_CONFIG or ./guanxi.conf), then GUANXI_* environment variables, then\n"
		   "flags; flags win. '%s COMMAND --help' tells more.\n", prog);
}

static int parse(struct gx_cli *c, int argc, char **argv, int start)
{
	for (int i = start; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			c->help = true;
			continue;
		}
		if (strncmp(a, "--", 2) != 0) {
			if (c->npos == GX_CLI_MAX)
				return GX_EINVAL;
			c->pos[c->npos++] = a;
			continue;
		}
		const char *name = a + 2, *eq = strchr(name, '='), *value;
		char *key;
		if (eq) {
			key = strndup(name, (size_t)(eq - name));
			value = eq + 1;
		} else {
			key = strdup(name);
			/* flags without a value */
			bool bare = strcmp(key, "generate-password") == 0 || strcmp(key, "force") == 0 ||
				    strcmp(key, "light") == 0 || strcmp(key, "dry-run") == 0 ||
				    strcmp(key, "bom") == 0 || strcmp(key, "create-customers") == 0;
			value = bare ? "" : (i + 1 < argc ? argv[++i] : NULL);
		}
		if (!key || !value) {
			fprintf(stderr, "%s: --%s needs a value\n", c->prog, key ? key : name);
			free(key);
			return GX_EINVAL;
		}
		if (strcmp(key, "config") == 0) {
			free(key);
			continue; /* read before the others */
		}
		if (gx_config_is_key(key)) {
			if (gx_config_set(&c->cfg, key, value)) {
				fprintf(stderr, "%s: bad value for --%s: %s\n", c->prog, key, value);
				free(key);
				return GX_EINVAL;
			}
			free(key);
			continue;
		}
		if (c->nopts == GX_CLI_MAX) {
			free(key);
			return GX_EINVAL;
		}
		c->opt_name[c->nopts] = key; /* freed at exit with the process */
		c->opt_value[c->nopts++] = value;
	}
	return 0;
}

static const char *find_config(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			return argv[i + 1];
		if (strncmp(argv[i], "--config=", 9) == 0)
			return argv[i] + 9;
	}
	const char *env = getenv("GUANXI_CONFIG");
	if (env)
		return env;
	return access("guanxi.conf", R_OK) == 0 ? "guanxi.conf" : NULL;
}

int main(int argc, char **argv)
{
	struct gx_cli c = {.prog = "guanxi"};
	if (sodium_init() < 0) {
		fprintf(stderr, "guanxi: libsodium failed to initialise\n");
		return 1;
	}
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout, c.prog);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("guanxi %s\n", GX_VERSION);
		return 0;
	}
	const struct command *cmd = NULL;
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, argv[1]) == 0)
			cmd = &commands[i];
	if (!cmd) {
		fprintf(stderr, "guanxi: unknown command '%s'\n\n", argv[1]);
		usage(stderr, c.prog);
		return 2;
	}
	c.cmd = cmd->name;
	gx_config_defaults(&c.cfg);
	const char *cfg_file = find_config(argc, argv);
	int bad_line = 0;
	if (cfg_file && gx_config_load_file(&c.cfg, cfg_file, &bad_line)) {
		fprintf(stderr, "guanxi: cannot read config %s%s%d\n", cfg_file,
			bad_line ? ": bad setting on line " : "", bad_line);
		return 2;
	}
	if (gx_config_load_env(&c.cfg)) {
		fprintf(stderr, "guanxi: a GUANXI_* environment variable has a bad value\n");
		return 2;
	}
	if (parse(&c, argc, argv, 2))
		return 2;
	if (c.help) {
		printf("Usage: guanxi %s\n\n%s\n", cmd->usage, cmd->help);
		return 0;
	}
	int lvl = gx_log_level_parse(c.cfg.log_level);
	gx_log_set_level(lvl < 0 ? GX_LOG_INFO : lvl);
	int rc = cmd->run(&c);
	for (int i = 0; i < c.nopts; i++)
		free((char *)c.opt_name[i]);
	return rc == 0 ? 0 : (rc == GX_EINVAL ? 2 : 1);
}
