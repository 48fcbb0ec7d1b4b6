/* cluster_csv.c — the cluster stage's CSV outputs, in the seed's shapes so its users' sheets and
 * scripts keep working: sessions.csv (sensor,session,incident,campaign,actor), campaign_clusters.csv
 * (incident_id,campaign) and campaigns.csv (the campaign table). Attacker-controlled text goes
 * through ap_escape_csv (quoting and formula neutralisation). Ids are written as I-n, C-n, A-n;
 * an empty campaign/actor means the incident is linked to no other.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cluster/cluster_internal.h"
#include "util/escape.h"

static void put_id(FILE *f, char prefix, int64_t id)
{
    if (id > 0)
        fprintf(f, "%c-%lld", prefix, (long long)id);
}

/* An empty list is an empty cell, not a quoted empty string. */
static void put_text(FILE *f, const char *s)
{
    if (s && *s)
        ap_escape_csv(f, ap_str_c(s));
}

static FILE *open_out(const char *dir, const char *name, char *path, size_t pathlen, char *err,
                      size_t errlen)
{
    snprintf(path, pathlen, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return f;
}

static ap_status close_out(FILE *f, const char *path, char *err, size_t errlen)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        snprintf(err, errlen, "%s: write failed", path);
        return AP_ERR_IO;
    }
    return AP_OK;
}

ap_status ap_cluster_write_csv(const ap_cluster *c, const char *dir, char *err, size_t errlen)
{
    char path[4096];
    char dummy[8];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    const cl_data *d = &c->d;
    FILE *f = open_out(dir, "sessions.csv", path, sizeof path, err, errlen);
    if (!f)
        return AP_ERR_IO;
    fputs("sensor,session,incident,campaign,actor\n", f);
    for (size_t i = 0; i < d->nsessions; i++) {
        ap_cluster_session s;
        ap_cluster_session_at(c, i, &s);
        put_text(f, s.sensor);
        fputc(',', f);
        put_text(f, s.session);
        fputc(',', f);
        put_id(f, 'I', s.incident);
        fputc(',', f);
        put_id(f, 'C', s.campaign);
        fputc(',', f);
        put_id(f, 'A', s.actor);
        fputc('\n', f);
    }
    ap_status st = close_out(f, path, err, errlen);
    if (st != AP_OK)
        return st;

    if (!(f = open_out(dir, "campaign_clusters.csv", path, sizeof path, err, errlen)))
        return AP_ERR_IO;
    fputs("incident_id,campaign\n", f);
    for (size_t i = 0; i < d->nincidents; i++) {
        put_id(f, 'I', d->incidents[i].id);
        fputc(',', f);
        put_id(f, 'C', c->campaign_of[i]);
        fputc('\n', f);
    }
    if ((st = close_out(f, path, err, errlen)) != AP_OK)
        return st;

    if (!(f = open_out(dir, "campaigns.csv", path, sizeof path, err, errlen)))
        return AP_ERR_IO;
    fputs("campaign,actor,incidents,sessions,shared_ttps,ips,nets,asns,keys,hashes,urls,"
          "first_seen,last_seen,primary_tactic,criticality,duration_hours,campaign_score\n",
          f);
    for (size_t i = 0; i < c->ncampaigns; i++) {
        const ap_campaign *x = ap_cluster_campaign_at(c, i);
        char a[40], b[40];
        ap_format_time(x->first_us, a, sizeof a);
        ap_format_time(x->last_us, b, sizeof b);
        put_id(f, 'C', x->id);
        fputc(',', f);
        put_id(f, 'A', x->actor);
        fprintf(f, ",%llu,%llu,", (unsigned long long)x->incidents,
                (unsigned long long)x->sessions);
        put_text(f, x->techniques);
        fprintf(f, ",%llu,", (unsigned long long)x->ips);
        put_text(f, x->nets);
        fputc(',', f);
        put_text(f, x->asns);
        fputc(',', f);
        put_text(f, x->keys);
        fputc(',', f);
        put_text(f, x->hashes);
        fputc(',', f);
        put_text(f, x->urls);
        fprintf(f, ",%s,%s,", a, b);
        put_text(f, x->primary_tactic);
        fprintf(f, ",%g,%g,%.4f\n", x->criticality, x->duration_hours, x->score);
    }
    return close_out(f, path, err, errlen);
}
