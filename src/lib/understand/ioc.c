/* ioc.c — indicators of compromise in attacker text (see ioc.h for the list and why).
 *
 * How: three cheap passes, each started only when a byte prefilter says it can match, so a
 * short command like `uname -a` costs a few memchr calls.
 *  1. network pass (text holds '.' or ':'): one PCRE2 JIT pattern with four alternatives — URL,
 *     e-mail, dotted name (domain or IPv4) and IPv6 candidate. The regex only finds candidates;
 *     the C validators below decide (IPv4 octets, inet_pton, label syntax, TLD rule, context).
 *  2. token pass: every maximal alphanumeric run of 26..130 bytes is classified — hex hashes
 *     of exactly 32/40/64/128 digits, Ethereum 0x+40 hex, Bitcoin base58check (checksum
 *     verified) and bech32/bech32m (checksum verified), Monero 95/106 base58 chars. Runs inside
 *     a URL or an SSH key are skipped.
 *  3. shell pass (text holds "busybox", "echo" or "printf"): one PCRE2 pattern for busybox tags
 *     and echoed marker strings; comments of SSH keys in the text are markers too.
 * Data tables (busybox applets, file extensions that are not TLDs) are data/iocs/ text files,
 * embedded by the build. Rules and their reasons: docs/iocs-and-keys.md.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "understand/ioc.h"
#include "understand/sshkey.h"
#include "util/hash.h"
#include <arpa/inet.h>
#include <openssl/evp.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

extern const char ap_embedded_busybox_applets_txt[];
extern const size_t ap_embedded_busybox_applets_txt_len;
extern const char ap_embedded_file_extensions_txt[];
extern const size_t ap_embedded_file_extensions_txt_len;

#define MAX_DOMAIN 253
#define MAX_URL 4096
#define MIN_TOKEN 26  /* shortest Bitcoin base58 address */
#define MAX_TOKEN 130 /* 0x + 128: longer runs are blobs, not identifiers */

/* ---- word lists from data/iocs -------------------------------------------------------------- */

typedef struct word_list {
    ap_str *w;
    size_t n;
} word_list;

static int str_cmp(const void *a, const void *b)
{
    const ap_str *x = a, *y = b;
    size_t m = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->p, y->p, m);
    return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* One word per line; blank lines and '#' comments skipped. Views point into `text`, which is
 * static (embedded). */
static ap_status word_list_load(word_list *l, const char *text, size_t len)
{
    size_t cap = 0;
    for (size_t i = 0; i < len; i++)
        cap += text[i] == '\n';
    l->w = malloc((cap + 1) * sizeof *l->w);
    l->n = 0;
    if (!l->w)
        return AP_ERR_NOMEM;
    size_t i = 0;
    while (i < len) {
        size_t e = i;
        while (e < len && text[e] != '\n')
            e++;
        size_t s = i, t = e;
        while (s < t && (text[s] == ' ' || text[s] == '\t'))
            s++;
        while (t > s && (text[t - 1] == ' ' || text[t - 1] == '\t' || text[t - 1] == '\r'))
            t--;
        if (t > s && text[s] != '#' && l->n <= cap)
            l->w[l->n++] = ap_str_make(text + s, t - s);
        i = e + 1;
    }
    qsort(l->w, l->n, sizeof *l->w, str_cmp);
    return AP_OK;
}

static int word_list_has(const word_list *l, ap_str w)
{
    return l->n && bsearch(&w, l->w, l->n, sizeof *l->w, str_cmp) != NULL;
}

/* ---- the scanner ---------------------------------------------------------------------------- */

struct ap_ioc_scanner {
    pcre2_code *net, *shell;
    pcre2_match_data *md;
    int jit;
    word_list applets, extensions;
    EVP_MD *sha256;
    signed char b58[256], b32[256]; /* digit values of the base58 / bech32 alphabets, -1 if none */
    unsigned char alnum[256];       /* 1 for [A-Za-z0-9]: the byte loops' only test */
};

static const char b58_alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
static const char bech32_charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/* Separators a defanged name may use instead of '.'. */
#define SEP "(?:\\.|\\[\\.\\]|\\(\\.\\)|\\[dot\\])"
/* Possessive: a separator is never a label character, so giving characters back cannot help
 * and would cost O(length) per failed start on long tokens (wallets, base64). */
#define LABEL "[A-Za-z0-9_-]++"

/* Group 1 URL, 2 e-mail, 3 dotted name, 4 IPv6 candidate. */
static const char net_pattern[] =
    /* URL: scheme (defanged forms too), then URL characters; a lone '&' stays (query strings),
     * '&&' ends it (shell) */
    "(\\b(?i:h(?:tt|xx)ps?|f[tx]p|tftp)(?:://|\\[:\\]//|\\[://\\])"
    "(?:[!#$%*+,\\-./0-9:=?@A-Z\\[\\]_a-z~]|&(?!&))+)"
    /* e-mail: local part glued to a dotted host */
    "|((?<![A-Za-z0-9._%+\\-])[A-Za-z0-9._%+\\-]{1,64}+@" LABEL "(?:" SEP LABEL ")+)"
    /* dotted name, maximal: never starts inside a word or a longer dotted run */
    "|((?<![A-Za-z0-9_.\\-])" LABEL "(?:" SEP LABEL ")+)"
    /* IPv6 candidate: hex groups and at least two colons, optional dotted IPv4 tail */
    "|((?<![A-Za-z0-9_:.])[0-9A-Fa-f]{0,4}+(?::[0-9A-Fa-f]{0,4}+){2,8}(?:\\.[0-9]{1,3}){0,3}"
    "(?![A-Za-z0-9_:]))";

