/* cowrie_writer.c — formats simulated events exactly as Cowrie writes them.
 *
 * Two line shapes are produced. Cowrie 2.x (Python 3, json.dumps with separators (",",":") and
 * ensure_ascii): fields in the order Cowrie emits them, "message" texts as Cowrie words them,
 * non-ASCII and control characters as \uXXXX escapes. Cowrie 1.x (2018 era, Python 2 dicts):
 * ", "/": " separators, keys in arbitrary (hash) order, "system"/"isError" fields, 8-hex session
 * ids, cowrie.log.open, and the key-exchange offer inside cowrie.client.version (no hassh).
 *
 * Lines are appended to the sensor's day buffer chosen by the event's timestamp, so a session that
 * runs past midnight continues in the next day's file as it does with Cowrie's daily rotation.
 * The buffers grow geometrically; nothing is allocated per line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "sim/sim.h"
#include "util/hash.h"

/* ---- SSH client table ------------------------------------------------------------------------
 * Algorithm offers as seen in real honeypot traffic (public protocol constants). */
typedef struct client_def {
    const char *version;
    const char *kex, *key, *enc, *mac, *comp;
} client_def;

#define KEY_CERTS_GO                                                                             \
    "ssh-rsa-cert-v01@openssh.com,ssh-dss-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@"   \
    "openssh.com,ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh." \
    "com,ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-"  \
    "nistp521,ssh-rsa,ssh-dss,ssh-ed25519"
#define ENC_LIBSSH2                                                                              \
    "aes128-ctr,aes192-ctr,aes256-ctr,aes256-cbc,rijndael-cbc@lysator.liu.se,aes192-cbc,"       \
    "aes128-cbc,blowfish-cbc,arcfour128,arcfour,cast128-cbc,3des-cbc"
#define MAC_LIBSSH2                                                                              \
    "hmac-sha2-256,hmac-sha2-512,hmac-sha1,hmac-sha1-96,hmac-md5,hmac-md5-96,hmac-ripemd160,"   \
    "hmac-ripemd160@openssh.com"

