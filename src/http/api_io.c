/* api_io.c — data in and out over the API: import jobs (POST /imports with a
 * CSV or vCard body, progress, row-error report, undo), saved mappings, and
 * list exports (CSV, XLSX, vCard, iCalendar) streamed page by page. */
#include "http/http.h"

#include "core/err.h"
#include "core/log.h"
#include "core/time.h"
#include "crm/customer.h"
#include "crm/user.h"
#include "http/auth.h"
#include "io/export.h"
#include "io/import.h"
#include "store/store.h"

#include <fcntl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_JOBS 4 /* imports running at once (they take turns at the writer anyway) */

static bool flag(struct gx_req *r, const char *name)
{
	const char *v = gx_req_query(r, name);
	return v && (!strcmp(v, "true") || !strcmp(v, "1") || !*v);
}

/* ---- sending a libmicrohttpd response of our own (streams, files) ------------------
 * The headers are server.c's add_common_headers: keep the two lists equal. */

static void queue_mhd(struct gx_req *r, int status, struct MHD_Response *resp, uint64_t bytes)
{
	gx_reply_mhd(r, status, resp, (size_t)bytes);
}

static void attachment(struct gx_req *r, const char *base, const char *ext)
{
	char day[40];
	gx_time_iso(gx_now_ms(), day, sizeof day);
	char *v = gx_arena_printf(&r->arena, "attachment; filename=\"%s-%.4s%.2s%.2s.%s\"", base, day, day + 5, day + 8, ext);
	if (v)
		gx_reply_header(r, "Content-Disposition", v);
}

/* ---- import jobs ---------------------------------------------------------------------------- */

struct job {
	int64_t batch;
	struct gx_ctx ctx;
	char role[16], ip[64], rid[20];
	char *data;
	size_t len, pos;
	json_t *opts_json; /* the options' strings live here */
	struct gx_import_opts o;
	volatile int cancel;
	struct job *next;
};

static pthread_mutex_t jobs_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t jobs_cond = PTHREAD_COND_INITIALIZER;
static struct job *jobs;
static int njobs;
static bool stopping;

static int mem_src(void *ud, void *buf, size_t cap, size_t *got)
{
	struct job *j = ud;
	size_t n = j->len - j->pos < cap ? j->len - j->pos : cap;
	memcpy(buf, j->data + j->pos, n);
	j->pos += n;
	*got = n;
	return 0;
}

static void job_free(struct job *j)
{
	free(j->data);
	json_decref(j->opts_json);
	free(j);
}

static void job_run(struct job *j)
{
	struct gx_arena a;
	gx_arena_init(&a, 0);
	j->ctx.arena = &a;
	j->o.cancel = &j->cancel;
	gx_import_execute(&j->ctx, j->batch, &j->o, mem_src, j, j->len, NULL);
	gx_arena_free(&a);
}

static void *job_thread(void *arg)
{
	struct job *j = arg;
	job_run(j);
	pthread_mutex_lock(&jobs_lock);
	for (struct job **p = &jobs; *p; p = &(*p)->next)
		if (*p == j) {
			*p = j->next;
			break;
		}
	njobs--;
	pthread_cond_broadcast(&jobs_cond);
	pthread_mutex_unlock(&jobs_lock);
	job_free(j);
	return NULL;
}

void gx_api_io_shutdown(void)
{
	pthread_mutex_lock(&jobs_lock);
	stopping = true;
	for (struct job *j = jobs; j; j = j->next)
		j->cancel = 1; /* each rolls back: the database stays as before it */
	while (njobs)
		pthread_cond_wait(&jobs_cond, &jobs_lock);
	pthread_mutex_unlock(&jobs_lock);
}

/* ---- request body: raw file or multipart/form-data ---------------------------------------------- */

static const char *const file_types[] = {"text/csv", "application/csv", "text/comma-separated-values", "text/plain",
					 "text/tab-separated-values", "application/vnd.ms-excel", "text/vcard", "text/x-vcard",
					 "text/directory", "application/octet-stream", NULL};

