/* misp.c — campaigns as MISP events in the MISP core format (draft-dulaunoy-misp-core-format),
 * so a SOC can import what the honeypot saw into MISP and correlate it with everything else
 * there (docs/export-misp.md).
 *
 * One event per campaign, never per session: the campaign's IOCs become attributes (counts in
 * the comment, first/last seen from the data), its techniques become ATT&CK galaxy tags, its
 * risk score becomes the threat level. The file is what MISP's own JSON export gives,
 * {"response": [{"Event": {...}}, ...]}, which "Import from > MISP JSON" reads.
 *
 * Everything is deterministic: uuids are UUIDv5 under this file's namespace of
 * "misp-event|C-n" and "misp-attribute|C-n|<ioc kind>|<value>" (a re-import updates the event
 * instead of adding one), times come from the data (timestamp = last seen), lists keep the
 * model's order. MISP validates attribute values per type and rejects what does not fit, so a
 * value is given its type only when it passes the same checks (an address for ip-src, 64 hex
 * digits for sha256, ...); anything else goes in as `text` under `Other`, not detectable
 * (to_ids false), with the reason in the comment. All text goes through ap_escape_json. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "share/export.h"
#include "share/stix.h" /* ap_uuid5, ap_uuid_parse */
#include "util/escape.h"
#include "util/str.h"

/* UUIDv5(NAMESPACE_URL, "urn:actorprint:misp") */
#define MISP_NAMESPACE "cdeba8f3-0bf1-58c4-965c-36ca9b2be6a3"
#define MISP_TLP_TAG "tlp:green"
/* Threat level from the campaign score (incidents x criticality / duration_hours). */
#define HIGH_SCORE 10.0      /* and criticality >= HIGH_CRITICALITY: "1" High */
#define HIGH_CRITICALITY 8.0 /* persistence, command-and-control and above */
#define MEDIUM_SCORE 1.0     /* "2" Medium; below it "3" Low; no tactic at all "4" */
#define CREDENTIALS_MAX 20   /* passwords and usernames per event, most sessions first */

/* ---- value checks: the subset of MISP's own that our values can fail ---- */

static int is_ip(const char *s)
{
    unsigned char b[16];
    return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

static int is_cidr(const char *s)
{
    const char *slash = strchr(s, '/');
    if (!slash || slash == s || slash - s >= 64 || !slash[1] || strlen(slash + 1) > 3)
        return 0;
    char ip[64];
    memcpy(ip, s, (size_t)(slash - s));
    ip[slash - s] = '\0';
    int bits = 0;
    for (const char *p = slash + 1; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        bits = bits * 10 + (*p - '0');
    }
    unsigned char b[16];
    if (inet_pton(AF_INET, ip, b) == 1)
        return bits <= 32;
    return inet_pton(AF_INET6, ip, b) == 1 && bits <= 128;
}

static int is_hex(const char *s, size_t n)
{
    if (strlen(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return 0;
    }
    return 1;
}

static int is_alnum_only(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
            return 0;
    return 1;
}

static int is_label_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

/* MISP's domain check: [A-Za-z0-9._-]+ ending in a dot and a label of two or more
 * [A-Za-z0-9-]. */
static int is_domain(const char *s)
{
    const char *dot = strrchr(s, '.');
    if (!dot || dot == s || strlen(dot + 1) < 2)
        return 0;
    for (const char *p = s; p < dot; p++)
        if (!is_label_char(*p) && *p != '.' && *p != '_')
            return 0;
    for (const char *p = dot + 1; *p; p++)
        if (!is_label_char(*p))
            return 0;
    return 1;
}

/* "SHA256:" + base64 of 32 bytes (43 characters, optionally '=' padded), or MD5 as 16 hex
 * pairs with colons (optionally "MD5:" first): what MISP accepts as ssh-fingerprint. */
static int is_ssh_fingerprint(const char *s)
{
    if (strncmp(s, "SHA256:", 7) == 0) {
        const char *b = s + 7;
        size_t n = strlen(b);
        if (n == 44 && b[43] == '=')
            n = 43;
        if (n != 43)
            return 0;
        for (size_t i = 0; i < n; i++) {
            char c = b[i];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  c == '+' || c == '/'))
                return 0;
        }
        return 1;
    }
    if (strncmp(s, "MD5:", 4) == 0)
        s += 4;
    char hex[33];
    size_t n = 0;
    for (; *s; s++) {
        if (*s == ':')
            continue;
        if (n == 32)
            return 0;
        hex[n++] = *s;
    }
    hex[n] = '\0';
    return is_hex(hex, 32);
}

