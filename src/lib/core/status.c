/* status.c — the library's one status enum, described for people, its version string, and the
 * error-message helper of core/error.h. */
#include <stdarg.h>
#include <stdio.h>

#include "actorprint.h"
#include "core/error.h"

const char *ap_strerror(ap_status s)
{
    switch (s) {
    case AP_OK: return "success";
    case AP_END: return "no more items";
    case AP_ERR_NOMEM: return "out of memory";
    case AP_ERR_IO: return "input/output error";
    case AP_ERR_FORMAT: return "malformed input";
    case AP_ERR_LIMIT: return "input exceeds a limit";
    case AP_ERR_STORE: return "store error";
    case AP_ERR_ARG: return "invalid argument";
    case AP_ERR_NOT_FOUND: return "not found";
    case AP_ERR_VERSION: return "incompatible store version";
    case AP_ERR_INTERRUPTED: return "interrupted";
    case AP_ERR_INTERNAL: return "internal error";
    }
    return "unknown status";
}

const char *ap_version(void) { return AP_VERSION_STRING; }

void ap_set_error(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}
