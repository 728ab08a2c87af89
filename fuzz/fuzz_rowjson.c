/* fuzz_rowjson.c — libFuzzer target, differential: the JSON string writer of
 * entity/rowjson.c against jansson for any bytes. Both must agree on whether
 * the bytes are valid UTF-8 and, when they are, write the very same literal;
 * the writer must leave its buffer unchanged when it refuses, and never write
 * invalid UTF-8. The first 8 bytes also go through gx_json_put_int. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/utf8.h"
#include "entity/rowjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct gx_buf b;
	gx_buf_init(&b, 1 << 24);
	if (gx_buf_add(&b, "[", 1))
		abort();
	int rc = gx_json_put_str(&b, s, size);
	json_t *j = memchr(s, 0, size) ? NULL : json_stringn(s, size);
	char *want = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	if (j && !want)
		abort();
	if (want) {
		if (rc != 0 || strcmp(b.data + 1, want) != 0)
			abort();
		if (!gx_utf8_valid(b.data, b.len))
			abort();
	} else if (rc != GX_EINVAL || b.len != 1 || strcmp(b.data, "[") != 0) {
		abort();
	}
	free(want);
	json_decref(j);
	gx_buf_free(&b);

	if (size >= 8) {
		int64_t v;
		memcpy(&v, data, sizeof v);
		char expect[32];
		snprintf(expect, sizeof expect, "%lld", (long long)v);
		gx_buf_init(&b, 64);
		if (gx_json_put_int(&b, v) || strcmp(b.data, expect) != 0)
			abort();
		gx_buf_free(&b);
	}
	return 0;
}
