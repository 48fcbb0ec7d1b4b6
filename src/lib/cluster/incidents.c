/* incidents.c — the seed's unit of clustering: the sessions of one source address with no gap
 * longer than a threshold (default 30 min) between one session's end and the next one's start.
 * Each incident gets the union of its sessions' tokens plus its infrastructure: the address, its
 * /24 (IPv4) or /48 (IPv6), its autonomous system when an ASN table was given, and the client
 * tooling of its sessions.
 *
 * Its id is stable across runs: the smallest store row id among its sessions. New sessions that
 * extend an incident keep that id; two incidents joined by a session that fills the gap keep
 * the older one's.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/model.h"
#include "understand/asn.h"
#include "util/hash.h"

static const cl_data *sort_data_;

static int cmp_session_order(const void *a, const void *b)
{
    const cl_session *x = &sort_data_->sessions[*(const uint32_t *)a];
    const cl_session *y = &sort_data_->sessions[*(const uint32_t *)b];
    if (x->src_ip_id != y->src_ip_id)
        return x->src_ip_id < y->src_ip_id ? -1 : 1;
    if (x->start_us != y->start_us)
        return x->start_us < y->start_us ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

/* The network of an address as text ("203.0.113.0/24", "2001:db8:1::/48"); 0 when not an IP. */
static size_t network_of(const char *ip, char *out, size_t outlen)
{
    unsigned char b[16];
    char tmp[64];
    size_t n = strlen(ip);
    if (n >= sizeof tmp)
        return 0;
    memcpy(tmp, ip, n + 1);
    if (inet_pton(AF_INET, tmp, b) == 1)
        return (size_t)snprintf(out, outlen, "%u.%u.%u.0/24", b[0], b[1], b[2]);
    if (inet_pton(AF_INET6, tmp, b) == 1) {
        if (!memcmp(b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12))
            return (size_t)snprintf(out, outlen, "%u.%u.%u.0/24", b[12], b[13], b[14]);
        memset(b + 6, 0, 10);
        if (!inet_ntop(AF_INET6, b, tmp, sizeof tmp))
            return 0;
        return (size_t)snprintf(out, outlen, "%s/48", tmp);
    }
    return 0;
}

ap_status cl_add_infra(cl_data *d, cl_u64v *t, const cl_session *s, const ap_asn_db *asn)
{
    ap_status st;
    uint64_t ipt = cl_token(TK_IP, (uint64_t)s->src_ip_id);
    if ((st = cl_u64v_push(t, ipt)) != AP_OK || (st = cl_label(d, ipt, s->ip, strlen(s->ip))) != AP_OK)
        return st;
    char net[80];
    size_t nn = network_of(s->ip, net, sizeof net);
    if (nn && nn < sizeof net) {
        uint64_t nt = cl_token(TK_NET, ap_hash64(net, nn));
        if ((st = cl_u64v_push(t, nt)) != AP_OK || (st = cl_label(d, nt, net, nn)) != AP_OK)
            return st;
    }
    uint32_t as = 0;
    const char *org = NULL;
    if (asn && ap_asn_lookup(asn, s->ip, strlen(s->ip), &as, &org) && as) {
        uint64_t at = cl_token(TK_ASN, as);
        char lab[160];
        int ln = snprintf(lab, sizeof lab, "AS%u%s%s", as, org && *org ? " " : "", org ? org : "");
        if (ln > 0 && (size_t)ln >= sizeof lab)
            ln = (int)sizeof lab - 1;
        if ((st = cl_u64v_push(t, at)) != AP_OK || (st = cl_label(d, at, lab, (size_t)ln)) != AP_OK)
            return st;
    }
    return AP_OK;
}

ap_status cl_build_incidents(cl_data *d, int64_t gap_us, const ap_asn_db *asn)
{
    size_t n = d->nsessions;
    free(d->order);
    free(d->incidents);
    d->incidents = NULL;
    d->nincidents = 0;
    cl_u64v_free(&d->itok);
    d->order = malloc((n ? n : 1) * sizeof *d->order);
    if (!d->order)
        return AP_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        d->order[i] = (uint32_t)i;
    sort_data_ = d;
    qsort(d->order, n, sizeof *d->order, cmp_session_order);
    sort_data_ = NULL;

    size_t cap = 1024;
    d->incidents = malloc(cap * sizeof *d->incidents);
    if (!d->incidents)
        return AP_ERR_NOMEM;
    cl_u64v tmp = {0};
    ap_status st = AP_OK;
    for (size_t i = 0; i < n && st == AP_OK;) {
        const cl_session *first = &d->sessions[d->order[i]];
        int64_t end = first->end_us;
        size_t j = i + 1;
        while (j < n) {
            const cl_session *s = &d->sessions[d->order[j]];
            if (s->src_ip_id != first->src_ip_id || s->start_us - end >= gap_us)
                break;
            if (s->end_us > end)
                end = s->end_us;
            j++;
        }
        if (d->nincidents == cap) {
            cap *= 2;
            cl_incident *p = realloc(d->incidents, cap * sizeof *p);
            if (!p) {
                st = AP_ERR_NOMEM;
                break;
            }
            d->incidents = p;
        }
        cl_incident *inc = &d->incidents[d->nincidents];
        memset(inc, 0, sizeof *inc);
        inc->first = (uint32_t)i;
        inc->n = (uint32_t)(j - i);
        inc->start_us = first->start_us;
        inc->end_us = end;
        inc->id = first->id;
        tmp.n = 0;
        /* the most frequent tooling: sessions are few per incident, so count by rescanning */
        uint32_t best = 0;
        for (size_t k = i; k < j && st == AP_OK; k++) {
            cl_session *s = &d->sessions[d->order[k]];
            s->incident = (uint32_t)d->nincidents;
            if (s->id < inc->id)
                inc->id = s->id;
            for (uint32_t t = 0; t < s->tok_n && st == AP_OK; t++)
                st = cl_u64v_push(&tmp, d->tok.v[s->tok_off + t]);
            if (s->tool && st == AP_OK) {
                st = cl_u64v_push(&tmp, s->tool);
                uint32_t c = 0;
                for (size_t m = i; m < j && m < i + 64; m++)
                    c += d->sessions[d->order[m]].tool == s->tool;
                if (c > best) {
                    best = c;
                    inc->tool = s->tool;
                }
            }
        }
        if (st == AP_OK)
            st = cl_add_infra(d, &tmp, first, asn);
        if (st != AP_OK)
            break;
        size_t u = cl_sort_unique(tmp.v, tmp.n);
        inc->tok_off = d->itok.n;
        inc->tok_n = (uint32_t)u;
        for (size_t k = 0; k < u && st == AP_OK; k++)
            st = cl_u64v_push(&d->itok, tmp.v[k]);
        d->nincidents++;
        i = j;
    }
    cl_u64v_free(&tmp);
    return st;
}
