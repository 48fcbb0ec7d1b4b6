/* normalise.c — the deterministic normal form of a statement (see normalise.h).
 *
 * Why it exists: fingerprints compare what bots *do*, so the tokens that change from one run of
 * the same script to the next (C2 address, random file names, the password set, numbers) are
 * replaced by typed placeholders, and everything else is kept byte for byte.
 *
 * How: one left-to-right scan per word with hand-written recognisers tried at token starts
 * (no regex: this runs for every statement of every session). Each recogniser consumes its
 * token or declines; a declined alphanumeric run is copied whole, so every byte is examined a
 * bounded number of times. The rules and their order are listed in docs/shell-parsing.md; any
 * change to them must bump AP_NORMALISE_VERSION.
 *
 * The only context used is the statement itself: the command name (chmod modes are kept,
 * usermod -p / sshpass -p / openssl passwd values are passwords) and the command a statement
 * pipes into (echo root:PW | chpasswd, echo -e "PW\nPW" | passwd).
 */
#include "understand/normalise.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

extern const char ap_embedded_file_extensions_txt[];
extern const size_t ap_embedded_file_extensions_txt_len;

/* ---- output builder: one arena block, grown by doubling ------------------------------------ */

typedef struct builder {
    ap_arena *arena;
    char *p;
    size_t n, cap;
    int nomem;
} builder;

static int b_reserve(builder *b, size_t extra)
{
    if (b->nomem)
        return 0;
    if (b->n + extra + 1 <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->n + extra + 1)
        cap *= 2;
    char *np = ap_arena_alloc(b->arena, cap);
    if (!np) {
        b->nomem = 1;
        return 0;
    }
    if (b->n)
        memcpy(np, b->p, b->n);
    b->p = np;
    b->cap = cap;
    return 1;
}

static void b_put(builder *b, const char *s, size_t n)
{
    if (n && b_reserve(b, n)) {
        memcpy(b->p + b->n, s, n);
        b->n += n;
    }
}

static void b_lit(builder *b, const char *s) { b_put(b, s, strlen(s)); }

static ap_status b_finish(builder *b, ap_str *out)
{
    if (!b_reserve(b, 0))
        return AP_ERR_NOMEM;
    b->p[b->n] = '\0';
    *out = ap_str_make(b->p, b->n);
    return AP_OK;
}

/* ---- character classes --------------------------------------------------------------------- */

static inline int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static inline int is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
static inline int is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static inline int is_alpha(unsigned char c) { return is_lower(c) || is_upper(c); }
static inline int is_alnum(unsigned char c) { return is_alpha(c) || is_digit(c); }
static inline int is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static inline unsigned char lower(unsigned char c)
{
    return is_upper(c) ? (unsigned char)(c + 32) : c;
}

static inline int is_base58(unsigned char c)
{
    return is_alnum(c) && c != '0' && c != 'O' && c != 'I' && c != 'l';
}

/* ---- file extensions that are not host names (data/iocs/file-extensions.txt) -------------- */

typedef struct ext_list {
    ap_str *w;
    size_t n;
} ext_list;

static ext_list extensions;
static pthread_once_t extensions_once = PTHREAD_ONCE_INIT;

static int cmp_str(const void *a, const void *b)
{
    const ap_str *x = a, *y = b;
    size_t m = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->p, y->p, m);
    return c ? c : (x->n < y->n ? -1 : x->n > y->n);
}

static void load_extensions(void)
{
    const char *s = ap_embedded_file_extensions_txt;
    size_t n = ap_embedded_file_extensions_txt_len, count = 0;
    for (size_t i = 0; i < n; i++)
        count += s[i] == '\n';
    ap_str *w = malloc((count + 1) * sizeof *w);
    if (!w)
        return; /* without the list every alphabetic last label counts as a TLD */
    size_t k = 0, i = 0;
    while (i < n) {
        const char *e = memchr(s + i, '\n', n - i);
        size_t eol = e ? (size_t)(e - s) : n;
        size_t a = i, z = eol;
        while (a < z && (s[a] == ' ' || s[a] == '\t'))
            a++;
        const char *hash = memchr(s + a, '#', z - a);
        if (hash)
            z = (size_t)(hash - s);
        while (z > a && (s[z - 1] == ' ' || s[z - 1] == '\t' || s[z - 1] == '\r'))
            z--;
        if (z > a && k <= count)
            w[k++] = ap_str_make(s + a, z - a);
        i = eol + 1;
    }
    qsort(w, k, sizeof *w, cmp_str);
    extensions.w = w;
    extensions.n = k;
}

