/* server.c — libmicrohttpd glue: the daemon (thread pool + epoll), limits,
 * per-request arena, body accumulation, security headers, request log. */
#include "http/http.h"

#include "core/err.h"
#include "core/log.h"
#include "core/time.h"
#include "core/utf8.h"
#include "crm/auth.h"
#include "http/auth.h"
#include "store/store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct gx_server *gx_srv;
static volatile sig_atomic_t stop_requested;

/* ---- replies --------------------------------------------------------------------- */

void gx_reply_header(struct gx_req *r, const char *name, const char *value)
{
	if (r->nout_headers < GX_MAX_OUT_HEADERS) {
		r->out_headers[r->nout_headers][0] = name;
		r->out_headers[r->nout_headers][1] = value;
		r->nout_headers++;
	}
}

/* Security headers. Pages and assets of the web app get the full set. API
 * answers (JSON, problem+json, CSV/XLSX downloads, 204s) are never rendered
 * as a page that runs or embeds anything, so they get the headers that
 * still mean something for them (OWASP's REST list: nosniff, no framing, no
 * caching, a CSP that allows nothing, no referrer) and not the two that
 * only govern a document's own scripts and windows (Cross-Origin-Opener-
 * Policy, Permissions-Policy); the app's long CSP becomes a stricter short
 * one. libmicrohttpd copies each header into three allocations per
 * response, ~0.1 us a header. tests/api/getpath.test.mjs checks both sets. */
static void add_common_headers(struct gx_req *r, struct MHD_Response *resp, bool api)
{
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	if (api) {
		MHD_add_response_header(resp, "Content-Security-Policy",
					"default-src 'none'; frame-ancestors 'none'");
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	} else {
		MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
		MHD_add_response_header(resp, "Permissions-Policy", "camera=(), microphone=(), geolocation=(self)");
		MHD_add_response_header(resp, "Content-Security-Policy",
			"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
			"img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
			"object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'");
	}
	MHD_add_response_header(resp, "X-Request-Id", r->request_id);
	for (int i = 0; i < r->nout_headers; i++)
		MHD_add_response_header(resp, r->out_headers[i][0], r->out_headers[i][1]);
}

/* Queues resp; owns it. */
static void send_response(struct gx_req *r, int status, struct MHD_Response *resp, bool api)
{
	if (r->answered || !resp) {
		if (resp)
			MHD_destroy_response(resp);
		if (!r->answered)
			gx_log_error("rid=%s: could not build a response", r->request_id);
		return;
	}
	add_common_headers(r, resp, api);
	r->answered = true;
	r->status = status;
	MHD_queue_response(r->conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
}

void gx_reply_mhd(struct gx_req *r, int status, struct MHD_Response *resp, size_t bytes)
{
	if (!resp) {
		gx_reply_problem(r, 503, "the server is short of memory; try again", NULL);
		return;
	}
	r->resp_bytes = bytes;
	send_response(r, status, resp, strncmp(r->path, "/api/", 5) == 0);
}

void gx_reply_raw(struct gx_req *r, int status, const char *content_type, const void *data,
		  size_t len, bool copy)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		len, (void *)data, copy ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_PERSISTENT);
	if (resp && content_type)
		MHD_add_response_header(resp, "Content-Type", content_type);
	r->resp_bytes = len;
	send_response(r, status, resp, strncmp(r->path, "/api/", 5) == 0);
}

void gx_reply_empty(struct gx_req *r, int status)
{
	gx_reply_raw(r, status, NULL, "", 0, false);
}

static void reply_json_type(struct gx_req *r, int status, json_t *body, const char *type)
{
	char *text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(body);
	if (!text) {
		static const char oom[] = "{\"type\":\"about:blank\",\"title\":\"Service Unavailable\",\"status\":503}";
		gx_reply_raw(r, 503, "application/problem+json", oom, sizeof oom - 1, false);
		return;
	}
	size_t len = strlen(text);
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return;
	}
	MHD_add_response_header(resp, "Content-Type", type);
	r->resp_bytes = len;
	send_response(r, status, resp, true);
}

void gx_reply_json(struct gx_req *r, int status, json_t *body)
{
	reply_json_type(r, status, body, "application/json");
}

