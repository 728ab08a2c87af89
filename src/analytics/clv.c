/* clv.c — BG/NBD and Gamma-Gamma models: likelihoods, fits, predictions, discounted CLV. */
#include "analytics/clv.h"

#include "core/err.h"

#include <float.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* x is a count; past this it is surely a unit mistake. */
#define X_MAX 1e9
/* The series of 2F1 gives up past this many terms (about 10 ms). */
#define HYP_MAX_TERMS 2000000L
/* Log-parameters are kept within +-LOG_BOUND during a fit (1e-13 .. 1e13). */
#define LOG_BOUND 30.0
/* Half-width of the interpolation around the removable singularities of the
 * expected-purchases formula (a == 1, a + b + x - 1 == 0). */
#define SING_H 1e-5

/* ==== helpers =============================================================== */

/* lgamma() writes the global signgam, a data race when worker threads run
 * analytics at once; lgamma_r does not. Every argument here is > 0. */
static double lgam(double v)
{
	int sign;
	return lgamma_r(v, &sign);
}

static int pos_finite(double v)
{
	return isfinite(v) && v > 0;
}

static int whole(double x)
{
	return isfinite(x) && x >= 0 && x <= X_MAX && x == floor(x);
}

static int is_nonpos_int(double v)
{
	return v <= 0 && v == floor(v);
}

static int check_bg(const struct gx_bgnbd_params *p)
{
	if (!p || !pos_finite(p->r) || !pos_finite(p->alpha) || !pos_finite(p->a) ||
	    !pos_finite(p->b))
		return GX_EINVAL;
	return 0;
}

static int check_gg(const struct gx_gg_params *p)
{
	if (!p || !pos_finite(p->p) || !pos_finite(p->q) || !pos_finite(p->v))
		return GX_EINVAL;
	return 0;
}

/* A purchase history (x, t_x, T) as the BG/NBD defines it. */
static int check_hist(double x, double t_x, double T)
{
	if (!whole(x) || !isfinite(t_x) || !isfinite(T))
		return GX_EINVAL;
	if (t_x < 0 || t_x > T)
		return GX_EINVAL;
	if (x == 0 && t_x != 0)
		return GX_EINVAL;
	return 0;
}

/* ==== Gauss hypergeometric function ======================================= */

/* sup over m >= n of |(a+m)(b+m) / ((c+m)(m+1))|, sampled. f(m) - 1 is a
 * linear function of m over a positive quadratic once m > -c, so it has at
 * most one extremum; sampling at doubling distances finds its size closely
 * enough for a tail bound that only needs to be right within a factor. */
static double ratio_sup(double a, double b, double c, double n)
{
	double sup = 1;
	for (double m = n; m < 128 * (n + 1); m = 2 * m + 1) {
		double f = fabs((a + m) * (b + m) / ((c + m) * (m + 1)));
		if (f > sup)
			sup = f;
	}
	return sup;
}

/* Power series of 2F1(a, b; c; z) for |z| < 1, or any z when it terminates.
 * Terms come from their ratio and are added with Neumaier's compensated
 * summation (near z = 1 there are up to millions of them); the sum stops
 * once the geometric bound |t_n| rho / (1 - rho) on the tail is below a
 * quarter of an ulp of the sum. */
static int hyp_series(double a, double b, double c, double z, double *out)
{
	double term = 1, sum = 1, comp = 0, abs_sum = 1;
	double settled = fmax(0, fmax(-a, fmax(-b, -c))) + 2;
	for (long n = 0; n < HYP_MAX_TERMS; n++) {
		double ratio = (a + n) * (b + n) / ((c + n) * (n + 1.0)) * z;
		term *= ratio;
		double t = sum + term;
		comp += fabs(sum) >= fabs(term) ? (sum - t) + term : (term - t) + sum;
		sum = t;
		abs_sum += fabs(term);
		int done = term == 0; /* a or b a non-positive integer, or underflow */
		if (!isfinite(abs_sum))
			return GX_EINVAL;
		if (!done && n >= settled && fabs(term) <= DBL_EPSILON * fabs(sum)) {
			double rho = fabs(z) * ratio_sup(a, b, c, n + 1.0);
			done = rho < 1 &&
			       fabs(term) * rho / (1 - rho) <= 0.25 * DBL_EPSILON * fabs(sum);
		}
		if (done) {
			/* Terms of mixed signs that cancel to a sum far below
			 * their size leave no correct digits: refuse rather
			 * than answer noise (keep at least about 8 digits). */
			if (abs_sum > 0x1p26 * fabs(sum + comp))
				return GX_EINVAL;
			*out = sum + comp;
			return 0;
		}
	}
	return GX_EINVAL;
}

/* 2F1(a, b; c; w) for 0 < w < 1, times pre. */
static int hyp_positive(double a, double b, double c, double w, double pre, double *out)
{
	/* Euler: F(a,b;c;w) = (1-w)^(c-a-b) F(c-a, c-b; c; w). When a+b > c the
	 * terms of the plain series grow like n^(a+b-c-1) w^n before they decay;
	 * the Euler series has the same signs and smaller terms if c-a, c-b >= 0,
	 * so take it then, and also when the plain terms would overflow. With
	 * positive parameters the plain series has no cancellation at all, so
	 * otherwise it is kept. */
	double excess = a + b - c;
	if (excess > 0 && ((c - a >= 0 && c - b >= 0) || excess * -log1p(-w) > 300)) {
		pre *= exp(-excess * log1p(-w));
		double na = c - a, nb = c - b;
		a = na;
		b = nb;
	}
	double s;
	int rc = hyp_series(a, b, c, w, &s);
	if (rc)
		return rc;
	double v = pre * s;
	if (!isfinite(v))
		return GX_EINVAL;
	*out = v;
	return 0;
}

int gx_hyp2f1(double a, double b, double c, double z, double *out)
{
	if (!out || !isfinite(a) || !isfinite(b) || !isfinite(c) || !isfinite(z) || !(z < 1))
		return GX_EINVAL;
	if (is_nonpos_int(c))
		return GX_EINVAL;
	if (z == 0 || a == 0 || b == 0) {
		*out = 1;
		return 0;
	}
	if (is_nonpos_int(a) || is_nonpos_int(b)) /* a polynomial: sum it as is */
		return hyp_series(a, b, c, z, out);
	if (z > 0)
		return hyp_positive(a, b, c, z, 1, out);
	/* Pfaff, two ways: F(a,b;c;z) = (1-z)^-a F(a, c-b; c; w)
	 *                             = (1-z)^-b F(c-a, b; c; w), w = z/(z-1),
	 * which moves z < 0 into (0, 1). The second parameter, c-b or c-a, may
	 * be negative and make the terms alternate; try first the form where
	 * it is larger, then the other if that one cancels too much. */
	double w = z / (z - 1), l = log1p(-z);
	if (a < b) { /* symmetric in a, b: make a >= b, so c-b >= c-a */
		double t = a;
		a = b;
		b = t;
	}
	int rc = hyp_positive(a, c - b, c, w, exp(-a * l), out);
	if (rc)
		rc = hyp_positive(c - a, b, c, w, exp(-b * l), out);
	return rc;
}

/* ==== Nelder-Mead ============================================================ */

#define NM_MAXDIM 4

