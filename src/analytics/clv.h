/* clv.h — predictive customer lifetime value: BG/NBD purchases, Gamma-Gamma spend, discounted CLV. */
#ifndef GX_ANALYTICS_CLV_H
#define GX_ANALYTICS_CLV_H

#include <stddef.h>

/* One customer's calibration-period summary (see gx_clv_summarize and
 * docs/analytics-clv.md). Times are in the caller's unit (weeks for CDNOW). */
struct gx_clv_summary {
	double x;         /* repeat purchases: purchase days after the first one */
	double t_x;       /* last purchase minus first purchase (0 when x == 0) */
	double T;         /* calibration end minus first purchase */
	double monetary;  /* mean value of the x repeat purchases (0 when x == 0) */
	int has_purchase; /* 0: no purchase up to the calibration end (all 0) */
};

/* BG/NBD parameters: purchase rate lambda ~ Gamma(shape r, rate alpha),
 * dropout probability p ~ Beta(a, b). */
struct gx_bgnbd_params {
	double r, alpha, a, b;
	double loglik;  /* total log-likelihood at the fit (set by gx_bgnbd_fit) */
	int iterations; /* optimiser iterations (BFGS, or Nelder-Mead with its restarts) */
};

/* Gamma-Gamma parameters: a transaction's value ~ Gamma(shape p, rate nu),
 * nu ~ Gamma(shape q, rate v). */
struct gx_gg_params {
	double p, q, v;
	double loglik;  /* total log-likelihood at the fit (set by gx_gg_fit) */
	int iterations; /* optimiser iterations (BFGS, or Nelder-Mead with its restarts) */
	size_t n_used;  /* customers that entered the fit (x > 0, monetary > 0) */
};

/* Options of the discounted CLV. */
struct gx_clv_opts {
	int months;             /* horizon in months, >= 0 */
	double annual_discount; /* effective annual discount rate, e.g. 0.10; > -1 */
	double units_per_month; /* model time units in one month: 365.25/12/7 for
				 * weeks, 365.25/12 for days */
};

/* ---- calibration summary -------------------------------------------------- */

/* Builds the calibration summary of n_cust customers from n_tx transactions
 * given as parallel arrays: cust[i] (0 <= cust[i] < n_cust), day[i] (any day
 * numbering, e.g. days since 1970-01-01) and amount[i] (finite; need not be
 * sorted). Only transactions with day <= cal_end count. Transactions of one
 * customer on one day are one purchase whose value is their sum. Then x =
 * purchase days - 1, t_x = (last day - first day) / days_per_unit, T = (cal_end
 * - first day) / days_per_unit, monetary = (sum of the values of the purchases
 * after the first) / x, or 0 when x == 0. A customer with no transaction up to
 * cal_end gets all zeros and has_purchase = 0. out (n_cust elements) is owned
 * by the caller. Returns 0, GX_EINVAL (NULL arrays with n > 0, a customer index
 * out of range, a non-finite amount, days_per_unit not finite and > 0) or
 * GX_ENOMEM (a temporary copy of the transactions is made). */
int gx_clv_summarize(const size_t *cust, const int *day, const double *amount, size_t n_tx,
		     size_t n_cust, int cal_end, double days_per_unit,
		     struct gx_clv_summary *out);

/* ---- BG/NBD ------------------------------------------------------------------ */

/* Log-likelihood of one customer (x repeat purchases, last at t_x, observed
 * for T) under the parameters in p (r, alpha, a, b; the other fields are
 * ignored) into *out. Returns 0 or GX_EINVAL: parameters not finite and > 0;
 * x not a whole number >= 0; t_x, T not finite; t_x < 0, t_x > T; x == 0 with
 * t_x != 0. The same input rules hold for every function below that takes
 * (x, t_x, T). */
int gx_bgnbd_loglik(const struct gx_bgnbd_params *p, double x, double t_x, double T,
		    double *out);

/* Sum of gx_bgnbd_loglik over n customers into *out. Returns 0 or GX_EINVAL
 * (any invalid customer or parameter, c NULL with n > 0). */
int gx_bgnbd_loglik_sum(const struct gx_bgnbd_params *p, const struct gx_clv_summary *c,
			size_t n, double *out);

/* Maximum-likelihood fit of r, alpha, a, b on n customers (only x, t_x and T
 * are read): BFGS with the analytic gradient on the logarithms of the
 * parameters over the distinct (x, t_x, T) weighted by their counts, and
 * Nelder-Mead with restarts if BFGS does not converge. Fills every field of
 * *out. Returns 0, GX_EINVAL (an invalid customer, or data that cannot
 * identify the model: nobody with x > 0 or nobody with T > 0) or GX_ENOMEM. */
int gx_bgnbd_fit(const struct gx_clv_summary *c, size_t n, struct gx_bgnbd_params *out);

/* The gradient of the summed log-likelihood (gx_bgnbd_loglik_sum) in r,
 * alpha, a, b into grad[0..3]: what the fit follows. Returns 0, GX_EINVAL
 * (invalid parameters or customers, n == 0) or GX_ENOMEM. */
int gx_bgnbd_gradient(const struct gx_bgnbd_params *p, const struct gx_clv_summary *c, size_t n,
		      double grad[4]);

/* Expected number of purchases of a new customer in (0, t], E[X(t)], into
 * *out. Returns 0 or GX_EINVAL (bad parameters, t not finite and >= 0, or t so
 * large against alpha that the hypergeometric series cannot be summed). */