void gx_reply_json_buf(struct gx_req *r, int status, struct gx_buf *b)
{
	size_t len = b->len;
	char *text = gx_buf_take(b);
	struct MHD_Response *resp =
		text ? MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE) : NULL;
	if (!resp) {
		free(text);
		static const char oom[] = "{\"type\":\"about:blank\",\"title\":\"Service Unavailable\",\"status\":503}";
		gx_reply_raw(r, 503, "application/problem+json", oom, sizeof oom - 1, false);
		return;
	}
	MHD_add_response_header(resp, "Content-Type", "application/json");
	r->resp_bytes = len;
	send_response(r, status, resp, true);
}

struct problem_kind {
	int status;
	const char *type, *title;
};

static const struct problem_kind kinds[] = {
	{400, "bad-request", "Bad Request"},
	{401, "unauthenticated", "Authentication required"},
	{403, "forbidden", "Forbidden"},
	{404, "not-found", "Not Found"},
	{405, "method-not-allowed", "Method Not Allowed"},
	{408, "request-timeout", "Request Timeout"},
	{409, "conflict", "Conflict"},
	{412, "stale-version", "Precondition Failed"},
	{413, "too-large", "Content Too Large"},
	{415, "unsupported-media-type", "Unsupported Media Type"},
	{422, "validation", "Validation failed"},
	{428, "precondition-required", "Precondition Required"},
	{429, "throttled", "Too Many Requests"},
	{431, "headers-too-large", "Request Header Fields Too Large"},
	{500, "internal", "Internal Server Error"},
	{503, "unavailable", "Service Unavailable"},
};

void gx_reply_problem(struct gx_req *r, int status, const char *detail, json_t *errors)
{
	const struct problem_kind *k = &kinds[0];
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (kinds[i].status == status)
			k = &kinds[i];
	char type[96];
	snprintf(type, sizeof type, "/problems/%s", k->type);
	json_t *p = json_pack("{s:s, s:s, s:i, s:s?, s:s}", "type", type, "title", k->title, "status",
			      status, "detail", detail, "instance", r->request_id);
	if (errors && p)
		json_object_set_new(p, "errors", errors);
	else
		json_decref(errors);
	if (!p) {
		static const char oom[] = "{\"type\":\"about:blank\",\"title\":\"Service Unavailable\",\"status\":503}";
		gx_reply_raw(r, 503, "application/problem+json", oom, sizeof oom - 1, false);
		return;
	}
	reply_json_type(r, status, p, "application/problem+json");
}

int gx_error_status(int err)
{
	switch (err) {
	case GX_EINVAL: return 422;
	case GX_ENOTFOUND: return 404;
	case GX_ECONFLICT: return 409;
	case GX_ESTALE: return 412;
	case GX_ETOOBIG: return 413;
	case GX_EAUTH: return 401;
	case GX_EFORBIDDEN: return 403;
	case GX_ETHROTTLED: return 429;
	case GX_EUNSUPPORTED: return 415;
	case GX_ENOMEM: case GX_EBUSY: return 503;
	default: return 500;
	}
}

void gx_reply_error(struct gx_req *r, int err, struct gx_errors *errs)
{
	int status = gx_error_status(err);
	const char *detail;
	switch (err) {
	case GX_EINVAL: detail = "some fields are not valid; see errors"; break;
	case GX_ENOTFOUND: detail = "no such record"; break;
	case GX_ECONFLICT: detail = "the request conflicts with the current state (a duplicate?)"; break;
	case GX_ESTALE: detail = "the record was changed by someone else; reload it and apply your change again"; break;
	case GX_EBUSY: detail = "the database is busy; try again"; break;
	case GX_ENOMEM: detail = "the server is short of memory; try again"; break;
	default: detail = gx_strerror(err);
	}
	if (status >= 500)
		gx_log_error("rid=%s %s %s: %s", r->request_id, r->method, r->path, gx_strerror(err));
	json_t *list = errs ? errs->list : NULL;
	if (errs)
		errs->list = NULL;
	gx_reply_problem(r, status, detail, list);
}

/* ---- request helpers ------------------------------------------------------------------ */