/* Group 1 busybox tag word; group 2 quote, 3 quoted content, 4 bare content of an echo. Both
 * must end their statement (nothing but blanks before ; & | ) ` or a line end): a tag or a
 * marker is printed for the bot to read, not written to a file. */
static const char shell_pattern[] =
    "(?<![A-Za-z0-9_\\-])busybox[ \\t]+([A-Za-z0-9_]{2,32})(?=[ \\t]*(?:\\z|[;&|)`\"'\\n\\r]))"
    "|(?<![A-Za-z0-9_\\-])(?:echo|printf)[ \\t]+(?:-[A-Za-z]{1,3}[ \\t]+)*"
    "(?:([\"'])((?:\\\\x[0-9A-Fa-f]{2}){2,64}|[A-Za-z0-9_]{4,32})\\2|([A-Za-z0-9_]{4,32}))"
    "(?=[ \\t]*(?:\\z|[;&|)`\\n\\r]))";

static ap_status compile(const char *pat, pcre2_code **out, int *jit)
{
    int err;
    PCRE2_SIZE off;
    *out = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
    if (!*out)
        return AP_ERR_INTERNAL;
    if (pcre2_jit_compile(*out, PCRE2_JIT_COMPLETE) != 0)
        *jit = 0;
    return AP_OK;
}

ap_status ap_ioc_scanner_new(ap_ioc_scanner **out)
{
    if (!out)
        return AP_ERR_ARG;
    *out = NULL;
    ap_ioc_scanner *sc = calloc(1, sizeof *sc);
    if (!sc)
        return AP_ERR_NOMEM;
    sc->jit = 1;
    ap_status st = compile(net_pattern, &sc->net, &sc->jit);
    if (st == AP_OK)
        st = compile(shell_pattern, &sc->shell, &sc->jit);
    if (st == AP_OK && !(sc->md = pcre2_match_data_create(8, NULL)))
        st = AP_ERR_NOMEM;
    if (st == AP_OK)
        st = word_list_load(&sc->applets, ap_embedded_busybox_applets_txt,
                            ap_embedded_busybox_applets_txt_len);
    if (st == AP_OK)
        st = word_list_load(&sc->extensions, ap_embedded_file_extensions_txt,
                            ap_embedded_file_extensions_txt_len);
    if (st == AP_OK && !(sc->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)))
        st = AP_ERR_INTERNAL;
    for (int c = 0; c < 256; c++)
        sc->alnum[c] = (unsigned char)((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'));
    memset(sc->b58, -1, sizeof sc->b58);
    memset(sc->b32, -1, sizeof sc->b32);
    for (int i = 0; b58_alphabet[i]; i++)
        sc->b58[(unsigned char)b58_alphabet[i]] = (signed char)i;
    for (int i = 0; bech32_charset[i]; i++)
        sc->b32[(unsigned char)bech32_charset[i]] = (signed char)i;
    if (st != AP_OK) {
        ap_ioc_scanner_free(sc);
        return st;
    }
    *out = sc;
    return AP_OK;
}

void ap_ioc_scanner_free(ap_ioc_scanner *sc)
{
    if (!sc)
        return;
    pcre2_code_free(sc->net);
    pcre2_code_free(sc->shell);
    pcre2_match_data_free(sc->md);
    free(sc->applets.w);
    free(sc->extensions.w);
    EVP_MD_free(sc->sha256);
    free(sc);
}

const char *ap_ioc_type_name(ap_ioc_type t)
{
    static const char *const names[AP_IOC__COUNT] = {
        "url", "domain", "ipv4", "ipv6", "md5", "sha1", "sha256", "sha512",
        "btc", "xmr", "eth", "busybox_tag", "marker", "email"};
    return (unsigned)t < AP_IOC__COUNT ? names[t] : "unknown";
}

/* ---- character classes ---------------------------------------------------------------------- */

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static int is_hex(unsigned char c) { return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }
static char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c; }

/* ---- results -------------------------------------------------------------------------------- */

typedef struct found {
    ap_ioc *v;
    size_t n, cap;
    ap_arena *arena;
    /* (type, value) set for deduplication: open addressing, slot = index + 1, 0 = empty */
    uint32_t *slots;
    size_t nslots;
    /* byte ranges whose contents the token pass skips (URLs, e-mails, SSH keys); the first
     * nkeys are the SSH keys' type and blob, in text order, which the network pass skips too */
    uint32_t (*skip)[2];
    size_t nskip, capskip, nkeys;
} found;

/* Slot of (type, value): its index + 1 when present, or the empty slot where it goes. */
static size_t find_slot(const found *f, ap_ioc_type type, const char *val, size_t len)
{
    size_t mask = f->nslots - 1, i = (size_t)ap_hash64_seed(val, len, (uint64_t)type + 1) & mask;
    for (;;) {
        uint32_t s = f->slots[i];
        if (s == 0)
            return i;
        const ap_ioc *x = &f->v[s - 1];
        if (x->type == type && x->value.n == len && memcmp(x->value.p, val, len) == 0)
            return i;
        i = (i + 1) & mask;
    }
}

static ap_status grow(found *f)
{
    size_t cap = f->cap ? f->cap * 2 : 8;
    ap_ioc *v = ap_arena_alloc(f->arena, cap * sizeof *v);
    uint32_t *slots = ap_arena_alloc(f->arena, cap * 2 * sizeof *slots);
    if (!v || !slots)
        return AP_ERR_NOMEM;
    if (f->n)
        memcpy(v, f->v, f->n * sizeof *v);
    memset(slots, 0, cap * 2 * sizeof *slots);
    f->v = v;
    f->cap = cap;
    f->slots = slots;
    f->nslots = cap * 2; /* a power of two, never more than half full */
    for (size_t i = 0; i < f->n; i++)
        f->slots[find_slot(f, v[i].type, v[i].value.p, v[i].value.n)] = (uint32_t)(i + 1);
    return AP_OK;
}