int gx_bgnbd_expected(const struct gx_bgnbd_params *p, double t, double *out);

/* Expected number of purchases in (T, T + t] of a customer with history
 * (x, t_x, T), E[Y(t) | x, t_x, T], into *out. Returns 0 or GX_EINVAL (see
 * gx_bgnbd_loglik and gx_bgnbd_expected). */
int gx_bgnbd_conditional_expected(const struct gx_bgnbd_params *p, double x, double t_x,
				  double T, double t, double *out);

/* Probability that a customer with history (x, t_x, T) is still alive at T,
 * into *out; 1 when x == 0 (in BG/NBD a customer can only drop out right after
 * a repeat purchase). Returns 0 or GX_EINVAL (see gx_bgnbd_loglik). */
int gx_bgnbd_p_alive(const struct gx_bgnbd_params *p, double x, double t_x, double T,
		     double *out);

/* ---- Gamma-Gamma ------------------------------------------------------------- */

/* Log-likelihood (log density of the mean spend m) of one customer with x > 0
 * repeat purchases of mean value m > 0 under p (p, q, v) into *out. Returns 0
 * or GX_EINVAL (parameters not finite and > 0, x not a whole number > 0, m not
 * finite and > 0). */
int gx_gg_loglik(const struct gx_gg_params *p, double x, double m, double *out);

/* Maximum-likelihood fit of p, q, v on the customers among c[0..n) with x > 0
 * and monetary > 0 (the others are skipped and not counted in n_used); fills
 * every field of *out. Returns 0, GX_EINVAL (a non-finite x or monetary, a
 * negative or fractional x, or fewer than 2 usable customers) or GX_ENOMEM. */
int gx_gg_fit(const struct gx_clv_summary *c, size_t n, struct gx_gg_params *out);

/* The gradient in p, q, v of the summed Gamma-Gamma log-likelihood of the
 * customers among c[0..n) with x > 0 and monetary > 0, into grad[0..2].
 * Returns 0, GX_EINVAL (invalid parameters or customers, none usable) or
 * GX_ENOMEM. */
int gx_gg_gradient(const struct gx_gg_params *p, const struct gx_clv_summary *c, size_t n, double grad[3]);

/* Expected value of a future transaction of a customer with x repeat purchases
 * of mean value m, E[Z | x, m] = (v + x m) p / (p x + q - 1), into *out; for
 * x == 0 (m is then ignored) the population mean v p / (q - 1). Returns 0 or
 * GX_EINVAL (bad parameters, p x + q <= 1 so the mean is infinite, x not a
 * whole number >= 0, m not finite or m < 0 when x > 0). */
int gx_gg_expected_spend(const struct gx_gg_params *p, double x, double m, double *out);

/* ---- CLV --------------------------------------------------------------------- */

/* Discounted expected value of customer c over o->months months:
 *   sum_{k=1..months} spend * (E[Y(k u)] - E[Y((k-1) u)]) / (1 + d)^(k/12)
 * with u = o->units_per_month, d = o->annual_discount, E[Y] from
 * gx_bgnbd_conditional_expected and spend from gx_gg_expected_spend (x, monetary).
 * Result into *out. Returns 0 or GX_EINVAL (NULL pointer, bad parameters,
 * options or customer). */
int gx_clv_discounted(const struct gx_bgnbd_params *bg, const struct gx_gg_params *gg,
		      const struct gx_clv_summary *c, const struct gx_clv_opts *o, double *out);

/* ---- scoring many customers ------------------------------------------------- */

/* A memo for scoring many customers with one fit and one set of options:
 * the expected purchases of a customer alive depend on (x, T), not t_x, so
 * they are computed once per distinct (x, T). gx_clv_memo_expected and
 * gx_clv_memo_discounted give the same doubles as
 * gx_bgnbd_conditional_expected(bg, x, t_x, T, predict_t) and
 * gx_clv_discounted(bg, gg, c, o). The caller frees the memo with
 * gx_clv_memo_free (NULL is fine). GX_EINVAL, GX_ENOMEM. */
struct gx_clv_memo;
int gx_clv_memo_new(const struct gx_bgnbd_params *bg, const struct gx_clv_opts *o, double predict_t,
		    struct gx_clv_memo **out);
void gx_clv_memo_free(struct gx_clv_memo *m);
int gx_clv_memo_expected(struct gx_clv_memo *m, double x, double t_x, double T, double *out);
int gx_clv_memo_discounted(struct gx_clv_memo *m, const struct gx_gg_params *gg, const struct gx_clv_summary *c,
			   double *out);

/* ---- special function -------------------------------------------------------- */

/* Gauss hypergeometric function 2F1(a, b; c; z) for real arguments and z < 1,
 * into *out. Summed as a power series (compensated) after a Pfaff
 * transformation (z < 0) or an Euler transformation (when it shrinks the
 * terms); the tail is bounded before stopping. Returns 0 or GX_EINVAL: a
 * non-finite argument, z >= 1, c a non-positive integer, a result that
 * overflows, z so close to 1 that more than 2 million terms would be needed
 * (1 - z below about 2e-5), or terms that cancel so much that fewer than
 * about 8 digits would be right (large a, b with z < 0 and c < a, b). */
int gx_hyp2f1(double a, double b, double c, double z, double *out);

#endif