/* Is the (already lower-cased) label a file extension? */
static int is_file_extension(const char *label, size_t n)
{
    pthread_once(&extensions_once, load_extensions);
    ap_str key = ap_str_make(label, n);
    return extensions.w && bsearch(&key, extensions.w, extensions.n, sizeof key, cmp_str) != NULL;
}

/* ---- recognisers: each returns the end of its token at `i`, or 0 when it declines -------- */

/* scheme://... up to a shell or quoting delimiter */
static size_t match_url(const char *s, size_t n, size_t i)
{
    static const char *const schemes[] = {"http", "https", "ftp", "ftps", "tftp", "sftp",
                                          "ws",   "wss",   "hxxp", "hxxps", "rtsp", "smb"};
    size_t j = i;
    while (j < n && j - i < 6 && is_alpha((unsigned char)s[j]))
        j++;
    if (j + 3 > n || s[j] != ':' || s[j + 1] != '/' || s[j + 2] != '/')
        return 0;
    size_t len = j - i;
    int ok = 0;
    for (size_t k = 0; k < sizeof schemes / sizeof schemes[0] && !ok; k++) {
        if (strlen(schemes[k]) != len)
            continue;
        ok = 1;
        for (size_t m = 0; m < len; m++)
            if (lower((unsigned char)s[i + m]) != (unsigned char)schemes[k][m])
                ok = 0;
    }
    if (!ok)
        return 0;
    j += 3;
    size_t host = j;
    while (j < n) {
        unsigned char c = (unsigned char)s[j];
        if (c <= ' ' || c == '"' || c == '\'' || c == '`' || c == '<' || c == '>' || c == '|' ||
            c == ';' || c == '(' || c == ')' || c == '{' || c == '}' || c == '\\' || c == 127)
            break;
        j++;
    }
    return j > host ? j : 0;
}

/* 8-4-4-4-12 hex */
static size_t match_uuid(const char *s, size_t n, size_t i)
{
    static const int groups[5] = {8, 4, 4, 4, 12};
    size_t j = i;
    for (int g = 0; g < 5; g++) {
        for (int k = 0; k < groups[g]; k++, j++)
            if (j >= n || !is_hex((unsigned char)s[j]))
                return 0;
        if (g < 4) {
            if (j >= n || s[j] != '-')
                return 0;
            j++;
        }
    }
    return (j == n || !is_alnum((unsigned char)s[j])) ? j : 0;
}

/* a.b.c.d with octets <= 255, not part of a longer dotted number */
static size_t match_ipv4(const char *s, size_t n, size_t i)
{
    size_t j = i;
    for (int part = 0; part < 4; part++) {
        size_t d = j;
        unsigned v = 0;
        while (j < n && is_digit((unsigned char)s[j]) && j - d < 4)
            v = v * 10 + (unsigned)(s[j++] - '0');
        if (j == d || j - d > 3 || v > 255)
            return 0;
        if (part < 3) {
            if (j >= n || s[j] != '.')
                return 0;
            j++;
        }
    }
    if (j < n && (is_alnum((unsigned char)s[j]) || s[j] == '_'))
        return 0;
    if (j + 1 < n && s[j] == '.' && is_digit((unsigned char)s[j + 1]))
        return 0;
    return j;
}

/* IPv6 text accepted by inet_pton, with a group of 3+ hex digits or a leading "::" (so that
 * "0:0::" in a passwd line or a MAC address is not an address). */