static ap_status add(found *f, ap_ioc_type type, const char *val, size_t len, size_t start, size_t end)
{
    if (f->n == f->cap) {
        ap_status st = grow(f);
        if (st != AP_OK)
            return st;
    }
    size_t slot = find_slot(f, type, val, len);
    if (f->slots[slot]) {
        ap_ioc *x = &f->v[f->slots[slot] - 1];
        if (start < x->start) { /* passes run in turn; keep the first position */
            x->start = (uint32_t)start;
            x->end = (uint32_t)end;
        }
        return AP_OK;
    }
    ap_str copy = ap_arena_dup(f->arena, ap_str_make(val, len));
    if (!copy.p)
        return AP_ERR_NOMEM;
    f->v[f->n] = (ap_ioc){type, copy, (uint32_t)start, (uint32_t)end};
    f->slots[slot] = (uint32_t)++f->n;
    return AP_OK;
}

static ap_status add_skip(found *f, size_t start, size_t end)
{
    if (f->nskip == f->capskip) {
        size_t cap = f->capskip ? f->capskip * 2 : 8;
        uint32_t(*v)[2] = ap_arena_alloc(f->arena, cap * sizeof *v);
        if (!v)
            return AP_ERR_NOMEM;
        if (f->nskip)
            memcpy(v, f->skip, f->nskip * sizeof *v);
        f->skip = v;
        f->capskip = cap;
    }
    f->skip[f->nskip][0] = (uint32_t)start;
    f->skip[f->nskip][1] = (uint32_t)end;
    f->nskip++;
    return AP_OK;
}

static int range_cmp(const void *a, const void *b)
{
    const uint32_t *x = a, *y = b;
    return (x[0] > y[0]) - (x[0] < y[0]);
}

/* Sorts the skip ranges and merges overlapping ones, so one forward cursor can test tokens. */
static void normalise_skips(found *f)
{
    if (f->nskip < 2)
        return;
    qsort(f->skip, f->nskip, sizeof *f->skip, range_cmp);
    size_t o = 0;
    for (size_t i = 1; i < f->nskip; i++) {
        if (f->skip[i][0] <= f->skip[o][1]) {
            if (f->skip[i][1] > f->skip[o][1])
                f->skip[o][1] = f->skip[i][1];
        } else {
            o++;
            f->skip[o][0] = f->skip[i][0];
            f->skip[o][1] = f->skip[i][1];
        }
    }
    f->nskip = o + 1;
}

/* ---- names and addresses -------------------------------------------------------------------- */

/* Rewrites a dotted name with defanged separators ("[.]", "(.)", "[dot]") to plain dots,
 * lower-cased, into buf (cap bytes). Returns the length, or 0 when it does not fit. */
static size_t undefang_name(const char *s, size_t n, char *buf, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t skip = 0;
        if (s[i] == '[' && n - i >= 3 && memcmp(s + i, "[.]", 3) == 0)
            skip = 3;
        else if (s[i] == '(' && n - i >= 3 && memcmp(s + i, "(.)", 3) == 0)
            skip = 3;
        else if (s[i] == '[' && n - i >= 5 && memcmp(s + i, "[dot]", 5) == 0)
            skip = 5;
        if (o >= cap)
            return 0;
        if (skip) {
            buf[o++] = '.';
            i += skip;
        } else {
            buf[o++] = lower(s[i++]);
        }
    }
    return o;
}

/* Strict dotted-quad: four decimal octets 0..255 without leading zeros ("010" is octal to
 * inet_aton and a version component to humans; neither is a clean IOC). */
static int valid_ipv4(const char *s, size_t n)
{
    size_t parts = 0, i = 0;
    while (i <= n && parts < 5) {
        size_t b = i;
        unsigned v = 0;
        while (i < n && is_digit((unsigned char)s[i]) && i - b < 4)
            v = v * 10 + (unsigned)(s[i++] - '0');
        size_t len = i - b;
        if (len == 0 || len > 3 || v > 255 || (len > 1 && s[b] == '0'))
            return 0;
        parts++;
        if (i == n)
            break;
        if (s[i] != '.')
            return 0;
        i++;
    }
    return parts == 4 && i == n;
}

/* Host-name syntax (lower case input): labels of 1..63 [a-z0-9-] not starting or ending with
 * '-', at least two labels, the last alphabetic (2..24 letters) or an IDN "xn--" label. */
static int valid_hostname(const char *s, size_t n, ap_str *tld)
{
    if (n == 0 || n > MAX_DOMAIN)
        return 0;
    size_t labels = 0, i = 0, last = 0;
    while (i < n) {
        size_t b = i;
        while (i < n && s[i] != '.') {
            char c = s[i];
            if (!((c >= 'a' && c <= 'z') || is_digit((unsigned char)c) || c == '-'))
                return 0;
            i++;
        }
        size_t len = i - b;
        if (len == 0 || len > 63 || s[b] == '-' || s[i - 1] == '-')
            return 0;
        labels++;
        last = b;
        if (i < n)
            i++;
        if (i == n && s[n - 1] == '.')
            return 0;
    }
    if (labels < 2)
        return 0;
    size_t tl = n - last;
    const char *t = s + last;
    int alpha = tl >= 2 && tl <= 24;
    for (size_t k = 0; alpha && k < tl; k++)
        alpha = t[k] >= 'a' && t[k] <= 'z';
    if (!alpha && !(tl > 4 && memcmp(t, "xn--", 4) == 0))
        return 0;
    if (tld)
        *tld = ap_str_make(t, tl);
    return 1;
}