static bool type_is(const char *ct, const char *t)
{
	size_t n = strlen(t);
	return !strncasecmp(ct, t, n) && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static bool vcard_type(const char *ct)
{
	return ct && (type_is(ct, "text/vcard") || type_is(ct, "text/x-vcard") || type_is(ct, "text/directory"));
}

static const char *param_of(struct gx_arena *a, const char *hdr, size_t n, const char *name)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i + nl + 1 < n; i++) {
		if (strncasecmp(hdr + i, name, nl) || hdr[i + nl] != '=' || (i && hdr[i - 1] != ' ' && hdr[i - 1] != ';'))
			continue;
		const char *v = hdr + i + nl + 1;
		size_t left = n - i - nl - 1, len = 0;
		if (left && *v == '"') {
			v++;
			left--;
			while (len < left && v[len] != '"')
				len++;
		} else {
			while (len < left && v[len] != ';' && v[len] != ' ' && v[len] != '\r')
				len++;
		}
		return gx_arena_strndup(a, v, len);
	}
	return NULL;
}

struct upload {
	const char *data;
	size_t len;
	const char *filename;
	const char *type;
};

/* Parses multipart/form-data: the part with a filename (or named "file")
 * is the upload, "options" a JSON object of options, other parts single
 * options. 400 on malformed input (answered here; returns false). */
static bool parse_multipart(struct gx_req *r, const char *ct, json_t *opts, struct upload *up)
{
	const char *b = param_of(&r->arena, ct, strlen(ct), "boundary");
	const char *body = r->body.data;
	size_t len = r->body.len;
	if (!b || !*b || strlen(b) > 200) {
		gx_reply_problem(r, 400, "multipart/form-data needs a boundary", NULL);
		return false;
	}
	char *delim = gx_arena_printf(&r->arena, "--%s", b);
	size_t dl = strlen(delim);
	const char *p = memmem(body, len, delim, dl);
	while (p) {
		p += dl;
		size_t left = len - (size_t)(p - body);
		if (left >= 2 && p[0] == '-' && p[1] == '-')
			return true; /* the closing delimiter */
		if (left < 2 || p[0] != '\r' || p[1] != '\n')
			break;
		p += 2;
		left -= 2;
		const char *hend = memmem(p, left, "\r\n\r\n", 4);
		if (!hend)
			break;
		const char *name = NULL, *filename = NULL, *type = NULL;
		for (const char *h = p; h < hend;) {
			const char *eol = memmem(h, (size_t)(hend - h) + 2, "\r\n", 2);
			size_t hl = (size_t)(eol - h);
			if (!strncasecmp(h, "Content-Disposition:", 20)) {
				name = param_of(&r->arena, h, hl, "name");
				filename = param_of(&r->arena, h, hl, "filename");
			} else if (!strncasecmp(h, "Content-Type:", 13)) {
				const char *v = h + 13;
				while (*v == ' ')
					v++;
				type = gx_arena_strndup(&r->arena, v, (size_t)(eol - v));
			}
			h = eol + 2;
		}
		const char *data = hend + 4;
		char *next_delim = gx_arena_printf(&r->arena, "\r\n%s", delim);
		const char *end = memmem(data, len - (size_t)(data - body), next_delim, dl + 2);
		if (!end)
			break;
		size_t dlen = (size_t)(end - data);
		if (filename || (name && !strcmp(name, "file"))) {
			up->data = data;
			up->len = dlen;
			up->filename = filename;
			up->type = type;
		} else if (name && !strcmp(name, "options")) {
			json_error_t jerr;
			json_t *o = json_loadb(data, dlen, JSON_REJECT_DUPLICATES, &jerr);
			if (!json_is_object(o)) {
				json_decref(o);
				gx_reply_problem(r, 400, "the options part is a JSON object", NULL);
				return false;
			}
			json_object_update(opts, o);
			json_decref(o);
		} else if (name) {
			json_object_set_new(opts, name, json_stringn(data, dlen));
		}
		p = end + 2;
	}
	gx_reply_problem(r, 400, "the multipart/form-data body is malformed", NULL);
	return false;
}

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	json_t *o = cls;
	if (strcmp(key, "wait"))
		json_object_set_new(o, key, json_string(value ? value : ""));
	return MHD_YES;
}

