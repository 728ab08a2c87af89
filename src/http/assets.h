/* assets.h — web assets compiled into the binary by scripts/embed.sh. */
#ifndef GX_HTTP_ASSETS_H
#define GX_HTTP_ASSETS_H

#include <stddef.h>

struct gx_asset {
	const char *path;          /* "/index.html" */
	const char *content_type;
	const char *etag;          /* quoted content hash */
	const unsigned char *data;
	size_t len;
	const unsigned char *gz;   /* gzip -9 of data */
	size_t gz_len;
};
extern const struct gx_asset gx_assets[];
extern const size_t gx_assets_count;

#endif
