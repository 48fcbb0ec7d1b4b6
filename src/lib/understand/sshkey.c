/* sshkey.c — finds OpenSSH public keys in attacker text and computes what `ssh-keygen -l` prints.
 *
 * Why it exists: the key a bot appends to authorized_keys identifies the actor across IPs and
 * campaigns, so type, bits and fingerprints must be exact, not guessed from the blob length.
 * The blob is attacker-controlled: it is decoded through one bounds-checked reader (wire_*) and
 * every field is checked the way OpenSSH's sshkey_from_blob checks it (inner type equals the
 * outer one, mpints non-negative, no trailing bytes, point and key sizes right). Keys written
 * as base64 of the whole authorized_keys line (`echo c3NoLXJzYSBB... | base64 -d >> ...`) are
 * decoded and scanned too. See docs/iocs-and-keys.md.
 */
#include "understand/sshkey.h"
#include <openssl/evp.h>
#include <string.h>

/* Longest base64 blob considered: a 16384-bit RSA key (OpenSSH's maximum) is ~2.8 KB. */
#define MAX_BLOB_B64 16384
#define MAX_BLOB (MAX_BLOB_B64 / 4 * 3)
/* Base64 runs decoded in search of wrapped keys, and how deep such decoding may nest. */
#define MAX_WRAPPED_B64 (256 * 1024)
#define MAX_WRAP_DEPTH 2
#define MAX_RSA_BITS 16384

/* ---- the SSH wire format (RFC 4251 section 5), bounds-checked ---------------------------- */

typedef struct wire {
    const unsigned char *p;
    size_t n, off;
} wire;

/* Reads a uint32 length and that many bytes. Returns 0 when the blob is too short. */
static int wire_string(wire *w, const unsigned char **s, size_t *len)
{
    if (w->n - w->off < 4)
        return 0;
    const unsigned char *q = w->p + w->off;
    uint32_t l = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
    if (l > w->n - w->off - 4)
        return 0;
    *s = q + 4;
    *len = l;
    w->off += 4 + (size_t)l;
    return 1;
}

static int wire_string_eq(wire *w, const char *expect)
{
    const unsigned char *s;
    size_t len;
    return wire_string(w, &s, &len) && len == strlen(expect) && memcmp(s, expect, len) == 0;
}

/* Reads an mpint and returns its bit length in *bits. OpenSSH rejects negative values and
 * (since 7.x) a leading zero byte that is not needed; a zero value has 0 bits. */
static int wire_mpint_bits(wire *w, unsigned *bits, size_t max_bytes)
{
    const unsigned char *s;
    size_t len;
    if (!wire_string(w, &s, &len))
        return 0;
    if (len > 0 && (s[0] & 0x80))
        return 0; /* negative */
    if (len > 0 && s[0] == 0 && (len == 1 || !(s[1] & 0x80)))
        return 0; /* superfluous leading zero */
    while (len > 0 && s[0] == 0) {
        s++;
        len--;
    }
    if (len > max_bytes)
        return 0;
    unsigned b = 0;
    if (len > 0) {
        unsigned top = s[0];
        while (top) {
            b++;
            top >>= 1;
        }
        b += (unsigned)(len - 1) * 8;
    }
    *bits = b;
    return 1;
}

static int wire_done(const wire *w) { return w->off == w->n; }

/* ---- key types ---------------------------------------------------------------------------- */

typedef enum { KT_RSA, KT_DSA, KT_ECDSA, KT_ED25519, KT_SK_ECDSA, KT_SK_ED25519 } key_kind;

typedef struct key_type {
    const char *name;
    key_kind kind;
    const char *curve; /* ECDSA: the curve name inside the blob */
    unsigned bits;     /* fixed size types */
} key_type;

/* Longer names first where one is a prefix of another is not needed: every name is followed by
 * whitespace in text, and the blob's inner type must equal it exactly. */
