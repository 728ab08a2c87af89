/* assets.c — serves the embedded web app: exact files with ETag and gzip,
 * long caching for Vite's hashed files, and index.html for app routes. */
#include "http/http.h"

#include "http/assets.h"

#include <microhttpd.h>
#include <string.h>

static const struct gx_asset *find(const char *path)
{
	for (size_t i = 0; i < gx_assets_count; i++)
		if (strcmp(gx_assets[i].path, path) == 0)
			return &gx_assets[i];
	return NULL;
}

void gx_assets_serve(struct gx_req *r)
{
	const char *path = strcmp(r->path, "/") == 0 ? "/index.html" : r->path;
	const struct gx_asset *a = find(path);
	bool fallback = false;
	if (!a) {
		/* A path without a file extension is a page of the single-page app. */
		const char *last = strrchr(path, '/');
		if (last && !strchr(last, '.')) {
			a = find("/index.html");
			fallback = true;
		}
	}
	if (!a) {
		gx_reply_problem(r, 404, "no such file", NULL);
		return;
	}
	/* Vite puts a content hash in the names under /assets/: cache for a year. */
	bool immutable = !fallback && strncmp(a->path, "/assets/", 8) == 0;
	gx_reply_header(r, "Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
	gx_reply_header(r, "ETag", a->etag);
	gx_reply_header(r, "Vary", "Accept-Encoding");
	const char *inm = gx_req_header(r, "If-None-Match");
	if (inm && strcmp(inm, a->etag) == 0) {
		gx_reply_empty(r, 304);
		return;
	}
	const char *ae = gx_req_header(r, "Accept-Encoding");
	if (ae && strstr(ae, "gzip") && a->gz_len < a->len) {
		gx_reply_header(r, "Content-Encoding", "gzip");
		gx_reply_raw(r, 200, a->content_type, a->gz, a->gz_len, false);
		return;
	}
	gx_reply_raw(r, 200, a->content_type, a->data, a->len, false);
}
