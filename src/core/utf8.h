/* utf8.h — UTF-8 validation and counting. */
#ifndef GX_CORE_UTF8_H
#define GX_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..n) is well-formed UTF-8 (no overlongs, surrogates or NULs). */
bool gx_utf8_valid(const char *s, size_t n);
/* Number of code points in a valid UTF-8 string. */
size_t gx_utf8_len(const char *s);

#endif