static const key_type key_types[] = {
    {"ssh-rsa", KT_RSA, NULL, 0},
    {"ssh-dss", KT_DSA, NULL, 0},
    {"ecdsa-sha2-nistp256", KT_ECDSA, "nistp256", 256},
    {"ecdsa-sha2-nistp384", KT_ECDSA, "nistp384", 384},
    {"ecdsa-sha2-nistp521", KT_ECDSA, "nistp521", 521},
    {"ssh-ed25519", KT_ED25519, NULL, 256},
    {"sk-ecdsa-sha2-nistp256@openssh.com", KT_SK_ECDSA, "nistp256", 256},
    {"sk-ssh-ed25519@openssh.com", KT_SK_ED25519, NULL, 256},
};
#define N_KEY_TYPES (sizeof key_types / sizeof key_types[0])

/* Uncompressed point sizes (0x04 || X || Y) per curve. */
static size_t ec_point_len(unsigned bits)
{
    size_t field = (bits + 7) / 8;
    return 1 + 2 * field;
}

/* Checks the decoded blob against its type; sets *bits as ssh-keygen -l prints them. */
static int decode_blob(const key_type *kt, const unsigned char *blob, size_t n, unsigned *bits)
{
    wire w = {blob, n, 0};
    const unsigned char *s;
    size_t len;
    unsigned b = 0, ignored;
    if (!wire_string_eq(&w, kt->name))
        return 0;
    switch (kt->kind) {
    case KT_RSA:
        /* e, then n: the key size is the bit length of the modulus */
        if (!wire_mpint_bits(&w, &ignored, MAX_RSA_BITS / 8) || ignored == 0)
            return 0;
        if (!wire_mpint_bits(&w, &b, MAX_RSA_BITS / 8) || b == 0)
            return 0;
        break;
    case KT_DSA:
        /* p, q, g, y: the key size is the bit length of p */
        if (!wire_mpint_bits(&w, &b, MAX_RSA_BITS / 8) || b == 0)
            return 0;
        for (int i = 0; i < 3; i++)
            if (!wire_mpint_bits(&w, &ignored, MAX_RSA_BITS / 8))
                return 0;
        break;
    case KT_ECDSA:
    case KT_SK_ECDSA:
        if (!wire_string_eq(&w, kt->curve))
            return 0;
        if (!wire_string(&w, &s, &len) || len != ec_point_len(kt->bits) || s[0] != 0x04)
            return 0;
        if (kt->kind == KT_SK_ECDSA && !wire_string(&w, &s, &len)) /* application */
            return 0;
        b = kt->bits;
        break;
    case KT_ED25519:
    case KT_SK_ED25519:
        if (!wire_string(&w, &s, &len) || len != 32)
            return 0;
        if (kt->kind == KT_SK_ED25519 && !wire_string(&w, &s, &len)) /* application */
            return 0;
        b = kt->bits;
        break;
    }
    if (!wire_done(&w))
        return 0;
    *bits = b;
    return 1;
}

/* ---- fingerprints ------------------------------------------------------------------------- */

ap_status ap_sshkey_fingerprints(const unsigned char *blob, size_t n, char sha256[52], char md5[52])
{
    if ((!blob && n) || !sha256 || !md5)
        return AP_ERR_ARG;
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned dlen = 0;
    static const unsigned char empty[1];
    if (!blob)
        blob = empty;
    if (!EVP_Digest(blob, n, d, &dlen, EVP_sha256(), NULL) || dlen != 32)
        return AP_ERR_INTERNAL;
    unsigned char b64[48];
    int bl = EVP_EncodeBlock(b64, d, 32); /* 44 chars, the last one '=' */
    while (bl > 0 && b64[bl - 1] == '=')
        bl--;
    memcpy(sha256, "SHA256:", 7);
    memcpy(sha256 + 7, b64, (size_t)bl);
    sha256[7 + bl] = '\0';

    if (!EVP_Digest(blob, n, d, &dlen, EVP_md5(), NULL) || dlen != 16)
        return AP_ERR_INTERNAL;
    static const char hex[] = "0123456789abcdef";
    memcpy(md5, "MD5:", 4);
    char *o = md5 + 4;
    for (unsigned i = 0; i < 16; i++) {
        if (i)
            *o++ = ':';
        *o++ = hex[d[i] >> 4];
        *o++ = hex[d[i] & 15];
    }
    *o = '\0';
    return AP_OK;
}

/* ---- text scanning ------------------------------------------------------------------------ */