static size_t match_ipv6(const char *s, size_t n, size_t i)
{
    size_t j = i, colons = 0, group = 0, longest = 0;
    while (j < n && j - i < 46 && (is_hex((unsigned char)s[j]) || s[j] == ':' || s[j] == '.')) {
        if (s[j] == ':') {
            colons++;
            group = 0;
        } else if (s[j] != '.') {
            group++;
            if (group > longest)
                longest = group;
        }
        j++;
    }
    if (colons < 2 || j - i > 45 || (j < n && is_alnum((unsigned char)s[j])))
        return 0;
    if (longest < 3 && !(s[i] == ':' && s[i + 1] == ':' && j - i >= 3))
        return 0;
    char tmp[48];
    memcpy(tmp, s + i, j - i);
    tmp[j - i] = '\0';
    unsigned char addr[16];
    return inet_pton(AF_INET6, tmp, addr) == 1 ? j : 0;
}

/* host name: labels of [A-Za-z0-9-], 2+ labels, last alphabetic 2..24 and not a file
 * extension (the IOC extractor's rule, so both agree on what a domain is) */
static size_t match_domain(const char *s, size_t n, size_t i)
{
    size_t j = i, labels = 0, last = i, last_len = 0;
    for (;;) {
        size_t b = j;
        while (j < n && j - b <= 63 && (is_alnum((unsigned char)s[j]) || s[j] == '-'))
            j++;
        size_t len = j - b;
        if (len == 0 || len > 63 || s[b] == '-' || s[j - 1] == '-')
            return 0;
        labels++;
        last = b;
        last_len = len;
        if (j + 1 < n && s[j] == '.' && (is_alnum((unsigned char)s[j + 1])))
            j++;
        else
            break;
    }
    if (labels < 2 || last_len < 2 || last_len > 24)
        return 0;
    if (j < n && (s[j] == '_' || s[j] == '-'))
        return 0;
    char tld[25];
    for (size_t k = 0; k < last_len; k++) {
        if (!is_alpha((unsigned char)s[last + k]))
            return 0;
        tld[k] = (char)lower((unsigned char)s[last + k]);
    }
    if (is_file_extension(tld, last_len))
        return 0;
    return j;
}

/* local@domain */
static size_t match_email(const char *s, size_t n, size_t i)
{
    size_t j = i;
    while (j < n && (is_alnum((unsigned char)s[j]) || s[j] == '.' || s[j] == '_' || s[j] == '%' ||
                     s[j] == '+' || s[j] == '-'))
        j++;
    if (j == i || j >= n || s[j] != '@')
        return 0;
    return match_domain(s, n, j + 1);
}

/* ":1-65535" after a host; returns the end or 0 */
static size_t match_port(const char *s, size_t n, size_t i)
{
    if (i + 1 >= n || s[i] != ':')
        return 0;
    size_t j = i + 1;
    unsigned v = 0;
    while (j < n && is_digit((unsigned char)s[j]) && j - i <= 5)
        v = v * 10 + (unsigned)(s[j++] - '0');
    if (j == i + 1 || j - i > 6 || v == 0 || v > 65535 || (j < n && is_alnum((unsigned char)s[j])))
        return 0;
    return j;
}

/* base64 run of 24+ characters with upper and lower case and a digit or '+', that decodes
 * (length and padding) and does not look like a path; below 40 characters it must also hold
 * '+', '/' or padding, so random names stay <tmp> */
static size_t match_b64(const char *s, size_t n, size_t i)
{
    size_t j = i, upper = 0, low = 0, digit = 0, slash = 0, seg = 0, short_seg = 0;
    while (j < n && (is_alnum((unsigned char)s[j]) || s[j] == '+' || s[j] == '/')) {
        unsigned char c = (unsigned char)s[j];
        upper += is_upper(c);
        low += is_lower(c);
        digit += is_digit(c) || c == '+';
        if (c == '/') {
            slash++;
            short_seg += seg < 4;
            seg = 0;
        } else {
            seg++;
        }
        j++;
    }
    size_t len = j - i;
    if (len < 24 || !upper || !low || !digit)
        return 0;
    if (slash && len < 64 && (short_seg || seg < 4))
        return 0; /* tmp/Ab3dEf9hIj2kLm5nOp8qRs is a path */
    size_t pad = 0;
    while (j < n && s[j] == '=' && pad < 2)
        j++, pad++;
    if (len < 40 && !pad && !slash && !memchr(s + i, '+', len))
        return 0; /* a shorter bare alphanumeric run is a random name (<tmp>) */
    if (pad ? (len + pad) % 4 != 0 : len % 4 == 1)
        return 0;
    if (j < n && (is_alnum((unsigned char)s[j]) || s[j] == '='))
        return 0;
    return j;
}