/* One Nelder-Mead run (reflection 1, expansion 2, contraction 1/2, shrink
 * 1/2) from x with an initial simplex of edge step; x and *fx receive the
 * best vertex. Stops when the values of the simplex agree to 1e-12 relative
 * and its vertices to 1e-9, or after maxiter iterations. Returns the number
 * of iterations. */
static int nelder_mead(double (*f)(const double *, double *, void *), void *ctx, int n, double *x,
		       double step, int maxiter, double *fx)
{
	double s[NM_MAXDIM + 1][NM_MAXDIM], fs[NM_MAXDIM + 1];
	double cen[NM_MAXDIM], xr[NM_MAXDIM], xe[NM_MAXDIM], xc[NM_MAXDIM];
	for (int i = 0; i <= n; i++) {
		memcpy(s[i], x, sizeof(double) * (size_t)n);
		if (i > 0)
			s[i][i - 1] += step;
		fs[i] = f(s[i], NULL, ctx);
	}
	int it;
	for (it = 0; it < maxiter; it++) {
		for (int i = 1; i <= n; i++) { /* insertion sort by value */
			for (int j = i; j > 0 && fs[j] < fs[j - 1]; j--) {
				double t = fs[j];
				fs[j] = fs[j - 1];
				fs[j - 1] = t;
				for (int k = 0; k < n; k++) {
					t = s[j][k];
					s[j][k] = s[j - 1][k];
					s[j - 1][k] = t;
				}
			}
		}
		double size = 0;
		for (int i = 1; i <= n; i++)
			for (int k = 0; k < n; k++)
				size = fmax(size, fabs(s[i][k] - s[0][k]));
		if (fs[n] - fs[0] <= 1e-12 * (1 + fabs(fs[0])) && size <= 1e-9)
			break;

		for (int k = 0; k < n; k++) {
			cen[k] = 0;
			for (int i = 0; i < n; i++)
				cen[k] += s[i][k];
			cen[k] /= n;
		}
		for (int k = 0; k < n; k++)
			xr[k] = cen[k] + (cen[k] - s[n][k]);
		double fr = f(xr, NULL, ctx);
		if (fr < fs[0]) {
			for (int k = 0; k < n; k++)
				xe[k] = cen[k] + 2 * (cen[k] - s[n][k]);
			double fe = f(xe, NULL, ctx);
			if (fe < fr) {
				memcpy(s[n], xe, sizeof(double) * (size_t)n);
				fs[n] = fe;
			} else {
				memcpy(s[n], xr, sizeof(double) * (size_t)n);
				fs[n] = fr;
			}
			continue;
		}
		if (fr < fs[n - 1]) {
			memcpy(s[n], xr, sizeof(double) * (size_t)n);
			fs[n] = fr;
			continue;
		}
		int outside = fr < fs[n];
		for (int k = 0; k < n; k++)
			xc[k] = outside ? cen[k] + 0.5 * (xr[k] - cen[k])
					: cen[k] + 0.5 * (s[n][k] - cen[k]);
		double fc = f(xc, NULL, ctx);
		if (outside ? fc <= fr : fc < fs[n]) {
			memcpy(s[n], xc, sizeof(double) * (size_t)n);
			fs[n] = fc;
			continue;
		}
		for (int i = 1; i <= n; i++) { /* shrink towards the best vertex */
			for (int k = 0; k < n; k++)
				s[i][k] = s[0][k] + 0.5 * (s[i][k] - s[0][k]);
			fs[i] = f(s[i], NULL, ctx);
		}
	}
	int best = 0;
	for (int i = 1; i <= n; i++)
		if (fs[i] < fs[best])
			best = i;
	memcpy(x, s[best], sizeof(double) * (size_t)n);
	*fx = fs[best];
	return it;
}

/* Minimises f from x (in place): Nelder-Mead, restarted from its best point
 * with a fresh, smaller simplex until a restart improves the value by less
 * than 1e-11 relative. A single run can stall on a ridge (the BG/NBD
 * likelihood has one along alpha/r); restarts are the classic remedy. */
static int minimise(double (*f)(const double *, double *, void *), void *ctx, int n, double *x,
		    double step, double *fx, int *iters)
{
	double best = f(x, NULL, ctx);
	if (!isfinite(best))
		return GX_EINVAL;
	int total = 0;
	for (int round = 0; round < 40; round++) {
		double y[NM_MAXDIM], fy;
		memcpy(y, x, sizeof(double) * (size_t)n);
		total += nelder_mead(f, ctx, n, y, round == 0 ? step : 0.05, 20000, &fy);
		int improved = fy < best - 1e-11 * (1 + fabs(best));
		if (fy < best) {
			memcpy(x, y, sizeof(double) * (size_t)n);
			best = fy;
		}
		if (round > 0 && !improved)
			break;
	}
	*fx = best;
	*iters = total;
	return 0;
}

/* Minimises f from x (in place) by BFGS with the analytic gradient that
 * f(x, grad, ctx) writes into grad: a step along -H g (at most BFGS_MAX_STEP
 * in any log-parameter), halved until the value drops by the Armijo rule
 * (or, near the optimum where the drop is below the rounding of the sum,
 * until the value stays within BFGS_FROUND and the gradient halves), then
 * the inverse-Hessian update when the curvature is positive (the first
 * one scaled as Nocedal & Wright's (6.20)). Converged when the gradient is
 * below BFGS_GTOL (relative to the value), or when no step along the
 * direction lowers the value any more and the gradient is down to the
 * rounding of a sum over all the customers (BFGS_GFLOOR). Returns 0 with x,
 * *fx and *iters set, or GX_EINVAL when it did not converge (the caller
 * falls back to Nelder-Mead). A few dozen evaluations where Nelder-Mead
 * needs hundreds; each one costs about 1.2 evaluations of the value alone. */
#define BFGS_MAXITER 200
#define BFGS_MAX_STEP 2.0
#define BFGS_GTOL 1e-11
#define BFGS_GFLOOR 1e-7
#define BFGS_FROUND 1e-13

static double max_abs(const double *v, int n)
{
	double m = 0;
	for (int i = 0; i < n; i++)
		m = fmax(m, fabs(v[i]));
	return m;
}

