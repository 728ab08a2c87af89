/* perm.h — roles and what each may do. A permission is "<resource>.<verb>"
 * (users.read, teams.write) or an admin-only "admin.<area>". */
#ifndef GX_CRM_PERM_H
#define GX_CRM_PERM_H

#include <stdbool.h>

extern const char *const gx_roles[]; /* NULL-terminated */

bool gx_role_valid(const char *role);
/* True when role grants perm. */
bool gx_perm_allowed(const char *role, const char *perm);

#endif