static const client_def client_defs[SIM_CL_COUNT] = {
    [SIM_CL_GO_OLD] = {"SSH-2.0-Go",
                       "curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-"
                       "sha2-nistp521,diffie-hellman-group14-sha1,diffie-hellman-group1-sha1",
                       KEY_CERTS_GO,
                       "aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,arcfour256,"
                       "arcfour128,aes128-cbc,arcfour,3des-cbc",
                       "hmac-sha2-256-etm@openssh.com,hmac-sha2-256,hmac-sha1,hmac-sha1-96",
                       "none"},
    [SIM_CL_GO_GCM] = {"SSH-2.0-Go",
                       "curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-"
                       "sha2-nistp521,diffie-hellman-group14-sha1",
                       KEY_CERTS_GO,
                       "aes128-gcm@openssh.com,chacha20-poly1305@openssh.com,aes128-ctr,aes192-"
                       "ctr,aes256-ctr,aes128-cbc,arcfour,3des-cbc",
                       "hmac-sha2-256-etm@openssh.com,hmac-sha2-256,hmac-sha1,hmac-sha1-96",
                       "none"},
    [SIM_CL_LIBSSH063] = {"SSH-2.0-libssh-0.6.3",
                          "curve25519-sha256@libssh.org,ecdh-sha2-nistp256,diffie-hellman-"
                          "group14-sha1,diffie-hellman-group1-sha1",
                          "ecdsa-sha2-nistp256,ssh-rsa,ssh-dss",
                          "aes256-ctr,aes192-ctr,aes128-ctr,aes256-cbc,aes192-cbc,aes128-cbc,"
                          "blowfish-cbc,3des-cbc,des-cbc-ssh1",
                          "hmac-sha1", "none"},
    [SIM_CL_LIBSSH2_143] = {"SSH-2.0-libssh2_1.4.3",
                            "diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1,"
                            "diffie-hellman-group1-sha1",
                            "ssh-rsa,ssh-dss", ENC_LIBSSH2,
                            "hmac-sha1,hmac-sha1-96,hmac-md5,hmac-md5-96,hmac-ripemd160,hmac-"
                            "ripemd160@openssh.com",
                            "none"},
    [SIM_CL_LIBSSH082] = {"SSH-2.0-libssh_0.8.2",
                          "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,"
                          "ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group14-sha1,"
                          "diffie-hellman-group1-sha1",
                          "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-"
                          "nistp521,ssh-rsa,ssh-dss",
                          "aes256-ctr,aes192-ctr,aes128-ctr,aes256-cbc,aes192-cbc,aes128-cbc,"
                          "blowfish-cbc,3des-cbc",
                          "hmac-sha2-256,hmac-sha2-512,hmac-sha1", "none"},
    [SIM_CL_PUTTY] = {"SSH-2.0-PUTTY",
                      "ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-"
                      "group-exchange-sha256,diffie-hellman-group-exchange-sha1,diffie-hellman-"
                      "group14-sha1,diffie-hellman-group1-sha1",
                      "ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,ssh-rsa,ssh-"
                      "dss",
                      ENC_LIBSSH2, MAC_LIBSSH2, "none"},
    [SIM_CL_OPENSSH73] = {"SSH-2.0-OpenSSH_7.3",
                          "diffie-hellman-group14-sha1,diffie-hellman-group1-sha1,diffie-"
                          "hellman-group-exchange-sha1,diffie-hellman-group-exchange-sha256",
                          "ssh-rsa,ssh-dss",
                          "3des-cbc,aes256-ctr,aes256-cbc,aes192-ctr,aes192-cbc,aes128-cbc,"
                          "blowfish-cbc,aes128-ctr",
                          "hmac-sha1,hmac-md5,hmac-sha2-256", "none"},
    [SIM_CL_PARAMIKO] = {"SSH-2.0-paramiko_2.7.2",
                         "diffie-hellman-group-exchange-sha256,diffie-hellman-group-exchange-"
                         "sha1,diffie-hellman-group14-sha1,diffie-hellman-group1-sha1",
                         "ssh-rsa,ssh-dss", ENC_LIBSSH2, MAC_LIBSSH2, "none"},
    [SIM_CL_LIBSSH2_180] = {"SSH-2.0-libssh2_1.8.0",
                            "diffie-hellman-group-exchange-sha256,diffie-hellman-group-"
                            "exchange-sha1,diffie-hellman-group14-sha1,diffie-hellman-group1-"
                            "sha1",
                            "ssh-rsa,ssh-dss",
                            "aes128-ctr,aes192-ctr,aes256-ctr,aes256-cbc,rijndael-cbc@lysator."
                            "liu.se,aes192-cbc,aes128-cbc,blowfish-cbc,arcfour128,arcfour,"
                            "cast128-cbc,3des-cbc",
                            "hmac-sha2-256,hmac-sha2-512,hmac-sha1,hmac-sha1-96,hmac-md5,hmac-"
                            "md5-96,hmac-ripemd160",
                            "none"},
    [SIM_CL_RASPBIAN] = {"SSH-2.0-OpenSSH_6.7p1 Raspbian-5+deb8u8",
                         "curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
                         "ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-"
                         "hellman-group14-sha1,diffie-hellman-group-exchange-sha1,diffie-"
                         "hellman-group1-sha1",
                         "ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384-cert-"
                         "v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,ssh-ed25519-"
                         "cert-v01@openssh.com,ssh-rsa-cert-v01@openssh.com,ssh-dss-cert-v01@"
                         "openssh.com,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-"
                         "nistp521,ssh-ed25519,ssh-rsa,ssh-dss",
                         "aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@"
                         "openssh.com,chacha20-poly1305@openssh.com,arcfour256,arcfour128,"
                         "aes128-cbc,3des-cbc,blowfish-cbc,cast128-cbc,aes192-cbc,aes256-cbc,"
                         "arcfour,rijndael-cbc@lysator.liu.se",
                         "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@"
                         "openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,"
                         "umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,"
                         "hmac-sha1,hmac-md5,hmac-ripemd160,hmac-sha1-96,hmac-md5-96",
                         "none,zlib@openssh.com,zlib"},
    [SIM_CL_OPENSSH82] = {"SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.5",
                          "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,"
                          "ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-"
                          "sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,"
                          "diffie-hellman-group14-sha256,ext-info-c",
                          "ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384-cert-"
                          "v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,sk-ecdsa-"
                          "sha2-nistp256-cert-v01@openssh.com,ssh-ed25519-cert-v01@openssh.com,"
                          "sk-ssh-ed25519-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh."
                          "com,rsa-sha2-256-cert-v01@openssh.com,ssh-rsa-cert-v01@openssh.com,"
                          "ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ecdsa-"
                          "sha2-nistp256@openssh.com,ssh-ed25519,sk-ssh-ed25519@openssh.com,rsa-"
                          "sha2-512,rsa-sha2-256,ssh-rsa",
                          "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
                          "aes128-gcm@openssh.com,aes256-gcm@openssh.com",
                          "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@"
                          "openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,"
                          "umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,"
                          "hmac-sha1",
                          "none,zlib@openssh.com,zlib"},
    [SIM_CL_ERLANG] = {"SSH-2.0-Erlang/4.2.2",
                       "ecdh-sha2-nistp256,ecdh-sha2-nistp384,diffie-hellman-group14-sha1,"
                       "diffie-hellman-group-exchange-sha256,diffie-hellman-group-exchange-sha1,"
                       "ecdh-sha2-nistp521,diffie-hellman-group1-sha1",
                       "ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,ssh-rsa,ssh-"
                       "dss",
                       "aes256-ctr,aes192-ctr,aes128-ctr,aes128-cbc,aes128-gcm@openssh.com,"
                       "aes256-gcm@openssh.com,3des-cbc",
                       "hmac-sha2-256,hmac-sha2-512,hmac-sha1", "none,zlib@openssh.com,zlib"},
    [SIM_CL_LIBSSH096] = {"SSH-2.0-libssh_0.9.6",
                          "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,"
                          "ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group18-sha512,"
                          "diffie-hellman-group16-sha512,diffie-hellman-group-exchange-sha256,"
                          "diffie-hellman-group14-sha256,diffie-hellman-group14-sha1,ext-info-c",
                          "ssh-ed25519,ecdsa-sha2-nistp521,ecdsa-sha2-nistp384,ecdsa-sha2-"
                          "nistp256,rsa-sha2-512,rsa-sha2-256,ssh-rsa",
                          "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@"
                          "openssh.com,aes256-ctr,aes192-ctr,aes128-ctr,aes256-cbc,aes192-cbc,"
                          "aes128-cbc",
                          "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-"
                          "etm@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1",
                          "none"},
    [SIM_CL_SHODAN] = {"SSH-2.0-ShodanCrawler_1.6 http://www.shodanhq.com/research",
                       "curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-"
                       "sha2-nistp521,diffie-hellman-group14-sha1,diffie-hellman-group1-sha1",
                       "ssh-rsa,ecdsa-sha2-nistp256",
                       "aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,arcfour256,"
                       "arcfour128",
                       "hmac-sha2-256-etm@openssh.com,hmac-sha2-256,hmac-sha1,hmac-sha1-96",
                       "none"},
};

static char *list_to_json(const char *list, int spaced)
{
    size_t n = strlen(list);
    char *out = malloc(n * 2 + 8);
    if (!out)
        return NULL;
    char *p = out;
    *p++ = '[';
    *p++ = '"';
    for (const char *c = list; *c; c++) {
        if (*c == ',') {
            memcpy(p, spaced ? "\", \"" : "\",\"", spaced ? 4 : 3);
            p += spaced ? 4 : 3;
        } else {
            *p++ = *c;
        }
    }
    *p++ = '"';
    *p++ = ']';
    *p = 0;
    return out;
}

