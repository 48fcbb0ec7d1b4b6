/* file.h — reading a whole small file (a rules file, a labelled corpus) into memory, with a size
 * bound so that a wrong path (a device, a huge log) fails cleanly instead of exhausting memory. */
#ifndef AP_UTIL_FILE_H
#define AP_UTIL_FILE_H
#include <stddef.h>
#include "actorprint.h"

/* Reads `path` into a malloc'ed buffer (NUL-terminated; *len excludes the NUL). Return values:
 * AP_OK; AP_ERR_IO (cannot open or read); AP_ERR_LIMIT (larger than max bytes); AP_ERR_NOMEM. */
ap_status ap_read_file(const char *path, size_t max, char **out, size_t *len);
#endif
