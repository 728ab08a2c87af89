/* searchkey_terms.c — the search-term generation of an import alone: for
 * each customer of a bench/gen_customers.sh CSV, gx_searchkey_terms over
 * the texts the customer hooks index (name, code, mobile, e-mail), no
 * database, after one warm-up row (the ICU and OpenCC handles opened). Prints customers, terms, CPU seconds and a checksum of every
 * term in order (FNV-1a), so two builds can be shown to produce the same
 * terms byte for byte. The rows are read into memory before the clock.
 *
 * Usage: searchkey_terms CSV [ROWS]
 * Built by bench/searchkey_terms.sh against build/release/libguanxi.a;
 * under `valgrind --tool=callgrind` for instruction counts. */
#include "text/searchkey.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct sum {
	uint64_t terms, fnv;
};

static int on_term(const char *term, size_t len, void *ud)
{
	struct sum *s = ud;
	s->terms++;
	for (size_t i = 0; i < len; i++)
		s->fnv = (s->fnv ^ (unsigned char)term[i]) * 1099511628211ULL;
	s->fnv = (s->fnv ^ 0xFF) * 1099511628211ULL; /* term boundary */
	return 0;
}

static const unsigned flags[4] = {0, GX_SK_CODE, GX_SK_PHONE, GX_SK_EMAIL};

/* The measured loop (callgrind collects in here only). */
__attribute__((noinline)) static int terms_loop(char *(*rows)[4], size_t n, struct sum *s)
{
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 4; k++)
			if (gx_searchkey_terms(rows[i][k], flags[k], on_term, s) != 0)
				return 1;
	return 0;
}

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: searchkey_terms CSV [ROWS]\n");
		return 2;
	}
	long max = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
	FILE *f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	/* code, name, type, mobile, e-mail: the first five columns, unquoted */
	size_t cap = 1024, n = 0;
	char *(*rows)[4] = malloc(cap * sizeof *rows);
	char line[4096];
	if (!rows || !fgets(line, sizeof line, f)) /* the header */
		return 1;
	while ((max <= 0 || (long)n < max) && fgets(line, sizeof line, f)) {
		char *col[5] = {0}, *p = line;
		for (int i = 0; i < 5 && p; i++) {
			col[i] = p;
			p = strchr(p, ',');
			if (p)
				*p++ = '\0';
		}
		if (!col[4])
			continue;
		if (n == cap && !(rows = realloc(rows, (cap *= 2) * sizeof *rows)))
			return 1;
		rows[n][0] = strdup(col[1]);
		rows[n][1] = strdup(col[0]);
		rows[n][2] = strdup(col[3]);
		rows[n][3] = strdup(col[4]);
		n++;
	}
	fclose(f);
	if (gx_text_init() != 0) {
		fprintf(stderr, "searchkey_terms: ICU or OpenCC data missing\n");
		return 1;
	}
	/* ICU and OpenCC open their handles on first use (Han-Latin compiles
	 * its rules: ~10^9 instructions): not part of the per-row cost */
	struct sum warm = {0, 0};
	for (int k = 0; n && k < 4; k++)
		if (gx_searchkey_terms(rows[0][k], flags[k], on_term, &warm) != 0)
			return 1;
	struct sum s = {0, 1469598103934665603ULL};
	double t0 = cpu_s();
	if (terms_loop(rows, n, &s))
		return 1;
	double t = cpu_s() - t0;
	printf("customers %zu terms %llu cpu_s %.3f us_per_customer %.2f fnv %016llx\n", n, (unsigned long long)s.terms, t,
	       n ? t * 1e6 / (double)n : 0.0, (unsigned long long)s.fnv);
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 4; k++)
			free(rows[i][k]);
	free(rows);
	gx_text_shutdown();
	return 0;
}