ap_status sim_clients_init(sim_world *w)
{
    w->clients = calloc(SIM_CL_COUNT, sizeof *w->clients);
    if (!w->clients)
        return AP_ERR_NOMEM;
    w->nclients = SIM_CL_COUNT;
    for (size_t i = 0; i < SIM_CL_COUNT; i++) {
        const client_def *d = &client_defs[i];
        sim_client *c = &w->clients[i];
        c->version = d->version;
        c->kex = d->kex;
        c->key = d->key;
        c->enc = d->enc;
        c->mac = d->mac;
        c->comp = d->comp;
        /* hasshAlgorithms = kex;enc;mac;comp — hassh is its MD5 (Salesforce HASSH). */
        size_t n = strlen(d->kex) + strlen(d->enc) + strlen(d->mac) + strlen(d->comp) + 4;
        char *algos = malloc(n);
        if (!algos)
            return AP_ERR_NOMEM;
        snprintf(algos, n, "%s;%s;%s;%s", d->kex, d->enc, d->mac, d->comp);
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int mdlen = 0;
        if (!EVP_Digest(algos, strlen(algos), md, &mdlen, EVP_md5(), NULL) || mdlen != 16) {
            free(algos);
            return AP_ERR_INTERNAL;
        }
        for (unsigned j = 0; j < 16; j++)
            snprintf(c->hassh + 2 * j, 3, "%02x", md[j]);
        const char *lists[6] = {d->kex, d->key, d->enc, d->mac, d->comp, ""};
        /* kex_json holds the 2.x arrays joined by NUL-separated slots; old_json the 1.x ones. */
        size_t total_new = 0, total_old = 0;
        char *an[6], *ao[6];
        for (int k = 0; k < 6; k++) {
            an[k] = list_to_json(lists[k], 0);
            ao[k] = list_to_json(lists[k], 1);
            if (!an[k] || !ao[k]) {
                for (int m = 0; m <= k; m++) {
                    free(an[m]);
                    free(ao[m]);
                }
                free(algos);
                return AP_ERR_NOMEM;
            }
            total_new += strlen(an[k]) + 1;
            total_old += strlen(ao[k]) + 1;
        }
        c->kex_json = malloc(total_new + strlen(algos) + 1);
        c->old_json = malloc(total_old);
        if (!c->kex_json || !c->old_json) {
            for (int m = 0; m < 6; m++) {
                free(an[m]);
                free(ao[m]);
            }
            free(algos);
            return AP_ERR_NOMEM;
        }
        char *p = c->kex_json, *q = c->old_json;
        for (int k = 0; k < 6; k++) {
            size_t ln = strlen(an[k]) + 1, lo = strlen(ao[k]) + 1;
            memcpy(p, an[k], ln);
            memcpy(q, ao[k], lo);
            p += ln;
            q += lo;
            free(an[k]);
            free(ao[k]);
        }
        memcpy(p, algos, strlen(algos) + 1);
        free(algos);
    }
    return AP_OK;
}

void sim_clients_free(sim_world *w)
{
    if (!w->clients)
        return;
    for (size_t i = 0; i < w->nclients; i++) {
        free(w->clients[i].kex_json);
        free(w->clients[i].old_json);
    }
    free(w->clients);
    w->clients = NULL;
}

const sim_client *sim_client_get(const sim_world *w, unsigned idx)
{
    return &w->clients[idx < w->nclients ? idx : 0];
}

/* The k-th NUL-separated slot of a prepared string. */
static const char *slot(const char *s, int k)
{
    while (k-- > 0)
        s += strlen(s) + 1;
    return s;
}

/* ---- small formatting helpers ------------------------------------------------------------- */

static const char hexd[] = "0123456789abcdef";

void sim_fake_sha256(const char *text, uint64_t salt, char out[65])
{
    size_t n = strlen(text);
    for (int i = 0; i < 4; i++) {
        uint64_t h = ap_hash64_seed(text, n, salt * 4 + (uint64_t)i + 0x5eed);
        for (int j = 0; j < 16; j++)
            out[i * 16 + j] = hexd[(h >> (60 - 4 * j)) & 15];
    }
    out[64] = 0;
}