const char *gx_req_header(struct gx_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *gx_req_query(struct gx_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

bool gx_req_query_int(struct gx_req *r, const char *name, int64_t min, int64_t max, int64_t def, int64_t *out)
{
	const char *s = gx_req_query(r, name);
	*out = def;
	if (!s)
		return true;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max) {
		char *detail = gx_arena_printf(&r->arena, "%s must be a whole number from %lld to %lld", name,
					       (long long)min, (long long)max);
		gx_reply_problem(r, 400, detail, NULL);
		return false;
	}
	*out = v;
	return true;
}

bool gx_req_param_id(struct gx_req *r, int i, int64_t *id)
{
	const char *s = i < r->nparams ? r->params[i] : NULL;
	long long v = 0;
	int n = 0;
	/* plain digits here (strtoll's locale-aware parse was ~400
	 * instructions a request); anything else as strtoll reads it */
	for (; s && n < 16 && s[n] >= '0' && s[n] <= '9'; n++)
		v = v * 10 + (s[n] - '0');
	if (s && (!n || s[n])) {
		char *end;
		v = strtoll(s, &end, 10);
		if (!*s || *end)
			v = 0;
	}
	if (!s || v <= 0 || v > 9007199254740991LL) {
		gx_reply_problem(r, 404, "no such record", NULL);
		return false;
	}
	*id = v;
	return true;
}

json_t *gx_req_json(struct gx_req *r)
{
	const char *ct = gx_req_header(r, "Content-Type");
	/* the media type exactly (parameters such as charset may follow a ';') */
	size_t mlen = ct ? strcspn(ct, ";") : 0;
	while (mlen && (ct[mlen - 1] == ' ' || ct[mlen - 1] == '\t'))
		mlen--;
	if (!ct || !((mlen == 16 && strncasecmp(ct, "application/json", 16) == 0) ||
		     (mlen == 28 && strncasecmp(ct, "application/merge-patch+json", 28) == 0))) {
		gx_reply_problem(r, 415, "send the body as Content-Type: application/json", NULL);
		return NULL;
	}
	if (r->body.len == 0) {
		gx_reply_problem(r, 400, "the request needs a JSON body", NULL);
		return NULL;
	}
	if (!gx_utf8_valid(r->body.data, r->body.len)) {
		gx_reply_problem(r, 400, "the body is not valid UTF-8", NULL);
		return NULL;
	}
	json_error_t err;
	json_t *j = json_loadb(r->body.data, r->body.len, JSON_REJECT_DUPLICATES, &err);
	if (!j) {
		char detail[300];
		snprintf(detail, sizeof detail, "malformed JSON at line %d, column %d: %s", err.line,
			 err.column, err.text);
		gx_reply_problem(r, 400, detail, NULL);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		gx_reply_problem(r, 400, "the body must be a JSON object", NULL);
		return NULL;
	}
	return j;
}

bool gx_req_version(struct gx_req *r, json_t *body, int64_t *version)
{
	const char *im = gx_req_header(r, "If-Match");
	if (im) {
		/* ETag form: "3" or W/"3" */
		const char *p = im;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		char *end;
		long long v = strtoll(*p == '"' ? p + 1 : p, &end, 10);
		if (end == p || v < 1 || (*p == '"' && *end != '"') || (*p != '"' && *end)) {
			gx_reply_problem(r, 400, "If-Match must be the record's ETag, e.g. \"3\"", NULL);
			return false;
		}
		*version = v;
		if (body)
			json_object_del(body, "version");
		return true;
	}
	json_t *v = body ? json_object_get(body, "version") : NULL;
	if (v) {
		if (!json_is_integer(v) || json_integer_value(v) < 1) {
			gx_reply_problem(r, 400, "version must be a positive integer", NULL);
			return false;
		}
		*version = json_integer_value(v);
		json_object_del(body, "version");
		return true;
	}
	gx_reply_problem(r, 428, "send If-Match with the record's ETag (or \"version\" in the body) so that no one's change is overwritten", NULL);
	return false;
}

/* ---- dispatch ------------------------------------------------------------------------ */

static bool path_is_clean(const char *p)
{
	if (!gx_utf8_valid(p, strlen(p)) || p[0] != '/')
		return false;
	if (strstr(p, "/..") || strstr(p, "//") || strchr(p, '\\'))
		return false;
	return true;
}

static bool is_unsafe(const char *m)
{
	return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 && strcmp(m, "OPTIONS") != 0;
}

static void dispatch(struct gx_req *r)
{
	if (!path_is_clean(r->path)) {
		gx_reply_problem(r, 400, "the path is not valid", NULL);
		return;
	}
	bool api = strncmp(r->path, "/api/", 5) == 0;
	int status = r->route_status;
	const struct gx_route *rt = r->route;
	if (!rt) {
		if (!api && (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0) &&
		    strcmp(r->path, "/healthz") != 0 && strcmp(r->path, "/metrics") != 0) {
			gx_assets_serve(r);
			return;
		}
		gx_reply_problem(r, status, status == 405 ? "this method is not allowed here" : "no such resource", NULL);
		return;
	}
	if (!(rt->flags & GX_ROUTE_PUBLIC)) {
		int rc = gx_http_authenticate(r);
		if (rc && rc != GX_EAUTH && rc != GX_ETHROTTLED) {
			/* the database did not answer: not the client's fault, and
			 * a 401 would log a browser out */
			gx_reply_error(r, rc, NULL);
			return;
		}
		if (rc) {
			gx_reply_header(r, "WWW-Authenticate", "Bearer realm=\"guanxi\"");
			gx_reply_problem(r, 401, rc == GX_ETHROTTLED ? "too many attempts" : "log in first, or send a valid Bearer token or API key", NULL);
			return;
		}
		if (rt->perm && !gx_http_allowed(r, rt->perm)) {
			gx_reply_problem(r, 403, "your role does not allow this", NULL);
			return;
		}
		if (r->cookie_auth && is_unsafe(r->method)) {
			const char *tok = gx_req_header(r, "X-CSRF-Token");
			if (!tok || strlen(tok) != strlen(r->csrf) ||
			    sodium_memcmp(tok, r->csrf, strlen(r->csrf)) != 0) {
				gx_reply_problem(r, 403, "missing or wrong X-CSRF-Token header", NULL);
				return;
			}
		}
	}
	rt->handler(r);
	/* a write may have changed who may do what (a role, a disabled user, a
	 * revoked key): cached token answers are dropped once it has committed */
	if (is_unsafe(r->method) && r->answered && r->status < 400)
		gx_auth_invalidate();
	if (!r->answered) {
		gx_log_error("rid=%s %s %s: handler gave no answer", r->request_id, r->method, r->path);
		gx_reply_problem(r, 500, "the server did not answer", NULL);
	}
}

/* ---- libmicrohttpd callbacks ------------------------------------------------------------ */

/* Request ids: a per-thread xorshift generator seeded once from the system's
 * random source (a getrandom call per request cost ~0.5 us). Ids tell log
 * lines apart; they are not secrets. */
static uint64_t request_id_next(void)
{
	static __thread uint64_t state;
	if (!state)
		while (!state)
			randombytes_buf(&state, sizeof state);
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

/* inet_ntop's text of an IPv4 address ("127.0.0.1"); out has room for 16. */
static void ipv4_text(const struct in_addr *a, char *out)
{
	const unsigned char *b = (const unsigned char *)&a->s_addr;
	char *p = out;
	for (int i = 0; i < 4; i++) {
		unsigned v = b[i];
		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
		*p++ = i < 3 ? '.' : '\0';
	}
}

struct req_block {
	struct gx_req r; /* first: free(r) frees the block */
	_Alignas(max_align_t) unsigned char arena0[1000 - sizeof(struct gx_req) > 256 ? 1000 - sizeof(struct gx_req) : 256];
};

static void *uri_log_cb(void *cls, const char *uri, struct MHD_Connection *conn)
{
	/* the request and the first bytes of its arena in one allocation small
	 * enough for malloc's per-thread cache: a GET needs no other arena memory
	 * (an 8 KB chunk per request made malloc consolidate its free lists) */
	struct req_block *blk = malloc(sizeof *blk);
	if (!blk)
		return NULL;
	struct gx_req *r = &blk->r;
	memset(r, 0, sizeof *r);
	r->conn = conn;
	gx_arena_init_buf(&r->arena, 64u << 20, blk->arena0, sizeof blk->arena0);
	gx_buf_init(&r->body, (size_t)gx_srv->cfg.body_max);
	r->start_mono = gx_mono_ms();
	/* "%016llx" and inet_ntop's dotted quad, without printf (~1 us together) */
	static const char hex[] = "0123456789abcdef";
	uint64_t rid = request_id_next();
	for (int i = 15; i >= 0; i--, rid >>= 4)
		r->request_id[i] = hex[rid & 15];
	r->request_id[16] = '\0';
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			ipv4_text(&((const struct sockaddr_in *)(const void *)sa)->sin_addr, r->ip);
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, r->ip, sizeof r->ip);
	}
	r->ctx.store = gx_srv->store;
	r->ctx.arena = &r->arena;
	r->ctx.ip = r->ip;
	r->ctx.request_id = r->request_id;
	gx_metrics_inflight(1);
	return r;
}

