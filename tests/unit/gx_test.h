/* gx_test.h — the unit-test registry: GX_TEST(name) registers a test; each runs
 * in its own process with a timeout; assertions print both operands. */
#ifndef GX_TEST_H
#define GX_TEST_H

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*gx_test_fn)(void);
void gx_test_register(const char *name, const char *file, gx_test_fn fn);

#define GX_TEST(name)                                                         \
	static void gx_test_##name(void);                                     \
	__attribute__((constructor)) static void gx_test_reg_##name(void)     \
	{                                                                     \
		gx_test_register(#name, __FILE__, gx_test_##name);            \
	}                                                                     \
	static void gx_test_##name(void)

#define GX_FAIL(...)                                                          \
	do {                                                                  \
		fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);             \
		fprintf(stderr, __VA_ARGS__);                                 \
		fprintf(stderr, "\n");                                        \
		exit(1);                                                      \
	} while (0)

#define ASSERT_TRUE(c)                                                        \
	do {                                                                  \
		if (!(c))                                                     \
			GX_FAIL("expected true: %s", #c);                     \
	} while (0)

#define ASSERT_EQ_INT(a, b)                                                   \
	do {                                                                  \
		long long gx_a_ = (long long)(a), gx_b_ = (long long)(b);    \
		if (gx_a_ != gx_b_)                                           \
			GX_FAIL("%s == %s: %lld != %lld", #a, #b, gx_a_, gx_b_); \
	} while (0)

#define ASSERT_EQ_STR(a, b)                                                   \
	do {                                                                  \
		const char *gx_a_ = (a), *gx_b_ = (b);                        \
		if (!gx_a_ || !gx_b_ || strcmp(gx_a_, gx_b_) != 0)            \
			GX_FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b,         \
				gx_a_ ? gx_a_ : "(null)",                     \
				gx_b_ ? gx_b_ : "(null)");                    \
	} while (0)

#define ASSERT_NEAR(a, b, tol)                                                \
	do {                                                                  \
		double gx_a_ = (a), gx_b_ = (b);                              \
		if (!(fabs(gx_a_ - gx_b_) <= (tol)))                          \
			GX_FAIL("%s ~= %s: %.9g vs %.9g (tol %g)", #a, #b,    \
				gx_a_, gx_b_, (double)(tol));                 \
	} while (0)

/* A fresh temporary directory for this test (removed by the runner). */
const char *gx_test_tmpdir(void);
/* The shared data folder (../shared/data beside the project), or NULL. */
const char *gx_test_data_dir(void);

#endif