static int is_b64(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}
static int is_alnum(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
static int is_blank(unsigned char c) { return c == ' ' || c == '\t'; }

/* The key type written at text[i] and followed by a blank, or NULL. */
static const key_type *type_at(ap_str t, size_t i)
{
    for (size_t k = 0; k < N_KEY_TYPES; k++) {
        size_t l = strlen(key_types[k].name);
        if (t.n - i > l && memcmp(t.p + i, key_types[k].name, l) == 0 && is_blank((unsigned char)t.p[i + l]))
            return &key_types[k];
    }
    return NULL;
}

/* A literal two-character escape "\n", "\r" or "\t" ending just before i (printf/echo -e text). */
static int escape_before(ap_str t, size_t i)
{
    return i >= 2 && t.p[i - 2] == '\\' && (t.p[i - 1] == 'n' || t.p[i - 1] == 'r' || t.p[i - 1] == 't');
}

/* Whether a key may start at i: not glued to a preceding word ("xssh-rsa"), except after a
 * literal "\n" escape. */
static int key_start_ok(ap_str t, size_t i)
{
    if (i == 0 || !is_alnum((unsigned char)t.p[i - 1]))
        return 1;
    return escape_before(t, i);
}

/* Shell quoting state of the text read so far, so that the quote open before each key is
 * known without re-reading the line (many keys on one long line stay linear). */
typedef struct quote_state {
    size_t pos; /* bytes before pos have been read */
    char q;     /* ' or " when open, else 0 */
} quote_state;

/* The quote open at position `at` (>= qs->pos), reading the way a shell would (backslash
 * escapes outside single quotes). A newline resets the state: lines of a here-document body
 * are not shell syntax, and a key inside a multi-line quoted string still ends at its line. */
static char open_quote_at(ap_str t, quote_state *qs, size_t at)
{
    size_t i = qs->pos;
    char q = qs->q;
    for (; i < at; i++) {
        char c = t.p[i];
        if (c == '\n') {
            q = 0;
        } else if (q == '\'') {
            if (c == '\'')
                q = 0;
        } else if (c == '\\') {
            if (i + 1 < at && t.p[i + 1] != '\n')
                i++;
        } else if (q == '"') {
            if (c == '"')
                q = 0;
        } else if (c == '\'' || c == '"') {
            q = c;
        }
    }
    qs->pos = i > at ? i : at;
    qs->q = q;
    return q;
}

/* End of the comment that starts at i (exclusive, before trimming). It stops at a newline or
 * NUL, at a literal "\n"/"\r" escape, at the quote that closes the one open before the key,
 * outside quotes at shell operators and quotes, and where another key begins. */
static size_t comment_end(ap_str t, size_t i, char quote)
{
    size_t j = i;
    for (; j < t.n; j++) {
        unsigned char c = (unsigned char)t.p[j];
        if (c == '\n' || c == '\r' || c == '\0')
            break;
        if (c == '\\' && j + 1 < t.n) {
            char e = t.p[j + 1];
            if (e == 'n' || e == 'r')
                break;
            if (quote == '"' && e == '"') { /* \" inside double quotes does not close them */
                j++;
                continue;
            }
        }
        if (quote) {
            if (c == (unsigned char)quote)
                break;
        } else if (c == '"' || c == '\'' || c == '`' || c == ';' || c == '|' || c == '&' || c == '>' ||
                   c == '<') {
            break;
        }
        if (j > i && is_blank((unsigned char)t.p[j - 1]) && type_at(t, j))
            break;
    }
    return j;
}

typedef struct key_list {
    ap_ssh_key *v;
    size_t n, cap;
} key_list;

static ap_status key_list_push(key_list *l, ap_arena *arena, const ap_ssh_key *k)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        ap_ssh_key *v = ap_arena_alloc(arena, cap * sizeof *v);
        if (!v)
            return AP_ERR_NOMEM;
        if (l->n)
            memcpy(v, l->v, l->n * sizeof *v);
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *k;
    return AP_OK;
}

/* Decodes base64 text of length n (a multiple of 4, no whitespace) into out; returns the byte
 * count or -1 when it is not valid base64. */
