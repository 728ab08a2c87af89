/* arena.h — per-request bump allocator: many small allocations, one free. */
#ifndef GX_CORE_ARENA_H
#define GX_CORE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct gx_arena_chunk;
struct gx_arena {
	struct gx_arena_chunk *head;
	size_t used_total;  /* bytes handed out, for limits and metrics */
	size_t max_total;   /* 0 = unlimited; allocations past it fail (NULL) */
};

/* Initialises an empty arena; nothing is allocated until first use. */
void gx_arena_init(struct gx_arena *a, size_t max_total);
/* The same, with buf[0..len) (aligned for any type) used before anything is
 * malloc'd: small arenas then cost no allocation. The caller keeps buf
 * alive until gx_arena_free, which does not free it (and forgets it: the
 * arena mallocs afterwards). buf is ignored when misaligned or too small. */
void gx_arena_init_buf(struct gx_arena *a, size_t max_total, void *buf, size_t len);
/* Frees every chunk; the arena can be reused afterwards. Accepts NULL. */
void gx_arena_free(struct gx_arena *a);
/* Returns zeroed memory aligned for any type, owned by the arena; NULL when
 * out of memory or over max_total. */
void *gx_arena_alloc(struct gx_arena *a, size_t n);
/* Copies n bytes plus a NUL terminator into the arena. */
char *gx_arena_strndup(struct gx_arena *a, const char *s, size_t n);
char *gx_arena_strdup(struct gx_arena *a, const char *s);
/* printf into arena memory; NULL on failure. */
char *gx_arena_printf(struct gx_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *gx_arena_vprintf(struct gx_arena *a, const char *fmt, va_list ap);

#endif