static int has_newline(const char *s) { return strchr(s, '\n') != NULL; }

/* Bitcoin: base58 from 1 or 3 (26-35 characters) or bech32 bc1 (42 or 62); Monero: 4 or 8
 * and 95 characters (106 integrated). The format alone, as MISP checks. */
static const char *wallet_type(const char *s)
{
    size_t n = strlen(s);
    if (!is_alnum_only(s))
        return NULL;
    if ((s[0] == '1' || s[0] == '3') && n >= 26 && n <= 35)
        return "btc";
    if (strncmp(s, "bc1", 3) == 0 && (n == 42 || n == 62))
        return "btc";
    if ((s[0] == '4' || s[0] == '8') && (n == 95 || n == 106))
        return "xmr";
    return NULL;
}

/* ---- IOC kind -> attribute ---- */

typedef struct attr_kind {
    const char *type, *category;
    int to_ids;
    const char *what; /* start of the comment */
} attr_kind;

/* The attribute an IOC becomes; type NULL when the value fails the type's check (then it is
 * written as text/Other). Returns 0 for kinds that are not exported. */
static int attr_for(const ap_model_ioc *x, attr_kind *a)
{
    const char *v = x->value;
    *a = (attr_kind){NULL, NULL, 0, NULL};
    switch (x->kind) {
    case AP_MODEL_IOC_IP:
        *a = (attr_kind){is_ip(v) ? "ip-src" : NULL, "Network activity", 1, "source address"};
        return 1;
    case AP_MODEL_IOC_NET:
        *a = (attr_kind){is_cidr(v) ? "ip-src" : NULL, "Network activity", 0,
                         "network of source addresses"};
        return 1;
    case AP_MODEL_IOC_ASN:
        *a = (attr_kind){"AS", "Network activity", 0, "autonomous system of source addresses"};
        return 1;
    case AP_MODEL_IOC_URL:
        *a = (attr_kind){has_newline(v) ? NULL : "url", "Payload delivery", 1,
                         "URL fetched or typed"};
        return 1;
    case AP_MODEL_IOC_HOST:
        *a = (attr_kind){is_ip(v)       ? "ip-dst"
                         : is_domain(v) ? "domain"
                                        : NULL,
                         "Network activity", 1, "download or C2 host"};
        return 1;
    case AP_MODEL_IOC_SHA256:
        *a = (attr_kind){is_hex(v, 64) ? "sha256" : NULL, "Payload delivery", 1,
                         "file downloaded, uploaded or named"};
        return 1;
    case AP_MODEL_IOC_SSH_KEY:
        *a = (attr_kind){is_ssh_fingerprint(v) ? "ssh-fingerprint" : NULL, "Network activity", 1,
                         "SSH key written to authorized_keys"};
        return 1;
    case AP_MODEL_IOC_CLIENT_KEY:
        *a = (attr_kind){is_ssh_fingerprint(v) ? "ssh-fingerprint" : NULL, "Network activity", 1,
                         "SSH key offered by the client at login"};
        return 1;
    case AP_MODEL_IOC_WALLET:
        *a = (attr_kind){wallet_type(v), "Financial fraud", 0, "cryptocurrency wallet"};
        return 1;
    case AP_MODEL_IOC_TAG:
        *a = (attr_kind){"text", "Other", 0, "busybox tag or echo marker"};
        return 1;
    case AP_MODEL_IOC_CLIENT:
        *a = (attr_kind){"text", "Network activity", 0, "SSH client version"};
        return 1;
    case AP_MODEL_IOC_HASSH:
        *a = (attr_kind){is_hex(v, 32) ? "hassh-md5" : NULL, "Network activity", 0,
                         "HASSH of the SSH client"};
        return 1;
    case AP_MODEL_IOC_PASSWORD: *a = (attr_kind){"text", "Other", 0, "password tried"}; return 1;
    case AP_MODEL_IOC_USERNAME:
        *a = (attr_kind){has_newline(v) ? NULL : "target-user", "Targeting data", 0,
                         "username tried"};
        return 1;
    default: return 0;
    }
}

