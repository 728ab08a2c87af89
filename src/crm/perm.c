/* perm.c — the role → permission table. "*" grants everything; "*.read"
 * grants every <resource>.read (but never admin.*). */
#include "crm/perm.h"

#include <string.h>

const char *const gx_roles[] = {"admin", "manager", "sales", "service", "marketing", "readonly", NULL};

struct grant {
	const char *role;
	const char *perms[16];
};

/* Business resources (customers, contacts, ...) join these lists as their
 * modules land. */
static const struct grant grants[] = {
	{"admin", {"*"}},
	{"manager", {"*.read", "customers.write", "contacts.write", "activities.write", "relationships.write",
		     "customers.merge", "customers.pool", "tasks.write", "deals.write", "transactions.write",
		     "analytics.refit", "imports.write", "import_mappings.write", "data.export"}},
	{"sales", {"*.read", "customers.write", "contacts.write", "activities.write", "relationships.write",
		   "customers.pool", "tasks.write", "deals.write"}},
	{"service", {"*.read", "customers.write", "contacts.write", "activities.write", "tasks.write",
		     "cases.write"}},
	{"marketing", {"*.read", "customers.write", "contacts.write", "activities.write",
		       "campaigns.write", "segments.write", "imports.write", "import_mappings.write", "data.export"}},
	{"readonly", {"*.read"}},
};

bool gx_role_valid(const char *role)
{
	for (const char *const *r = gx_roles; *r; r++)
		if (strcmp(*r, role) == 0)
			return true;
	return false;
}

static bool grant_matches(const char *g, const char *perm)
{
	if (strcmp(g, "*") == 0 || strcmp(g, perm) == 0)
		return true;
	if (g[0] == '*' && g[1] == '.') {
		const char *dot = strrchr(perm, '.');
		return dot && strcmp(dot, g + 1) == 0 && strncmp(perm, "admin.", 6) != 0;
	}
	return false;
}

bool gx_perm_allowed(const char *role, const char *perm)
{
	for (size_t i = 0; i < sizeof grants / sizeof grants[0]; i++) {
		if (strcmp(grants[i].role, role) != 0)
			continue;
		for (int j = 0; j < 16 && grants[i].perms[j]; j++)
			if (grant_matches(grants[i].perms[j], perm))
				return true;
	}
	return false;
}