static int bfgs(double (*f)(const double *, double *, void *), void *ctx, int n, double *x, double *fx,
		int *iters)
{
	double H[NM_MAXDIM][NM_MAXDIM] = {{0}}, g[NM_MAXDIM], d[NM_MAXDIM], xn[NM_MAXDIM], gn[NM_MAXDIM];
	double fv = f(x, g, ctx);
	if (!isfinite(fv))
		return GX_EINVAL;
	for (int i = 0; i < n; i++)
		H[i][i] = 1;
	for (int it = 0; it < BFGS_MAXITER; it++) {
		*iters = it;
		double gmax = max_abs(g, n);
		if (gmax <= BFGS_GTOL * (1 + fabs(fv))) {
			*fx = fv;
			return 0;
		}
		double slope = 0;
		for (int i = 0; i < n; i++) {
			d[i] = 0;
			for (int j = 0; j < n; j++)
				d[i] -= H[i][j] * g[j];
			slope += d[i] * g[i];
		}
		if (!(slope < 0)) { /* not a descent direction: start again from steepest descent */
			for (int i = 0; i < n; i++) {
				for (int j = 0; j < n; j++)
					H[i][j] = i == j;
				d[i] = -g[i];
			}
			slope = 0;
			for (int i = 0; i < n; i++)
				slope -= g[i] * g[i];
		}
		double dmax = max_abs(d, n), t = dmax > BFGS_MAX_STEP ? BFGS_MAX_STEP / dmax : 1, fn = HUGE_VAL;
		int k;
		for (k = 0; k < 60; k++, t *= 0.5) {
			for (int i = 0; i < n; i++)
				xn[i] = x[i] + t * d[i];
			fn = f(xn, gn, ctx);
			if (fn <= fv + 1e-4 * t * slope)
				break;
			/* near the optimum the decrease drowns in the rounding of
			 * the sum: a step that does not raise f beyond it and
			 * shrinks the gradient is progress too */
			if (fn <= fv + BFGS_FROUND * (1 + fabs(fv)) && max_abs(gn, n) < 0.5 * gmax)
				break;
		}
		if (k == 60) {
			/* no progress along d: done if the gradient is down to the
			 * rounding of the sum, else a failure */
			if (gmax <= BFGS_GFLOOR * (1 + fabs(fv))) {
				*fx = fv;
				return 0;
			}
			return GX_EINVAL;
		}
		double s[NM_MAXDIM], y[NM_MAXDIM], sy = 0, yy = 0;
		for (int i = 0; i < n; i++) {
			s[i] = xn[i] - x[i];
			y[i] = gn[i] - g[i];
			sy += s[i] * y[i];
			yy += y[i] * y[i];
		}
		memcpy(x, xn, sizeof(double) * (size_t)n);
		memcpy(g, gn, sizeof(double) * (size_t)n);
		fv = fn;
		if (!(sy > 1e-12 * sqrt(yy) * max_abs(s, n)))
			continue; /* no curvature information: keep H */
		if (it == 0)
			for (int i = 0; i < n; i++)
				for (int j = 0; j < n; j++)
					H[i][j] = i == j ? sy / yy : 0;
		/* H <- (I - rho s y') H (I - rho y s') + rho s s' */
		double rho = 1 / sy, Hy[NM_MAXDIM], yHy = 0;
		for (int i = 0; i < n; i++) {
			Hy[i] = 0;
			for (int j = 0; j < n; j++)
				Hy[i] += H[i][j] * y[j];
			yHy += y[i] * Hy[i];
		}
		for (int i = 0; i < n; i++)
			for (int j = 0; j < n; j++)
				H[i][j] += -rho * (Hy[i] * s[j] + s[i] * Hy[j]) + (rho * rho * yHy + rho) * s[i] * s[j];
	}
	return GX_EINVAL;
}

/* Fits on more customers than WARM_MIN start from the fit on every k-th of
 * them (about WARM_N customers): the optimum is the same (the fit on all the
 * customers runs to the same tolerance), reached in fewer evaluations of all
 * of them, which is where a fit's time goes (1M customers: 15 BFGS
 * iterations instead of 25). The Nelder-Mead fallback then starts with a
 * simplex of edge WARM_STEP instead of NM_STEP. */
#define NM_STEP 0.5
#define WARM_MIN 100000
#define WARM_N 25000
#define WARM_STEP 0.05

/* Every k-th of n customers, k = n / WARM_N, into a new array (*m of them).
 * NULL when out of memory. */
static struct gx_clv_summary *warm_sample(const struct gx_clv_summary *c, size_t n, size_t *m)
{
	size_t k = n / WARM_N;
	*m = n / k;
	struct gx_clv_summary *v = malloc(*m * sizeof *v);
	for (size_t i = 0; v && i < *m; i++)
		v[i] = c[i * k];
	return v;
}

/* ==== calibration summary ================================================= */

struct txn {
	size_t cust;
	int day;
	double amount;
};

static int txn_cmp(const void *pa, const void *pb)
{
	const struct txn *a = pa, *b = pb;
	if (a->cust != b->cust)
		return a->cust < b->cust ? -1 : 1;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	return 0;
}

int gx_clv_summarize(const size_t *cust, const int *day, const double *amount, size_t n_tx,
		     size_t n_cust, int cal_end, double days_per_unit,
		     struct gx_clv_summary *out)
{
	if (!pos_finite(days_per_unit) || (n_cust > 0 && !out) ||
	    (n_tx > 0 && (!cust || !day || !amount)))
		return GX_EINVAL;
	for (size_t i = 0; i < n_tx; i++)
		if (cust[i] >= n_cust || !isfinite(amount[i]))
			return GX_EINVAL;
	for (size_t i = 0; i < n_cust; i++)
		out[i] = (struct gx_clv_summary){0};
	if (n_tx == 0)
		return 0;

	struct txn *t = calloc(n_tx, sizeof *t); /* calloc checks n_tx * size */
	if (!t)
		return GX_ENOMEM;
	size_t m = 0;
	for (size_t i = 0; i < n_tx; i++)
		if (day[i] <= cal_end) /* later ones are the holdout */
			t[m++] = (struct txn){cust[i], day[i], amount[i]};
	qsort(t, m, sizeof *t, txn_cmp);

	for (size_t i = 0; i < m;) {
		size_t c = t[i].cust;
		int first = t[i].day, last = first;
		double repeat_sum = 0;
		long days = 0;
		while (i < m && t[i].cust == c) {
			int d = t[i].day;
			/* one purchase per customer-day: sum its transactions */
			double v = 0;
			while (i < m && t[i].cust == c && t[i].day == d)
				v += t[i++].amount;
			days++;
			last = d;
			if (d != first)
				repeat_sum += v;
		}
		struct gx_clv_summary *s = &out[c];
		s->has_purchase = 1;
		s->x = (double)(days - 1);
		s->t_x = ((double)last - (double)first) / days_per_unit;
		s->T = ((double)cal_end - (double)first) / days_per_unit;
		s->monetary = days > 1 ? repeat_sum / (double)(days - 1) : 0;
	}
	free(t);
	return 0;
}

/* ---- grouping equal values ---------------------------------------------------------------- */

/* An open-addressing table of distinct keys of three doubles (compared bit
 * for bit), each with its index in the order first seen. Sized for cap keys
 * at most, so it never grows. */
struct dtab {
	double (*key)[3];
	size_t n, mask;
	size_t *slot; /* SIZE_MAX: empty */
};

static int dtab_init(struct dtab *t, size_t cap)
{
	size_t size = 16;
	while (size < 2 * cap)
		size *= 2;
	t->n = 0;
	t->mask = size - 1;
	t->slot = malloc(size * sizeof *t->slot);
	t->key = malloc((cap ? cap : 1) * sizeof *t->key);
	if (!t->slot || !t->key)
		return GX_ENOMEM;
	memset(t->slot, 0xff, size * sizeof *t->slot);
	return 0;
}

static void dtab_free(struct dtab *t)
{
	free(t->slot);
	free(t->key);
}

static uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

/* The index of (a, b, c), added when new. */
static size_t dtab_put(struct dtab *t, double a, double b, double c)
{
	double k[3] = {a, b, c};
	uint64_t u[3];
	memcpy(u, k, sizeof u);
	size_t i = (size_t)mix64(u[0] ^ mix64(u[1] ^ mix64(u[2]))) & t->mask;
	for (;; i = (i + 1) & t->mask) {
		size_t s = t->slot[i];
		if (s == SIZE_MAX) {
			memcpy(t->key[t->n], k, sizeof k);
			t->slot[i] = t->n;
			return t->n++;
		}
		if (memcmp(t->key[s], k, sizeof k) == 0)
			return s;
	}
}