/* ---- threat level ---- */

/* "1" High, "2" Medium, "3" Low, "4" Undefined (docs/export-misp.md). */
static const char *threat_level(const ap_model_campaign *c)
{
    if (!(c->criticality > 0) || c->incidents == 0)
        return "4";
    if (c->score >= HIGH_SCORE && c->criticality >= HIGH_CRITICALITY)
        return "1";
    return c->score >= MEDIUM_SCORE ? "2" : "3";
}

/* ---- writing ---- */

typedef struct misp_ctx {
    FILE *f;
    unsigned char ns[16];
    const char *producer;
    char org_uuid[37]; /* UUIDv5 of "misp-org|<producer>" */
} misp_ctx;

static void put_json(FILE *f, const char *s) { ap_escape_json(f, ap_str_c(s)); }

static ap_status uuid_of(const misp_ctx *x, const char *key, size_t n, char out[37])
{
    return ap_uuid5(x->ns, key, n, out);
}

static void day_of(int64_t us, char out[11])
{
    char t[40];
    ap_format_time(us, t, sizeof t);
    memcpy(out, t, 10);
    out[10] = '\0';
}

static int64_t seconds_of(int64_t us)
{
    return us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
}

/* The galaxy cluster value: "<name> - <id>", with a sub-technique's own name ("Unix Shell",
 * not the table's "Command and Scripting Interpreter: Unix Shell"), as the MISP galaxy names it. */
static ap_status galaxy_tag(FILE *f, const ap_model_technique *t)
{
    const char *name = t->name ? t->name : "";
    if (strchr(t->id, '.')) {
        const char *colon = strstr(name, ": ");
        if (colon)
            name = colon + 2;
    }
    size_t n =
        strlen("misp-galaxy:mitre-attack-pattern=\"\" - \"") + strlen(name) + strlen(t->id) + 1;
    char *s = malloc(n);
    if (!s)
        return AP_ERR_NOMEM;
    snprintf(s, n, "misp-galaxy:mitre-attack-pattern=\"%s - %s\"", name, t->id);
    fputs(",\n        {\"name\": ", f);
    put_json(f, s);
    fputc('}', f);
    free(s);
    return AP_OK;
}

