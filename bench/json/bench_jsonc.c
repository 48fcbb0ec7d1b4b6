/* bench_jsonc.c — the JSON benchmark's case for json-c: json_tokener_parse_ex builds the tree of
 * each line (one reused tokener), json_object_object_foreach walks its top-level fields. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static void run_jsonc(const line_set *ls, tally *t)
{
    struct json_tokener *tok = json_tokener_new();
    if (!tok)
        exit(1);
    for (size_t i = 0; i < ls->count; i++) {
        json_tokener_reset(tok);
        struct json_object *root =
            json_tokener_parse_ex(tok, ls->buf + ls->start[i], (int)ls->len[i]);
        if (!root || json_tokener_get_error(tok) != json_tokener_success ||
            !json_object_is_type(root, json_type_object)) {
            t->bad++;
            json_object_put(root);
            continue;
        }
        json_object_object_foreach(root, key, value)
        {
            if (json_object_is_type(value, json_type_string) && bench_is_wanted(key, strlen(key)))
                bench_take(t, json_object_get_string(value),
                           (size_t)json_object_get_string_len(value));
        }
        json_object_put(root);
    }
    json_tokener_free(tok);
}

const bench_case bench_cases[] = {{"json-c: tokener + foreach", run_jsonc}};
const size_t bench_ncases = 1;