/* IPv6 through inet_pton, written back canonically (inet_ntop). At least one hex digit:
 * a bare "::" is punctuation far more often than the unspecified address. */
static int canonical_ipv6(const char *s, size_t n, char out[INET6_ADDRSTRLEN])
{
    char tmp[64];
    if (n == 0 || n >= sizeof tmp)
        return 0;
    int digit = 0;
    for (size_t i = 0; i < n; i++)
        digit |= is_hex((unsigned char)s[i]);
    if (!digit)
        return 0;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    unsigned char a[16];
    if (inet_pton(AF_INET6, tmp, a) != 1)
        return 0;
    return inet_ntop(AF_INET6, a, out, INET6_ADDRSTRLEN) != NULL;
}

/* A host (already un-defanged and lower case) as IPv4, IPv6 (without brackets) or domain.
 * Returns the type or AP_IOC__COUNT when it is none; *val is the normalised value. */
static ap_ioc_type classify_host(const char *h, size_t n, char *v6buf, const char **val, size_t *vlen)
{
    *val = h;
    *vlen = n;
    if (valid_ipv4(h, n))
        return AP_IOC_IPV4;
    if (memchr(h, ':', n)) {
        if (!canonical_ipv6(h, n, v6buf))
            return AP_IOC__COUNT;
        *val = v6buf;
        *vlen = strlen(v6buf);
        return AP_IOC_IPV6;
    }
    return valid_hostname(h, n, NULL) ? AP_IOC_DOMAIN : AP_IOC__COUNT;
}

/* ---- URL ------------------------------------------------------------------------------------ */

/* Sets *taken when t[s, e) (a URL candidate) is a URL with a valid host. */
static ap_status on_url(found *f, ap_str t, size_t s, size_t e, int *taken)
{
    /* trailing punctuation belongs to the sentence or the shell, not the URL */
    while (e > s && strchr(".,:;!?&", t.p[e - 1]))
        e--;
    if (e - s > MAX_URL)
        return AP_OK;
    char buf[MAX_URL + 8];
    size_t o = 0, i = s;
    /* scheme, de-fanged and lower case */
    while (i < e && is_alpha((unsigned char)t.p[i]))
        buf[o++] = lower(t.p[i++]);
    if (o >= 4 && buf[1] == 'x' && buf[2] == 'x')
        buf[1] = buf[2] = 't'; /* hxxp(s) */
    else if (o == 3 && buf[1] == 'x')
        buf[1] = 't'; /* fxp */
    i += t.p[i] == '[' ? 5 : 3; /* "[:]//" and "[://]" are five bytes, "://" three */
    memcpy(buf + o, "://", 3);
    o += 3;
    size_t scheme_len = o;
    /* the rest, with defanged dots and colons restored */
    while (i < e) {
        if (e - i >= 3 && (memcmp(t.p + i, "[.]", 3) == 0 || memcmp(t.p + i, "(.)", 3) == 0)) {
            buf[o++] = '.';
            i += 3;
        } else if (e - i >= 5 && memcmp(t.p + i, "[dot]", 5) == 0) {
            buf[o++] = '.';
            i += 5;
        } else if (e - i >= 3 && memcmp(t.p + i, "[:]", 3) == 0) {
            buf[o++] = ':';
            i += 3;
        } else {
            buf[o++] = t.p[i++];
        }
    }
    /* authority: [userinfo@]host[:port] */
    size_t as = scheme_len, ae = as;
    while (ae < o && buf[ae] != '/' && buf[ae] != '?' && buf[ae] != '#')
        ae++;
    size_t hs = as;
    for (size_t k = as; k < ae; k++)
        if (buf[k] == '@')
            hs = k + 1;
    size_t he;
    char host[MAX_DOMAIN + 2];
    size_t hn = 0;
    if (hs < ae && buf[hs] == '[') {
        he = hs + 1;
        while (he < ae && buf[he] != ']')
            he++;
        if (he >= ae)
            return AP_OK;
        if (he - hs - 1 > MAX_DOMAIN)
            return AP_OK;
        memcpy(host, buf + hs + 1, he - hs - 1);
        hn = he - hs - 1;
        he++;
    } else {
        he = hs;
        while (he < ae && buf[he] != ':')
            he++;
        if (he - hs > MAX_DOMAIN + 1)
            return AP_OK;
        for (size_t k = hs; k < he; k++)
            host[hn++] = lower(buf[k]);
        if (hn > 1 && host[hn - 1] == '.')
            hn--; /* fully qualified "evil.com." */
    }
    if (he < ae && buf[he] == ':')
        for (size_t k = he + 1; k < ae; k++)
            if (!is_digit((unsigned char)buf[k]))
                return AP_OK; /* port must be a number */
    char v6[INET6_ADDRSTRLEN];
    const char *hv;
    size_t hvn;
    ap_ioc_type ht = classify_host(host, hn, v6, &hv, &hvn);
    if (ht == AP_IOC__COUNT)
        return AP_OK; /* "http://$HOST/x", "http://localhost/": not an indicator */
    *taken = 1;
    ap_status st = add(f, AP_IOC_URL, buf, o, s, e);
    if (st == AP_OK)
        st = add_skip(f, s, e);
    if (st != AP_OK)
        return st;
    /* the host's position in the text: find it after the scheme (defang may shift it) */
    size_t raw_hs = s, raw_he = e;
    const char *sep = NULL;
    for (size_t k = s; k + 1 < e && !sep; k++)
        if (t.p[k] == '/' && t.p[k + 1] == '/')
            sep = t.p + k + 2;
    if (sep) {
        raw_hs = (size_t)(sep - t.p);
        raw_he = raw_hs;
        while (raw_he < e && t.p[raw_he] != '/' && t.p[raw_he] != '?' && t.p[raw_he] != '#')
            raw_he++;
        for (size_t k = raw_hs; k < raw_he; k++)
            if (t.p[k] == '@')
                raw_hs = k + 1;
        if (raw_hs < raw_he && t.p[raw_hs] == ']') /* "hxxp[://]host" */
            raw_hs++;
    }
    return add(f, ht, hv, hvn, raw_hs, raw_he);
}