static long b64_decode(const char *s, size_t n, unsigned char *out)
{
    if (n == 0 || n % 4 != 0 || n > (size_t)0x7fffffff)
        return -1;
    int got = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
    if (got < 0)
        return -1;
    size_t pad = 0;
    while (pad < 2 && s[n - 1 - pad] == '=')
        pad++;
    return (long)got - (long)pad;
}

/* Tries to read one key whose type name starts at `ts` (already checked by type_at). On success
 * fills *k (views into t) and returns 1; *next is where scanning resumes. */
/* The base64 blob starting at i: [A-Za-z0-9+/]* then at most two '='. Returns its end, or i
 * when the run is not a plausible blob (too short or long, not a multiple of 4, or glued to
 * more base64 text). */
static size_t blob_span(ap_str t, size_t i, size_t limit)
{
    size_t j = i;
    while (j < limit && is_b64((unsigned char)t.p[j]) && j - i <= MAX_BLOB_B64)
        j++;
    size_t pad = 0;
    while (j < limit && t.p[j] == '=' && pad < 2) {
        j++;
        pad++;
    }
    size_t len = j - i;
    if (len < 16 || len > MAX_BLOB_B64 || len % 4 != 0)
        return i;
    if (j < limit && (is_b64((unsigned char)t.p[j]) || t.p[j] == '='))
        return i;
    return j;
}

/* Decodes and checks the blob t[bs, be) as a key of type kt; fills type, bits, blob and
 * fingerprints of *k. */
static int decode_key(ap_str t, size_t bs, size_t be, const key_type *kt, ap_ssh_key *k)
{
    unsigned char blob[MAX_BLOB + 4];
    long n = b64_decode(t.p + bs, be - bs, blob);
    unsigned bits = 0;
    if (n <= 0 || !decode_blob(kt, blob, (size_t)n, &bits))
        return 0;
    memset(k, 0, sizeof *k);
    k->type = ap_str_c(kt->name);
    k->bits = bits;
    k->blob_b64 = ap_str_make(t.p + bs, be - bs);
    return ap_sshkey_fingerprints(blob, (size_t)n, k->sha256, k->md5) == AP_OK;
}

/* Tries to read one key whose type name starts at `ts` (already checked by type_at). On success
 * fills *k (views into t) and returns 1; *next is where scanning resumes. */
static int read_key_at(ap_str t, size_t ts, const key_type *kt, quote_state *qs, ap_ssh_key *k,
                       size_t *next)
{
    size_t i = ts + strlen(kt->name);
    while (i < t.n && is_blank((unsigned char)t.p[i]))
        i++;
    size_t bs = i, be = blob_span(t, bs, t.n);
    if (be == bs || !decode_key(t, bs, be, kt, k))
        return 0;
    size_t end = be;
    if (be < t.n && is_blank((unsigned char)t.p[be])) {
        size_t cs = be;
        while (cs < t.n && is_blank((unsigned char)t.p[cs]))
            cs++;
        size_t ce = comment_end(t, cs, open_quote_at(t, qs, ts));
        while (ce > cs && (is_blank((unsigned char)t.p[ce - 1])))
            ce--;
        if (ce > cs) {
            k->comment = ap_str_make(t.p + cs, ce - cs);
            end = ce;
        }
    }
    if (!k->comment.p)
        k->comment = ap_str_make(t.p + be, 0);
    k->start = (uint32_t)ts;
    k->end = (uint32_t)end;
    *next = end;
    return 1;
}

/* First occurrence of needle in p[0, n), or NULL (memmem is not standard C or POSIX). */
static const char *find(const char *p, size_t n, const char *needle, size_t l)
{
    const char *end = p + n;
    while ((size_t)(end - p) >= l && (p = memchr(p, needle[0], (size_t)(end - p) - l + 1))) {
        if (memcmp(p, needle, l) == 0)
            return p;
        p++;
    }
    return NULL;
}