/* POST /api/v1/imports: the file is the body (text/csv, text/vcard, ...)
 * or the "file" part of a form; options as query parameters, form fields
 * or an "options" JSON part. 202 with the batch (poll it), or with
 * ?wait=true 200 with the finished batch. */
static void h_import(struct gx_req *r)
{
	const char *ct = gx_req_header(r, "Content-Type");
	if (!ct) {
		gx_reply_problem(r, 415, "send the file as text/csv (or text/vcard), or as multipart/form-data", NULL);
		return;
	}
	json_t *opts = json_object();
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, collect_query, opts);
	struct upload up = {r->body.data, r->body.len, NULL, ct};
	bool known = false;
	for (const char *const *t = file_types; *t; t++)
		known = known || type_is(ct, *t);
	if (type_is(ct, "multipart/form-data")) {
		up.data = NULL;
		up.len = 0;
		if (!parse_multipart(r, ct, opts, &up)) {
			json_decref(opts);
			return;
		}
	} else if (!known) {
		json_decref(opts);
		gx_reply_problem(r, 415, "send the file as text/csv (or text/vcard), or as multipart/form-data", NULL);
		return;
	}
	if (!up.data || !up.len) {
		json_decref(opts);
		gx_reply_problem(r, 400, "the request has no file to import", NULL);
		return;
	}
	if (!json_object_get(opts, "entity"))
		json_object_set_new(opts, "entity", json_string(vcard_type(up.type) ? "contacts" : "customers"));
	if (!json_object_get(opts, "format") && vcard_type(up.type))
		json_object_set_new(opts, "format", json_string("vcf"));
	if (!json_object_get(opts, "filename") && up.filename)
		json_object_set_new(opts, "filename", json_string(up.filename));
	struct job *j = calloc(1, sizeof *j);
	if (!j) {
		json_decref(opts);
		gx_reply_error(r, GX_ENOMEM, NULL);
		return;
	}
	j->opts_json = opts;
	struct gx_errors errs = {0};
	int rc = gx_import_opts_parse(opts, &j->o, &errs);
	if (rc) {
		job_free(j);
		gx_reply_error(r, rc, &errs);
		return;
	}
	j->data = malloc(up.len);
	if (!j->data) {
		job_free(j);
		gx_reply_error(r, GX_ENOMEM, NULL);
		return;
	}
	memcpy(j->data, up.data, up.len);
	j->len = up.len;
	j->ctx = r->ctx;
	snprintf(j->role, sizeof j->role, "%s", r->ctx.role ? r->ctx.role : "");
	snprintf(j->ip, sizeof j->ip, "%s", r->ip);
	snprintf(j->rid, sizeof j->rid, "%s", r->request_id);
	j->ctx.role = r->ctx.role ? j->role : NULL;
	j->ctx.ip = j->ip;
	j->ctx.request_id = j->rid;
	j->ctx.values = NULL;
	bool wait = flag(r, "wait");
	pthread_mutex_lock(&jobs_lock);
	bool full = stopping || njobs >= MAX_JOBS;
	if (!full && !wait)
		njobs++; /* reserved before the batch starts */
	pthread_mutex_unlock(&jobs_lock);
	if (full) {
		job_free(j);
		gx_reply_header(r, "Retry-After", "10");
		gx_reply_problem(r, 429, "imports are running already; try again in a moment", NULL);
		return;
	}
	rc = gx_import_begin(&r->ctx, &j->o, &j->batch, &errs);
	if (rc) {
		if (!wait) {
			pthread_mutex_lock(&jobs_lock);
			njobs--;
			pthread_mutex_unlock(&jobs_lock);
		}
		job_free(j);
		gx_reply_error(r, rc, &errs);
		return;
	}
	int64_t batch = j->batch;
	char *loc = gx_arena_printf(&r->arena, "/api/v1/imports/%lld", (long long)batch);
	if (loc)
		gx_reply_header(r, "Location", loc);
	pthread_t t;
	pthread_attr_t attr;
	bool started = false;
	if (!wait && pthread_attr_init(&attr) == 0) {
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_mutex_lock(&jobs_lock);
		j->next = jobs;
		jobs = j;
		started = pthread_create(&t, &attr, job_thread, j) == 0;
		if (!started) {
			jobs = j->next;
			njobs--;
		}
		pthread_mutex_unlock(&jobs_lock);
		pthread_attr_destroy(&attr);
	} else if (!wait) {
		pthread_mutex_lock(&jobs_lock);
		njobs--;
		pthread_mutex_unlock(&jobs_lock);
	}
	json_t *out = NULL;
	if (!started) {
		/* asked to wait, or no thread to be had: run it here */
		job_run(j);
		j->ctx.arena = &r->arena;
		job_free(j);
		rc = gx_import_get(&r->ctx, batch, &out);
		if (rc)
			gx_reply_error(r, rc, NULL);
		else
			gx_reply_json(r, wait ? 200 : 201, out);
		return;
	}
	rc = gx_import_get(&r->ctx, batch, &out);
	if (rc)
		gx_reply_error(r, rc, NULL);
	else
		gx_reply_json(r, 202, out);
}