static char *put_u64(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

static char *put_i64(char *p, int64_t v)
{
    if (v < 0) {
        *p++ = '-';
        return put_u64(p, (uint64_t)(-(v + 1)) + 1);
    }
    return put_u64(p, (uint64_t)v);
}

static inline char *put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

/* Days since 1970-01-01 to civil date (H. Hinnant's algorithm). */
static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* "2020-02-22T07:57:41.672346Z" (27 characters, no NUL). */
static char *put_ts(sim_world *w, char *p, int64_t us)
{
    int64_t day = floor_div(us, SIM_US_PER_DAY);
    if (day != w->ts_cache_day) {
        int y;
        unsigned m, d;
        civil_from_days(day, &y, &m, &d);
        char *q = w->ts_cache_date;
        q = put2(q, (unsigned)(y / 100) % 100);
        q = put2(q, (unsigned)(y % 100));
        *q++ = '-';
        q = put2(q, m);
        *q++ = '-';
        put2(q, d);
        w->ts_cache_day = day;
    }
    int64_t r = us - day * SIM_US_PER_DAY;
    unsigned sec = (unsigned)(r / SIM_US_PER_SEC), frac = (unsigned)(r % SIM_US_PER_SEC);
    memcpy(p, w->ts_cache_date, 10);
    p += 10;
    *p++ = 'T';
    p = put2(p, sec / 3600);
    *p++ = ':';
    p = put2(p, sec / 60 % 60);
    *p++ = ':';
    p = put2(p, sec % 60);
    *p++ = '.';
    for (int i = 5; i >= 0; i--) {
        p[i] = (char)('0' + frac % 10);
        frac /= 10;
    }
    p += 6;
    *p++ = 'Z';
    return p;
}

/* A Python float repr-like duration: seconds with 16 significant digits. */
static size_t fmt_duration(char *out, int64_t us, uint64_t salt)
{
    if (us < 0)
        us = 0;
    char *p = put_u64(out, (uint64_t)(us / SIM_US_PER_SEC));
    int intdigits = (int)(p - out);
    *p++ = '.';
    unsigned frac = (unsigned)(us % SIM_US_PER_SEC);
    for (int i = 5; i >= 0; i--) {
        p[i] = (char)('0' + frac % 10);
        frac /= 10;
    }
    p += 6;
    int extra = us >= SIM_US_PER_SEC ? 16 - intdigits - 6 : 10;
    uint64_t h = ap_hash64_seed(&us, sizeof us, salt);
    for (int i = 0; i < extra; i++) {
        *p++ = (char)('0' + h % 10);
        h /= 10;
    }
    if (p[-1] == '0')
        p[-1] = '7';
    *p = 0;
    return (size_t)(p - out);
}

/* JSON string body as Python's json.dumps(ensure_ascii=True) writes it. dst needs 6*n bytes. */
static char *put_escaped(char *d, const char *src, size_t n)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            *d++ = (char)c;
            i++;
            continue;
        }
        uint32_t cp;
        if (c < 0x80) {
            i++;
            *d++ = '\\';
            switch (c) {
            case '"': *d++ = '"'; continue;
            case '\\': *d++ = '\\'; continue;
            case '\n': *d++ = 'n'; continue;
            case '\r': *d++ = 'r'; continue;
            case '\t': *d++ = 't'; continue;
            case '\b': *d++ = 'b'; continue;
            case '\f': *d++ = 'f'; continue;
            default: d--; cp = c; break;
            }
        } else if ((c & 0xE0) == 0xC0 && i + 1 < n) {
            cp = ((c & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu);
            i += 2;
        } else if ((c & 0xF0) == 0xE0 && i + 2 < n) {
            cp = ((c & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu);
            i += 3;
        } else if ((c & 0xF8) == 0xF0 && i + 3 < n) {
            cp = ((c & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) | ((s[i + 2] & 0x3Fu) << 6) |
                 (s[i + 3] & 0x3Fu);
            i += 4;
        } else {
            cp = c; /* a stray byte: Latin-1, as surrogateescape-decoded text would show */
            i++;
        }
        uint32_t units[2];
        int nu = 1;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            units[0] = 0xD800 + (cp >> 10);
            units[1] = 0xDC00 + (cp & 0x3FF);
            nu = 2;
        } else {
            units[0] = cp;
        }
        for (int k = 0; k < nu; k++) {
            *d++ = '\\';
            *d++ = 'u';
            *d++ = hexd[(units[k] >> 12) & 15];
            *d++ = hexd[(units[k] >> 8) & 15];
            *d++ = hexd[(units[k] >> 4) & 15];
            *d++ = hexd[units[k] & 15];
        }
    }
    return d;
}

/* Python repr() of a bytes object, as Cowrie logs forwarded data. dst needs 4*n + 3 bytes. */
static size_t py_bytes_repr(char *dst, const unsigned char *b, size_t n)
{
    int has_sq = memchr(b, '\'', n) != NULL, has_dq = memchr(b, '"', n) != NULL;
    char q = (has_sq && !has_dq) ? '"' : '\'';
    char *d = dst;
    *d++ = 'b';
    *d++ = q;
    for (size_t i = 0; i < n; i++) {
        unsigned c = b[i];
        if (c == (unsigned)q || c == '\\') {
            *d++ = '\\';
            *d++ = (char)c;
        } else if (c == '\t') {
            *d++ = '\\';
            *d++ = 't';
        } else if (c == '\n') {
            *d++ = '\\';
            *d++ = 'n';
        } else if (c == '\r') {
            *d++ = '\\';
            *d++ = 'r';
        } else if (c < 0x20 || c >= 0x7f) {
            *d++ = '\\';
            *d++ = 'x';
            *d++ = hexd[c >> 4];
            *d++ = hexd[c & 15];
        } else {
            *d++ = (char)c;
        }
    }
    *d++ = q;
    return (size_t)(d - dst);
}

/* ---- buffers and the event core ----------------------------------------------------------- */

static char *buf_reserve(sim_world *w, sim_buf *b, size_t need)
{
    if (b->len + need > b->cap) {
        size_t cap = b->cap ? b->cap : (size_t)1 << 20;
        while (cap < b->len + need)
            cap *= 2;
        char *t = realloc(b->text, cap);
        if (!t) {
            w->oom = 1;
            return NULL;
        }
        b->text = t;
        b->cap = cap;
    }
    return b->text + b->len;
}

static sim_rec *buf_rec(sim_world *w, sim_buf *b)
{
    if (b->n == b->ncap) {
        size_t cap = b->ncap ? b->ncap * 2 : 4096;
        sim_rec *r = realloc(b->recs, cap * sizeof *r);
        if (!r) {
            w->oom = 1;
            return NULL;
        }
        b->recs = r;
        b->ncap = cap;
    }
    return &b->recs[b->n++];
}

enum { SF_STR, SF_INT, SF_RAW, SF_BOOL, SF_SENSOR, SF_TS, SF_SRCIP, SF_SESSION };

typedef struct sim_field {
    const char *key;
    size_t klen;
    int type;
    const char *s;
    size_t n;
    int64_t i;
} sim_field;

#define F_STR(k, v) {(k), sizeof(k) - 1, SF_STR, (v), strlen(v), 0}
#define F_STRN(k, v, len) {(k), sizeof(k) - 1, SF_STR, (v), (len), 0}
#define F_INT(k, v) {(k), sizeof(k) - 1, SF_INT, NULL, 0, (v)}
#define F_RAW(k, v) {(k), sizeof(k) - 1, SF_RAW, (v), strlen(v), 0}
#define F_RAWN(k, v, len) {(k), sizeof(k) - 1, SF_RAW, (v), (len), 0}
#define F_BOOL(k, v) {(k), sizeof(k) - 1, SF_BOOL, NULL, 0, (v)}
#define F_SENSOR {"sensor", 6, SF_SENSOR, NULL, 0, 0}
#define F_TS {"timestamp", 9, SF_TS, NULL, 0, 0}
#define F_SRCIP {"src_ip", 6, SF_SRCIP, NULL, 0, 0}
#define F_SESSION {"session", 7, SF_SESSION, NULL, 0, 0}
#define MAXF 24