/* digamma psi(v), v > 0: the recurrence up to 10, then the asymptotic
 * series (error below 1e-14). Only the gradients of the fits use it. */
static double digam(double v)
{
	double r = 0;
	while (v < 10) {
		r -= 1 / v;
		v += 1;
	}
	double f = 1 / (v * v);
	return r + log(v) - 0.5 / v - f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f / 132))));
}

/* ==== BG/NBD =================================================================== */

/* The part of a customer's log-likelihood that depends on x only:
 *   g1 = ln G(r+x) - ln G(r) + ln B(a, b+x) - ln B(a, b)
 *   g4 = ln(a / (b+x-1))                       (x > 0; 0 otherwise) */
static void bg_xterms(double r, double a, double b, double x, double *g1, double *g4)
{
	*g1 = lgam(r + x) - lgam(r) + lgam(a + b) + lgam(b + x) - lgam(b) - lgam(a + b + x);
	*g4 = x > 0 ? log(a) - log(b + x - 1) : 0;
}

/* ln L = g1 + ln( (alpha/(alpha+T))^r (alpha+T)^-x
 *               + [x > 0] e^g4 (alpha/(alpha+t_x))^r (alpha+t_x)^-x ),
 * the two terms added in log space (log-sum-exp); r ln(alpha/(alpha+T)) is
 * written -r log1p(T/alpha) so it stays exact when T << alpha. */
static double bg_ll_row(double r, double alpha, double x, double t_x, double T, double g1,
			double g4)
{
	double a3 = -r * log1p(T / alpha) - x * log(alpha + T);
	if (x == 0)
		return g1 + a3;
	double a4 = g4 - r * log1p(t_x / alpha) - x * log(alpha + t_x);
	double hi = fmax(a3, a4), lo = fmin(a3, a4);
	return g1 + hi + log1p(exp(lo - hi));
}

int gx_bgnbd_loglik(const struct gx_bgnbd_params *p, double x, double t_x, double T,
		    double *out)
{
	if (check_bg(p) || check_hist(x, t_x, T) || !out)
		return GX_EINVAL;
	double g1, g4;
	bg_xterms(p->r, p->a, p->b, x, &g1, &g4);
	*out = bg_ll_row(p->r, p->alpha, x, t_x, T, g1, g4);
	return 0;
}

int gx_bgnbd_loglik_sum(const struct gx_bgnbd_params *p, const struct gx_clv_summary *c,
			size_t n, double *out)
{
	if (check_bg(p) || !out || (n > 0 && !c))
		return GX_EINVAL;
	double sum = 0;
	for (size_t i = 0; i < n; i++) {
		double ll;
		int rc = gx_bgnbd_loglik(p, c[i].x, c[i].t_x, c[i].T, &ll);
		if (rc)
			return rc;
		sum += ll;
	}
	*out = sum;
	return 0;
}

/* Fit data. The likelihood depends on a customer only through (x, t_x, T),
 * so the customers are grouped into distinct triples, each weighted by its
 * count: an evaluation costs one term per distinct triple (with whole days
 * in weeks, many customers share one). The lgamma and digamma calls are made
 * once per distinct x, the logs of T and t_x once per distinct age (a few
 * thousand values for any number of customers) and looked up. */
struct bg_group {
	double x, w;        /* repeat purchases; customers with this history */
	size_t xi, Ti, ti;  /* indexes of x in xs, of T and t_x in ts */
};

struct bg_fit {
	struct bg_group *g;
	size_t ng, nx, nt;
	double *xs, *xw;             /* distinct x; customers with each */
	double *g1, *g4, *h;         /* per distinct x: bg_xterms, 1/(b+x-1) */
	double *ts;                  /* distinct T and t_x */
	double *l1, *l2, *d1, *d2;   /* per distinct age: log1p(age/alpha), log(alpha+age),
				      * age/(alpha(alpha+age)), 1/(alpha+age) */
};

static void bg_fit_free(struct bg_fit *f)
{
	free(f->g);
	free(f->xs);
	free(f->ts);
}

/* Groups the n (checked) customers of c into f. */
static int bg_fit_init(struct bg_fit *f, const struct gx_clv_summary *c, size_t n)
{
	memset(f, 0, sizeof *f);
	struct dtab hist = {0}, xt = {0}, at = {0};
	int rc = dtab_init(&hist, n);
	if (!rc)
		rc = dtab_init(&xt, n);
	if (!rc)
		rc = dtab_init(&at, 2 * n);
	f->g = rc ? NULL : malloc(n * sizeof *f->g);
	if (!rc && !f->g)
		rc = GX_ENOMEM;
	for (size_t i = 0; !rc && i < n; i++) {
		size_t k = dtab_put(&hist, c[i].x, c[i].t_x, c[i].T);
		if (k == f->ng) {
			f->g[k] = (struct bg_group){.x = c[i].x, .xi = dtab_put(&xt, c[i].x, 0, 0),
						    .Ti = dtab_put(&at, c[i].T, 0, 0), .ti = dtab_put(&at, c[i].t_x, 0, 0)};
			f->ng++;
		}
		f->g[k].w += 1;
	}
	if (!rc) {
		f->nx = xt.n;
		f->nt = at.n;
		f->xs = malloc(5 * f->nx * sizeof(double));
		f->ts = malloc(5 * f->nt * sizeof(double));
		if (!f->xs || !f->ts)
			rc = GX_ENOMEM;
	}
	if (!rc) {
		f->xw = f->xs + f->nx;
		f->g1 = f->xw + f->nx;
		f->g4 = f->g1 + f->nx;
		f->h = f->g4 + f->nx;
		f->l1 = f->ts + f->nt;
		f->l2 = f->l1 + f->nt;
		f->d1 = f->l2 + f->nt;
		f->d2 = f->d1 + f->nt;
		for (size_t k = 0; k < f->nx; k++) {
			f->xs[k] = xt.key[k][0];
			f->xw[k] = 0;
		}
		for (size_t k = 0; k < f->nt; k++)
			f->ts[k] = at.key[k][0];
		for (size_t k = 0; k < f->ng; k++)
			f->xw[f->g[k].xi] += f->g[k].w;
	}
	dtab_free(&hist);
	dtab_free(&xt);
	dtab_free(&at);
	if (rc)
		bg_fit_free(f);
	return rc;
}

/* -sum ln L over the customers at the log-parameters lp, and into grad (when
 * not NULL) its gradient in lp. The terms are bg_ll_row's. With w3, w4 the
 * shares of the two terms of L (w3 + w4 = 1):
 *   d/dr     = psi(r+x) - psi(r) - w3 log1p(T/alpha) - w4 log1p(t_x/alpha)
 *   d/dalpha = w3 (r T/(alpha(alpha+T)) - x/(alpha+T)) + w4 (same with t_x)
 *   d/da     = psi(a+b) - psi(a+b+x) + w4/a
 *   d/db     = psi(a+b) - psi(a+b+x) + psi(b+x) - psi(b) - w4/(b+x-1) */