static void h_imports(struct gx_req *r)
{
	const char *cur = gx_req_query(r, "cursor"), *lim = gx_req_query(r, "limit");
	char *end = NULL;
	long long before = cur ? strtoll(cur, &end, 10) : 0;
	if (cur && (*end || before <= 0)) {
		gx_reply_problem(r, 400, "cursor must come from next_cursor", NULL);
		return;
	}
	long long limit = lim ? strtoll(lim, &end, 10) : 50;
	if (lim && (*end || limit < 1 || limit > 200)) {
		gx_reply_problem(r, 400, "limit must be between 1 and 200", NULL);
		return;
	}
	json_t *out;
	int rc = gx_import_list(&r->ctx, before, (int)limit, &out);
	if (rc)
		gx_reply_error(r, rc, NULL);
	else
		gx_reply_json(r, 200, out);
}

static void h_import_get(struct gx_req *r)
{
	int64_t id;
	if (!gx_req_param_id(r, 0, &id))
		return;
	json_t *out;
	int rc = gx_import_get(&r->ctx, id, &out);
	if (rc)
		gx_reply_error(r, rc, NULL);
	else
		gx_reply_json(r, 200, out);
}

static int buf_sink(void *ud, const char *s, size_t n)
{
	return gx_buf_add(ud, s, n);
}

static void h_import_errors(struct gx_req *r)
{
	int64_t id;
	if (!gx_req_param_id(r, 0, &id))
		return;
	struct gx_buf b;
	gx_buf_init(&b, 64u << 20);
	int rc = gx_import_errors_csv(&r->ctx, id, flag(r, "bom"), buf_sink, &b);
	if (rc == GX_ECONFLICT) {
		gx_buf_free(&b);
		gx_reply_problem(r, 409, "the import is still running", NULL);
		return;
	}
	if (rc) {
		gx_buf_free(&b);
		gx_reply_error(r, rc, NULL);
		return;
	}
	char *name = gx_arena_printf(&r->arena, "import-%lld-errors", (long long)id);
	attachment(r, name ? name : "import-errors", "csv");
	gx_reply_raw(r, 200, "text/csv; charset=utf-8", b.data ? b.data : "", b.len, true);
	gx_buf_free(&b);
}

static void h_import_undo(struct gx_req *r)
{
	int64_t id;
	if (!gx_req_param_id(r, 0, &id))
		return;
	json_t *out;
	struct gx_errors errs = {0};
	int rc = gx_import_undo(&r->ctx, id, &out, &errs);
	if (rc)
		gx_reply_error(r, rc, &errs);
	else
		gx_reply_json(r, 200, out);
}

/* ---- exports ------------------------------------------------------------------------------------ */

struct stream {
	struct gx_export *x;
	const char *data;
	size_t len, off;
	bool failed;
};

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	while (s->off == s->len) {
		int rc = gx_export_next(s->x, &s->data, &s->len);
		s->off = 0;
		if (rc) {
			/* the status line is gone already: cut the transfer short so
			 * that the client sees an incomplete download, not a short file */
			gx_log_warn("export: stopped after %llu rows: %s", (unsigned long long)gx_export_rows(s->x),
				    gx_strerror(rc));
			s->failed = true;
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
		if (!s->len)
			return MHD_CONTENT_READER_END_OF_STREAM;
	}
	size_t n = s->len - s->off < max ? s->len - s->off : max;
	memcpy(buf, s->data + s->off, n);
	s->off += n;
	return (ssize_t)n;
}