static char *put_value(sim_session *s, char *p, const sim_field *f)
{
    switch (f->type) {
    case SF_STR:
        *p++ = '"';
        p = put_escaped(p, f->s, f->n);
        *p++ = '"';
        return p;
    case SF_INT: return put_i64(p, f->i);
    case SF_RAW:
        memcpy(p, f->s, f->n);
        return p + f->n;
    case SF_BOOL:
        if (f->i) {
            memcpy(p, "true", 4);
            return p + 4;
        }
        memcpy(p, "false", 5);
        return p + 5;
    case SF_SENSOR: {
        size_t n = strlen(s->sensor->name);
        *p++ = '"';
        memcpy(p, s->sensor->name, n);
        p += n;
        *p++ = '"';
        return p;
    }
    case SF_TS:
        *p++ = '"';
        p = put_ts(s->w, p, s->t);
        *p++ = '"';
        return p;
    case SF_SRCIP:
        *p++ = '"';
        memcpy(p, s->ip, s->iplen);
        p += s->iplen;
        *p++ = '"';
        return p;
    case SF_SESSION:
        *p++ = '"';
        memcpy(p, s->sidtxt, s->sidlen);
        p += s->sidlen;
        *p++ = '"';
        return p;
    }
    return p;
}

static size_t value_bound(const sim_session *s, const sim_field *f)
{
    switch (f->type) {
    case SF_STR: return f->n * 6 + 2;
    case SF_RAW: return f->n;
    case SF_SENSOR: return strlen(s->sensor->name) + 2;
    case SF_SRCIP: return s->iplen + 2;
    default: return 32;
    }
}

/* Python 2 dicts printed keys in hash order: an insertion sort by a hash of the key does the
 * same job (a fixed, arbitrary-looking order per key set). */
static void sort_by_key_hash(sim_field *f, size_t n)
{
    uint64_t h[MAXF];
    for (size_t i = 0; i < n; i++)
        h[i] = ap_hash64(f[i].key, f[i].klen);
    for (size_t i = 1; i < n; i++) {
        sim_field tf = f[i];
        uint64_t th = h[i];
        size_t j = i;
        for (; j > 0 && h[j - 1] > th; j--) {
            f[j] = f[j - 1];
            h[j] = h[j - 1];
        }
        f[j] = tf;
        h[j] = th;
    }
}

static void add_note(sim_session *s)
{
    sim_world *w = s->w;
    if (w->nnotes == w->notes_cap) {
        size_t cap = w->notes_cap ? w->notes_cap * 2 : 64;
        sim_note *n = realloc(w->notes, cap * sizeof *n);
        if (!n) {
            w->oom = 1;
            return;
        }
        w->notes = n;
        w->notes_cap = cap;
    }
    w->notes[w->nnotes].sensor = s->sensor_idx;
    w->notes[w->nnotes].sid = s->sid;
    w->nnotes++;
}

/* Writes one event line. `f` lists the event's own fields in Cowrie's order; with std_tail the
 * usual sensor, timestamp, src_ip, session follow. */
static void emit(sim_session *s, const char *eventid, const sim_field *f, size_t nf, int std_tail,
                 uint32_t flags)
{
    sim_world *w = s->w;
    if (w->oom)
        return;
    int64_t rel = s->t - w->day_start;
    if (rel < 0 || rel >= 2 * SIM_US_PER_DAY)
        return;
    int slot_i = rel < SIM_US_PER_DAY ? 0 : 1;
    if (slot_i == 1 && !s->spilled) {
        s->spilled = 1;
        add_note(s);
    }
    sim_buf *b = &s->sensor->day[slot_i];

    sim_field all[MAXF];
    size_t n = 0;
    all[n++] = (sim_field)F_STR("eventid", eventid);
    for (size_t i = 0; i < nf && n < MAXF - 6; i++)
        all[n++] = f[i];
    if (std_tail) {
        all[n++] = (sim_field)F_SENSOR;
        all[n++] = (sim_field)F_TS;
        all[n++] = (sim_field)F_SRCIP;
        all[n++] = (sim_field)F_SESSION;
    }
    int old = s->sensor->old_format;
    char system[96];
    if (old) {
        int len;
        if (flags & SIM_REC_CONNECT)
            len = snprintf(system, sizeof system, "%s",
                           s->telnet ? "cowrie.telnet.transport.HoneyPotTelnetFactory"
                                     : "cowrie.ssh.factory.CowrieSSHFactory");
        else
            len = snprintf(system, sizeof system, "%s,%llu,%s",
                           s->telnet ? "CowrieTelnetTransport" : "HoneyPotSSHTransport",
                           (unsigned long long)s->conn_no, s->ip);
        if (len < 0)
            len = 0;
        all[n++] = (sim_field)F_STRN("system", system, (size_t)len);
        all[n++] = (sim_field)F_INT("isError", 0);
        sort_by_key_hash(all, n);
    }
    size_t bound = 4;
    for (size_t i = 0; i < n; i++)
        bound += all[i].klen + 6 + value_bound(s, &all[i]);
    char *start = buf_reserve(w, b, bound);
    if (!start)
        return;
    char *p = start;
    *p++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i) {
            *p++ = ',';
            if (old)
                *p++ = ' ';
        }
        *p++ = '"';
        memcpy(p, all[i].key, all[i].klen);
        p += all[i].klen;
        *p++ = '"';
        *p++ = ':';
        if (old)
            *p++ = ' ';
        p = put_value(s, p, &all[i]);
    }
    *p++ = '}';
    *p++ = '\n';
    sim_rec *r = buf_rec(w, b);
    if (!r)
        return;
    r->ts = s->t;
    r->off = b->len;
    r->len = (uint32_t)(p - start);
    r->sid = s->sid;
    r->actor = s->actor;
    r->campaign = s->campaign;
    r->flags = flags;
    r->pad_ = 0;
    b->len += r->len;
}