static double bg_negll(const double *lp, double *grad, void *vctx)
{
	struct bg_fit *ctx = vctx;
	for (int i = 0; i < 4; i++)
		if (!(fabs(lp[i]) <= LOG_BOUND))
			return HUGE_VAL;
	double r = exp(lp[0]), alpha = exp(lp[1]), a = exp(lp[2]), b = exp(lp[3]);
	double pr = 0, pa = 0, pb = 0; /* the parts of the gradient that depend on x alone */
	double psi_r = grad ? digam(r) : 0, psi_ab = grad ? digam(a + b) : 0, psi_b = grad ? digam(b) : 0;
	for (size_t k = 0; k < ctx->nx; k++) {
		double x = ctx->xs[k];
		bg_xterms(r, a, b, x, &ctx->g1[k], &ctx->g4[k]);
		ctx->h[k] = x > 0 ? 1 / (b + x - 1) : 0;
		if (grad && x > 0) {
			double common = psi_ab - digam(a + b + x);
			pr += ctx->xw[k] * (digam(r + x) - psi_r);
			pa += ctx->xw[k] * common;
			pb += ctx->xw[k] * (common + digam(b + x) - psi_b);
		}
	}
	for (size_t k = 0; k < ctx->nt; k++) {
		double age = ctx->ts[k];
		ctx->l1[k] = log1p(age / alpha);
		ctx->l2[k] = log(alpha + age);
		ctx->d2[k] = 1 / (alpha + age);
		ctx->d1[k] = age / alpha * ctx->d2[k];
	}
	double sum = 0, sr = 0, sal = 0, sa = 0, sb = 0;
	for (size_t i = 0; i < ctx->ng; i++) {
		const struct bg_group *g = &ctx->g[i];
		double x = g->x, w = g->w;
		size_t k = g->xi, T = g->Ti;
		/* bg_ll_row with the logs looked up */
		double a3 = -r * ctx->l1[T] - x * ctx->l2[T];
		if (x == 0) {
			sum += w * (ctx->g1[k] + a3);
			if (grad) {
				sr -= w * ctx->l1[T];
				sal += w * r * ctx->d1[T];
			}
			continue;
		}
		size_t t = g->ti;
		double a4 = ctx->g4[k] - r * ctx->l1[t] - x * ctx->l2[t];
		double hi = fmax(a3, a4), lo = fmin(a3, a4), e = exp(lo - hi);
		sum += w * (ctx->g1[k] + hi + log1p(e));
		if (grad) {
			double w4 = (a4 >= a3 ? 1 : e) / (1 + e), w3 = (a4 >= a3 ? e : 1) / (1 + e);
			sr -= w * (w3 * ctx->l1[T] + w4 * ctx->l1[t]);
			sal += w * (w3 * (r * ctx->d1[T] - x * ctx->d2[T]) + w4 * (r * ctx->d1[t] - x * ctx->d2[t]));
			sa += w * w4;
			sb -= w * w4 * ctx->h[k];
		}
	}
	if (!isfinite(sum))
		return HUGE_VAL;
	if (grad) {
		grad[0] = -r * (pr + sr);
		grad[1] = -alpha * sal;
		grad[2] = -(a * pa + sa);
		grad[3] = -b * (pb + sb);
	}
	return -sum;
}

int gx_bgnbd_gradient(const struct gx_bgnbd_params *p, const struct gx_clv_summary *c, size_t n,
		      double grad[4])
{
	if (check_bg(p) || !grad || !c || n == 0)
		return GX_EINVAL;
	for (size_t i = 0; i < n; i++)
		if (check_hist(c[i].x, c[i].t_x, c[i].T))
			return GX_EINVAL;
	struct bg_fit ctx;
	int rc = bg_fit_init(&ctx, c, n);
	if (rc)
		return rc;
	double lp[4] = {log(p->r), log(p->alpha), log(p->a), log(p->b)}, pv[4] = {p->r, p->alpha, p->a, p->b}, g[4];
	double f = bg_negll(lp, g, &ctx);
	bg_fit_free(&ctx);
	if (!isfinite(f))
		return GX_EINVAL;
	for (int i = 0; i < 4; i++)
		grad[i] = -g[i] / pv[i];
	return 0;
}

int gx_bgnbd_fit(const struct gx_clv_summary *c, size_t n, struct gx_bgnbd_params *out)
{
	if (!c || !out || n == 0)
		return GX_EINVAL;
	int any_repeat = 0, any_age = 0;
	double sum_T = 0;
	for (size_t i = 0; i < n; i++) {
		if (check_hist(c[i].x, c[i].t_x, c[i].T))
			return GX_EINVAL;
		any_repeat |= c[i].x > 0;
		any_age |= c[i].T > 0;
		sum_T += c[i].T;
	}
	if (!any_repeat || !any_age)
		return GX_EINVAL;

	struct bg_fit ctx;
	int rc = bg_fit_init(&ctx, c, n);
	if (rc)
		return rc;

	/* Start at r = a = b = 1 and alpha = the mean age: a rate of about one
	 * purchase per mean age. Many customers: at the fit of a sample of them. */
	double lp[4] = {0, log(sum_T / (double)n), 0, 0}, start[4], f;
	if (n > WARM_MIN) {
		size_t m;
		struct gx_clv_summary *sample = warm_sample(c, n, &m);
		struct gx_bgnbd_params sp;
		rc = GX_ENOMEM;
		if (!sample)
			goto done;
		if (gx_bgnbd_fit(sample, m, &sp) == 0) {
			double v[4] = {log(sp.r), log(sp.alpha), log(sp.a), log(sp.b)};
			memcpy(lp, v, sizeof lp);
		}
		free(sample);
	}
	memcpy(start, lp, sizeof start);
	int iters = 0;
	rc = bfgs(bg_negll, &ctx, 4, lp, &f, &iters);
	if (rc) { /* the fallback: Nelder-Mead with restarts from the start */
		memcpy(lp, start, sizeof lp);
		rc = minimise(bg_negll, &ctx, 4, lp, n > WARM_MIN ? WARM_STEP : NM_STEP, &f, &iters);
	}
	if (rc)
		goto done;
	out->r = exp(lp[0]);
	out->alpha = exp(lp[1]);
	out->a = exp(lp[2]);
	out->b = exp(lp[3]);
	out->loglik = -f;
	out->iterations = iters;
	rc = 0;
done:
	bg_fit_free(&ctx);
	return rc;
}

/* Expected purchases in (T, T+t] of a customer alive at T, FHL 2005 eq. (10)
 * without its P(alive) denominator:
 *   (C/(a-1)) [1 - ((alpha+T)/(alpha+T+t))^A 2F1(A, B; C; t/(alpha+T+t))]
 * with A = r+x, B = b+x, C = a+b+x-1. */
static int bg_alive_formula(double r, double alpha, double a, double b, double x, double T,
			    double t, double *out)
{
	double A = r + x, B = b + x, C = a + b + x - 1;
	double z = t / (alpha + T + t);
	double F;
	int rc = gx_hyp2f1(A, B, C, z, &F);
	if (rc)
		return rc;
	/* ((alpha+T)/(alpha+T+t))^A = (1 + t/(alpha+T))^-A */
	double e = C / (a - 1) * (1 - exp(-A * log1p(t / (alpha + T))) * F);
	if (!isfinite(e))
		return GX_EINVAL;
	*out = e > 0 ? e : 0; /* only rounding can make it negative */
	return 0;
}

/* At C == 0 (x == 0 and a + b == 1) the formula is 0/0 (2F1 has a pole,
 * C in front a zero) although the expectation is smooth in b; closer than
 * SING_H it is interpolated linearly in b between C = -SING_H and +SING_H. */
