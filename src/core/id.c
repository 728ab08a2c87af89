/* id.c — time-ordered record ids. */
#include "core/id.h"

#include "core/time.h"

#include <pthread.h>
#include <sodium.h>

#define GX_ID_EPOCH_MS 1704067200000LL /* 2024-01-01T00:00:00Z */

static pthread_mutex_t id_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t last_ms;
static uint32_t seq;

int64_t gx_id_new(void)
{
	pthread_mutex_lock(&id_lock);
	int64_t ms = gx_now_ms() - GX_ID_EPOCH_MS;
	if (ms < last_ms)
		ms = last_ms; /* clock went back: stay monotonic */
	if (ms == last_ms) {
		if (++seq > 0xfff) {
			/* 4096 ids in one millisecond: borrow the next one */
			ms = ++last_ms;
			seq = 0;
		}
	} else {
		/* a random start in the lower half makes two processes that write
		 * the same database in the same millisecond unlikely to collide,
		 * and leaves at least 2048 increasing ids per millisecond */
		seq = randombytes_uniform(2048);
	}
	last_ms = ms;
	int64_t id = (ms << 12) | seq;
	pthread_mutex_unlock(&id_lock);
	return id;
}