/* ---- sessions ----------------------------------------------------------------------------- */

static uint64_t permute(uint64_t x, uint64_t key, int bits)
{
    uint64_t m = (UINT64_C(1) << bits) - 1;
    x = (x + key) & m;
    x = (x * UINT64_C(0x5DEECE66D)) & m;
    x ^= x >> (bits / 2 - 3);
    x = (x * UINT64_C(0x2545F4914F6CDD1D)) & m;
    x ^= x >> (bits / 2 + 1);
    x = (x * UINT64_C(0x9E3779B97F4A7C15)) & m;
    x ^= x >> (bits / 2);
    return x;
}

void sim_session_begin(sim_session *s, sim_world *w, unsigned sensor, int64_t start,
                       const char *ip, int telnet, const sim_client *client, uint16_t actor,
                       uint16_t campaign)
{
    memset(s, 0, sizeof *s);
    s->w = w;
    s->sensor_idx = sensor;
    s->sensor = &w->sensors[sensor];
    s->t = s->start = start;
    s->telnet = telnet;
    s->client = client;
    s->actor = actor;
    s->campaign = campaign;
    s->iplen = strlen(ip);
    if (s->iplen >= sizeof s->ip)
        s->iplen = sizeof s->ip - 1;
    memcpy(s->ip, ip, s->iplen);
    s->ip[s->iplen] = 0;
    sim_sensor *se = s->sensor;
    s->conn_no = se->nconn;
    uint64_t key = ap_hash64_seed(se->name, strlen(se->name), w->seed);
    int bits = se->old_format ? 32 : 48;
    s->sid = permute(se->nconn++, key, bits);
    int digits = bits / 4;
    for (int i = 0; i < digits; i++)
        s->sidtxt[i] = hexd[(s->sid >> (4 * (digits - 1 - i))) & 15];
    s->sidlen = (size_t)digits;
    s->sidtxt[digits] = 0;
    uint64_t r = sim_next(&w->rng);
    s->port = 1024 + (int)(r % 64000);
}

void sim_wait(sim_session *s, int64_t lo_us, int64_t hi_us)
{
    s->t += sim_range(&s->w->rng, lo_us, hi_us) + 1;
}

void sim_ev_connect(sim_session *s)
{
    char msg[192];
    const sim_sensor *se = s->sensor;
    int dport = s->telnet ? 23 : 22;
    if (se->old_format)
        dport += 2200; /* 1.x listened on 2222/2223 directly */
    int len = snprintf(msg, sizeof msg, "New connection: %s:%d (%s:%d) [session: %s]", s->ip,
                       s->port, se->dst_ip, dport, s->sidtxt);
    if (len < 0)
        len = 0;
    if (se->old_format) {
        sim_field f[] = {F_STR("src_ip", s->ip), F_INT("src_port", s->port),
                         F_STR("dst_ip", se->dst_ip), F_INT("dst_port", dport),
                         F_SESSION, F_STRN("message", msg, (size_t)len), F_SENSOR, F_TS};
        emit(s, "cowrie.session.connect", f, sizeof f / sizeof f[0], 0, SIM_REC_CONNECT);
    } else {
        sim_field f[] = {F_STR("src_ip", s->ip), F_INT("src_port", s->port),
                         F_STR("dst_ip", se->dst_ip), F_INT("dst_port", dport),
                         F_SESSION, F_STR("protocol", s->telnet ? "telnet" : "ssh"),
                         F_STRN("message", msg, (size_t)len), F_SENSOR, F_TS};
        emit(s, "cowrie.session.connect", f, sizeof f / sizeof f[0], 0, SIM_REC_CONNECT);
    }
}

void sim_ev_client(sim_session *s)
{
    const sim_client *c = s->client;
    if (s->telnet || !c)
        return;
    char ver[128], msg[192];
    int vl = snprintf(ver, sizeof ver, s->sensor->bytes_version ? "b'%s'" : "%s", c->version);
    int ml = snprintf(msg, sizeof msg, "Remote SSH version: %s", ver);
    if (vl < 0 || ml < 0)
        return;
    if (s->sensor->old_format) {
        const char *o = c->old_json;
        sim_field f[] = {F_RAW("macCS", slot(o, 3)),  F_RAW("kexAlgs", slot(o, 0)),
                         F_RAW("keyAlgs", slot(o, 1)), F_STRN("message", msg, (size_t)ml),
                         F_STRN("version", ver, (size_t)vl), F_RAW("compCS", slot(o, 4)),
                         F_RAW("encCS", slot(o, 2)), F_RAW("langCS", slot(o, 5))};
        emit(s, "cowrie.client.version", f, sizeof f / sizeof f[0], 1, 0);
        return;
    }
    sim_field f1[] = {F_STRN("version", ver, (size_t)vl), F_STRN("message", msg, (size_t)ml)};
    emit(s, "cowrie.client.version", f1, 2, 1, 0);
    sim_wait(s, 5000, 60000);
    const char *k = c->kex_json;
    char kmsg[96];
    int kl = snprintf(kmsg, sizeof kmsg, "SSH client hassh fingerprint: %s", c->hassh);
    if (kl < 0)
        return;
    sim_field f2[] = {F_STR("hassh", c->hassh),       F_STR("hasshAlgorithms", slot(k, 6)),
                      F_RAW("kexAlgs", slot(k, 0)),   F_RAW("keyAlgs", slot(k, 1)),
                      F_RAW("encCS", slot(k, 2)),     F_RAW("macCS", slot(k, 3)),
                      F_RAW("compCS", slot(k, 4)),    F_RAW("langCS", slot(k, 5)),
                      F_STRN("message", kmsg, (size_t)kl)};
    emit(s, "cowrie.client.kex", f2, sizeof f2 / sizeof f2[0], 1, 0);
}

