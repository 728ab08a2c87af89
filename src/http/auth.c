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

/* The credential and whether it came in a header (else: the cookie). */
static const char *token_of(struct gx_req *r, bool *from_header)
{
	*from_header = true;
	const char *h = gx_req_header(r, "Authorization");
	if (h && strncasecmp(h, "Bearer ", 7) == 0)
		return h + 7;
	h = gx_req_header(r, "X-API-Key");
	if (h)
		return h;
	*from_header = false;
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, GX_SESSION_COOKIE);
}

const char *gx_http_token(struct gx_req *r)
{
	bool from_header;
	return token_of(r, &from_header);
}

int gx_http_authenticate(struct gx_req *r)
{
	bool from_header;
	const char *token = token_of(r, &from_header);
	if (!token)
		return GX_EAUTH;
	struct gx_principal p;
	int rc = gx_auth_lookup(gx_srv->store, token, &p);
	if (rc)
		return rc == GX_EAUTH ? GX_EAUTH : rc;
	r->ctx.tenant_id = p.tenant_id;
	r->ctx.user_id = p.user_id;
	/* the same sizes, NUL-terminated by gx_auth_lookup (no printf per request) */
	_Static_assert(sizeof r->role == sizeof p.role && sizeof r->csrf == sizeof p.csrf, "principal sizes");
	memcpy(r->role, p.role, sizeof r->role);
	r->role[sizeof r->role - 1] = '\0';
	r->ctx.role = r->role;
	r->cookie_auth = !from_header;
	memcpy(r->csrf, p.csrf, sizeof r->csrf);
	r->csrf[sizeof r->csrf - 1] = '\0';
	return 0;
}

bool gx_http_allowed(struct gx_req *r, const char *perm)
{
	return gx_perm_allowed(r->role, perm);
}

void gx_http_auth_shutdown(void)
{
}
