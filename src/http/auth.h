/* auth.h — authentication of HTTP requests (Bearer token, session cookie,
 * API key) and the permission check every route goes through. */
#ifndef GX_HTTP_AUTH_H
#define GX_HTTP_AUTH_H

#include <stdbool.h>

struct gx_req;

/* Fills r->ctx with the caller; GX_EAUTH when no valid credentials. */
int gx_http_authenticate(struct gx_req *r);
bool gx_http_allowed(struct gx_req *r, const char *perm);
/* The raw token the request authenticated with (for logout), or NULL. */
const char *gx_http_token(struct gx_req *r);
void gx_http_auth_shutdown(void);

#define GX_SESSION_COOKIE "gx_session"

#endif