void sim_ev_fingerprint(sim_session *s, const char *user, const char *type, const char *key,
                        const char *fp)
{
    char msg[256];
    int ml = snprintf(msg, sizeof msg, "public key attempt for user %s of type %s with fingerprint %s",
                      user, type, fp);
    if (ml < 0)
        return;
    sim_field f[] = {F_STR("username", user), F_STR("fingerprint", fp), F_STR("key", key),
                     F_STR("type", type), F_STRN("message", msg, (size_t)ml)};
    emit(s, "cowrie.client.fingerprint", f, sizeof f / sizeof f[0], 1, 0);
}

void sim_ev_login(sim_session *s, const char *user, const char *pass, int ok)
{
    char msg[512];
    int ml = snprintf(msg, sizeof msg, "login attempt [%s/%s] %s", user, pass,
                      ok ? "succeeded" : "failed");
    if (ml < 0)
        return;
    if ((size_t)ml >= sizeof msg)
        ml = sizeof msg - 1;
    sim_field f[] = {F_STR("username", user), F_STR("password", pass),
                     F_STRN("message", msg, (size_t)ml)};
    emit(s, ok ? "cowrie.login.success" : "cowrie.login.failed", f, 3, 1, 0);
}

void sim_ev_size(sim_session *s, int width, int height)
{
    char msg[64];
    int ml = snprintf(msg, sizeof msg, "Terminal Size: %d %d", width, height);
    if (ml < 0)
        return;
    sim_field f[] = {F_INT("width", width), F_INT("height", height),
                     F_STRN("message", msg, (size_t)ml)};
    emit(s, "cowrie.client.size", f, 3, 1, 0);
}

void sim_ev_var(sim_session *s, const char *name, const char *value)
{
    char msg[256];
    int ml = snprintf(msg, sizeof msg, "request_env: %s=%s", name, value);
    if (ml < 0)
        return;
    sim_field f[] = {F_STR("name", name), F_STR("value", value),
                     F_STRN("message", msg, (size_t)ml)};
    emit(s, "cowrie.client.var", f, 3, 1, 0);
}

static void tty_name_old(sim_session *s, char *out, size_t n)
{
    int64_t day = floor_div(s->tty_start, SIM_US_PER_DAY);
    int y;
    unsigned m, d;
    civil_from_days(day, &y, &m, &d);
    unsigned sec = (unsigned)((s->tty_start - day * SIM_US_PER_DAY) / SIM_US_PER_SEC);
    snprintf(out, n, "log/tty/%04d%02u%02u-%02u%02u%02u-%s-0i.log", y, m, d, sec / 3600,
             sec / 60 % 60, sec % 60, s->sidtxt);
}

void sim_ev_shell(sim_session *s, const char *arch)
{
    if (s->sensor->old_format) {
        if (s->tty_open)
            return;
        s->tty_open = 1;
        s->tty_start = s->t;
        s->tty_bytes = 0;
        char name[96], msg[128];
        tty_name_old(s, name, sizeof name);
        int ml = snprintf(msg, sizeof msg, "Opening TTY Log: %s", name);
        if (ml < 0)
            return;
        sim_field f[] = {F_STR("ttylog", name), F_STRN("message", msg, (size_t)ml)};
        emit(s, "cowrie.log.open", f, 2, 1, 0);
        return;
    }
    s->tty_open = 1;
    s->tty_start = s->t;
    s->tty_bytes = 0;
    sim_field f[] = {F_STR("arch", arch), F_RAW("message", "[]")};
    emit(s, "cowrie.session.params", f, 2, 1, 0);
}

void sim_ev_input(sim_session *s, const char *cmd)
{
    char msg[8192];
    size_t n = strlen(cmd);
    if (n > sizeof msg - 6)
        n = sizeof msg - 6;
    memcpy(msg, "CMD: ", 5);
    memcpy(msg + 5, cmd, n);
    s->tty_bytes += n + 2 + (sim_next(&s->w->rng) % 200);
    sim_field f[] = {F_STRN("input", cmd, n), F_STRN("message", msg, n + 5)};
    emit(s, "cowrie.command.input", f, 2, 1, 0);
}

void sim_ev_cmd_result(sim_session *s, const char *cmd, int found)
{
    char msg[8192];
    const char *pre = found ? "Command found: " : "Command not found: ";
    size_t pl = strlen(pre), n = strlen(cmd);
    if (n > sizeof msg - pl - 1)
        n = sizeof msg - pl - 1;
    memcpy(msg, pre, pl);
    memcpy(msg + pl, cmd, n);
    sim_field f[] = {F_STRN("input", cmd, n), F_STRN("message", msg, n + pl)};
    emit(s, found ? "cowrie.command.success" : "cowrie.command.failed", f, 2, 1, 0);
}

void sim_ev_passwd_input(sim_session *s, const char *text)
{
    char msg[512];
    int ml = snprintf(msg, sizeof msg, "INPUT (passwd): %s", text);
    if (ml < 0)
        return;
    sim_field f[] = {F_STR("realm", "passwd"), F_STR("input", text),
                     F_STRN("message", msg, (size_t)ml)};
    emit(s, "cowrie.command.success", f, 3, 1, 0);
}

void sim_ev_tty_closed(sim_session *s)
{
    if (!s->tty_open)
        return;
    s->tty_open = 0;
    int64_t dur = s->t - s->tty_start;
    char dbuf[48];
    size_t dl = fmt_duration(dbuf, dur, s->sid);
    char msg[256];
    if (s->sensor->old_format) {
        char name[96];
        tty_name_old(s, name, sizeof name);
        int ml = snprintf(msg, sizeof msg, "Closing TTY Log: %s after %lld seconds", name,
                          (long long)(dur / SIM_US_PER_SEC));
        if (ml < 0)
            return;
        sim_field f[] = {F_STR("ttylog", name), F_INT("size", (int64_t)s->tty_bytes),
                         F_STRN("message", msg, (size_t)ml), F_RAWN("duration", dbuf, dl)};
        emit(s, "cowrie.log.closed", f, 4, 1, 0);
        return;
    }
    char key[64], sha[65], ttylog[80];
    snprintf(key, sizeof key, "%llu:%llu", (unsigned long long)s->sid,
             (unsigned long long)s->tty_bytes);
    sim_fake_sha256(key, 7, sha);
    snprintf(ttylog, sizeof ttylog, "log/tty/%s", sha);
    int ml = snprintf(msg, sizeof msg, "Closing TTY Log: %s after %lld seconds", ttylog,
                      (long long)(dur / SIM_US_PER_SEC));
    if (ml < 0)
        return;
    sim_field f[] = {F_STR("ttylog", ttylog), F_INT("size", (int64_t)s->tty_bytes),
                     F_STRN("shasum", sha, 64),   F_BOOL("duplicate", 0),
                     F_RAWN("duration", dbuf, dl), F_STRN("message", msg, (size_t)ml)};
    emit(s, "cowrie.log.closed", f, 6, 1, 0);
}

