/* buf.h — growable byte buffer that refuses to grow past its maximum. */
#ifndef GX_CORE_BUF_H
#define GX_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct gx_buf {
	char *data; /* always NUL-terminated when non-NULL */
	size_t len, cap, max;
};

/* Initialises an empty buffer limited to max bytes of content. */
void gx_buf_init(struct gx_buf *b, size_t max);
/* Frees the content; accepts NULL. */
void gx_buf_free(struct gx_buf *b);
/* Appends n bytes; GX_ETOOBIG past max, GX_ENOMEM on allocation failure
 * (the buffer is unchanged on error). */
int gx_buf_add(struct gx_buf *b, const void *p, size_t n);
int gx_buf_adds(struct gx_buf *b, const char *s);
int gx_buf_printf(struct gx_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal (quotes and escapes included). */
int gx_buf_add_json_str(struct gx_buf *b, const char *s);
/* Makes room for need elements of elem bytes in the array *pv (a pointer to
 * the array's pointer) of capacity *cap, doubling from first: 0, or
 * GX_ENOMEM with *pv and *cap unchanged. */
int gx_grow(void *pv, size_t *cap, size_t need, size_t elem, size_t first);
/* Hands the content to the caller (free() it) and resets the buffer. */
char *gx_buf_take(struct gx_buf *b);

#endif
