/* tactics.c — the primary tactic and criticality of a group of incidents (tactics.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/tactics.h"
#include "core/error.h"
#include "util/file.h"

extern const char ap_embedded_tactic_criticality_tsv[];
extern const size_t ap_embedded_tactic_criticality_tsv_len;

static ap_status parse(cl_crit_table *t, const char *name, const char *p, size_t len,
                       ap_diag_fn on_diag, void *user)
{
    const char *end = p + len;
    uint64_t line = 0;
    while (p < end) {
        line++;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *next = nl ? nl + 1 : end;
        if (le > p && le[-1] == '\r')
            le--;
        if (le == p || *p == '#') {
            p = next;
            continue;
        }
        const char *tab = memchr(p, '\t', (size_t)(le - p));
        char num[32];
        size_t tn = tab ? (size_t)(tab - p) : 0, vn = tab ? (size_t)(le - tab - 1) : 0;
        char *stop = NULL;
        double v = 0;
        if (tab && vn < sizeof num) {
            memcpy(num, tab + 1, vn);
            num[vn] = '\0';
            v = strtod(num, &stop);
        }
        if (!tab || tn == 0 || tn >= sizeof t->tactic[0] || vn == 0 || vn >= sizeof num ||
            !stop || *stop || v < 0 || v > 1e6) {
            if (on_diag) {
                ap_diag dg = {AP_SEV_WARNING, name, line, 0, "bad_criticality_line",
                              "expected TACTIC<TAB>NUMBER; line skipped"};
                on_diag(user, &dg);
            }
            p = next;
            continue;
        }
        char(*ta)[40] = realloc(t->tactic, (t->n + 1) * sizeof *ta);
        if (!ta)
            return AP_ERR_NOMEM;
        t->tactic = ta;
        double *va = realloc(t->value, (t->n + 1) * sizeof *va);
        if (!va)
            return AP_ERR_NOMEM;
        t->value = va;
        memcpy(t->tactic[t->n], p, tn);
        t->tactic[t->n][tn] = '\0';
        t->value[t->n] = v;
        t->n++;
        p = next;
    }
    return AP_OK;
}

ap_status cl_crit_load(cl_crit_table *t, const char *path, ap_diag_fn on_diag, void *user,
                       char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    if (!path)
        return parse(t, "tactic-criticality.tsv", ap_embedded_tactic_criticality_tsv,
                     ap_embedded_tactic_criticality_tsv_len, on_diag, user);
    char *buf = NULL;
    size_t len = 0;
    ap_status s = ap_read_file(path, 1 << 20, &buf, &len);
    if (s != AP_OK) {
        ap_set_error(err, errlen, "%s: cannot read the criticality table", path);
        return s == AP_ERR_NOMEM ? s : AP_ERR_IO;
    }
    s = parse(t, path, buf, len, on_diag, user);
    free(buf);
    return s;
}

void cl_crit_free(cl_crit_table *t)
{
    free(t->tactic);
    free(t->value);
    memset(t, 0, sizeof *t);
}

double cl_crit_of(const cl_crit_table *t, const char *tactic, size_t n)
{
    for (size_t i = 0; i < t->n; i++)
        if (strlen(t->tactic[i]) == n && !memcmp(t->tactic[i], tactic, n))
            return t->value[i];
    return 1;
}

typedef struct tactic_count {
    const char *t;
    size_t n;
    uint64_t count;
    double crit;
} tactic_count;

void cl_tactic_summary(const cl_data *d, const cl_crit_table *t, const uint64_t *tech,
                       const uint32_t *incidents, size_t n, uint64_t total, char *primary,
                       size_t primary_len, double *criticality)
{
    tactic_count tac[32];
    size_t ntac = 0;
    double crit = 0;
    uint64_t half = (total + 1) / 2;
    for (size_t k = 0; k < n; k++) {
        const uint32_t *ti = ap_idmap_get(&d->tech_idx, tech[k]);
        const char *tl = ti ? d->tech_tactic[*ti] : NULL;
        while (tl && *tl) {
            const char *e = strchr(tl, ';');
            size_t ln = e ? (size_t)(e - tl) : strlen(tl);
            size_t q = 0;
            while (q < ntac && !(tac[q].n == ln && !memcmp(tac[q].t, tl, ln)))
                q++;
            if (q == ntac && ntac < sizeof tac / sizeof tac[0])
                tac[ntac++] = (tactic_count){tl, ln, 0, cl_crit_of(t, tl, ln)};
            if (q < ntac) {
                tac[q].count += incidents[k];
                if (incidents[k] >= half && tac[q].crit > crit)
                    crit = tac[q].crit;
            }
            tl = e ? e + 1 : NULL;
        }
    }
    size_t best = SIZE_MAX;
    for (size_t q = 0; q < ntac; q++)
        if (best == SIZE_MAX || tac[q].count > tac[best].count ||
            (tac[q].count == tac[best].count && tac[q].crit > tac[best].crit))
            best = q;
    if (primary_len) {
        primary[0] = '\0';
        if (best != SIZE_MAX)
            snprintf(primary, primary_len, "%.*s", (int)tac[best].n, tac[best].t);
    }
    *criticality = crit > 0 ? crit : 1;
}