static ap_status write_attribute(const misp_ctx *x, const ap_model_campaign *c,
                                 const ap_model_ioc *ioc, const attr_kind *a, int *first)
{
    FILE *f = x->f;
    const char *kind = ap_model_ioc_kind_name(ioc->kind);
    size_t vn = strlen(ioc->value);
    size_t kn = 64 + strlen(kind) + vn;
    char *key = malloc(kn);
    if (!key)
        return AP_ERR_NOMEM;
    int kl = snprintf(key, kn, "misp-attribute|C-%" PRId64 "|%s|", c->id, kind);
    memcpy(key + kl, ioc->value, vn);
    char uuid[37];
    ap_status st = uuid_of(x, key, (size_t)kl + vn, uuid);
    free(key);
    if (st != AP_OK)
        return st;

    const char *type = a->type ? a->type : "text";
    const char *category = a->type ? a->category : "Other";
    int to_ids = a->type ? a->to_ids : 0;
    const char *value = ioc->value;
    char asn[24];
    if (ioc->kind == AP_MODEL_IOC_ASN) { /* "AS14061 DIGITALOCEAN-ASN" -> "14061" */
        const char *p = value;
        if ((p[0] == 'A' || p[0] == 'a') && (p[1] == 'S' || p[1] == 's'))
            p += 2;
        size_t n = 0;
        while (p[n] >= '0' && p[n] <= '9' && n < sizeof asn - 1)
            n++;
        if (n == 0 || n > 10 || (p[n] && p[n] != ' ') || strtoull(p, NULL, 10) > 4294967295ULL) {
            type = "text", category = "Other", to_ids = 0;
        } else {
            memcpy(asn, p, n);
            asn[n] = '\0';
            value = asn;
        }
    }
    int fell_back = type != a->type;
    /* "autonomous system (AS14061 DIGITALOCEAN-ASN): 3 sessions in 2 incidents": the AS's
     * name from the ASN table is kept in the comment, its number is the value */
    const char *named = ioc->kind == AP_MODEL_IOC_ASN && value == asn ? ioc->value : NULL;
    const char *prefix = fell_back ? "not a valid MISP value for its type; " : "";
#define COMMENT_ARGS                                                                               \
    prefix, a->what, named ? " (" : "", named ? named : "", named ? ")" : "", ioc->sessions,       \
        ioc->sessions == 1 ? "" : "s", ioc->incidents, ioc->incidents == 1 ? "" : "s"
    int cn = snprintf(NULL, 0, "%s%s%s%s%s: %" PRIu64 " session%s in %" PRIu64 " incident%s",
                      COMMENT_ARGS);
    char *comment = cn >= 0 ? malloc((size_t)cn + 1) : NULL;
    if (!comment)
        return AP_ERR_NOMEM;
    snprintf(comment, (size_t)cn + 1, "%s%s%s%s%s: %" PRIu64 " session%s in %" PRIu64 " incident%s",
             COMMENT_ARGS);
#undef COMMENT_ARGS
    char fs[40], ls[40];
    ap_format_time(ioc->first_us, fs, sizeof fs);
    ap_format_time(ioc->last_us, ls, sizeof ls);

    fputs(*first ? "\n" : ",\n", f);
    *first = 0;
    fprintf(f,
            "        {\"uuid\": \"%s\", \"type\": \"%s\", \"category\": \"%s\", \"value\": ", uuid,
            type, category);
    put_json(f, value);
    fprintf(f,
            ", \"to_ids\": %s, \"distribution\": \"5\", \"comment\": ", to_ids ? "true" : "false");
    put_json(f, comment);
    free(comment);
    fprintf(f,
            ", \"timestamp\": \"%" PRId64 "\", \"first_seen\": \"%s\", \"last_seen\": \"%s\", "
            "\"deleted\": false}",
            seconds_of(ioc->last_us), fs, ls);
    return ferror(f) ? AP_ERR_IO : AP_OK;
}

/* Is this IOC an attribute of the event (a value, a kind we export, within the credential
 * caps)? Fills *a. The counters carry the caps across one campaign's IOCs. */
static int exported(const ap_model_ioc *x, attr_kind *a, size_t *passwords, size_t *usernames)
{
    if (!x->value || !x->value[0] || !attr_for(x, a))
        return 0;
    if (x->kind == AP_MODEL_IOC_PASSWORD && (*passwords)++ >= CREDENTIALS_MAX)
        return 0;
    if (x->kind == AP_MODEL_IOC_USERNAME && (*usernames)++ >= CREDENTIALS_MAX)
        return 0;
    return 1;
}

static size_t count_attributes(const ap_model_campaign *c)
{
    size_t n = 0, passwords = 0, usernames = 0;
    attr_kind a;
    for (size_t i = 0; i < c->niocs; i++)
        n += (size_t)exported(&c->iocs[i], &a, &passwords, &usernames);
    return n;
}

