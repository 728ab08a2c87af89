/* id.c — time-ordered record ids. */
#include "core/id.h"

#include "core/time.h"

#include <pthread.h>
#include <sodium.h>

#define GX_ID_EPOCH_MS 1704067200000LL /* 2024-01-01T00:00:00Z */

static pthread_mutex_t id_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t last_ms;
static uint32_t seq, seq_start;
static int seeded;

int64_t gx_id_new(void)
{
	pthread_mutex_lock(&id_lock);
	if (!seeded) {
		seq_start = randombytes_uniform(4096);
		seeded = 1;
	}
	int64_t ms = gx_now_ms() - GX_ID_EPOCH_MS;
	if (ms < last_ms)
		ms = last_ms; /* clock went back: stay monotonic */
	if (ms == last_ms) {
		seq = (seq + 1) & 0xfff;
		if (seq == seq_start) {
			/* 4096 ids in one millisecond: borrow the next one */
			ms = ++last_ms;
		}
	} else {
		seq = seq_start = randombytes_uniform(4096);
	}
	last_ms = ms;
	int64_t id = (ms << 12) | seq;
	pthread_mutex_unlock(&id_lock);
	return id;
}