static int bg_alive_near_c(double r, double alpha, double a, double b, double x, double T,
			   double t, double *out)
{
	if (!(fabs(a + b + x - 1) < SING_H))
		return bg_alive_formula(r, alpha, a, b, x, T, t, out);
	double b_lo = 1 - a - x - SING_H, b_hi = 1 - a - x + SING_H, lo, hi;
	if (!(b_lo > 0))
		return GX_EINVAL;
	int rc = bg_alive_formula(r, alpha, a, b_lo, x, T, t, &lo);
	if (!rc)
		rc = bg_alive_formula(r, alpha, a, b_hi, x, T, t, &hi);
	if (rc)
		return rc;
	*out = lo + (b - b_lo) * (hi - lo) / (b_hi - b_lo);
	return 0;
}

/* The same for a short horizon, s = t/(alpha+T) small, where the bracket of
 * eq. (10) is 1 minus something close to 1. Expanding (1+ps)^-A in the
 * integral E[(1 - (1+ps)^-A)/p] over p ~ Beta(a, b+x) gives
 *   A s 3F2(A+1, a, 1; 2, C+1; -s) = A s sum_m (A+1)_m (a)_m (-s)^m / ((m+1)! (C+1)_m),
 * which has no singularity at a == 1 or C == 0 and, once its terms shrink
 * at least twofold (the caller checks s K <= 1/2 with K bounding the term
 * ratio), alternates with no cancellation to speak of. */
static double bg_alive_short(double A, double a, double C, double s)
{
	double term = 1, sum = 1;
	for (int m = 0; m < 200; m++) {
		term *= -(A + 1 + m) * (a + m) / ((2.0 + m) * (C + 1 + m)) * s;
		sum += term;
		if (fabs(term) <= 0.25 * DBL_EPSILON * fabs(sum))
			break;
	}
	return A * s * sum;
}

/* The same at a == 1, where C/(a-1) and the bracket both vanish: closer than
 * SING_H, interpolate in a between 1 - SING_H and 1 + SING_H. The cancellation
 * costs about eps/SING_H and the interpolation SING_H^2, so some ten correct
 * digits remain. Short horizons take the series above instead. */
static int bg_alive_expect(double r, double alpha, double a, double b, double x, double T,
			   double t, double *out)
{
	if (t == 0) {
		*out = 0;
		return 0;
	}
	double A = r + x, C = a + b + x - 1, s = t / (alpha + T);
	/* |term ratio| <= s (A+1+m)/(C+1+m) (a+m)/(2+m) <= s K */
	double K = fmax(1, (A + 1) / (C + 1)) * fmax(1, a / 2);
	if (s * K <= 0.5) {
		*out = bg_alive_short(A, a, C, s);
		return 0;
	}
	if (!(fabs(a - 1) < SING_H))
		return bg_alive_near_c(r, alpha, a, b, x, T, t, out);
	double lo, hi;
	int rc = bg_alive_near_c(r, alpha, 1 - SING_H, b, x, T, t, &lo);
	if (!rc)
		rc = bg_alive_near_c(r, alpha, 1 + SING_H, b, x, T, t, &hi);
	if (rc)
		return rc;
	*out = lo + (a - (1 - SING_H)) * (hi - lo) / (2 * SING_H);
	return 0;
}

/* P(alive | x, t_x, T) = 1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)) */
static double bg_p_alive(double r, double alpha, double a, double b, double x, double t_x,
			 double T)
{
	if (x == 0)
		return 1;
	double l = log(a) - log(b + x - 1) + (r + x) * log1p((T - t_x) / (alpha + t_x));
	return 1 / (1 + exp(l));
}

int gx_bgnbd_expected(const struct gx_bgnbd_params *p, double t, double *out)
{
	if (check_bg(p) || !out || !isfinite(t) || t < 0)
		return GX_EINVAL;
	return bg_alive_expect(p->r, p->alpha, p->a, p->b, 0, 0, t, out);
}

int gx_bgnbd_conditional_expected(const struct gx_bgnbd_params *p, double x, double t_x,
				  double T, double t, double *out)
{
	if (check_bg(p) || check_hist(x, t_x, T) || !out || !isfinite(t) || t < 0)
		return GX_EINVAL;
	double e;
	int rc = bg_alive_expect(p->r, p->alpha, p->a, p->b, x, T, t, &e);
	if (rc)
		return rc;
	*out = e * bg_p_alive(p->r, p->alpha, p->a, p->b, x, t_x, T);
	return 0;
}

int gx_bgnbd_p_alive(const struct gx_bgnbd_params *p, double x, double t_x, double T,
		     double *out)
{
	if (check_bg(p) || check_hist(x, t_x, T) || !out)
		return GX_EINVAL;
	*out = bg_p_alive(p->r, p->alpha, p->a, p->b, x, t_x, T);
	return 0;
}

/* ==== Gamma-Gamma ============================================================== */

/* ln f(m | x) = ln G(px+q) - ln G(px) - ln G(q) + q ln v + (px-1) ln m
 *               + px ln x - (px+q) ln(v + x m),
 * regrouped as -q log1p(x m / v) - px log1p(v / (x m)) - ln m so that no two
 * large logarithms are subtracted. */
static double gg_ll_row(double p, double q, double v, double x, double m)
{
	double px = p * x, xm = x * m;
	return lgam(px + q) - lgam(px) - lgam(q) - q * log1p(xm / v) - px * log1p(v / xm) -
	       log(m);
}

int gx_gg_loglik(const struct gx_gg_params *p, double x, double m, double *out)
{
	if (check_gg(p) || !out || !whole(x) || x == 0 || !pos_finite(m))
		return GX_EINVAL;
	*out = gg_ll_row(p->p, p->q, p->v, x, m);
	return 0;
}

/* Fit data: the usable customers grouped into distinct (x, m), each weighted
 * by its count; the three lgamma calls (and the digamma ones of the
 * gradient) once per distinct x, ln m once per group. */
struct gg_group {
	double x, m, w, logm;
	size_t xi;
};

struct gg_fit {
	struct gg_group *g;
	size_t ng, nx;
	double *xs, *xw; /* distinct x; customers with each */
	double *lg;      /* per distinct x: lgam(px+q) - lgam(px) - lgam(q) */
};

/* -sum ln f(m | x) at the log-parameters lp (the terms of gg_ll_row), and
 * into grad (when not NULL) its gradient in lp:
 *   d/dp = x (psi(px+q) - psi(px) - log1p(v/(xm)))
 *   d/dq = psi(px+q) - psi(q) - log1p(xm/v)
 *   d/dv = (q xm/v - px) / (v + xm) */
static double gg_negll(const double *lp, double *grad, void *vctx)
{
	struct gg_fit *ctx = vctx;
	for (int i = 0; i < 3; i++)
		if (!(fabs(lp[i]) <= LOG_BOUND))
			return HUGE_VAL;
	double p = exp(lp[0]), q = exp(lp[1]), v = exp(lp[2]);
	double pp = 0, pq = 0, psi_q = grad ? digam(q) : 0;
	for (size_t k = 0; k < ctx->nx; k++) {
		double px = p * ctx->xs[k];
		ctx->lg[k] = lgam(px + q) - lgam(px) - lgam(q);
		if (grad) {
			double d = digam(px + q);
			pp += ctx->xw[k] * ctx->xs[k] * (d - digam(px));
			pq += ctx->xw[k] * (d - psi_q);
		}
	}
	double sum = 0, sp = 0, sq = 0, sv = 0;
	for (size_t i = 0; i < ctx->ng; i++) {
		const struct gg_group *g = &ctx->g[i];
		double px = p * g->x, xm = g->x * g->m, l1 = log1p(xm / v), l2 = log1p(v / xm);
		sum += g->w * (ctx->lg[g->xi] - q * l1 - px * l2 - g->logm);
		if (grad) {
			sp -= g->w * g->x * l2;
			sq -= g->w * l1;
			sv += g->w * (q * xm / v - px) / (v + xm);
		}
	}
	if (!isfinite(sum))
		return HUGE_VAL;
	if (grad) {
		grad[0] = -p * (pp + sp);
		grad[1] = -q * (pq + sq);
		grad[2] = -v * sv;
	}
	return -sum;
}

