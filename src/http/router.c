/* router.c — the route table: method + path pattern ("/api/v1/users/{id}")
 * → handler, with the permission each route needs. */
#include "http/http.h"

#include <string.h>

#define GX_MAX_ROUTES 512
static const struct gx_route *routes[GX_MAX_ROUTES];
/* per route: the length of its pattern's text before the first "{" (or of
 * all of it), compared at once before match() walks the rest */
static size_t literal[GX_MAX_ROUTES];
static int nroutes;

void gx_routes_add(const struct gx_route *table, int n)
{
	for (int i = 0; i < n && nroutes < GX_MAX_ROUTES; i++) {
		literal[nroutes] = strcspn(table[i].pattern, "{");
		routes[nroutes++] = &table[i];
	}
}

int gx_routes_all(const struct gx_route ***out)
{
	*out = routes;
	return nroutes;
}

/* Matches path against pattern; on a match with r given, r->params gets
 * the parameters (copied once the whole path has matched). */
static bool match(const char *pattern, const char *path, struct gx_req *r)
{
	const char *p = pattern, *s = path;
	const char *at[GX_MAX_PARAMS];
	size_t len[GX_MAX_PARAMS];
	int np = 0;
	while (*p && *s) {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			size_t n = strcspn(s, "/");
			if (!close || n == 0 || np == GX_MAX_PARAMS)
				return false;
			at[np] = s;
			len[np++] = n;
			p = close + 1;
			s += n;
			continue;
		}
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	/* a trailing slash is the same resource */
	if (*s == '/' && s[1] == '\0')
		s++;
	if (*p || *s)
		return false;
	if (r) {
		for (int i = 0; i < np; i++)
			r->params[i] = gx_arena_strndup(&r->arena, at[i], len[i]);
		r->nparams = np;
	}
	return true;
}

const struct gx_route *gx_route_match(struct gx_req *r, int *status_out)
{
	const char *m = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;
	/* routes of the method first: matching every pattern cost ~2.5k
	 * instructions a request; the others only decide 405 against 404 */
	size_t plen = strlen(r->path);
	for (int i = 0; i < nroutes; i++) {
		/* the literal part first: most routes differ there */
		if (literal[i] > plen || memcmp(routes[i]->pattern, r->path, literal[i]) != 0 ||
		    strcmp(routes[i]->method, m) != 0 ||
		    !match(routes[i]->pattern + literal[i], r->path + literal[i], r))
			continue;
		return routes[i];
	}
	bool path_known = false;
	for (int i = 0; i < nroutes && !path_known; i++)
		path_known = match(routes[i]->pattern, r->path, NULL);
	*status_out = path_known ? 405 : 404;
	return NULL;
}
