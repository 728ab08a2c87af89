/* metrics.c — Prometheus text metrics: requests by status class, a latency
 * histogram, requests in flight, uptime. Lock-free counters. */
#include "http/http.h"

#include "core/time.h"
#include "store/store.h"

#include <stdatomic.h>
#include <stdio.h>

static const double bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NB (sizeof bounds / sizeof bounds[0])
static atomic_ulong by_class[6];
static atomic_ulong buckets[NB + 1];
static atomic_ulong sum_us;
static atomic_long inflight;

void gx_metrics_observe(int status, double seconds)
{
	int cls = status / 100;
	if (cls < 1 || cls > 5)
		cls = 5;
	atomic_fetch_add(&by_class[cls], 1);
	size_t i = 0;
	while (i < NB && seconds > bounds[i])
		i++;
	atomic_fetch_add(&buckets[i], 1);
	atomic_fetch_add(&sum_us, (unsigned long)(seconds * 1e6));
}

void gx_metrics_inflight(int delta)
{
	atomic_fetch_add(&inflight, delta);
}

void gx_metrics_handler(struct gx_req *r)
{
	struct gx_buf b;
	gx_buf_init(&b, 1 << 16);
	gx_buf_adds(&b, "# HELP guanxi_http_requests_total HTTP requests answered, by status class.\n"
			"# TYPE guanxi_http_requests_total counter\n");
	for (int c = 1; c <= 5; c++)
		gx_buf_printf(&b, "guanxi_http_requests_total{code=\"%dxx\"} %lu\n", c,
			      atomic_load(&by_class[c]));
	gx_buf_adds(&b, "# HELP guanxi_http_request_duration_seconds Time from request start to completion.\n"
			"# TYPE guanxi_http_request_duration_seconds histogram\n");
	unsigned long cum = 0;
	for (size_t i = 0; i < NB; i++) {
		cum += atomic_load(&buckets[i]);
		gx_buf_printf(&b, "guanxi_http_request_duration_seconds_bucket{le=\"%g\"} %lu\n", bounds[i], cum);
	}
	cum += atomic_load(&buckets[NB]);
	gx_buf_printf(&b, "guanxi_http_request_duration_seconds_bucket{le=\"+Inf\"} %lu\n", cum);
	gx_buf_printf(&b, "guanxi_http_request_duration_seconds_sum %.6f\n", (double)atomic_load(&sum_us) / 1e6);
	gx_buf_printf(&b, "guanxi_http_request_duration_seconds_count %lu\n", cum);
	gx_buf_printf(&b, "# HELP guanxi_http_in_flight Requests being handled.\n# TYPE guanxi_http_in_flight gauge\n"
			  "guanxi_http_in_flight %ld\n", atomic_load(&inflight));
	gx_buf_printf(&b, "# HELP guanxi_uptime_seconds Seconds since the server started.\n# TYPE guanxi_uptime_seconds gauge\n"
			  "guanxi_uptime_seconds %lld\n", (long long)((gx_now_ms() - gx_srv->started_ms) / 1000));
	gx_buf_printf(&b, "# HELP guanxi_build_info Version and storage backend.\n# TYPE guanxi_build_info gauge\n"
			  "guanxi_build_info{version=\"%s\",backend=\"%s\"} 1\n", GX_VERSION, gx_store_backend(gx_srv->store));
	gx_reply_raw(r, 200, "text/plain; version=0.0.4; charset=utf-8", b.data ? b.data : "", b.len, true);
	gx_buf_free(&b);
}