/* Bitcoin base58 (1.../3..., 26-35), bech32 (bc1...), Monero (4.../8..., 95 or 106) */
static size_t match_wallet(const char *s, size_t n, size_t i, size_t run_end)
{
    size_t len = run_end - i;
    unsigned char c0 = (unsigned char)s[i];
    if (len >= 14 && len <= 74 && (s[i] == 'b' && s[i + 1] == 'c' && s[i + 2] == '1')) {
        for (size_t k = i + 3; k < run_end; k++)
            if (!(is_lower((unsigned char)s[k]) || is_digit((unsigned char)s[k])) || s[k] == '1' ||
                s[k] == 'b' || s[k] == 'i' || s[k] == 'o')
                return 0;
        return run_end;
    }
    int btc = (c0 == '1' || c0 == '3') && len >= 26 && len <= 35;
    int xmr = (c0 == '4' || c0 == '8') && (len == 95 || len == 106);
    if (!btc && !xmr)
        return 0;
    size_t up = 0, low = 0, dig = 0;
    for (size_t k = i; k < run_end; k++) {
        unsigned char c = (unsigned char)s[k];
        if (!is_base58(c))
            return 0;
        up += is_upper(c);
        low += is_lower(c);
        dig += is_digit(c);
    }
    (void)n;
    return (up && low && dig) ? run_end : 0;
}

/* Class of a character for looks_random(): 0 digit, 1 lower, 2 upper. */
static inline int char_class(unsigned char c) { return is_digit(c) ? 0 : is_lower(c) ? 1 : 2; }

/* Random-looking alphanumeric name (6+ characters): upper + lower + digit with the class
 * changing at least every third character (Xa9fK2, Lm3nB7vZ; not X11Forwarding), or 8+
 * lower-case/digit characters alternating at least three times (a3f9e1b2). "armv7l", "x86",
 * "sha256sum", "python3" stay. */
static int looks_random(const char *s, size_t len)
{
    if (len < 6)
        return 0;
    size_t up = 0, low = 0, dig = 0, switches = 0;
    for (size_t k = 0; k < len; k++) {
        unsigned char c = (unsigned char)s[k];
        up += is_upper(c);
        low += is_lower(c);
        dig += is_digit(c);
        if (k && char_class(c) != char_class((unsigned char)s[k - 1]))
            switches++;
    }
    if (up && low && dig)
        return switches * 3 >= len - 1;
    return len >= 8 && dig >= 2 && up + low >= 2 && switches >= 3;
}

/* ---- the word scanner ---------------------------------------------------------------------- */