/* ---- dotted names --------------------------------------------------------------------------- */

/* A bare dotted name is a file or code, not a host, when its context says so. */
static int bare_name_context_ok(ap_str t, size_t s, size_t e)
{
    if (s > 0) {
        char b = t.p[s - 1];
        if (b == '$' || b == '{' || b == '\\' || b == '%')
            return 0; /* $HOME.bak, ${x}.tmp */
        if (b == '/') {
            /* a path element, except right after "scheme://" or bash's /dev/tcp/HOST/PORT */
            if (s >= 2 && t.p[s - 2] == '/')
                return 1;
            if (s >= 9 && (memcmp(t.p + s - 9, "/dev/tcp/", 9) == 0 || memcmp(t.p + s - 9, "/dev/udp/", 9) == 0))
                return 1;
            return 0;
        }
    }
    if (e < t.n) {
        char a = t.p[e];
        if (a == '(' || a == '=')
            return 0; /* socket.socket(, vm.swappiness=10 */
    }
    return 1;
}

static ap_status on_dotted(ap_ioc_scanner *sc, found *f, ap_str t, size_t s, size_t e)
{
    char buf[MAX_DOMAIN + 1];
    size_t n = e - s > 4 * MAX_DOMAIN ? 0 : undefang_name(t.p + s, e - s, buf, sizeof buf);
    if (n == 0)
        return AP_OK;
    if (valid_ipv4(buf, n))
        return add(f, AP_IOC_IPV4, buf, n, s, e);
    ap_str tld;
    if (!valid_hostname(buf, n, &tld))
        return AP_OK; /* 1.2.3.4.5, 256.1.1.1, libc.so.6, id_rsa.pub, x86_64 */
    if (word_list_has(&sc->extensions, tld) || !bare_name_context_ok(t, s, e))
        return AP_OK;
    return add(f, AP_IOC_DOMAIN, buf, n, s, e);
}

/* E-mail: local part and a host that passes the bare-name rules. Returns 1 when taken. */
static int on_email(ap_ioc_scanner *sc, found *f, ap_str t, size_t s, size_t e, ap_status *st)
{
    const char *at = memchr(t.p + s, '@', e - s);
    if (!at)
        return 0;
    size_t ls = s, le = (size_t)(at - t.p);
    if (t.p[ls] == '.' || t.p[le - 1] == '.')
        return 0;
    for (size_t k = ls; k + 1 < le; k++)
        if (t.p[k] == '.' && t.p[k + 1] == '.')
            return 0;
    char buf[64 + 1 + MAX_DOMAIN + 1];
    size_t o = 0;
    for (size_t k = ls; k <= le; k++)
        buf[o++] = lower(t.p[k]);
    size_t hn = undefang_name(at + 1, e - le - 1, buf + o, MAX_DOMAIN);
    if (hn == 0)
        return 0;
    ap_str tld;
    if (!valid_hostname(buf + o, hn, &tld) || word_list_has(&sc->extensions, tld))
        return 0;
    *st = add(f, AP_IOC_EMAIL, buf, o + hn, s, e);
    if (*st == AP_OK)
        *st = add_skip(f, s, e);
    return 1;
}

static ap_status on_ipv6(found *f, ap_str t, size_t s, size_t e)
{
    while (e > s && t.p[e - 1] == '.')
        e--;
    char v6[INET6_ADDRSTRLEN];
    if (!canonical_ipv6(t.p + s, e - s, v6))
        return AP_OK; /* 12:34:56, MAC addresses, "::" */
    return add(f, AP_IOC_IPV6, v6, strlen(v6), s, e);
}

/* Matches in t[from, end); the bytes before `from` stay visible to lookbehinds. */
static int match(ap_ioc_scanner *sc, pcre2_code *re, ap_str t, size_t from, size_t end)
{
    if (sc->jit)
        return pcre2_jit_match(re, (PCRE2_SPTR)t.p, end, from, 0, sc->md, NULL);
    return pcre2_match(re, (PCRE2_SPTR)t.p, end, from, 0, sc->md, NULL);
}

static int word_byte(unsigned char c) { return c > 0x20 && c < 0x7f && c != '"' && c != '\'' && c != '`'; }

/* Next '.' and ':' at or after a position, remembered so that the text is searched once. */
typedef struct anchors {
    size_t dot, colon;
} anchors;

static size_t next_byte(ap_str t, size_t from, char c)
{
    const char *p = from < t.n ? memchr(t.p + from, c, t.n - from) : NULL;
    return p ? (size_t)(p - t.p) : t.n;
}

/* Every network match holds a '.' or a ':' (the scheme's, the host's, the address's) and
 * consists of printable ASCII other than quotes. So the regex needs to see only the words that
 * hold such an anchor: returns the start of the next one at or after `from` (t.n when none) and
 * its end in *we. */
static size_t next_anchor_word(ap_str t, size_t from, anchors *an, size_t *we)
{
    if (an->dot < from)
        an->dot = next_byte(t, from, '.');
    if (an->colon < from)
        an->colon = next_byte(t, from, ':');
    size_t i = an->dot < an->colon ? an->dot : an->colon;
    if (i >= t.n)
        return t.n;
    size_t e = i, limit = i - from > 4096 ? i - 4096 : from;
    while (i > limit && word_byte((unsigned char)t.p[i - 1]))
        i--;
    while (e < t.n && word_byte((unsigned char)t.p[e]))
        e++;
    *we = e;
    return i;
}

