/* err.h — guanxi error codes: functions return 0 or a negative GX_E* code;
 * results go in out-parameters. One table (http/problem.c) maps each code to
 * an HTTP status and a problem+json type. */
#ifndef GX_CORE_ERR_H
#define GX_CORE_ERR_H

enum {
	GX_OK = 0,
	GX_ENOMEM = -1,     /* out of memory: 503 for the request, never an abort */
	GX_EINVAL = -2,     /* bad input: 400/422 */
	GX_ENOTFOUND = -3,  /* no such record (or not visible): 404 */
	GX_ECONFLICT = -4,  /* duplicate / unique conflict: 409 */
	GX_ESTALE = -5,     /* optimistic concurrency: version mismatch, 412 */
	GX_ETOOBIG = -6,    /* over a configured limit: 413 */
	GX_EDB = -7,        /* storage failure: 500/503 */
	GX_EAUTH = -8,      /* not authenticated: 401 */
	GX_EFORBIDDEN = -9, /* authenticated but not allowed: 403 */
	GX_EIO = -10,       /* file or network I/O failure */
	GX_ETHROTTLED = -11,/* too many attempts: 429 */
	GX_EUNSUPPORTED = -12, /* wrong media type or unsupported operation: 415 */
	GX_EBUSY = -13,     /* database locked past the busy timeout: 503 */
};

/* A short English description of an error code (static string). */
const char *gx_strerror(int err);

#endif
