/* err.c — descriptions of the GX_E* error codes. */
#include "core/err.h"

const char *gx_strerror(int err)
{
	switch (err) {
	case GX_OK: return "ok";
	case GX_ENOMEM: return "out of memory";
	case GX_EINVAL: return "invalid input";
	case GX_ENOTFOUND: return "not found";
	case GX_ECONFLICT: return "conflict";
	case GX_ESTALE: return "stale version";
	case GX_ETOOBIG: return "too large";
	case GX_EDB: return "database error";
	case GX_EAUTH: return "not authenticated";
	case GX_EFORBIDDEN: return "forbidden";
	case GX_EIO: return "I/O error";
	case GX_ETHROTTLED: return "too many requests";
	case GX_EUNSUPPORTED: return "unsupported";
	case GX_EBUSY: return "busy";
	}
	return "unknown error";
}
