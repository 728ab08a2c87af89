/* test_arena_buf.c — core/arena.c with a caller's first buffer
 * (gx_arena_init_buf, used for every HTTP request); gx_grow. */
#include "gx_test.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"

#include <stddef.h>
#include <stdint.h>

GX_TEST(arena_init_buf_serves_small_allocations_from_the_buffer)
{
	/* on the stack: ASan reports it if gx_arena_free ever free()s it */
	_Alignas(max_align_t) unsigned char buf[512];
	struct gx_arena a;
	gx_arena_init_buf(&a, 1 << 20, buf, sizeof buf);
	char *p = gx_arena_strdup(&a, "/api/v1/users/42");
	ASSERT_TRUE((unsigned char *)p >= buf && (unsigned char *)p < buf + sizeof buf);
	ASSERT_EQ_STR(p, "/api/v1/users/42");
	/* past the buffer: malloc'd chunks, the first allocations stay valid */
	char *big = gx_arena_alloc(&a, 4000);
	ASSERT_TRUE(big != NULL);
	ASSERT_TRUE((unsigned char *)big < buf || (unsigned char *)big >= buf + sizeof buf);
	for (int i = 0; i < 100; i++)
		ASSERT_TRUE(gx_arena_printf(&a, "item %d", i) != NULL);
	ASSERT_EQ_STR(p, "/api/v1/users/42");
	gx_arena_free(&a);
	/* reusable afterwards, without the buffer */
	char *q = gx_arena_strdup(&a, "again");
	ASSERT_TRUE((unsigned char *)q < buf || (unsigned char *)q >= buf + sizeof buf);
	gx_arena_free(&a);
	/* a buffer too small or misaligned is ignored */
	gx_arena_init_buf(&a, 0, buf + 1, sizeof buf - 1);
	q = gx_arena_strdup(&a, "x");
	ASSERT_TRUE((unsigned char *)q < buf || (unsigned char *)q >= buf + sizeof buf);
	gx_arena_free(&a);
	gx_arena_init_buf(&a, 0, buf, 16);
	ASSERT_TRUE(gx_arena_strdup(&a, "y") != NULL);
	gx_arena_free(&a);
	/* the limit still holds */
	gx_arena_init_buf(&a, 64, buf, sizeof buf);
	ASSERT_TRUE(gx_arena_alloc(&a, 48) != NULL);
	ASSERT_TRUE(gx_arena_alloc(&a, 48) == NULL);
	gx_arena_free(&a);
}

/* gx_grow: room for need elements, doubling from first; contents kept;
 * an impossible size leaves the array and its capacity as they were. */
GX_TEST(grow_doubles_keeps_contents_and_refuses_overflow)
{
	int *v = NULL;
	size_t cap = 0;
	ASSERT_EQ_INT(gx_grow(&v, &cap, 1, sizeof *v, 4), 0);
	ASSERT_EQ_INT(cap, 4);
	for (int i = 0; i < 4; i++)
		v[i] = i * 7;
	int *before = v;
	ASSERT_EQ_INT(gx_grow(&v, &cap, 4, sizeof *v, 4), 0); /* enough: nothing */
	ASSERT_TRUE(v == before);
	ASSERT_EQ_INT(gx_grow(&v, &cap, 9, sizeof *v, 4), 0);
	ASSERT_EQ_INT(cap, 16);
	for (int i = 0; i < 4; i++)
		ASSERT_EQ_INT(v[i], i * 7);
	int *kept = v;
	ASSERT_EQ_INT(gx_grow(&v, &cap, SIZE_MAX / 2, sizeof *v, 4), GX_ENOMEM);
	ASSERT_TRUE(v == kept);
	ASSERT_EQ_INT(cap, 16);
	free(v);
}