/* The request log line, built without printf (it was ~1 us a request):
 * "%s %s %d %zuB %.1fms ip=%s user=%lld rid=%s%s" as gx_log wrote it. */
struct logline {
	char *p;
	size_t n, cap;
};

static inline void ll_mem(struct logline *l, const char *s, size_t k)
{
	if (k > l->cap - l->n)
		k = l->cap - l->n;
	memcpy(l->p + l->n, s, k);
	l->n += k;
}

static void ll_str(struct logline *l, const char *s)
{
	ll_mem(l, s, strlen(s));
}

/* a string literal, its length known at compile time */
#define LL_LIT(l, lit) ll_mem((l), (lit), sizeof(lit) - 1)

/* two digits at a time: a user id has 15 or 16 (~120 instructions a number
 * one digit at a time) */
static void ll_uint(struct logline *l, unsigned long long v)
{
	static const char pairs[201] = "00010203040506070809101112131415161718192021222324"
				       "25262728293031323334353637383940414243444546474849"
				       "50515253545556575859606162636465666768697071727374"
				       "75767778798081828384858687888990919293949596979899";
	char d[24];
	int i = (int)sizeof d;
	while (v >= 100) {
		unsigned k = (unsigned)(v % 100) * 2;
		v /= 100;
		d[--i] = pairs[k + 1];
		d[--i] = pairs[k];
	}
	if (v >= 10) {
		d[--i] = pairs[v * 2 + 1];
		d[--i] = pairs[v * 2];
	} else {
		d[--i] = (char)('0' + v);
	}
	ll_mem(l, d + i, sizeof d - (size_t)i);
}