static void gg_fit_free(struct gg_fit *f)
{
	free(f->g);
	free(f->xs);
}

/* Groups the customers of c with x > 0 and monetary > 0 into f (*used: how
 * many). */
static int gg_fit_init(struct gg_fit *f, const struct gx_clv_summary *c, size_t n, size_t used)
{
	memset(f, 0, sizeof *f);
	struct dtab mt = {0}, xt = {0};
	int rc = dtab_init(&mt, used);
	if (!rc)
		rc = dtab_init(&xt, used);
	f->g = rc ? NULL : malloc(used * sizeof *f->g);
	if (!rc && !f->g)
		rc = GX_ENOMEM;
	for (size_t i = 0; !rc && i < n; i++) {
		if (!(c[i].x > 0 && c[i].monetary > 0))
			continue;
		size_t k = dtab_put(&mt, c[i].x, c[i].monetary, 0);
		if (k == f->ng) {
			f->g[k] = (struct gg_group){.x = c[i].x, .m = c[i].monetary, .logm = log(c[i].monetary),
						    .xi = dtab_put(&xt, c[i].x, 0, 0)};
			f->ng++;
		}
		f->g[k].w += 1;
	}
	if (!rc) {
		f->nx = xt.n;
		f->xs = malloc(3 * f->nx * sizeof(double));
		if (!f->xs)
			rc = GX_ENOMEM;
	}
	if (!rc) {
		f->xw = f->xs + f->nx;
		f->lg = f->xw + f->nx;
		for (size_t k = 0; k < f->nx; k++) {
			f->xs[k] = xt.key[k][0];
			f->xw[k] = 0;
		}
		for (size_t k = 0; k < f->ng; k++)
			f->xw[f->g[k].xi] += f->g[k].w;
	}
	dtab_free(&mt);
	dtab_free(&xt);
	if (rc)
		gg_fit_free(f);
	return rc;
}

int gx_gg_gradient(const struct gx_gg_params *p, const struct gx_clv_summary *c, size_t n, double grad[3])
{
	if (check_gg(p) || !grad || !c || n == 0)
		return GX_EINVAL;
	size_t used = 0;
	for (size_t i = 0; i < n; i++) {
		if (!whole(c[i].x) || !isfinite(c[i].monetary))
			return GX_EINVAL;
		used += c[i].x > 0 && c[i].monetary > 0;
	}
	if (!used)
		return GX_EINVAL;
	struct gg_fit ctx;
	int rc = gg_fit_init(&ctx, c, n, used);
	if (rc)
		return rc;
	double lp[3] = {log(p->p), log(p->q), log(p->v)}, pv[3] = {p->p, p->q, p->v}, g[3];
	double f = gg_negll(lp, g, &ctx);
	gg_fit_free(&ctx);
	if (!isfinite(f))
		return GX_EINVAL;
	for (int i = 0; i < 3; i++)
		grad[i] = -g[i] / pv[i];
	return 0;
}

int gx_gg_fit(const struct gx_clv_summary *c, size_t n, struct gx_gg_params *out)
{
	if (!c || !out || n == 0)
		return GX_EINVAL;
	size_t used = 0;
	double sum_m = 0;
	for (size_t i = 0; i < n; i++) {
		if (!whole(c[i].x) || !isfinite(c[i].monetary))
			return GX_EINVAL;
		if (c[i].x > 0 && c[i].monetary > 0) {
			used++;
			sum_m += c[i].monetary;
		}
	}
	if (used < 2)
		return GX_EINVAL;
	struct gg_fit ctx;
	int rc = gg_fit_init(&ctx, c, n, used);
	if (rc)
		return rc;

	/* p = 1, q = 2, v = mean spend: the population mean p v / (q-1) then
	 * equals the observed mean. Many customers: the fit of a sample. */
	double lp[3] = {0, log(2), log(sum_m / (double)used)}, start[3], f;
	if (n > WARM_MIN) {
		size_t m;
		struct gx_clv_summary *sample = warm_sample(c, n, &m);
		struct gx_gg_params sp;
		if (!sample)
			rc = GX_ENOMEM;
		else if (gx_gg_fit(sample, m, &sp) == 0) {
			double v[3] = {log(sp.p), log(sp.q), log(sp.v)};
			memcpy(lp, v, sizeof lp);
		}
		free(sample);
	}
	memcpy(start, lp, sizeof start);
	int iters = 0;
	if (!rc && bfgs(gg_negll, &ctx, 3, lp, &f, &iters)) { /* the fallback: Nelder-Mead */
		memcpy(lp, start, sizeof lp);
		rc = minimise(gg_negll, &ctx, 3, lp, n > WARM_MIN ? WARM_STEP : NM_STEP, &f, &iters);
	}
	gg_fit_free(&ctx);
	if (rc)
		return rc;
	out->p = exp(lp[0]);
	out->q = exp(lp[1]);
	out->v = exp(lp[2]);
	out->loglik = -f;
	out->iterations = iters;
	out->n_used = used;
	return 0;
}

int gx_gg_expected_spend(const struct gx_gg_params *p, double x, double m, double *out)
{
	if (check_gg(p) || !out || !whole(x))
		return GX_EINVAL;
	if (x == 0)
		m = 0; /* no repeat purchase: the population mean */
	else if (!isfinite(m) || m < 0)
		return GX_EINVAL;
	/* E[Z | x, m] = p E[1/nu | x, m], nu | x, m ~ Gamma(px+q, v+xm) */
	double den = p->p * x + p->q - 1;
	if (!(den > 0))
		return GX_EINVAL;
	*out = p->p * (p->v + x * m) / den;
	return 0;
}

/* ==== discounted CLV =========================================================== */

int gx_clv_discounted(const struct gx_bgnbd_params *bg, const struct gx_gg_params *gg,
		      const struct gx_clv_summary *c, const struct gx_clv_opts *o, double *out)
{
	if (!c || !o || !out || check_bg(bg) || check_gg(gg))
		return GX_EINVAL;
	if (o->months < 0 || !isfinite(o->annual_discount) || !(o->annual_discount > -1) ||
	    !pos_finite(o->units_per_month))
		return GX_EINVAL;
	if (check_hist(c->x, c->t_x, c->T))
		return GX_EINVAL;
	double spend;
	int rc = gx_gg_expected_spend(gg, c->x, c->monetary, &spend);
	if (rc)
		return rc;
	double pa = bg_p_alive(bg->r, bg->alpha, bg->a, bg->b, c->x, c->t_x, c->T);
	double ld = log1p(o->annual_discount), prev = 0, total = 0;
	for (int k = 1; k <= o->months; k++) {
		double e;
		rc = bg_alive_expect(bg->r, bg->alpha, bg->a, bg->b, c->x, c->T,
				     k * o->units_per_month, &e);
		if (rc)
			return rc;
		/* purchases expected in month k, discounted to the calibration end */
		total += spend * pa * (e - prev) * exp(-(k / 12.0) * ld);
		prev = e;
	}
	*out = total;
	return 0;
}

