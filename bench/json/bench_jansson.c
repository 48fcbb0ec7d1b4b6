/* bench_jansson.c — the JSON benchmark's case for jansson: json_loadb builds the tree of each
 * line, json_object_foreach walks its top-level fields. */
#include <jansson.h>
#include <string.h>

#include "bench.h"

static void run_jansson(const line_set *ls, tally *t)
{
    for (size_t i = 0; i < ls->count; i++) {
        json_error_t error;
        json_t *root = json_loadb(ls->buf + ls->start[i], ls->len[i], 0, &error);
        if (!root || !json_is_object(root)) {
            t->bad++;
            json_decref(root);
            continue;
        }
        const char *key;
        json_t *value;
        json_object_foreach(root, key, value)
        {
            if (json_is_string(value) && bench_is_wanted(key, strlen(key)))
                bench_take(t, json_string_value(value), json_string_length(value));
        }
        json_decref(root);
    }
}

const bench_case bench_cases[] = {{"jansson: json_loadb + foreach", run_jansson}};
const size_t bench_ncases = 1;