void sim_ev_download(sim_session *s, const char *url, const char *destfile, const char *sha)
{
    char outfile[72], msg[1024];
    snprintf(outfile, sizeof outfile, "dl/%s", sha);
    int ml = snprintf(msg, sizeof msg, "Downloaded URL (%s) with SHA-256 %s to %s", url, sha,
                      outfile);
    if (ml < 0)
        return;
    if ((size_t)ml >= sizeof msg)
        ml = sizeof msg - 1;
    sim_field f[] = {F_STR("url", url), F_STR("outfile", outfile), F_STR("shasum", sha),
                     F_STR("destfile", destfile), F_STRN("message", msg, (size_t)ml)};
    emit(s, "cowrie.session.file_download", f, 5, 1, 0);
}

void sim_ev_download_failed(sim_session *s, const char *url)
{
    char msg[1024];
    int ml = snprintf(msg, sizeof msg, "Attempt to download file(s) from URL (%s) failed", url);
    if (ml < 0)
        return;
    if ((size_t)ml >= sizeof msg)
        ml = sizeof msg - 1;
    sim_field f[] = {F_STR("url", url), F_STRN("message", msg, (size_t)ml)};
    emit(s, "cowrie.session.file_download.failed", f, 2, 1, 0);
}

void sim_ev_redirect(sim_session *s, const char *destfile, const char *sha)
{
    char outfile[72], msg[256];
    snprintf(outfile, sizeof outfile, "dl/%s", sha);
    int ml = snprintf(msg, sizeof msg, "Saved redir contents with SHA-256 %s to %s", sha, outfile);
    if (ml < 0)
        return;
    sim_field f[] = {F_BOOL("duplicate", 0), F_STR("outfile", outfile), F_STR("shasum", sha),
                     F_STR("destfile", destfile), F_STRN("message", msg, (size_t)ml)};
    emit(s, "cowrie.session.file_download", f, 5, 1, 0);
}

void sim_ev_upload(sim_session *s, const char *filename, const char *sha)
{
    char outfile[72], msg[512];
    snprintf(outfile, sizeof outfile, "dl/%s", sha);
    int ml = snprintf(msg, sizeof msg, "SFTP Uploaded file \"%s\" to %s", filename, outfile);
    if (ml < 0)
        return;
    sim_field f[] = {F_STR("filename", filename), F_STR("outfile", outfile), F_STR("shasum", sha),
                     F_STRN("message", msg, (size_t)ml)};
    emit(s, "cowrie.session.file_upload", f, 4, 1, 0);
}

void sim_ev_tcpip(sim_session *s, const char *host, int port, const unsigned char *data,
                  size_t n)
{
    char msg[512];
    int ml = snprintf(msg, sizeof msg, "direct-tcp connection request to %s:%d from 0.0.0.0:0",
                      host, port);
    if (ml < 0)
        return;
    sim_field f1[] = {F_STR("dst_ip", host), F_INT("dst_port", port), F_SRCIP,
                      F_INT("src_port", 0), F_STRN("message", msg, (size_t)ml), F_SENSOR, F_TS,
                      F_SESSION};
    emit(s, "cowrie.direct-tcpip.request", f1, sizeof f1 / sizeof f1[0], 0, 0);
    if (!data || !n)
        return;
    sim_wait(s, 20000, 400000);
    char repr[4 * 1024 + 8], dmsg[4 * 1024 + 600];
    if (n > 1024)
        n = 1024;
    size_t rl = py_bytes_repr(repr, data, n);
    int dl = snprintf(dmsg, sizeof dmsg, "discarded direct-tcp forward request 0 to %s:%d with data %.*s",
                      host, port, (int)rl, repr);
    if (dl < 0)
        return;
    sim_field f2[] = {F_STR("dst_ip", host), F_INT("dst_port", port), F_STRN("data", repr, rl),
                      F_INT("id", 0), F_STRN("message", dmsg, (size_t)dl)};
    emit(s, "cowrie.direct-tcpip.data", f2, 5, 1, 0);
}

void sim_ev_virustotal(sim_session *s, const char *sha, int positives)
{
    char msg[192], link[160];
    snprintf(link, sizeof link, "https://www.virustotal.com/gui/file/%s/detection", sha);
    int ml = snprintf(msg, sizeof msg, "Virustotal report of %s: %d positives out of 62", sha,
                      positives);
    if (ml < 0)
        return;
    sim_field f[] = {F_STR("sha256", sha), F_STR("is_new", "false"), F_INT("positives", positives),
                     F_INT("total", 62), F_STR("permalink", link),
                     F_STRN("message", msg, (size_t)ml)};
    emit(s, "cowrie.virustotal.scanfile", f, 6, 1, 0);
}

void sim_ev_closed(sim_session *s)
{
    sim_ev_tty_closed(s);
    int64_t dur = s->t - s->start;
    char dbuf[48], msg[96];
    size_t dl = fmt_duration(dbuf, dur, s->sid ^ 0x55);
    int ml = snprintf(msg, sizeof msg, "Connection lost after %lld seconds",
                      (long long)(dur / SIM_US_PER_SEC));
    if (ml < 0)
        return;
    sim_field f[] = {F_RAWN("duration", dbuf, dl), F_STRN("message", msg, (size_t)ml)};
    emit(s, "cowrie.session.closed", f, 2, 1, 0);
}