static void ll_int(struct logline *l, long long v)
{
	if (v < 0) {
		LL_LIT(l, "-");
		ll_uint(l, 0ULL - (unsigned long long)v);
	} else {
		ll_uint(l, (unsigned long long)v);
	}
}

static void log_request(struct gx_req *r, int status, int64_t ms, bool aborted)
{
	char buf[GX_LOG_MSG_MAX];
	struct logline l = {buf, 0, sizeof buf - 1};
	ll_str(&l, r->method ? r->method : "-");
	LL_LIT(&l, " ");
	ll_str(&l, r->path ? r->path : "-");
	LL_LIT(&l, " ");
	ll_int(&l, status);
	LL_LIT(&l, " ");
	ll_uint(&l, r->resp_bytes);
	LL_LIT(&l, "B ");
	/* whole milliseconds: "%.1f" of them always ended in ".0" */
	ll_int(&l, ms);
	LL_LIT(&l, ".0ms ip=");
	ll_str(&l, r->ip);
	LL_LIT(&l, " user=");
	ll_int(&l, (long long)r->ctx.user_id);
	LL_LIT(&l, " rid=");
	ll_str(&l, r->request_id);
	if (aborted)
		LL_LIT(&l, " (aborted)");
	gx_log_msg(GX_LOG_INFO, buf, l.n);
}