static void normalise_into(builder *b, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && !b->nomem) {
        unsigned char c = (unsigned char)s[i];
        if (!is_alnum(c) && !(c == ':' && i + 1 < n && s[i + 1] == ':')) {
            /* punctuation: copied up to the next alphanumeric (or "::", an IPv6 start) */
            size_t j = i + 1;
            while (j < n && !is_alnum((unsigned char)s[j]) &&
                   !(s[j] == ':' && j + 1 < n && s[j + 1] == ':'))
                j++;
            b_put(b, s + i, j - i);
            i = j;
            continue;
        }
        if (is_alnum(c) && i > 0 && is_alnum((unsigned char)s[i - 1])) {
            /* the rest of a run a recogniser stopped inside: copied as is */
            size_t j = i;
            while (j < n && is_alnum((unsigned char)s[j]))
                j++;
            b_put(b, s + i, j - i);
            i = j;
            continue;
        }
        size_t e, p;
        if (is_alpha(c) && (e = match_url(s, n, i))) {
            b_lit(b, "<url>");
            i = e;
            continue;
        }
        if ((e = match_uuid(s, n, i))) {
            b_lit(b, "<uuid>");
            i = e;
            continue;
        }
        if ((e = match_ipv4(s, n, i)) && !(i > 0 && (s[i - 1] == '.' || s[i - 1] == '_'))) {
            b_lit(b, "<ip>");
            if ((p = match_port(s, n, e))) {
                b_lit(b, ":<port>");
                e = p;
            }
            i = e;
            continue;
        }
        if ((e = match_ipv6(s, n, i)) && !(i > 0 && s[i - 1] == ':')) {
            b_lit(b, "<ip6>");
            i = e;
            continue;
        }
        if (c == ':') {
            b_put(b, s + i, 1);
            i++;
            continue;
        }
        if (c == '0' && i + 1 < n && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
            size_t j = i + 2;
            while (j < n && is_hex((unsigned char)s[j]))
                j++;
            if (j - i - 2 >= 8 && (j == n || !is_alnum((unsigned char)s[j]))) {
                b_lit(b, j - i - 2 == 40 ? "<wallet>" : "<hex>");
                i = j;
                continue;
            }
        }
        if ((e = match_email(s, n, i))) {
            b_lit(b, "<email>");
            i = e;
            continue;
        }
        size_t r = i; /* the alphanumeric run */
        int all_hex = 1, all_digit = 1;
        while (r < n && is_alnum((unsigned char)s[r])) {
            all_hex &= is_hex((unsigned char)s[r]);
            all_digit &= is_digit((unsigned char)s[r]);
            r++;
        }
        size_t len = r - i;
        int run_ends = r == n || !(s[r] == '_' || s[r] == '.' || s[r] == '-' || s[r] == '@');
        if (all_hex && run_ends && (len == 32 || len == 40 || len == 64 || len == 128) &&
            !all_digit) {
            b_lit(b, "<hash>");
            i = r;
            continue;
        }
        if ((e = match_wallet(s, n, i, r)) && run_ends) {
            b_lit(b, "<wallet>");
            i = e;
            continue;
        }
        if ((e = match_b64(s, n, i))) {
            b_lit(b, "<b64>");
            i = e;
            continue;
        }
        if (!all_digit && (e = match_domain(s, n, i))) {
            b_lit(b, "<domain>");
            if ((p = match_port(s, n, e))) {
                b_lit(b, ":<port>");
                e = p;
            }
            i = e;
            continue;
        }
        if (all_digit) {
            /* dotted numbers (versions, 0.5) stay; a number glued to '_' or '.' is a name part */
            size_t j = r;
            while (j + 1 < n && s[j] == '.' && is_digit((unsigned char)s[j + 1])) {
                j++;
                while (j < n && is_digit((unsigned char)s[j]))
                    j++;
            }
            int glued = (i > 0 && (s[i - 1] == '_' || s[i - 1] == '.')) ||
                        (j < n && (s[j] == '_' || is_alpha((unsigned char)s[j])));
            if (j == r && len >= 2 && !glued) {
                b_lit(b, "<num>");
            } else {
                b_put(b, s + i, j - i);
            }
            i = j;
            continue;
        }
        if (looks_random(s + i, len)) {
            b_lit(b, "<tmp>");
            i = r;
            continue;
        }
        b_put(b, s + i, len);
        if (len == 9 && (p = match_port(s, n, r))) {
            static const char lh[] = "localhost";
            int is_lh = 1;
            for (size_t k = 0; k < 9 && is_lh; k++)
                is_lh = lower((unsigned char)s[i + k]) == (unsigned char)lh[k];
            if (is_lh) {
                b_lit(b, ":<port>");
                r = p;
            }
        }
        i = r;
    }
}

