/* id.h — record identifiers: time-ordered 53-bit integers (exact in JSON
 * numbers and JavaScript), generated without a database sequence so that
 * every backend (SQLite, PostgreSQL, Citus) assigns them the same way. */
#ifndef GX_CORE_ID_H
#define GX_CORE_ID_H

#include <stdint.h>

/* A new unique id: (ms since 2024-01-01) << 12 | 12-bit per-process counter
 * starting at a random offset; strictly increasing within a process.
 * Thread-safe. */
int64_t gx_id_new(void);

#endif
