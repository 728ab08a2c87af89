/* router.c — the route table: method + path pattern ("/api/v1/users/{id}")
 * → handler, with the permission each route needs. */
#include "http/http.h"

#include <stdlib.h>
#include <string.h>

#define GX_MAX_ROUTES 512
static const struct gx_route *routes[GX_MAX_ROUTES];
/* per route: the length of its pattern's text before the first "{" (or of
 * all of it), compared at once before match() walks the rest */
static size_t literal[GX_MAX_ROUTES];
static int nroutes;

/* The API's routes by their first segment after API_PREFIX ("users" in
 * "/api/v1/users/{id}"): a request's path is tried against the routes of its
 * segment's bucket, in table order, instead of against every route (~100
 * literal compares a request). A route whose literal text does not hold its
 * whole first segment ("/api/v1/{x}") is in every bucket; a hash collision
 * only adds candidates, which the literal compare refuses. Rebuilt by
 * gx_routes_add, which runs before the server starts. */
#define API_PREFIX "/api/v1/"
#define API_PREFIX_LEN (sizeof API_PREFIX - 1)
#define BUCKETS 64
static unsigned short *bucket[BUCKETS];
static int nbucket[BUCKETS];

static unsigned seg_bucket(const char *seg, size_t n)
{
	unsigned h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)seg[i]) * 16777619u;
	return h % BUCKETS;
}

/* The bucket of route i, or -1 when it belongs in every bucket. */
static int route_bucket(int i)
{
	const char *p = routes[i]->pattern;
	if (literal[i] <= API_PREFIX_LEN || strncmp(p, API_PREFIX, API_PREFIX_LEN) != 0)
		return -1;
	size_t n = strcspn(p + API_PREFIX_LEN, "/{");
	if (!n || API_PREFIX_LEN + n > literal[i] || p[API_PREFIX_LEN + n] == '{')
		return -1;
	return (int)seg_bucket(p + API_PREFIX_LEN, n);
}

static void buckets_build(void)
{
	for (int b = 0; b < BUCKETS; b++) {
		unsigned short *list = realloc(bucket[b], (size_t)(nroutes ? nroutes : 1) * sizeof *list);
		if (!list) {
			/* out of memory at start-up: every path takes the full scan */
			for (int k = 0; k < BUCKETS; k++) {
				free(bucket[k]);
				bucket[k] = NULL;
			}
			return;
		}
		bucket[b] = list;
		nbucket[b] = 0;
	}
	for (int i = 0; i < nroutes; i++) {
		int rb = route_bucket(i);
		for (int b = 0; b < BUCKETS; b++)
			if (rb < 0 || rb == b)
				bucket[b][nbucket[b]++] = (unsigned short)i;
	}
}

void gx_routes_add(const struct gx_route *table, int n)
{
	for (int i = 0; i < n && nroutes < GX_MAX_ROUTES; i++) {
		literal[nroutes] = strcspn(table[i].pattern, "{");
		routes[nroutes++] = &table[i];
	}
	buckets_build();
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
	const unsigned short *cand = NULL;
	int ncand = nroutes;
	if (plen > API_PREFIX_LEN && memcmp(r->path, API_PREFIX, API_PREFIX_LEN) == 0) {
		unsigned b = seg_bucket(r->path + API_PREFIX_LEN, strcspn(r->path + API_PREFIX_LEN, "/"));
		if (bucket[b]) {
			cand = bucket[b];
			ncand = nbucket[b];
		}
	}
	for (int k = 0; k < ncand; k++) {
		int i = cand ? cand[k] : k;
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
