/* export.c — ap_export: checks the selection against the model and hands it to the format's
 * exporter (one file per format in src/lib/share/), plus the small file helpers every exporter
 * uses (export.h), so that "where does the output go" behaves the same for all of them. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "share/export.h"

static const struct {
    const char *name;
    ap_exporter_fn fn;
} formats[AP_EXPORT_FORMAT_COUNT] = {
    [AP_EXPORT_NAVIGATOR] = {"navigator", ap_export_navigator},
    [AP_EXPORT_STIX] = {"stix", ap_export_stix},
    [AP_EXPORT_MISP] = {"misp", ap_export_misp},
    [AP_EXPORT_NEO4J] = {"neo4j", ap_export_neo4j},
    [AP_EXPORT_GRAPHML] = {"graphml", ap_export_graphml},
    [AP_EXPORT_SPLUNK] = {"splunk", ap_export_splunk},
};

const char *ap_export_format_name(ap_export_format f)
{
    return (unsigned)f < AP_EXPORT_FORMAT_COUNT ? formats[f].name : NULL;
}

int ap_export_format_parse(const char *name, ap_export_format *out)
{
    for (int i = 0; name && i < AP_EXPORT_FORMAT_COUNT; i++)
        if (!strcmp(formats[i].name, name)) {
            *out = (ap_export_format)i;
            return 0;
        }
    return -1;
}

void ap_export_options_init(ap_export_options *o)
{
    memset(o, 0, sizeof *o);
    o->producer = "actorprint";
}

ap_status ap_export(const ap_model *m, const ap_export_options *opt, char *err, size_t errlen)
{
    char dummy[8];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = '\0';
    if (!m || !opt || (unsigned)opt->format >= AP_EXPORT_FORMAT_COUNT) {
        ap_set_error(err, errlen, "unknown export format");
        return AP_ERR_ARG;
    }
    if (opt->campaign > 0 && !ap_model_campaign_find(m, opt->campaign)) {
        ap_set_error(err, errlen, "no campaign C-%lld in the last clustering",
                     (long long)opt->campaign);
        return AP_ERR_NOT_FOUND;
    }
    if (opt->actor > 0 && !ap_model_actor_find(m, opt->actor)) {
        ap_set_error(err, errlen, "no actor A-%lld in the last clustering", (long long)opt->actor);
        return AP_ERR_NOT_FOUND;
    }
    return formats[opt->format].fn(m, opt, err, errlen);
}

/* ---- helpers for exporters ------------------------------------------------------------------ */

static int to_stdout(const ap_export_options *opt) { return !opt->out || !strcmp(opt->out, "-"); }

FILE *ap_export_open_file(const ap_export_options *opt, int *close_it, char *err, size_t errlen)
{
    if (to_stdout(opt)) {
        *close_it = 0;
        return stdout;
    }
    FILE *f = fopen(opt->out, "w");
    if (!f)
        ap_set_error(err, errlen, "%s: %s", opt->out, strerror(errno));
    *close_it = f != NULL;
    return f;
}

ap_status ap_export_need_dir(const ap_export_options *opt, char *err, size_t errlen)
{
    if (to_stdout(opt)) {
        ap_set_error(err, errlen, "this export writes several files: give a directory with --out");
        return AP_ERR_ARG;
    }
    struct stat sb;
    if (stat(opt->out, &sb) == 0) {
        if (S_ISDIR(sb.st_mode))
            return AP_OK;
        ap_set_error(err, errlen, "%s: not a directory", opt->out);
        return AP_ERR_IO;
    }
    if (mkdir(opt->out, 0777) != 0) {
        ap_set_error(err, errlen, "%s: %s", opt->out, strerror(errno));
        return AP_ERR_IO;
    }
    return AP_OK;
}

FILE *ap_export_open_in_dir(const ap_export_options *opt, const char *name, char *err,
                            size_t errlen)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", opt->out, name);
    if (n < 0 || (size_t)n >= sizeof path) {
        ap_set_error(err, errlen, "%s/%s: path too long", opt->out, name);
        return NULL;
    }
    FILE *f = fopen(path, "w");
    if (!f)
        ap_set_error(err, errlen, "%s: %s", path, strerror(errno));
    return f;
}

ap_status ap_export_close(FILE *f, int close_it, const char *what, char *err, size_t errlen)
{
    int bad = ferror(f) || fflush(f) != 0;
    if (close_it && fclose(f) != 0)
        bad = 1;
    if (bad) {
        ap_set_error(err, errlen, "%s: write failed", what ? what : "output");
        return AP_ERR_IO;
    }
    return AP_OK;
}

int ap_export_selects_campaign(const ap_export_options *opt, const ap_model_campaign *c)
{
    if (opt->campaign > 0)
        return c->id == opt->campaign;
    if (opt->actor > 0)
        return c->actor == opt->actor;
    return 1;
}

const char *ap_export_time(int64_t us, char *buf, size_t n)
{
    char t[40];
    ap_format_time(us, t, sizeof t); /* 2024-03-01T10:00:00.123456Z */
    snprintf(buf, n, "%.23sZ", t);   /* milliseconds */
    return buf;
}