static void completed_cb(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct gx_req *r = *con_cls;
	if (!r)
		return;
	int64_t ms = gx_mono_ms() - r->start_mono;
	double secs = (double)ms / 1000.0;
	int status = r->answered ? r->status : 499;
	gx_metrics_inflight(-1);
	gx_metrics_observe(status, secs);
	if (gx_log_enabled(GX_LOG_INFO))
		log_request(r, status, ms, toe != MHD_REQUEST_TERMINATED_COMPLETED_OK);
	gx_buf_free(&r->body);
	gx_arena_free(&r->arena);
	free(r);
	*con_cls = NULL;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn, const char *url,
				 const char *method, const char *version, const char *upload_data,
				 size_t *upload_data_size, void **con_cls)
{
	struct gx_req *r = *con_cls;
	if (!r)
		return MHD_NO; /* out of memory at the start: drop the connection */
	if (!r->method) {
		/* first call: headers are in, the body (if any) is not */
		r->method = gx_arena_strdup(&r->arena, method);
		r->path = gx_arena_strdup(&r->arena, url);
		/* the body limit: body_max, larger for a bulk route */
		unsigned long long max = (unsigned long long)gx_srv->cfg.body_max;
		r->route_status = 404;
		const struct gx_route *rt = gx_route_match(r, &r->route_status);
		r->route = rt; /* dispatch uses this match (and its params) */
		if (rt && (rt->flags & GX_ROUTE_BULK)) {
			max *= GX_BULK_BODY_FACTOR;
			gx_buf_init(&r->body, (size_t)max);
		}
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
		if (cl && strtoull(cl, NULL, 10) > max) {
			gx_reply_problem(r, 413, "the request body is larger than the server accepts", NULL);
			return MHD_YES;
		}
		return MHD_YES;
	}
	if (gx_mono_ms() - r->start_mono > gx_srv->cfg.request_timeout * 1000)
		return MHD_NO; /* slow-drip client: the inactivity timeout alone won't stop it */
	if (*upload_data_size) {
		if (!r->answered && !r->body_too_big &&
		    gx_buf_add(&r->body, upload_data, *upload_data_size) != 0) {
			/* libmicrohttpd sends no answer queued in the middle of an
			 * upload: drop the rest and answer 413 once it has arrived */
			r->body_too_big = true;
			gx_buf_free(&r->body);
		}
		if (r->body_too_big) {
			r->discarded += *upload_data_size;
			if (r->discarded > (16u << 20))
				return MHD_NO; /* an endless stream: close the connection */
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->body_too_big && !r->answered)
		gx_reply_problem(r, 413, "the request body is larger than the server accepts", NULL);
	else if (!r->answered)
		dispatch(r);
	return MHD_YES;
}

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int parse_listen(const char *listen, struct sockaddr_storage *ss)
{
	char host[128];
	const char *colon = strrchr(listen, ':');
	if (!colon || (size_t)(colon - listen) >= sizeof host)
		return GX_EINVAL;
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end || port < 0 || port > 65535)
		return GX_EINVAL;
	memset(ss, 0, sizeof *ss);
	if (host[0] == '[') {
		size_t n = strlen(host);
		if (n < 2 || host[n - 1] != ']')
			return GX_EINVAL;
		host[n - 1] = '\0';
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		return inet_pton(AF_INET6, host + 1, &s6->sin6_addr) == 1 ? 0 : GX_EINVAL;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof host, "127.0.0.1");
	return inet_pton(AF_INET, host, &s4->sin_addr) == 1 ? 0 : GX_EINVAL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof msg, fmt, ap);
	size_t n = strlen(msg);
	if (n && msg[n - 1] == '\n')
		msg[n - 1] = '\0';
	gx_log_warn("http: %s", msg);
}

/* ---- connections ---------------------------------------------------------------------
 * The server accepts the connections itself and hands each to libmicrohttpd
 * (MHD_add_connection), which gives it to a pool thread by its socket
 * number: connections are spread evenly over the pool. With the pool threads
 * accepting from a shared listening socket (libmicrohttpd's own way), the
 * first thread to wake took up to ten at a time, and a client that opened
 * its connections together (a proxy, a load balancer, wrk) often had all of
 * them on one thread while the others idled. libmicrohttpd still applies the
 * connection limits (total and per IP) to every connection added. */

/* A listening socket for ss (SO_REUSEADDR, IPv6 only on an IPv6 address, as
 * libmicrohttpd makes its own); -1 with errno set. *port gets its port. */