/* Whether t[s, e) overlaps an SSH key's type or blob (`sk-ssh-ed25519@openssh.com` is not an
 * e-mail address). Queries come in text order, so *cursor only moves forward. */
static int in_key(const found *f, size_t *cursor, size_t s, size_t e)
{
    while (*cursor < f->nkeys && f->skip[*cursor][1] <= s)
        (*cursor)++;
    return *cursor < f->nkeys && f->skip[*cursor][0] < e;
}

static ap_status network_pass(ap_ioc_scanner *sc, found *f, ap_str t)
{
    size_t from = 0, key_cursor = 0;
    anchors an = {next_byte(t, 0, '.'), next_byte(t, 0, ':')};
    while (from < t.n) {
        size_t we = t.n;
        from = next_anchor_word(t, from, &an, &we);
        if (from >= t.n)
            break;
        int rc = match(sc, sc->net, t, from, we);
        if (rc < 0) { /* none in this word (or a resource limit): on to the next */
            from = we;
            continue;
        }
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(sc->md);
        size_t s = ov[0], e = ov[1];
        size_t next = e > s ? e : s + 1;
        ap_status st = AP_OK;
        if (in_key(f, &key_cursor, s, e)) {
            /* inside a key's type or blob: nothing to report */
        } else if (rc > 1 && ov[2] != PCRE2_UNSET) {
            int taken = 0;
            st = on_url(f, t, s, e, &taken);
            if (!taken) {
                /* not a URL after all: look again just after the scheme */
                const char *c = memchr(t.p + s, ':', e - s);
                next = c ? (size_t)(c - t.p) + 1 : s + 1;
            }
        } else if (rc > 2 && ov[4] != PCRE2_UNSET) {
            if (!on_email(sc, f, t, s, e, &st)) {
                /* user@1.2.3.4 and friends: the host may still be an indicator */
                const char *at = memchr(t.p + s, '@', e - s);
                next = at ? (size_t)(at - t.p) + 1 : s + 1;
            }
        } else if (rc > 3 && ov[6] != PCRE2_UNSET) {
            st = on_dotted(sc, f, t, s, e);
        } else if (rc > 4 && ov[8] != PCRE2_UNSET) {
            st = on_ipv6(f, t, s, e);
        }
        if (st != AP_OK)
            return st;
        from = next;
    }
    return AP_OK;
}

/* ---- hashes and wallets --------------------------------------------------------------------- */

/* Base58check P2PKH (version 0x00) or P2SH (0x05): 25 bytes, the last four the first four of
 * SHA256(SHA256(first 21)). */
static int valid_btc_base58(ap_ioc_scanner *sc, const char *s, size_t n)
{
    if (n < 26 || n > 35 || (s[0] != '1' && s[0] != '3'))
        return 0;
    unsigned char b[25] = {0};
    for (size_t i = 0; i < n; i++) {
        int v = sc->b58[(unsigned char)s[i]];
        if (v < 0)
            return 0;
        unsigned carry = (unsigned)v;
        for (int j = 24; j >= 0; j--) {
            carry += 58u * b[j];
            b[j] = (unsigned char)(carry & 0xff);
            carry >>= 8;
        }
        if (carry)
            return 0; /* more than 25 bytes */
    }
    size_t ones = 0, zeros = 0;
    while (ones < n && s[ones] == '1')
        ones++;
    while (zeros < 25 && b[zeros] == 0)
        zeros++;
    if (ones != zeros || (b[0] != 0x00 && b[0] != 0x05))
        return 0;
    unsigned char h1[32], h2[32];
    unsigned l1 = 0, l2 = 0;
    if (!EVP_Digest(b, 21, h1, &l1, sc->sha256, NULL) || !EVP_Digest(h1, 32, h2, &l2, sc->sha256, NULL))
        return 0;
    return memcmp(h2, b + 21, 4) == 0;
}

/* BIP-173 / BIP-350 segwit address with human-readable part "bc". */
static int valid_bech32(const ap_ioc_scanner *sc, const char *s, size_t n)
{
    if (n < 14 || n > 90)
        return 0;
    int up = 0, low = 0;
    for (size_t i = 0; i < n; i++) {
        up |= s[i] >= 'A' && s[i] <= 'Z';
        low |= s[i] >= 'a' && s[i] <= 'z';
    }
    if (up && low)
        return 0;
    if (lower(s[0]) != 'b' || lower(s[1]) != 'c' || s[2] != '1')
        return 0;
    unsigned char d[90];
    size_t dn = n - 3;
    for (size_t i = 0; i < dn; i++) {
        int v = sc->b32[(unsigned char)lower(s[3 + i])];
        if (v < 0)
            return 0;
        d[i] = (unsigned char)v;
    }
    if (dn < 7)
        return 0;
    static const uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
    uint32_t chk = 1;
    const unsigned char hrp_exp[5] = {3, 3, 0, 2, 3}; /* "bc": high bits, 0, low bits */
    for (size_t i = 0; i < 5 + dn; i++) {
        unsigned v = i < 5 ? hrp_exp[i] : d[i - 5];
        uint32_t top = chk >> 25;
        chk = ((chk & 0x1ffffff) << 5) ^ v;
        for (int k = 0; k < 5; k++)
            if ((top >> k) & 1)
                chk ^= gen[k];
    }
    int bech32m;
    if (chk == 1)
        bech32m = 0;
    else if (chk == 0x2bc830a3)
        bech32m = 1;
    else
        return 0;
    unsigned ver = d[0];
    if (ver > 16)
        return 0;
    /* program: 5-bit groups d[1 .. dn-6) regrouped to bytes, no leftover bits set */
    size_t bits = 0, bytes = 0;
    uint32_t acc = 0;
    for (size_t i = 1; i < dn - 6; i++) {
        acc = (acc << 5) | d[i];
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            bytes++;
        }
    }
    if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0)
        return 0;
    if (bytes < 2 || bytes > 40)
        return 0;
    if (ver == 0)
        return !bech32m && (bytes == 20 || bytes == 32);
    return bech32m;
}