static ap_status write_event(const misp_ctx *x, const ap_model_campaign *c, int first_event)
{
    FILE *f = x->f;
    char key[64], uuid[37], day[11], last_day[11];
    int kl = snprintf(key, sizeof key, "misp-event|C-%" PRId64, c->id);
    ap_status st = uuid_of(x, key, (size_t)kl, uuid);
    if (st != AP_OK)
        return st;
    day_of(c->first_us, day);
    day_of(c->last_us, last_day);

    char actor[32] = "no actor";
    if (c->actor > 0)
        snprintf(actor, sizeof actor, "actor A-%" PRId64, c->actor);
    const char *tactic = c->primary_tactic && c->primary_tactic[0] ? c->primary_tactic : "none";
    size_t in = strlen(x->producer) + strlen(tactic) + 160;
    char *info = malloc(in);
    if (!info)
        return AP_ERR_NOMEM;
    snprintf(info, in,
             "%s campaign C-%" PRId64 " (%s): primary tactic %s, %" PRIu64 " incidents, %" PRIu64
             " sessions, %s to %s",
             x->producer, c->id, actor, tactic, c->incidents, c->sessions, day, last_day);

    fputs(first_event ? "\n" : ",\n", f);
    fprintf(f, "    {\"Event\": {\n      \"uuid\": \"%s\",\n      \"info\": ", uuid);
    put_json(f, info);
    free(info);
    fprintf(f,
            ",\n      \"date\": \"%s\",\n      \"timestamp\": \"%" PRId64 "\",\n"
            "      \"publish_timestamp\": \"0\",\n      \"published\": false,\n"
            "      \"analysis\": \"2\",\n      \"threat_level_id\": \"%s\",\n"
            "      \"distribution\": \"0\",\n      \"sharing_group_id\": \"0\",\n"
            "      \"attribute_count\": \"%zu\",\n",
            day, seconds_of(c->last_us), threat_level(c), count_attributes(c));

    fputs("      \"Orgc\": {\"name\": ", f);
    put_json(f, x->producer);
    fprintf(f, ", \"uuid\": \"%s\"},\n", x->org_uuid);

    fputs("      \"Tag\": [\n        {\"name\": \"" MISP_TLP_TAG "\"}", f);
    fprintf(f, ",\n        {\"name\": \"actorprint:campaign=\\\"C-%" PRId64 "\\\"\"}", c->id);
    if (c->actor > 0)
        fprintf(f, ",\n        {\"name\": \"actorprint:actor=\\\"A-%" PRId64 "\\\"\"}", c->actor);
    for (size_t i = 0; i < c->ntechniques; i++)
        if (c->techniques[i].id && c->techniques[i].id[0] &&
            (st = galaxy_tag(f, &c->techniques[i])) != AP_OK)
            return st;
    fputs("\n      ],\n      \"Attribute\": [", f);

    int first = 1;
    size_t passwords = 0, usernames = 0;
    for (size_t i = 0; i < c->niocs; i++) {
        attr_kind a;
        if (exported(&c->iocs[i], &a, &passwords, &usernames) &&
            (st = write_attribute(x, c, &c->iocs[i], &a, &first)) != AP_OK)
            return st;
    }
    fputs(first ? "]\n    }}" : "\n      ]\n    }}", f);
    return ferror(f) ? AP_ERR_IO : AP_OK;
}

static ap_status write_misp(const misp_ctx *x, const ap_model *m, const ap_export_options *opt)
{
    FILE *f = x->f;
    fputs("{\"response\": [", f);
    int first = 1;
    /* the model's order: highest campaign score first */
    for (size_t i = 0; i < ap_model_campaign_count(m); i++) {
        const ap_model_campaign *c = ap_model_campaign_at(m, i);
        if (!c || !ap_export_selects_campaign(opt, c))
            continue;
        ap_status st = write_event(x, c, first);
        if (st != AP_OK)
            return st;
        first = 0;
    }
    fputs(first ? "]}\n" : "\n]}\n", f);
    return ferror(f) ? AP_ERR_IO : AP_OK;
}

ap_status ap_export_misp(const ap_model *m, const ap_export_options *opt, char *err, size_t errlen)
{
    if (!m || !opt)
        return AP_ERR_ARG;
    misp_ctx x = {.producer = opt->producer && opt->producer[0] ? opt->producer : "actorprint"};
    if (ap_uuid_parse(MISP_NAMESPACE, x.ns) != 0)
        return AP_ERR_INTERNAL;
    size_t pn = strlen(x.producer);
    char *okey = malloc(pn + 10);
    if (!okey)
        return AP_ERR_NOMEM;
    memcpy(okey, "misp-org|", 9);
    memcpy(okey + 9, x.producer, pn);
    ap_status ost = uuid_of(&x, okey, 9 + pn, x.org_uuid);
    free(okey);
    if (ost != AP_OK)
        return ost;
    int close_it = 0;
    x.f = ap_export_open_file(opt, &close_it, err, errlen);
    if (!x.f)
        return AP_ERR_IO;
    const char *what = close_it ? opt->out : "standard output";
    ap_status st = write_misp(&x, m, opt);
    ap_status cst = ap_export_close(x.f, close_it, what, err, errlen);
    if (st != AP_OK) {
        snprintf(err, errlen, "%s: %s", what, ap_strerror(st));
        return st;
    }
    return cst;
}
