/* scheduler.c — one background thread that runs the periodic jobs. */
#include "jobs/scheduler.h"

#include "analytics/analytics.h"
#include "core/err.h"
#include "core/log.h"
#include "crm/customer.h"
#include "crm/user.h"

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

static pthread_t thread;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static bool running, stopping;
static int interval;
static struct gx_store *store;

int gx_scheduler_run_once(struct gx_store *s)
{
	json_t *tenants = NULL;
	int rc = gx_tenant_list(s, &tenants);
	if (rc)
		return rc;
	size_t i;
	json_t *t;
	json_array_foreach(tenants, i, t) {
		if (!json_is_null(json_object_get(t, "disabled_at")))
			continue;
		int moved = 0;
		int r = gx_customer_pool_sweep(s, json_integer_value(json_object_get(t, "id")), &moved);
		if (r)
			gx_log_error("pool sweep of tenant %s failed: %s", json_string_value(json_object_get(t, "slug")),
				     gx_strerror(r));
		else if (moved)
			gx_log_info("pool sweep: %d customers of %s returned to the pool", moved,
				    json_string_value(json_object_get(t, "slug")));
		/* CLV refit and scoring when they are due (analytics settings) */
		if ((r = gx_analytics_scheduled(s, json_integer_value(json_object_get(t, "id")))))
			gx_log_error("analytics of tenant %s failed: %s", json_string_value(json_object_get(t, "slug")),
				     gx_strerror(r));
	}
	json_decref(tenants);
	return 0;
}

static void *loop(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	while (!stopping) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += interval;
		while (!stopping && pthread_cond_timedwait(&wake, &lock, &until) == 0)
			;
		if (stopping)
			break;
		pthread_mutex_unlock(&lock);
		gx_scheduler_run_once(store);
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int gx_scheduler_start(struct gx_store *s, int interval_s)
{
	store = s;
	interval = interval_s > 0 ? interval_s : 3600;
	stopping = false;
	if (pthread_create(&thread, NULL, loop, NULL) != 0)
		return GX_ENOMEM;
	running = true;
	return 0;
}

void gx_scheduler_stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_broadcast(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
	running = false;
}