/* Earliest occurrence at or after `from` of any needle, or t.n. */
static size_t next_of(ap_str t, size_t from, const char *const *needles, size_t nn)
{
    size_t best = t.n;
    for (size_t k = 0; k < nn; k++) {
        /* only an occurrence starting before the best so far matters, but it may end after it */
        size_t l = strlen(needles[k]);
        size_t lim = best < t.n ? best + l - 1 : t.n;
        if (lim > t.n)
            lim = t.n;
        if (from >= lim || lim - from < l)
            continue;
        const char *p = find(t.p + from, lim - from, needles[k], l);
        if (p)
            best = (size_t)(p - t.p);
    }
    return best;
}

static ap_status scan(ap_str t, ap_arena *arena, key_list *out, int depth, uint32_t base_start,
                      uint32_t base_end);

/* Base64 of a whole authorized_keys line starts with one of these (the encodings of "ssh-",
 * "ecdsa-sha2-" and "sk-" at a 3-byte boundary). */
static const char *const wrapped_prefixes[] = {"c3NoL", "ZWNkc2Etc2hhMi", "c2stc3NoL", "c2stZWNkc2Et"};

/* Decodes a base64 run that starts at i (one of wrapped_prefixes) and scans the decoded text.
 * Keys found there get the run's range [i, end) in `t` (decoded bytes are not in the input).
 * Line breaks inside the run (base64 wraps at 76 columns) are skipped; missing padding is
 * tolerated like `base64 -d` does. Returns where the run ends in *run_end. */
static ap_status scan_wrapped(ap_str t, size_t i, ap_arena *arena, key_list *out, int depth,
                              int nested, uint32_t base_start, uint32_t base_end, size_t *run_end)
{
    size_t j = i, chars = 0;
    while (j < t.n && chars <= MAX_WRAPPED_B64) {
        unsigned char c = (unsigned char)t.p[j];
        if (is_b64(c) || c == '=') {
            chars++;
        } else if (c == '\n' || c == '\r') {
            if (j + 1 >= t.n || !is_b64((unsigned char)t.p[j + 1]))
                break;
        } else {
            break;
        }
        j++;
    }
    *run_end = j;
    if (chars < 16 || chars > MAX_WRAPPED_B64)
        return AP_OK;
    char *clean = ap_arena_alloc(arena, chars + 4);
    if (!clean)
        return AP_ERR_NOMEM;
    size_t m = 0;
    for (size_t q = i; q < j; q++)
        if (t.p[q] != '\n' && t.p[q] != '\r')
            clean[m++] = t.p[q];
    /* keep only the leading well-formed part: '=' only at the end */
    size_t eq = 0;
    while (eq < m && clean[eq] != '=')
        eq++;
    size_t data = eq;
    size_t padded = data;
    while (padded % 4)
        clean[padded++] = '=';
    unsigned char *dec = ap_arena_alloc(arena, padded / 4 * 3 + 1);
    if (!dec)
        return AP_ERR_NOMEM;
    long dn = b64_decode(clean, padded, dec);
    if (dn <= 0)
        return AP_OK;
    uint32_t s0 = nested ? base_start : (uint32_t)i, e0 = nested ? base_end : (uint32_t)j;
    return scan(ap_str_make((const char *)dec, (size_t)dn), arena, out, depth + 1, s0, e0);
}

/* depth 0: the caller's text; keys keep their own offsets. depth > 0: decoded text; keys get
 * [base_start, base_end), the range of the outermost base64 run. */