static int listen_on(const struct sockaddr_storage *ss, unsigned *port)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int on = 1;
	socklen_t len = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	struct sockaddr_storage got;
	socklen_t glen = sizeof got;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
	    (ss->ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) != 0) ||
	    bind(fd, (const struct sockaddr *)ss, len) != 0 || listen(fd, SOMAXCONN) != 0 ||
	    getsockname(fd, (struct sockaddr *)&got, &glen) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	*port = ntohs(got.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&got)->sin6_port
						 : ((struct sockaddr_in *)&got)->sin_port);
	return fd;
}

/* Accepts what is waiting on the listening socket (at most 64, so that the
 * main loop's other work keeps its pace) and hands it to d. */
static void accept_waiting(struct MHD_Daemon *d, int lfd)
{
	static int64_t warned_ms;
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof ss;
		int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				/* out of descriptors: those waiting stay in the backlog a while */
				if (gx_mono_ms() - warned_ms > 10000) {
					warned_ms = gx_mono_ms();
					gx_log_warn("http: cannot accept connections: %s", strerror(errno));
				}
				usleep(10 * 1000);
			}
			return;
		}
		/* on failure (a limit reached, no memory) libmicrohttpd closes fd */
		(void)MHD_add_connection(d, fd, (struct sockaddr *)&ss, len);
	}
}

int gx_server_run(struct gx_config *cfg, struct gx_store *store)
{
	static struct gx_server srv;
	srv.cfg = *cfg;
	srv.store = store;
	srv.started_ms = gx_now_ms();
	gx_srv = &srv;
	struct sockaddr_storage ss;
	if (parse_listen(cfg->listen, &ss)) {
		gx_log_error("cannot understand listen address '%s' (want host:port)", cfg->listen);
		return GX_EINVAL;
	}
	unsigned threads = cfg->threads > 0 ? (unsigned)cfg->threads : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	if (threads < 1)
		threads = 1;
	/* readers keep their snapshot while nothing is committed (store.h) */
	gx_store_hold_reads(store);
	unsigned port = 0;
	int lfd = listen_on(&ss, &port);
	if (lfd < 0) {
		gx_log_error("cannot listen on %s: %s", cfg->listen, strerror(errno));
		return GX_EIO;
	}
	/* MHD_USE_ITC: a connection added from this thread is taken up at once */
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC;
	struct MHD_Daemon *d = MHD_start_daemon(
		flags, 0, NULL, NULL, access_cb, NULL,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, /* first, so that every message goes through it */
		MHD_OPTION_THREAD_POOL_SIZE, threads,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->conn_timeout,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)cfg->header_max,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->conn_limit,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->per_ip_limit,
		MHD_OPTION_URI_LOG_CALLBACK, uri_log_cb, NULL,
		MHD_OPTION_NOTIFY_COMPLETED, completed_cb, NULL,
		MHD_OPTION_END);
	if (!d) {
		close(lfd);
		gx_log_error("cannot start the HTTP server on %s", cfg->listen);
		return GX_EIO;
	}
	gx_log_info("guanxi %s listening on http://%s (port %u, %u threads, database %s)", GX_VERSION,
		    cfg->listen, port, threads, gx_store_backend(store));
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* the request log is written in batches from here on (log.h) */
	if (gx_log_async_start())
		gx_log_warn("request log: no writer thread; writing each line at once");
	int64_t next_idle = gx_mono_ms() + GX_STORE_IDLE_MS;
	while (!stop_requested) {
		int64_t wait = next_idle - gx_mono_ms();
		struct pollfd pfd = {.fd = lfd, .events = POLLIN};
		if (poll(&pfd, 1, wait > 0 ? (int)wait : 0) > 0 && (pfd.revents & POLLIN))
			accept_waiting(d, lfd);
		if (gx_mono_ms() >= next_idle) {
			gx_store_idle(store); /* idle readers' kept snapshots */
			next_idle = gx_mono_ms() + GX_STORE_IDLE_MS;
		}
	}
	gx_log_info("shutting down");
	close(lfd);
	MHD_stop_daemon(d);
	gx_log_async_stop(); /* every request's line is out before we return */
	gx_http_auth_shutdown();
	return 0;
}
