/* utf8.h — UTF-8 validation and counting. */
#ifndef GX_CORE_UTF8_H
#define GX_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* True when s[0..n) is well-formed UTF-8 (no overlongs, surrogates or NULs). */
bool gx_utf8_valid(const char *s, size_t n);
/* Number of code points in a valid UTF-8 string. */
size_t gx_utf8_len(const char *s);
/* Columns a valid UTF-8 string takes on a terminal: 2 for East Asian wide
 * and full-width characters (汉字, ｶﾅ aside: half-width is 1), 0 for
 * combining marks, 1 otherwise. */
size_t gx_utf8_width(const char *s);
/* Prints s to f padded with spaces to at least `columns` terminal columns
 * (printf's %-Ns counts bytes, which misaligns Chinese names). */
void gx_print_padded(FILE *f, const char *s, size_t columns);

#endif