ap_status ap_normalise_word(ap_str word, ap_arena *arena, ap_str *out)
{
    builder b = {arena, NULL, 0, 0, 0};
    if (word.p && !b_reserve(&b, word.n + word.n / 4 + 8))
        return AP_ERR_NOMEM;
    if (word.p)
        normalise_into(&b, word.p, word.n);
    return b_finish(&b, out);
}

/* ---- statement context ------------------------------------------------------------------- */

/* Comparison with a string literal, its length known at compile time. */
#define str_is(s, lit) ((s).n == sizeof(lit) - 1 && memcmp((s).p, lit, sizeof(lit) - 1) == 0)

static int is_octal_mode(ap_str w)
{
    if (w.n < 3 || w.n > 4)
        return 0;
    for (size_t k = 0; k < w.n; k++)
        if (w.p[k] < '0' || w.p[k] > '7')
            return 0;
    return 1;
}

/* Splits text at newlines and literal "\n" escapes, calling one normaliser per line. */
typedef void (*line_fn)(builder *b, const char *s, size_t n);

static void each_line(builder *b, ap_str w, line_fn fn)
{
    size_t i = 0, start = 0;
    while (i <= w.n) {
        size_t sep = 0;
        if (i == w.n)
            sep = 0;
        else if (w.p[i] == '\n')
            sep = 1;
        else if (w.p[i] == '\\' && i + 1 < w.n && w.p[i + 1] == 'n')
            sep = 2;
        if (i == w.n || sep) {
            fn(b, w.p + start, i - start);
            if (i == w.n)
                break;
            b_put(b, w.p + i, sep);
            i += sep;
            start = i;
            continue;
        }
        i++;
    }
}

/* chpasswd input line "user:password" -> "user:<pw>" */
static void chpasswd_line(builder *b, const char *s, size_t n)
{
    const char *colon = memchr(s, ':', n);
    if (!colon) {
        if (n)
            b_lit(b, "<pw>");
        return;
    }
    normalise_into(b, s, (size_t)(colon - s));
    b_lit(b, ":<pw>");
}

/* passwd input line: the password itself */
static void passwd_line(builder *b, const char *s, size_t n)
{
    (void)s;
    if (n)
        b_lit(b, "<pw>");
}

enum { PW_NONE, PW_CHPASSWD, PW_PASSWD };

/* Which password rule applies to the text a statement feeds to its reader. */
static int pw_reader(ap_str cmd)
{
    if (str_is(cmd, "chpasswd"))
        return PW_CHPASSWD;
    if (str_is(cmd, "passwd"))
        return PW_PASSWD;
    return PW_NONE;
}

static void put_pw_text(builder *b, ap_str w, int rule)
{
    each_line(b, w, rule == PW_CHPASSWD ? chpasswd_line : passwd_line);
}

/* Is argv[i] a password given on the command line (usermod/useradd -p, sshpass -p, openssl
 * passwd, mkpasswd, passwd USER PW)? */
static int is_password_arg(const ap_stmt *s, size_t i)
{
    ap_str cmd = s->cmd;
    ap_str prev = i > s->cmd_index + 1 ? s->argv[i - 1] : AP_STR_NULL;
    if (str_is(cmd, "usermod") || str_is(cmd, "useradd") || str_is(cmd, "adduser") ||
        str_is(cmd, "sshpass"))
        return str_is(prev, "-p") || str_is(prev, "--password");
    if (str_is(cmd, "openssl")) {
        if (!(s->cmd_index + 1 < s->argc && str_is(s->argv[s->cmd_index + 1], "passwd")))
            return 0;
        if (i == s->cmd_index + 1 || (s->argv[i].n && s->argv[i].p[0] == '-'))
            return 0;
        return !(str_is(prev, "-salt") || str_is(prev, "-in"));
    }
    if (str_is(cmd, "mkpasswd"))
        return !(s->argv[i].n && s->argv[i].p[0] == '-') && !str_is(prev, "-S") &&
               !str_is(prev, "-m") && !str_is(prev, "--salt") && !str_is(prev, "--method");
    if (str_is(cmd, "passwd")) { /* passwd USER PW: the second operand */
        size_t operands = 0;
        for (size_t k = s->cmd_index + 1; k <= i; k++)
            if (!(s->argv[k].n && s->argv[k].p[0] == '-'))
                operands++;
        return operands >= 2 && !(s->argv[i].n && s->argv[i].p[0] == '-');
    }
    return 0;
}