static int all_of(const char *s, size_t n, int (*pred)(unsigned char))
{
    for (size_t i = 0; i < n; i++)
        if (!pred((unsigned char)s[i]))
            return 0;
    return 1;
}

static int all_b58(const ap_ioc_scanner *sc, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (sc->b58[(unsigned char)s[i]] < 0)
            return 0;
    return 1;
}

static ap_status on_token(ap_ioc_scanner *sc, found *f, ap_str t, size_t s, size_t e)
{
    const char *p = t.p + s;
    size_t n = e - s;
    char buf[MAX_TOKEN + 1];
    ap_ioc_type type = AP_IOC__COUNT;
    if (all_of(p, n, is_hex)) {
        if (n == 32)
            type = AP_IOC_MD5;
        else if (n == 40)
            type = AP_IOC_SHA1;
        else if (n == 64)
            type = AP_IOC_SHA256;
        else if (n == 128)
            type = AP_IOC_SHA512;
    } else if (n == 42 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && all_of(p + 2, 40, is_hex)) {
        type = AP_IOC_ETH;
    } else if ((p[0] == 'b' || p[0] == 'B') && valid_bech32(sc, p, n)) {
        type = AP_IOC_BTC;
    } else if (all_b58(sc, p, n)) {
        if ((n == 95 || n == 106) && (p[0] == '4' || p[0] == '8'))
            type = AP_IOC_XMR;
        else if (valid_btc_base58(sc, p, n))
            type = AP_IOC_BTC;
    }
    if (type == AP_IOC__COUNT)
        return AP_OK;
    /* hashes, 0x addresses and bech32 are case-insensitive: lower case; base58 is not */
    int fold = type != AP_IOC_XMR && !(type == AP_IOC_BTC && p[0] != 'b' && p[0] != 'B');
    for (size_t i = 0; i < n; i++)
        buf[i] = fold ? lower(p[i]) : p[i];
    return add(f, type, buf, n, s, e);
}

static ap_status token_pass(ap_ioc_scanner *sc, found *f, ap_str t)
{
    const unsigned char *p = (const unsigned char *)t.p;
    size_t i = 0, k = 0;
    normalise_skips(f);
    while (i < t.n) {
        while (i < t.n && !sc->alnum[p[i]])
            i++;
        size_t s = i;
        while (i < t.n && sc->alnum[p[i]])
            i++;
        size_t n = i - s;
        while (k < f->nskip && f->skip[k][1] <= s)
            k++;
        int inside = k < f->nskip && f->skip[k][0] < i;
        if (n >= MIN_TOKEN && n <= MAX_TOKEN && !inside) {
            ap_status st = on_token(sc, f, t, s, i);
            if (st != AP_OK)
                return st;
        }
    }
    return AP_OK;
}

/* ---- busybox tags and markers --------------------------------------------------------------- */

static int printable_tag(const char *s, size_t n)
{
    if (n < 3)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return 0;
    return 1;
}

/* A bare or quoted echo token is distinctive when it mixes letters and digits (gpon443) or is
 * all capitals (ECCHI); plain lower-case words (echo hello) and numbers are not. */
static int distinctive_token(const char *s, size_t n)
{
    int letters = 0, digits = 0, lowers = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        letters += is_alpha(c);
        digits += is_digit(c);
        lowers += c >= 'a' && c <= 'z';
    }
    return letters && (digits || !lowers);
}

static int hexval(char c) { return is_digit((unsigned char)c) ? c - '0' : (lower(c) - 'a' + 10); }

static ap_status on_echo(found *f, const char *p, size_t n, size_t s, size_t e)
{
    if (n >= 4 && p[0] == '\\' && p[1] == 'x') {
        char buf[64];
        size_t o = 0;
        for (size_t i = 0; i + 4 <= n && o < sizeof buf; i += 4)
            buf[o++] = (char)(hexval(p[i + 2]) << 4 | hexval(p[i + 3]));
        if (!printable_tag(buf, o))
            return AP_OK; /* an echo-dropper chunk of a binary, not a marker */
        return add(f, AP_IOC_MARKER, buf, o, s, e);
    }
    if (!distinctive_token(p, n))
        return AP_OK;
    return add(f, AP_IOC_MARKER, p, n, s, e);
}

static ap_status shell_pass(ap_ioc_scanner *sc, found *f, ap_str t)
{
    size_t from = 0;
    while (from < t.n) {
        int rc = match(sc, sc->shell, t, from, t.n);
        if (rc < 0)
            break;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(sc->md);
        size_t s = ov[0], e = ov[1];
        ap_status st = AP_OK;
        if (rc > 1 && ov[2] != PCRE2_UNSET) {
            ap_str w = ap_str_make(t.p + ov[2], ov[3] - ov[2]);
            if (!word_list_has(&sc->applets, w) && !all_of(w.p, w.n, is_digit))
                st = add(f, AP_IOC_BUSYBOX_TAG, w.p, w.n, ov[2], ov[3]);
        } else if (rc > 3 && ov[6] != PCRE2_UNSET) {
            st = on_echo(f, t.p + ov[6], ov[7] - ov[6], ov[6], ov[7]);
        } else if (rc > 4 && ov[8] != PCRE2_UNSET) {
            st = on_echo(f, t.p + ov[8], ov[9] - ov[8], ov[8], ov[9]);
        }
        if (st != AP_OK)
            return st;
        from = e > s ? e : s + 1;
    }
    return AP_OK;
}

