/* http.h — the HTTP layer: requests, routes, replies. A handler reads its
 * request, calls the business modules and answers with exactly one reply. */
#ifndef GX_HTTP_HTTP_H
#define GX_HTTP_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "entity/entity.h"

struct MHD_Connection;
struct gx_route;

#define GX_MAX_PARAMS 4
#define GX_MAX_OUT_HEADERS 12

struct gx_req {
	struct MHD_Connection *conn;
	struct gx_arena arena;
	const char *method;
	const char *path;
	struct gx_buf body;
	bool body_too_big;
	size_t discarded;      /* body bytes dropped after the limit */
	bool answered;
	int64_t start_mono;
	char request_id[20];
	char ip[64];
	/* the authenticated caller (after auth) */
	struct gx_ctx ctx;
	bool cookie_auth;
	char csrf[64];
	char role[16];
	/* route: matched once, when the headers are in (route_status: 404 or
	 * 405 when none matched) */
	const struct gx_route *route;
	int route_status;
	const char *params[GX_MAX_PARAMS];
	int nparams;
	/* response */
	int status;
	size_t resp_bytes;
	const char *out_headers[GX_MAX_OUT_HEADERS][2];
	int nout_headers;
};

typedef void (*gx_handler)(struct gx_req *r);

enum {
	GX_ROUTE_PUBLIC = 1,   /* no authentication */
	GX_ROUTE_BULK = 2,     /* the body may be GX_BULK_BODY_FACTOR x body_max (batch imports) */
};

/* A 10,000-row batch of transactions is 2-3 MB of JSON: more than the 1 MiB
 * default body_max every other route keeps. */
#define GX_BULK_BODY_FACTOR 16

struct gx_route {
	const char *method;
	const char *pattern;   /* "/api/v1/users/{id}" */
	gx_handler handler;
	const char *perm;      /* permission needed, e.g. "users.write" */
	unsigned flags;
	const struct gx_entity *entity; /* for the generic entity handlers */
};

/* The server's shared state (one per process). */
struct gx_server {
	struct gx_config cfg;
	struct gx_store *store;
	int64_t started_ms;
};
extern struct gx_server *gx_srv;

/* Adds routes to the router (the table must outlive the server). */
void gx_routes_add(const struct gx_route *routes, int n);
/* Adds the generic list/create/get/update/delete/restore/history routes for
 * entity e under /api/v1/<e->name>, with "<name>.read"/"<name>.write" perms. */
void gx_routes_add_entity(const struct gx_entity *e);
/* Extra list parameters of an entity: return 1 when handled, 0 to pass the
 * parameter on to the engine, or a negative GX_E* (with errs filled). */
typedef int (*gx_list_param_fn)(struct gx_req *r, struct gx_list_query *q, const char *key,
				const char *value, struct gx_errors *errs);
/* The customer list's own parameters (risk=, member=, the analytics
 * filters): the list and its export take the same. */
int gx_customer_list_param(struct gx_req *r, struct gx_list_query *q, const char *key, const char *value,
			   struct gx_errors *errs);
/* The generic list handler, with entity-specific parameters. */
void gx_http_entity_list(struct gx_req *r, const struct gx_entity *e, gx_list_param_fn extra);
/* Finds the route for method+path; *status_out 404 or 405 when none. */
const struct gx_route *gx_route_match(struct gx_req *r, int *status_out);
/* Every registered route, for the OpenAPI description and tests. */
int gx_routes_all(const struct gx_route ***out);

/* ---- request helpers ---- */
/* A request header or query argument (NULL when absent). */
const char *gx_req_header(struct gx_req *r, const char *name);
const char *gx_req_query(struct gx_req *r, const char *name);
/* Query parameter name as an integer in [min, max] (def when absent);
 * answers 400 itself and returns false when malformed or out of range. */
bool gx_req_query_int(struct gx_req *r, const char *name, int64_t min, int64_t max, int64_t def, int64_t *out);
/* Route parameter i as a positive id; answers 404 itself and returns false. */
bool gx_req_param_id(struct gx_req *r, int i, int64_t *id);
/* Parses the body as a JSON object; on failure answers 400/415 itself and
 * returns NULL. Caller owns the result. */
json_t *gx_req_json(struct gx_req *r);
/* The If-Match version (or "version" in body); answers 428/400 when missing
 * or malformed and returns false. */
bool gx_req_version(struct gx_req *r, json_t *body, int64_t *version);

/* ---- replies (each answers the request once) ---- */
void gx_reply_header(struct gx_req *r, const char *name, const char *value);
/* Sends body (stolen) as JSON with status. */
void gx_reply_json(struct gx_req *r, int status, json_t *body);
/* Answers with b's content as application/json; takes b's memory (b is left
 * empty). */
void gx_reply_json_buf(struct gx_req *r, int status, struct gx_buf *b);
void gx_reply_raw(struct gx_req *r, int status, const char *content_type, const void *data,
		  size_t len, bool copy);
void gx_reply_empty(struct gx_req *r, int status);
/* Sends a libmicrohttpd response built by the caller (streams, files) with
 * the same security headers as every reply; owns resp (NULL answers 503). */
struct MHD_Response;
void gx_reply_mhd(struct gx_req *r, int status, struct MHD_Response *resp, size_t bytes);
/* RFC 9457 problem+json. errors (stolen) may be NULL. */
void gx_reply_problem(struct gx_req *r, int status, const char *detail, json_t *errors);
/* Maps a GX_E* code to its status and problem type, with errs as details. */
void gx_reply_error(struct gx_req *r, int err, struct gx_errors *errs);
/* The HTTP status for a GX_E* code. */
int gx_error_status(int err);

/* Registers every API route (called once before serving). */
void gx_api_init(void);
void gx_api_auth_init(void);
void gx_api_customers_init(void);
/* Import jobs, saved mappings, exports (api_io.c); OpenAPI (openapi.c). */
void gx_api_io_init(void);
void gx_api_openapi_init(void);
/* Stops running import jobs (each rolls back) and waits for them. */
void gx_api_io_shutdown(void);
void gx_api_analytics_init(void);

/* ---- server ---- */
int gx_server_run(struct gx_config *cfg, struct gx_store *store);

/* ---- static assets and metrics ---- */
void gx_assets_serve(struct gx_req *r);
void gx_metrics_observe(int status, double seconds);
void gx_metrics_inflight(int delta);
void gx_metrics_handler(struct gx_req *r);

#endif
