/* arena.c — per-request bump allocator. */
#include "core/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gx_arena_chunk {
	struct gx_arena_chunk *next;
	size_t cap, used;
	int borrowed; /* the caller's memory (gx_arena_init_buf): not freed here */
	_Alignas(max_align_t) unsigned char data[];
};

#define GX_ARENA_CHUNK 8192

void gx_arena_init(struct gx_arena *a, size_t max_total)
{
	a->head = NULL;
	a->used_total = 0;
	a->max_total = max_total;
}

void gx_arena_init_buf(struct gx_arena *a, size_t max_total, void *buf, size_t len)
{
	gx_arena_init(a, max_total);
	struct gx_arena_chunk *c = buf;
	if (!buf || ((uintptr_t)buf % _Alignof(max_align_t)) || len < sizeof *c + 64)
		return;
	c->next = NULL;
	c->cap = len - sizeof *c;
	c->used = 0;
	c->borrowed = 1;
	a->head = c;
}

void gx_arena_free(struct gx_arena *a)
{
	if (!a)
		return;
	struct gx_arena_chunk *c = a->head;
	while (c) {
		struct gx_arena_chunk *next = c->next;
		if (!c->borrowed)
			free(c);
		c = next;
	}
	a->head = NULL;
	a->used_total = 0;
}

void *gx_arena_alloc(struct gx_arena *a, size_t n)
{
	const size_t align = _Alignof(max_align_t);
	if (n > SIZE_MAX / 2)
		return NULL;
	n = (n + align - 1) & ~(align - 1);
	if (n == 0)
		n = align;
	if (a->max_total && a->used_total + n > a->max_total)
		return NULL;
	struct gx_arena_chunk *c = a->head;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > GX_ARENA_CHUNK ? n : GX_ARENA_CHUNK;
		c = malloc(sizeof *c + cap);
		if (!c)
			return NULL;
		c->cap = cap;
		c->used = 0;
		c->borrowed = 0;
		/* Big one-off allocations go behind the current chunk so its
		 * free space stays usable. */
		if (a->head && cap == n && a->head->cap - a->head->used > 256) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	void *p = c->data + c->used;
	c->used += n;
	a->used_total += n;
	memset(p, 0, n);
	return p;
}

char *gx_arena_strndup(struct gx_arena *a, const char *s, size_t n)
{
	char *p = gx_arena_alloc(a, n + 1);
	if (!p)
		return NULL;
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *gx_arena_strdup(struct gx_arena *a, const char *s)
{
	return s ? gx_arena_strndup(a, s, strlen(s)) : NULL;
}

char *gx_arena_vprintf(struct gx_arena *a, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return NULL;
	char *p = gx_arena_alloc(a, (size_t)n + 1);
	if (!p)
		return NULL;
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *gx_arena_printf(struct gx_arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = gx_arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}
