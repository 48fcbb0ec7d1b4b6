/* error.h — the library's one way to say why a call failed, besides its status: a message for
 * people written into the caller's (err, errlen) buffer, printf-style. Either may be NULL/0, in
 * which case nothing is written. Implemented in status.c next to ap_strerror. */
#ifndef AP_CORE_ERROR_H
#define AP_CORE_ERROR_H

#include <stddef.h>

void ap_set_error(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