static ap_status scan(ap_str t, ap_arena *arena, key_list *out, int depth, uint32_t base_start,
                      uint32_t base_end)
{
    static const char *const plain[] = {"ssh-", "ecdsa-sha2-"};
    quote_state qs = {0, 0};
    size_t i = 0;
    size_t next_plain = next_of(t, 0, plain, 2);
    size_t next_wrapped = depth < MAX_WRAP_DEPTH ? next_of(t, 0, wrapped_prefixes, 4) : t.n;
    while (i < t.n) {
        if (next_plain < i)
            next_plain = next_of(t, i, plain, 2);
        if (next_wrapped < i)
            next_wrapped = depth < MAX_WRAP_DEPTH ? next_of(t, i, wrapped_prefixes, 4) : t.n;
        if (next_plain >= t.n && next_wrapped >= t.n)
            break;
        if (next_wrapped < next_plain) {
            size_t w = next_wrapped, run_end = w + 1;
            /* a wrapped line must start its base64 run (alignment) */
            if (w == 0 || !(is_b64((unsigned char)t.p[w - 1]) || t.p[w - 1] == '=')) {
                ap_status st = scan_wrapped(t, w, arena, out, depth, depth > 0, base_start, base_end,
                                            &run_end);
                if (st != AP_OK)
                    return st;
            }
            i = run_end > w ? run_end : w + 1;
            continue;
        }
        size_t p = next_plain;
        size_t ts = p;
        if (ts >= 3 && memcmp(t.p + ts - 3, "sk-", 3) == 0)
            ts -= 3;
        const key_type *kt = type_at(t, ts);
        if (!kt && ts != p) { /* "xsk-ssh-rsa": the "sk-" was not a prefix */
            ts = p;
            kt = type_at(t, ts);
        }
        ap_ssh_key k;
        size_t next = p + 1;
        if (kt && key_start_ok(t, ts) && read_key_at(t, ts, kt, &qs, &k, &next)) {
            if (depth > 0) {
                /* views into decoded text live in the arena already; offsets are the run's */
                k.start = base_start;
                k.end = base_end;
            }
            ap_status st = key_list_push(out, arena, &k);
            if (st != AP_OK)
                return st;
        } else {
            next = p + 1;
        }
        i = next;
    }
    return AP_OK;
}

ap_status ap_sshkey_scan(ap_str text, ap_arena *arena, ap_ssh_key **out, size_t *n)
{
    if (!arena || !out || !n || (!text.p && text.n))
        return AP_ERR_ARG;
    if (!text.p || text.n < 20)
        return AP_OK;
    if (text.n > UINT32_MAX)
        text.n = UINT32_MAX; /* offsets are 32-bit; nothing that long is one command */
    key_list found = {NULL, 0, 0};
    ap_status st = scan(text, arena, &found, 0, 0, 0);
    if (st != AP_OK || found.n == 0)
        return st;
    ap_ssh_key *all = ap_arena_alloc(arena, (*n + found.n) * sizeof *all);
    if (!all)
        return AP_ERR_NOMEM;
    if (*n)
        memcpy(all, *out, *n * sizeof *all);
    memcpy(all + *n, found.v, found.n * sizeof *all);
    *out = all;
    *n += found.n;
    return AP_OK;
}

ap_status ap_sshkey_parse(ap_str line, ap_arena *arena, ap_ssh_key *out)
{
    if (!arena || !out || (!line.p && line.n))
        return AP_ERR_ARG;
    if (!line.p)
        return AP_ERR_FORMAT;
    size_t i = 0;
    while (i < line.n && (is_blank((unsigned char)line.p[i]) || line.p[i] == '\n' || line.p[i] == '\r'))
        i++;
    const key_type *kt = type_at(line, i);
    if (!kt)
        return AP_ERR_FORMAT;
    /* As ssh-keygen reads a .pub file: the comment is the rest of the first line. */
    size_t le = i;
    while (le < line.n && line.p[le] != '\n' && line.p[le] != '\r' && line.p[le] != '\0')
        le++;
    for (size_t r = le; r < line.n; r++)
        if (!(is_blank((unsigned char)line.p[r]) || line.p[r] == '\n' || line.p[r] == '\r'))
            return AP_ERR_FORMAT; /* more than one line of content */
    ap_str first = ap_str_make(line.p, le);
    size_t p = i + strlen(kt->name);
    while (p < le && is_blank((unsigned char)first.p[p]))
        p++;
    size_t bs = p, be = blob_span(first, bs, le);
    if (be == bs || (be < le && !is_blank((unsigned char)first.p[be])))
        return AP_ERR_FORMAT;
    if (!decode_key(first, bs, be, kt, out))
        return AP_ERR_FORMAT;
    size_t cs = be, ce = le;
    while (cs < ce && is_blank((unsigned char)first.p[cs]))
        cs++;
    while (ce > cs && is_blank((unsigned char)first.p[ce - 1]))
        ce--;
    out->comment = ap_str_make(first.p + cs, ce - cs);
    out->start = (uint32_t)i;
    out->end = (uint32_t)(ce > be ? ce : be);
    return AP_OK;
}