/* Whether view v lies in t (views of keys in wrapped base64 point into decoded arena text). */
static int view_in(ap_str t, ap_str v)
{
    uintptr_t a = (uintptr_t)t.p, p = (uintptr_t)v.p;
    return v.p && p >= a && p - a <= t.n && v.n <= t.n - (p - a);
}

/* Keys: their comments are markers (mdrfckr), their blobs are not hashes or wallets. */
static ap_status key_pass(found *f, ap_str t)
{
    ap_ssh_key *keys = NULL;
    size_t n = 0;
    ap_status st = ap_sshkey_scan(t, f->arena, &keys, &n);
    for (size_t i = 0; st == AP_OK && i < n; i++) {
        /* the type and blob, or the whole base64 run for a wrapped key */
        size_t end = keys[i].end;
        if (view_in(t, keys[i].blob_b64))
            end = (size_t)(keys[i].blob_b64.p - t.p) + keys[i].blob_b64.n;
        if (!f->nskip || keys[i].start >= f->skip[f->nskip - 1][1]) { /* keep them ordered */
            st = add_skip(f, keys[i].start, end);
            f->nkeys = f->nskip;
        }
        ap_str c = keys[i].comment;
        if (st == AP_OK && c.n > 0 && c.n <= 128 && keys[i].end > keys[i].start) {
            int in = view_in(t, c);
            size_t cs = in ? (size_t)(c.p - t.p) : keys[i].start;
            size_t ce = in ? cs + c.n : keys[i].end;
            st = add(f, AP_IOC_MARKER, c.p, c.n, cs, ce);
        }
    }
    return st;
}

/* ---- the scan ------------------------------------------------------------------------------- */

/* Which passes can match, from one look at each byte. */
typedef struct prefilter {
    int net, tokens, shell, keys;
} prefilter;

static int at(ap_str t, size_t i, const char *lit, size_t l)
{
    return t.n - i >= l && memcmp(t.p + i, lit, l) == 0;
}

static void prefilter_text(const ap_ioc_scanner *sc, ap_str t, prefilter *pf)
{
    size_t run = 0;
    for (size_t i = 0; i < t.n; i++) {
        unsigned char c = (unsigned char)t.p[i];
        if (!sc->alnum[c]) {
            run = 0;
            if (c == '.' || c == ':')
                pf->net = 1;
            else if (c == '-' && i >= 3 && (at(t, i - 3, "ssh-", 4) || (i >= 5 && at(t, i - 5, "ecdsa-", 6))))
                pf->keys = 1;
            continue;
        }
        if (++run >= MIN_TOKEN)
            pf->tokens = 1;
        if (run == 1) { /* words that start a pass */
            if ((c == 'b' && at(t, i, "busybox", 7)) || (c == 'e' && at(t, i, "echo", 4)) ||
                (c == 'p' && at(t, i, "printf", 6)))
                pf->shell = 1;
            else if ((c == 'c' && (at(t, i, "c3NoL", 5) || at(t, i, "c2st", 4))) ||
                     (c == 'Z' && at(t, i, "ZWNkc2Et", 8)))
                pf->keys = 1;
        }
    }
}

/* Stable merge sort by start offset (each pass yields a sorted run; insertion sort would be
 * quadratic on texts with many indicators). */
static ap_status sort_by_start(ap_arena *arena, ap_ioc *v, size_t n)
{
    if (n < 2)
        return AP_OK;
    ap_ioc *tmp = ap_arena_alloc(arena, n * sizeof *tmp);
    if (!tmp)
        return AP_ERR_NOMEM;
    ap_ioc *src = v, *dst = tmp;
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t a = lo, b = mid, o = lo;
            while (a < mid && b < hi)
                dst[o++] = src[b].start < src[a].start ? src[b++] : src[a++];
            while (a < mid)
                dst[o++] = src[a++];
            while (b < hi)
                dst[o++] = src[b++];
        }
        ap_ioc *x = src;
        src = dst;
        dst = x;
    }
    if (src != v)
        memcpy(v, src, n * sizeof *v);
    return AP_OK;
}

ap_status ap_ioc_scan(ap_ioc_scanner *sc, ap_str text, ap_arena *arena, ap_ioc **out, size_t *n)
{
    if (!sc || !arena || !out || !n || (!text.p && text.n))
        return AP_ERR_ARG;
    if (!text.p || text.n == 0)
        return AP_OK;
    if (text.n > UINT32_MAX)
        text.n = UINT32_MAX; /* offsets are 32-bit */
    found f = {0};
    f.arena = arena;
    prefilter pf = {0, 0, 0, 0};
    prefilter_text(sc, text, &pf);
    ap_status st = AP_OK;
    if (pf.keys)
        st = key_pass(&f, text);
    if (st == AP_OK && pf.net)
        st = network_pass(sc, &f, text);
    if (st == AP_OK && pf.tokens)
        st = token_pass(sc, &f, text);
    if (st == AP_OK && pf.shell)
        st = shell_pass(sc, &f, text);
    if (st == AP_OK)
        st = sort_by_start(arena, f.v, f.n);
    if (st != AP_OK || f.n == 0)
        return st;
    ap_ioc *all = ap_arena_alloc(arena, (*n + f.n) * sizeof *all);
    if (!all)
        return AP_ERR_NOMEM;
    if (*n)
        memcpy(all, *out, *n * sizeof *all);
    memcpy(all + *n, f.v, f.n * sizeof *all);
    *out = all;
    *n += f.n;
    return AP_OK;
}