/* ==== scoring many customers: the (x, T) memo =================================== */

/* bg_alive_expect depends on (x, T) and the horizon only, not on t_x: a
 * million customers have a few ten thousand distinct (x, T) (T in whole
 * days), so each value is computed once. The memo returns the same doubles
 * bg_alive_expect would, and the functions below do the same arithmetic as
 * gx_bgnbd_conditional_expected and gx_clv_discounted: the scores are the
 * same bit for bit. */
struct gx_clv_memo {
	struct gx_bgnbd_params bg;
	struct gx_clv_opts o;
	double predict_t;
	size_t width;     /* values per key: predict_t, then months 1..o.months */
	double *keys;     /* x, T per slot */
	int *state;       /* per slot: 0 empty, 1 filled */
	int *rcs;         /* per slot: bg_alive_expect's result at predict_t, then over the months */
	double *vals;     /* width per slot */
	size_t slots, used;
};

int gx_clv_memo_new(const struct gx_bgnbd_params *bg, const struct gx_clv_opts *o, double predict_t,
		    struct gx_clv_memo **out)
{
	*out = NULL;
	if (check_bg(bg) || !o || o->months < 0 || o->months > 10000 || !isfinite(predict_t) || predict_t < 0)
		return GX_EINVAL;
	struct gx_clv_memo *m = calloc(1, sizeof *m);
	if (!m)
		return GX_ENOMEM;
	m->bg = *bg;
	m->o = *o;
	m->predict_t = predict_t;
	m->width = (size_t)o->months + 1;
	*out = m;
	return 0;
}

void gx_clv_memo_free(struct gx_clv_memo *m)
{
	if (!m)
		return;
	free(m->keys);
	free(m->state);
	free(m->rcs);
	free(m->vals);
	free(m);
}

static size_t memo_slot(const struct gx_clv_memo *m, double x, double T)
{
	uint64_t a, b;
	memcpy(&a, &x, sizeof a);
	memcpy(&b, &T, sizeof b);
	uint64_t h = (a * 0x9E3779B97F4A7C15ull) ^ (b + 0x632BE59BD9B4E019ull + (a << 6) + (a >> 2));
	h *= 0xBF58476D1CE4E5B9ull;
	h ^= h >> 31;
	size_t k = (size_t)h & (m->slots - 1);
	while (m->state[k] && !(m->keys[2 * k] == x && m->keys[2 * k + 1] == T))
		k = (k + 1) & (m->slots - 1);
	return k;
}

static int memo_grow(struct gx_clv_memo *m)
{
	size_t ns = m->slots ? m->slots * 2 : 4096;
	double *keys = malloc(ns * 2 * sizeof *keys), *vals = malloc(ns * m->width * sizeof *vals);
	int *state = calloc(ns, sizeof *state), *rcs = malloc(ns * 2 * sizeof *rcs);
	if (!keys || !vals || !state || !rcs) {
		free(keys);
		free(vals);
		free(state);
		free(rcs);
		return GX_ENOMEM;
	}
	struct gx_clv_memo old = *m;
	m->keys = keys;
	m->vals = vals;
	m->state = state;
	m->rcs = rcs;
	m->slots = ns;
	for (size_t i = 0; i < old.slots; i++) {
		if (!old.state[i])
			continue;
		size_t k = memo_slot(m, old.keys[2 * i], old.keys[2 * i + 1]);
		m->keys[2 * k] = old.keys[2 * i];
		m->keys[2 * k + 1] = old.keys[2 * i + 1];
		m->state[k] = 1;
		m->rcs[2 * k] = old.rcs[2 * i];
		m->rcs[2 * k + 1] = old.rcs[2 * i + 1];
		memcpy(&m->vals[k * m->width], &old.vals[i * m->width], m->width * sizeof *m->vals);
	}
	free(old.keys);
	free(old.vals);
	free(old.state);
	free(old.rcs);
	return 0;
}

/* The values of (x, T): v[0] at predict_t (*rc0: its result), v[k] at
 * month k (*rcm: the first failure over the months, as gx_clv_discounted
 * stops at it). GX_ENOMEM. */
static int memo_get(struct gx_clv_memo *m, double x, double T, const double **v, int *rc0, int *rcm)
{
	if ((m->used + 1) * 2 > m->slots) {
		int rc = memo_grow(m);
		if (rc)
			return rc;
	}
	size_t k = memo_slot(m, x, T);
	if (!m->state[k]) {
		const struct gx_bgnbd_params *p = &m->bg;
		double *out = &m->vals[k * m->width];
		m->rcs[2 * k] = bg_alive_expect(p->r, p->alpha, p->a, p->b, x, T, m->predict_t, &out[0]);
		int rc = 0;
		for (int i = 1; !rc && i <= m->o.months; i++)
			rc = bg_alive_expect(p->r, p->alpha, p->a, p->b, x, T, i * m->o.units_per_month, &out[i]);
		m->rcs[2 * k + 1] = rc;
		m->keys[2 * k] = x;
		m->keys[2 * k + 1] = T;
		m->state[k] = 1;
		m->used++;
	}
	*v = &m->vals[k * m->width];
	*rc0 = m->rcs[2 * k];
	*rcm = m->rcs[2 * k + 1];
	return 0;
}

int gx_clv_memo_expected(struct gx_clv_memo *m, double x, double t_x, double T, double *out)
{
	const struct gx_bgnbd_params *p = &m->bg;
	if (check_hist(x, t_x, T) || !out)
		return GX_EINVAL;
	const double *v;
	int rc0, rcm, rc = memo_get(m, x, T, &v, &rc0, &rcm);
	if (rc || rc0)
		return rc ? rc : rc0;
	*out = v[0] * bg_p_alive(p->r, p->alpha, p->a, p->b, x, t_x, T);
	return 0;
}

int gx_clv_memo_discounted(struct gx_clv_memo *m, const struct gx_gg_params *gg, const struct gx_clv_summary *c,
			   double *out)
{
	const struct gx_bgnbd_params *bg = &m->bg;
	const struct gx_clv_opts *o = &m->o;
	if (!c || !out || check_gg(gg))
		return GX_EINVAL;
	if (!isfinite(o->annual_discount) || !(o->annual_discount > -1) || !pos_finite(o->units_per_month))
		return GX_EINVAL;
	if (check_hist(c->x, c->t_x, c->T))
		return GX_EINVAL;
	double spend;
	int rc = gx_gg_expected_spend(gg, c->x, c->monetary, &spend);
	if (rc)
		return rc;
	const double *v;
	int rc0, rcm;
	if ((rc = memo_get(m, c->x, c->T, &v, &rc0, &rcm)) || (rc = rcm))
		return rc;
	double pa = bg_p_alive(bg->r, bg->alpha, bg->a, bg->b, c->x, c->t_x, c->T);
	double ld = log1p(o->annual_discount), prev = 0, total = 0;
	for (int k = 1; k <= o->months; k++) {
		double e = v[k];
		/* purchases expected in month k, discounted to the calibration end */
		total += spend * pa * (e - prev) * exp(-(k / 12.0) * ld);
		prev = e;
	}
	*out = total;
	return 0;
}