static void stream_free(void *cls)
{
	struct stream *s = cls;
	gx_export_close(s->x);
	free(s);
}

struct export_args {
	struct gx_req *r;
	const struct gx_entity *e;
	struct gx_list_query *q;
	struct gx_errors errs;
	int rc;
};

static enum MHD_Result export_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct export_args *a = cls;
	static const char *const own[] = {"format", "lang", "bom", "columns", "version", "limit", "cursor", "count", NULL};
	for (const char *const *k = own; *k; k++)
		if (!strcmp(key, *k))
			return MHD_YES;
	if (a->rc)
		return MHD_YES;
	/* the list's own parameters first: an export is of what the list shows */
	int own_rc = a->e == &gx_customers_entity ?
		gx_customer_list_param(a->r, a->q, key, value ? value : "", &a->errs) : 0;
	if (own_rc < 0)
		a->rc = own_rc;
	else if (own_rc == 0)
		a->rc = gx_list_param(&a->r->ctx, a->e, a->q, key, value ? value : "", &a->errs);
	return MHD_YES;
}

/* The language of the headers: ?lang=, else Accept-Language, else the
 * tenant's. */
static int export_lang(struct gx_req *r)
{
	const char *l = gx_req_query(r, "lang");
	if (l)
		return gx_export_lang(l);
	const char *al = gx_req_header(r, "Accept-Language");
	int k = al ? gx_export_lang(al) : -1;
	if (k >= 0)
		return k;
	json_t *t = NULL;
	if (!gx_tenant_get(&r->ctx, &t))
		k = gx_export_lang(json_string_value(json_object_get(t, "locale")));
	json_decref(t);
	return k >= 0 ? k : 0;
}

/* GET /api/v1/exports/{entity}?format=csv|xlsx|vcf|ics&lang=&bom=&columns=
 * plus the list API's filter[...], sort and q. */
