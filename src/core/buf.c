/* buf.c — bounded growable buffer. */
#include "core/buf.h"

#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

void gx_buf_init(struct gx_buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
}

void gx_buf_free(struct gx_buf *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

static int reserve(struct gx_buf *b, size_t extra)
{
	if (extra > b->max || b->len > b->max - extra)
		return GX_ETOOBIG;
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	char *p = realloc(b->data, cap);
	if (!p)
		return GX_ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int gx_buf_add(struct gx_buf *b, const void *p, size_t n)
{
	int rc = reserve(b, n);
	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int gx_buf_adds(struct gx_buf *b, const char *s)
{
	return gx_buf_add(b, s, strlen(s));
}

int gx_buf_printf(struct gx_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return GX_EINVAL;
	int rc = reserve(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

int gx_buf_add_json_str(struct gx_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	int rc = gx_buf_add(b, "\"", 1);
	const unsigned char *p = (const unsigned char *)s;
	while (!rc && *p) {
		/* the run of bytes that need no escape, added at once */
		const unsigned char *run = p;
		while (*p >= 0x20 && *p != '"' && *p != '\\')
			p++;
		if (p > run)
			rc = gx_buf_add(b, run, (size_t)(p - run));
		if (rc || !*p)
			break;
		char esc[7];
		switch (*p) {
		case '"': rc = gx_buf_add(b, "\\\"", 2); break;
		case '\\': rc = gx_buf_add(b, "\\\\", 2); break;
		case '\n': rc = gx_buf_add(b, "\\n", 2); break;
		case '\r': rc = gx_buf_add(b, "\\r", 2); break;
		case '\t': rc = gx_buf_add(b, "\\t", 2); break;
		default:
			esc[0] = '\\'; esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
			esc[4] = hex[*p >> 4]; esc[5] = hex[*p & 15];
			rc = gx_buf_add(b, esc, 6);
		}
		p++;
	}
	return rc ? rc : gx_buf_add(b, "\"", 1);
}

int gx_grow(void *pv, size_t *cap, size_t need, size_t elem, size_t first)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap : first;
	while (c < need) {
		if (c > SIZE_MAX / 2)
			return GX_ENOMEM;
		c *= 2;
	}
	if (elem && c > SIZE_MAX / elem)
		return GX_ENOMEM;
	void *p; /* pv points to some T *: read and written by its bytes */
	memcpy(&p, pv, sizeof p);
	void *np = realloc(p, c * elem);
	if (!np)
		return GX_ENOMEM;
	memcpy(pv, &np, sizeof np);
	*cap = c;
	return 0;
}

char *gx_buf_take(struct gx_buf *b)
{
	char *p = b->data;
	if (!p)
		p = calloc(1, 1);
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}