/* Normalises one argument with the statement's context. */
static void put_arg(builder *b, const ap_stmt *s, size_t i, int pw_rule)
{
    ap_str w = s->argv[i];
    ap_str cmd = s->cmd;
    if ((str_is(cmd, "chmod") || str_is(cmd, "umask")) && is_octal_mode(w)) {
        b_put(b, w.p, w.n); /* the mode is what the command does */
        return;
    }
    if ((str_is(cmd, "mkdir") || str_is(cmd, "install")) && is_octal_mode(w) &&
        i > s->cmd_index + 1 && str_is(s->argv[i - 1], "-m")) {
        b_put(b, w.p, w.n);
        return;
    }
    if (pw_rule != PW_NONE) {
        put_pw_text(b, w, pw_rule);
        return;
    }
    if (is_password_arg(s, i)) {
        b_lit(b, "<pw>");
        return;
    }
    if (w.p)
        normalise_into(b, w.p, w.n);
}

/* -n, -e, -E and their combinations (views are not NUL-terminated: no str* functions) */
static int is_echo_option(ap_str w)
{
    if (w.n < 2 || w.p[0] != '-')
        return 0;
    for (size_t k = 1; k < w.n; k++)
        if (w.p[k] != 'n' && w.p[k] != 'e' && w.p[k] != 'E')
            return 0;
    return 1;
}

static int is_heredoc_op(ap_str op)
{
    size_t k = 0;
    while (k < op.n && op.p[k] >= '0' && op.p[k] <= '9')
        k++;
    ap_str bare = ap_str_make(op.p + k, op.n - k);
    return str_is(bare, "<<") || str_is(bare, "<<-");
}

ap_status ap_normalise_stmt(const ap_stmt *s, ap_arena *arena, ap_str *out)
{
    builder b = {arena, NULL, 0, 0, 0};
    if (!b_reserve(&b, s->text.n + 32))
        return AP_ERR_NOMEM;
    int sep = 0;
    /* echo/printf feeding chpasswd or passwd: their text is the password input */
    int pw_rule = PW_NONE;
    if ((str_is(s->cmd, "echo") || str_is(s->cmd, "printf")) && s->conn == AP_CONN_PIPE)
        pw_rule = pw_reader(s->pipe_to);
    if (s->argc) {
        normalise_into(&b, s->cmd.p, s->cmd.n); /* ./.Xa9fK2 runs <tmp> */
        sep = 1;
        int echo_opts = str_is(s->cmd, "echo");
        for (size_t i = s->cmd_index + 1; i < s->argc; i++) {
            b_put(&b, " ", 1);
            ap_str w = s->argv[i];
            if (echo_opts && is_echo_option(w)) {
                b_put(&b, w.p, w.n); /* echo -e / -n */
                continue;
            }
            echo_opts = 0;
            put_arg(&b, s, i, pw_rule);
        }
    } else {
        for (size_t i = 0; i < s->nassign; i++) {
            if (sep)
                b_put(&b, " ", 1);
            normalise_into(&b, s->assign[i].p, s->assign[i].n);
            sep = 1;
        }
    }
    for (size_t r = 0; r < s->nredir; r++) {
        ap_str op = s->redir[r].op, t = s->redir[r].target;
        if (sep)
            b_put(&b, " ", 1);
        sep = 1;
        if (is_heredoc_op(op)) {
            b_lit(&b, "<<<heredoc>");
            continue;
        }
        b_put(&b, op.p, op.n);
        if (!t.n)
            continue;
        b_put(&b, " ", 1);
        int rule = str_is(op, "<<<") ? pw_reader(s->cmd) : PW_NONE;
        if (rule != PW_NONE)
            put_pw_text(&b, t, rule);
        else
            normalise_into(&b, t.p, t.n);
    }
    return b_finish(&b, out);
}