static void h_export(struct gx_req *r)
{
	const char *name = r->nparams ? r->params[0] : "";
	const struct gx_entity *e = gx_entity_find(name);
	if (!e) {
		gx_reply_problem(r, 404, "nothing of that name to export", NULL);
		return;
	}
	/* exporting a list is its own right (a rep walking off with the
	 * customer file is what Chinese SMEs fear most), on top of reading it */
	char *perm = gx_arena_printf(&r->arena, "%s.read", e->name);
	if (!perm || !gx_http_allowed(r, "data.export") || !gx_http_allowed(r, perm)) {
		gx_reply_problem(r, 403, "your role does not allow exporting this list", NULL);
		return;
	}
	const char *fmt = gx_req_query(r, "format");
	struct gx_export_opts o = {.format = GX_EXPORT_CSV, .vcard_version = 30};
	static const char *const fmts[] = {"csv", "xlsx", "vcf", "ics"};
	if (fmt) {
		int k = -1;
		for (int i = 0; i < 4; i++)
			if (!strcmp(fmt, fmts[i]))
				k = i;
		if (k < 0) {
			gx_reply_problem(r, 400, "format is csv, xlsx, vcf (contacts) or ics (activities)", NULL);
			return;
		}
		o.format = (enum gx_export_format)k;
	}
	if ((o.format == GX_EXPORT_VCF && e != &gx_contacts_entity) ||
	    (o.format == GX_EXPORT_ICS && e != &gx_activities_entity)) {
		gx_reply_problem(r, 400, "vcf is for contacts and ics for activities", NULL);
		return;
	}
	o.lang = export_lang(r);
	if (o.lang < 0) {
		gx_reply_problem(r, 400, "lang is zh-CN, zh-TW or en", NULL);
		return;
	}
	o.bom = flag(r, "bom");
	o.columns = gx_req_query(r, "columns");
	const char *ver = gx_req_query(r, "version");
	if (ver && strcmp(ver, "3.0") && strcmp(ver, "4.0")) {
		gx_reply_problem(r, 400, "version is 3.0 or 4.0 (vCard)", NULL);
		return;
	}
	o.vcard_version = ver && !strcmp(ver, "4.0") ? 40 : 30;
	struct gx_list_query q;
	gx_list_init(e, &q);
	struct export_args a = {.r = r, .e = e, .q = &q};
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, export_arg, &a);
	if (a.rc) {
		gx_reply_problem(r, 400, "a list parameter is not valid; see errors", a.errs.list);
		return;
	}
	static const char *const ctypes[] = {"text/csv; charset=utf-8",
					     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
					     "text/vcard; charset=utf-8", "text/calendar; charset=utf-8"};
	if (o.format == GX_EXPORT_XLSX) {
		/* a zip file is finished before it is sent: into a temporary
		 * file (constant memory), then from there */
		const char *tmp = getenv("TMPDIR");
		char *path = gx_arena_printf(&r->arena, "%s/guanxi-export-XXXXXX.xlsx", tmp && *tmp ? tmp : "/tmp");
		int fd = path ? mkstemps(path, 5) : -1;
		if (fd < 0) {
			gx_reply_problem(r, 503, "no room for the export file; try again", NULL);
			return;
		}
		close(fd);
		uint64_t rows = 0;
		int rc = gx_export_xlsx(&r->ctx, e, &q, &o, path, &rows);
		fd = rc ? -1 : open(path, O_RDONLY | O_CLOEXEC);
		unlink(path);
		struct stat sb;
		if (rc || fd < 0 || fstat(fd, &sb) != 0) {
			if (fd >= 0)
				close(fd);
			gx_reply_error(r, rc == GX_EINVAL ? GX_EINVAL : rc ? rc : GX_EIO, NULL);
			return;
		}
		struct MHD_Response *resp = MHD_create_response_from_fd((size_t)sb.st_size, fd);
		if (!resp)
			close(fd);
		else
			MHD_add_response_header(resp, "Content-Type", ctypes[1]);
		attachment(r, e->path ? e->path : e->name, "xlsx");
		queue_mhd(r, 200, resp, (uint64_t)sb.st_size);
		return;
	}
	struct stream *s = calloc(1, sizeof *s);
	int rc = s ? gx_export_open(&r->ctx, e, &q, &o, &s->x) : GX_ENOMEM;
	if (rc) {
		free(s);
		if (rc == GX_EINVAL)
			gx_reply_problem(r, 400, "columns names a column this list has not", NULL);
		else
			gx_reply_error(r, rc, NULL);
		return;
	}
	/* the first piece now: a database error still gets a proper answer */
	rc = gx_export_next(s->x, &s->data, &s->len);
	if (rc) {
		stream_free(s);
		gx_reply_error(r, rc, NULL);
		return;
	}
	struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, stream_read, s, stream_free);
	if (!resp) {
		stream_free(s);
		gx_reply_error(r, GX_ENOMEM, NULL);
		return;
	}
	MHD_add_response_header(resp, "Content-Type", ctypes[o.format]);
	static const char *const exts[] = {"csv", "xlsx", "vcf", "ics"};
	attachment(r, e->path ? e->path : e->name, exts[o.format]);
	queue_mhd(r, 200, resp, 0);
}

static const struct gx_route routes[] = {
	{"POST", "/api/v1/imports", h_import, "imports.write", 0, NULL},
	{"GET", "/api/v1/imports", h_imports, "imports.write", 0, NULL},
	{"GET", "/api/v1/imports/{id}", h_import_get, "imports.write", 0, NULL},
	{"GET", "/api/v1/imports/{id}/errors.csv", h_import_errors, "imports.write", 0, NULL},
	{"POST", "/api/v1/imports/{id}/undo", h_import_undo, "imports.write", 0, NULL},
	{"GET", "/api/v1/exports/{entity}", h_export, "data.export", 0, NULL},
};

void gx_api_io_init(void)
{
	gx_entity_register(&gx_import_mappings_entity);
	gx_routes_add(routes, sizeof routes / sizeof routes[0]);
	gx_routes_add_entity(&gx_import_mappings_entity);
}
