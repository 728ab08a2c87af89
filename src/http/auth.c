/* auth.c — finds the caller of a request: "Authorization: Bearer <token>"
 * (session token or API key), "X-API-Key: <key>", or the session cookie
 * (which then needs the CSRF header on unsafe methods, checked in server.c). */
#include "http/auth.h"

#include "core/err.h"
#include "crm/auth.h"
#include "crm/perm.h"
#include "http/http.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

const char *gx_http_token(struct gx_req *r)
{
	const char *h = gx_req_header(r, "Authorization");
	if (h && strncasecmp(h, "Bearer ", 7) == 0)
		return h + 7;
	h = gx_req_header(r, "X-API-Key");
	if (h)
		return h;
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, GX_SESSION_COOKIE);
}

int gx_http_authenticate(struct gx_req *r)
{
	const char *bearer = gx_req_header(r, "Authorization");
	bool from_header = (bearer && strncasecmp(bearer, "Bearer ", 7) == 0) || gx_req_header(r, "X-API-Key");
	const char *token = gx_http_token(r);
	if (!token)
		return GX_EAUTH;
	struct gx_principal p;
	int rc = gx_auth_lookup(gx_srv->store, token, &p);
	if (rc)
		return rc == GX_EAUTH ? GX_EAUTH : rc;
	r->ctx.tenant_id = p.tenant_id;
	r->ctx.user_id = p.user_id;
	snprintf(r->role, sizeof r->role, "%s", p.role);
	r->ctx.role = r->role;
	r->cookie_auth = !from_header;
	snprintf(r->csrf, sizeof r->csrf, "%s", p.csrf);
	return 0;
}

bool gx_http_allowed(struct gx_req *r, const char *perm)
{
	return gx_perm_allowed(r->role, perm);
}

void gx_http_auth_shutdown(void)
{
}
