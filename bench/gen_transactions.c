/* gen_transactions.c — generated purchase history for bench/analytics.sh: a
 * CSV in the format `guanxi import transactions` reads, for the customers
 * B0000001..B<N> of bench/gen_customers.sh, in time order. Deterministic (the
 * same rows for the same arguments on every run).
 *
 *   gen_transactions CUSTOMERS TRANSACTIONS [END_DATE]  > FILE.csv
 *
 * The shape: purchases per customer are log-normal (most buy a few times, a
 * few buy a lot; every customer at least once, the total exactly
 * TRANSACTIONS); customers arrive over the three years before END_DATE
 * (default 2026-11-23); about 45 % stop buying after a while (exponential
 * lifetimes), so P(alive) and the decline warning have something to find;
 * each customer has a favourite of 8 categories and a spend level; 120
 * products, popular ones more often; 3 % of the rows are returns. Times are
 * local (+08:00), 08:00–21:59. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng_next(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static double rng_unit(void)
{
	return (double)(rng_next() >> 11) * (1.0 / 9007199254740992.0); /* [0, 1) */
}

static double rng_normal(void)
{
	double u = rng_unit(), v = rng_unit();
	return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

struct ev {
	uint32_t sec;      /* seconds since the start of the first day (local) */
	uint32_t cust;     /* 0-based */
	int32_t amount;    /* fen */
	uint16_t product;  /* 0-based */
	uint16_t quantity;
};

static int by_time(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;
	if (x->sec != y->sec)
		return x->sec < y->sec ? -1 : 1;
	return x->cust < y->cust ? -1 : x->cust > y->cust;
}

/* days since 1970-01-01 of a civil date, and back (H. Hinnant's algorithms) */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: gen_transactions CUSTOMERS TRANSACTIONS [END_DATE] > FILE.csv\n");
		return 2;
	}
	long long nc = strtoll(argv[1], NULL, 10), nt = strtoll(argv[2], NULL, 10);
	int ey = 2026, em = 11, ed = 23;
	if (argc > 3 && sscanf(argv[3], "%d-%d-%d", &ey, &em, &ed) != 3) {
		fprintf(stderr, "gen_transactions: END_DATE is YYYY-MM-DD\n");
		return 2;
	}
	if (nc <= 0 || nt < nc || nc > 99999999 || nt > 2000000000) {
		fprintf(stderr, "gen_transactions: need 0 < CUSTOMERS <= TRANSACTIONS\n");
		return 2;
	}
	const int span = 3 * 365; /* days */
	int64_t end_day = days_from_civil(ey, (unsigned)em, (unsigned)ed);
	int64_t start_day = end_day - span + 1;

	/* purchases per customer: 1 + a log-normal share of the rest */
	double *w = malloc((size_t)nc * sizeof *w);
	uint32_t *cnt = malloc((size_t)nc * sizeof *cnt);
	struct ev *ev = malloc((size_t)nt * sizeof *ev);
	if (!w || !cnt || !ev) {
		fprintf(stderr, "gen_transactions: out of memory\n");
		return 1;
	}
	double wsum = 0;
	for (long long i = 0; i < nc; i++) {
		w[i] = exp(1.3 * rng_normal());
		wsum += w[i];
	}
	long long total = 0;
	for (long long i = 0; i < nc; i++) {
		cnt[i] = 1 + (uint32_t)floor(w[i] * (double)(nt - nc) / wsum);
		total += cnt[i];
	}
	for (long long i = 0; total < nt; i = (i + 7919) % nc, total++)
		cnt[i]++;

	static const char *const category[8] = {"电子产品", "家居用品", "食品饮料", "服装鞋帽",
						 "办公用品", "美妆个护", "运动户外", "图书文具"};
	static const char *const channel[4] = {"门店", "线上商城", "微信小程序", "电话订购"};
	size_t k = 0;
	for (long long i = 0; i < nc; i++) {
		/* arrival in the first 90 % of the span; heavier buyers arrive earlier */
		int birth = (int)(rng_unit() * span * 0.9);
		int last = span - 1;
		if (rng_unit() < 0.45) {
			int life = (int)(-log(1.0 - rng_unit()) * 240.0) + 1;
			if (birth + life < last)
				last = birth + life;
		}
		double spend = 8000.0 * exp(0.8 * rng_normal()); /* fen per purchase */
		int fav = (int)(rng_unit() * 8);
		for (uint32_t j = 0; j < cnt[i]; j++) {
			int day = j == 0 ? birth : birth + (int)(rng_unit() * (last - birth + 1));
			uint32_t sec = (uint32_t)day * 86400u + (uint32_t)(8 * 3600 + rng_unit() * 14 * 3600);
			int cat = rng_unit() < 0.7 ? fav : (int)(rng_unit() * 8);
			/* 15 products per category; the first ones sell more */
			int p = (int)(15.0 * pow(rng_unit(), 2.0));
			double a = spend * (0.4 + 1.2 * rng_unit());
			int q = 1 + (int)(4.0 * pow(rng_unit(), 3.0));
			int32_t amt = (int32_t)(a * q);
			if (amt < 100)
				amt = 100;
			if (j > 0 && rng_unit() < 0.03)
				amt = -amt / 2;
			ev[k++] = (struct ev){.sec = sec, .cust = (uint32_t)i, .amount = amt, .product = (uint16_t)(cat * 15 + p),
					      .quantity = (uint16_t)q};
		}
	}
	qsort(ev, (size_t)nt, sizeof *ev, by_time);
	static char buf[1 << 20];
	setvbuf(stdout, buf, _IOFBF, sizeof buf);
	fputs("customer_code,occurred_at,amount,external_ref,product,category,quantity,channel\n", stdout);
	int64_t cur_day = -1;
	char date[40] = "";
	for (size_t i = 0; i < (size_t)nt; i++) {
		const struct ev *e = &ev[i];
		int64_t day = start_day + e->sec / 86400u;
		if (day != cur_day) {
			int y, m, d;
			civil_from_days(day, &y, &m, &d);
			snprintf(date, sizeof date, "%04d-%02d-%02d", y, m, d);
			cur_day = day;
		}
		unsigned s = e->sec % 86400u;
		int32_t a = e->amount;
		const char *sign = a < 0 ? "-" : "";
		uint32_t abs_a = (uint32_t)(a < 0 ? -a : a);
		printf("B%07u,%sT%02u:%02u:%02u+08:00,%s%u.%02u,T%010zu,SKU-%03u,%s,%u,%s\n", e->cust + 1, date, s / 3600,
		       s / 60 % 60, s % 60, sign, abs_a / 100, abs_a % 100, i + 1, e->product + 1u,
		       category[e->product / 15], e->quantity, channel[(e->cust + e->product) % 4]);
	}
	free(w);
	free(cnt);
	free(ev);
	return ferror(stdout) ? 1 : 0;
}
