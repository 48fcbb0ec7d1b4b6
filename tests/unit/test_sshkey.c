/* test_sshkey.c — SSH public keys in attacker text: bits, comment and fingerprints must be what
 * `ssh-keygen -l` prints. Three parts: (1) keys generated at test time by ssh-keygen (every
 * type and size it can make, plus sk- keys built from them) compared with its own -l output,
 * skipped with a note when ssh-keygen is absent; (2) fixed vectors that always run: the
 * Outlaw botnet's "mdrfckr" key in the forms attackers write it; (3) fingerprints of raw blobs. */
#include "check.h"
#include "understand/sshkey.h"
#include <openssl/evp.h>
#include <stdint.h>
#include <time.h>

/* The Outlaw ("Dota", "Shellbot") botnet key, as published in many honeypot reports. Expected
 * values were printed once by OpenSSH_9.2p1 (Debian 12) for this exact text:
 *   ssh-keygen -l -f mdrfckr.pub        -> 2048 SHA256:MkYY9qiVsFGBC5WkjoClCkwEFW5iSjcGQF7m4n4H7Cw mdrfckr (RSA)
 *   ssh-keygen -l -E md5 -f mdrfckr.pub -> 2048 MD5:13:47:1e:8f:5a:18:fc:8e:35:0a:51:cc:7d:b4:06:61 mdrfckr (RSA) */
#define MDRFCKR_BLOB                                                                               \
    "AAAAB3NzaC1yc2EAAAABJQAAAQEArDp4cun2lhr4KUhBGE7VvAcwdli2a8dbnrTOrbMz1+5O73fcBOx8NVbUT0bUanUV9" \
    "tJ2/9p7+vD0EpZ3Tz/+0kX34uAx1RV/75GVOmNx+9EuWOnvNoaJe0QXxziIg9eLBHpgLMuakb5+BgTFB+rKJAw9u9FST" \
    "DengvS8hX1kNFS4Mjux0hJOK8rvcEmPecjdySYMb66nylAKGwCEE6WEQHmd1mUPgHwGQ0hWCwsQk13yCGPK5w6hYp5zY" \
    "kFnvlC8hGmd4Ww+u97k6pfTGTUbJk14ujvcD9iUKQTTWYYjIIu5PmUux5bsZ0R4WFwdIe6+i6rBLAsPKgAySVKPRK+oRw=="
#define MDRFCKR "ssh-rsa " MDRFCKR_BLOB " mdrfckr"
#define MDRFCKR_SHA256 "SHA256:MkYY9qiVsFGBC5WkjoClCkwEFW5iSjcGQF7m4n4H7Cw"
#define MDRFCKR_MD5 "MD5:13:47:1e:8f:5a:18:fc:8e:35:0a:51:cc:7d:b4:06:61"

/* An ed25519 key generated for these tests (ssh-keygen -t ed25519 -C backup@vps-7); values
 * printed by ssh-keygen -l / -l -E md5 (OpenSSH_9.2p1). */
#define ED_BLOB "AAAAC3NzaC1lZDI1NTE5AAAAIHXUXVMP3sJlEU0Gtc/PDnw0O9OwvcUHTK8mEhSSjs+J"
#define ED_KEY "ssh-ed25519 " ED_BLOB " backup@vps-7"
#define ED_SHA256 "SHA256:dUQver7JPZChhFzvx+2NvDgCn4JKd63fs7RoFT01U0w"
#define ED_MD5 "MD5:37:92:59:6c:c9:60:b8:a5:74:77:27:4f:3d:1e:09:51"

static ap_arena arena;

static char *cstr(ap_str s)
{
    static char buf[8][512];
    static int k;
    char *b = buf[k++ & 7];
    size_t n = s.n < 511 ? s.n : 511;
    if (s.p)
        memcpy(b, s.p, n);
    b[n] = '\0';
    return b;
}

static size_t scan(const char *text, size_t len, ap_ssh_key **keys)
{
    size_t n = 0;
    *keys = NULL;
    CHECK_EQ_INT(ap_sshkey_scan(ap_str_make(text, len), &arena, keys, &n), AP_OK);
    return n;
}

static size_t scan_c(const char *text, ap_ssh_key **keys) { return scan(text, strlen(text), keys); }

static void check_mdrfckr(const ap_ssh_key *k)
{
    CHECK_EQ_STR(cstr(k->type), "ssh-rsa");
    CHECK_EQ_INT(k->bits, 2048);
    CHECK_EQ_STR(cstr(k->comment), "mdrfckr");
    CHECK_EQ_STR(k->sha256, MDRFCKR_SHA256);
    CHECK_EQ_STR(k->md5, MDRFCKR_MD5);
    CHECK_EQ_STR(cstr(k->blob_b64), MDRFCKR_BLOB);
}

/* ---- (2) fixed vectors ---------------------------------------------------------------------- */

static void test_mdrfckr_forms(void)
{
    ap_ssh_key k, *keys;

    /* the .pub text itself */
    CHECK_EQ_INT(ap_sshkey_parse(ap_str_c(MDRFCKR "\n"), &arena, &k), AP_OK);
    check_mdrfckr(&k);

    /* the Outlaw command exactly as Cowrie logs it */
    const char *cmd = "cd ~ && rm -rf .ssh && mkdir .ssh && echo \"" MDRFCKR
                      "\">>.ssh/authorized_keys && chmod -R go= ~/.ssh && cd ~";
    CHECK_EQ_INT(scan_c(cmd, &keys), 1);
    check_mdrfckr(&keys[0]);
    const char *at = strstr(cmd, "ssh-rsa");
    CHECK_EQ_INT(keys[0].start, at - cmd);
    CHECK_EQ_INT(keys[0].end, strstr(cmd, "mdrfckr\"") - cmd + 7);

    /* printf with literal \n escapes, two keys */
    const char *pf = "printf '" MDRFCKR "\\n" ED_KEY "\\n' >> ~/.ssh/authorized_keys";
    CHECK_EQ_INT(scan_c(pf, &keys), 2);
    check_mdrfckr(&keys[0]);
    CHECK_EQ_STR(cstr(keys[1].type), "ssh-ed25519");
    CHECK_EQ_INT(keys[1].bits, 256);
    CHECK_EQ_STR(cstr(keys[1].comment), "backup@vps-7");
    CHECK_EQ_STR(keys[1].sha256, ED_SHA256);
    CHECK_EQ_STR(keys[1].md5, ED_MD5);

    /* echo -e with "\n" between keys and a key glued to the escape */
    CHECK_EQ_INT(scan_c("echo -e \"" ED_KEY "\\n" MDRFCKR "\" > /root/.ssh/authorized_keys", &keys), 2);
    CHECK_EQ_STR(cstr(keys[0].comment), "backup@vps-7");
    check_mdrfckr(&keys[1]);

    /* here-document body */
    CHECK_EQ_INT(scan_c("cat >> ~/.ssh/authorized_keys <<'EOF'\n" MDRFCKR "\nEOF\n", &keys), 1);
    check_mdrfckr(&keys[0]);

    /* authorized_keys options before the type */
    CHECK_EQ_INT(scan_c("no-pty,no-port-forwarding,command=\"/bin/false\",from=\"10.0.0.0/8\" " MDRFCKR, &keys), 1);
    check_mdrfckr(&keys[0]);

    /* two keys on one line separated by spaces: the first comment stops at the second key */
    CHECK_EQ_INT(scan_c(MDRFCKR " " ED_KEY, &keys), 2);
    check_mdrfckr(&keys[0]);
    CHECK_EQ_STR(cstr(keys[1].comment), "backup@vps-7");

    /* newline-separated, one without a comment */
    CHECK_EQ_INT(scan_c("ssh-ed25519 " ED_BLOB "\n" MDRFCKR "\n", &keys), 2);
    CHECK_EQ_STR(cstr(keys[0].comment), "");
    CHECK_EQ_STR(keys[0].sha256, ED_SHA256);
    check_mdrfckr(&keys[1]);

    /* single quotes, a comment with spaces, and an escaped quote inside double quotes */
    CHECK_EQ_INT(scan_c("echo 'ssh-ed25519 " ED_BLOB " my lab key'>>/root/.ssh/authorized_keys", &keys), 1);
    CHECK_EQ_STR(cstr(keys[0].comment), "my lab key");
    CHECK_EQ_INT(scan_c("sh -c \"echo \\\"ssh-ed25519 " ED_BLOB " k\\\\\\\" x\\\" >> f\"", &keys), 1);

    /* unquoted, ended by a shell operator */
    CHECK_EQ_INT(scan_c("echo " MDRFCKR ">>.ssh/authorized_keys;chmod 600 .ssh/authorized_keys", &keys), 1);
    check_mdrfckr(&keys[0]);
    CHECK_EQ_INT(scan_c("echo " MDRFCKR "|tee -a .ssh/authorized_keys", &keys), 1);
    check_mdrfckr(&keys[0]);

    /* garbage and NUL bytes around */
    static const char garbage[] = "\x00\xff\xfe junk ssh-rsa AAAA \x01" MDRFCKR "\x00 trailing \xc3\x28";
    CHECK_EQ_INT(scan(garbage, sizeof garbage - 1, &keys), 1);
    check_mdrfckr(&keys[0]);

    /* base64 of the whole line piped through base64 -d: same key; its range is the run's */
    unsigned char b64[1024];
    static const char line[] = MDRFCKR "\n";
    int bl = EVP_EncodeBlock(b64, (const unsigned char *)line, (int)sizeof line - 1);
    char wrapped[1400];
    snprintf(wrapped, sizeof wrapped, "echo %s | base64 -d >> ~/.ssh/authorized_keys", (char *)b64);
    CHECK_EQ_INT(scan_c(wrapped, &keys), 1);
    check_mdrfckr(&keys[0]);
    CHECK_EQ_INT(keys[0].start, 5);
    CHECK_EQ_INT(keys[0].end, 5 + bl);
    /* the same wrapped at 76 columns, the way plain `base64` prints it, without padding */
    char folded[1200];
    size_t o = 0;
    for (int i = 0; i < bl && b64[i] != '='; i++) {
        if (i && i % 76 == 0)
            folded[o++] = '\n';
        folded[o++] = (char)b64[i];
    }
    folded[o] = '\0';
    snprintf(wrapped, sizeof wrapped, "base64 -d > k <<EOF\n%s\nEOF", folded);
    CHECK_EQ_INT(scan_c(wrapped, &keys), 1);
    check_mdrfckr(&keys[0]);

    /* a wrapped security-key line: "c2st" (sk-) contains the encoding of "ssh-" four bytes in,
     * which must not hide the run's real start (regression). Built from ED_BLOB's key; values
     * printed by ssh-keygen -l / -l -E md5 for the decoded line. */
    CHECK_EQ_INT(scan_c("echo c2stc3NoLWVkMjU1MTlAb3BlbnNzaC5jb20gQUFBQUduTnJMWE56YUMxbFpESTFOVEU1UUc5d1pXNXpj"
                        "Mmd1WTI5dEFBQUFJSFhVWFZNUDNzSmxFVTBHdGMvUERudzBPOU93dmNVSFRLOG1FaFNTanMrSkFBQUFCSE56"
                        "YURvPSBzay1rZXkK | base64 -d >> .ssh/authorized_keys",
                        &keys),
                 1);
    CHECK_EQ_STR(cstr(keys[0].type), "sk-ssh-ed25519@openssh.com");
    CHECK_EQ_INT(keys[0].bits, 256);
    CHECK_EQ_STR(cstr(keys[0].comment), "sk-key");
    CHECK_EQ_STR(keys[0].sha256, "SHA256:lKFgTxaZIBf8b5mQEEvPYJK0kVea16+CDASNrhQcz30");
    CHECK_EQ_STR(keys[0].md5, "MD5:c9:d8:45:35:7b:9c:b7:b4:5c:5c:24:c7:1e:4d:54:71");

    /* appending to an existing array */
    size_t n = 0;
    keys = NULL;
    CHECK_EQ_INT(ap_sshkey_scan(ap_str_c(MDRFCKR), &arena, &keys, &n), AP_OK);
    CHECK_EQ_INT(ap_sshkey_scan(ap_str_c(ED_KEY), &arena, &keys, &n), AP_OK);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_STR(keys[0].sha256, MDRFCKR_SHA256);
    CHECK_EQ_STR(keys[1].sha256, ED_SHA256);
}

/* Replaces the blob of MDRFCKR by base64 of `blob` and returns the text "TYPE BLOB c". */
static char *with_blob(const char *type, const unsigned char *blob, size_t n)
{
    static char text[4096];
    unsigned char b64[3000];
    EVP_EncodeBlock(b64, blob, (int)n);
    snprintf(text, sizeof text, "%s %s c", type, (char *)b64);
    return text;
}

static size_t decode(const char *b64, unsigned char *out)
{
    size_t l = strlen(b64);
    int n = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)l);
    size_t pad = (l && b64[l - 1] == '=') + (l > 1 && b64[l - 2] == '=');
    return (size_t)n - pad;
}

static void test_rejected(void)
{
    ap_ssh_key k, *keys;
    unsigned char blob[1024];
    size_t n = decode(MDRFCKR_BLOB, blob);
    CHECK_EQ_INT(n, 277);

    /* truncated blob (still a multiple of four base64 characters) */
    char cut[1024];
    snprintf(cut, sizeof cut, "echo \"ssh-rsa %.*s mdrfckr\" >> .ssh/authorized_keys",
             (int)strlen(MDRFCKR_BLOB) - 8, MDRFCKR_BLOB);
    CHECK_EQ_INT(scan_c(cut, &keys), 0);
    CHECK_EQ_INT(ap_sshkey_parse(ap_str_c(with_blob("ssh-rsa", blob, n - 3)), &arena, &k), AP_ERR_FORMAT);

    /* outer type differs from the inner one */
    CHECK_EQ_INT(scan_c("ssh-dss " MDRFCKR_BLOB " mdrfckr", &keys), 0);
    CHECK_EQ_INT(scan_c("ssh-ed25519 " MDRFCKR_BLOB " mdrfckr", &keys), 0);
    CHECK_EQ_INT(ap_sshkey_parse(ap_str_c("ssh-dss " MDRFCKR_BLOB), &arena, &k), AP_ERR_FORMAT);

    /* trailing bytes after the key */
    unsigned char longer[1100];
    memcpy(longer, blob, n);
    memcpy(longer + n, "\0\0\0\0", 4);
    CHECK_EQ_INT(scan_c(with_blob("ssh-rsa", longer, n + 4), &keys), 0);

    /* a length field pointing past the end */
    memcpy(longer, blob, n);
    longer[3] = 0xff;
    CHECK_EQ_INT(scan_c(with_blob("ssh-rsa", longer, n), &keys), 0);
    memcpy(longer, blob, n);
    longer[0] = 0xff; /* 4 GB string length */
    CHECK_EQ_INT(scan_c(with_blob("ssh-rsa", longer, n), &keys), 0);

    /* a negative modulus (high bit set without the leading zero byte) */
    memcpy(longer, blob, n);
    /* the modulus mpint starts after "ssh-rsa" (4+7) and e (4+1): length 0x101, then 0x00 */
    CHECK_EQ_INT(longer[16 + 3], 0x01);
    CHECK_EQ_INT(longer[20], 0x00);
    static const unsigned char neg[] = {0, 0, 0, 4, 0x80, 1, 2, 3};
    memcpy(longer + 16, neg, sizeof neg);
    CHECK_EQ_INT(scan_c(with_blob("ssh-rsa", longer, 16 + sizeof neg), &keys), 0);

    /* ed25519 with a 31-byte key */
    unsigned char ed[64];
    size_t en = decode(ED_BLOB, ed);
    CHECK_EQ_INT(en, 51);
    ed[18] = 31;
    CHECK_EQ_INT(scan_c(with_blob("ssh-ed25519", ed, en - 1), &keys), 0);

    /* glued to a word, a certificate type, no blob, not base64, empty */
    CHECK_EQ_INT(scan_c("xssh-rsa " MDRFCKR_BLOB " c", &keys), 0);
    CHECK_EQ_INT(scan_c("ssh-rsa-cert-v01@openssh.com " MDRFCKR_BLOB, &keys), 0);
    CHECK_EQ_INT(scan_c("ssh-rsa mdrfckr", &keys), 0);
    CHECK_EQ_INT(scan_c("ssh-rsa " MDRFCKR_BLOB "x", &keys), 0);
    CHECK_EQ_INT(scan_c("", &keys), 0);
    CHECK_EQ_INT(ap_sshkey_parse(ap_str_c("mdrfckr"), &arena, &k), AP_ERR_FORMAT);
    CHECK_EQ_INT(ap_sshkey_parse(ap_str_c(MDRFCKR "\n" ED_KEY "\n"), &arena, &k), AP_ERR_FORMAT);
    CHECK_EQ_INT(ap_sshkey_parse(AP_STR_NULL, &arena, &k), AP_ERR_FORMAT);

    /* 4 MB of base64-looking text and key prefixes: nothing, no crash, reasonable time */
    size_t big = 4u << 20;
    char *junk = malloc(big + 1);
    for (size_t i = 0; i < big; i++)
        junk[i] = "ssh-rsa AAAAc3NoLZWNkc2Et"[i % 25];
    junk[big] = '\0';
    CHECK_EQ_INT(scan(junk, big, &keys), 0);
    free(junk);

    /* 20000 keys in one quoted echo on one line: all found, each with its comment, in linear
     * time (the quote state is carried forward, not re-read from the line start per key) */
    size_t each = strlen(ED_KEY) + 1, count = 20000;
    char *line = malloc(each * count + 16);
    size_t o = 0;
    line[o++] = '"';
    for (size_t i = 0; i < count; i++) {
        memcpy(line + o, ED_KEY " ", each);
        o += each;
    }
    line[o++] = '"';
    clock_t c = clock();
    CHECK_EQ_INT(scan(line, o, &keys), count);
    CHECK((double)(clock() - c) / CLOCKS_PER_SEC < 5.0);
    if (keys) {
        CHECK_EQ_STR(cstr(keys[0].comment), "backup@vps-7");
        CHECK_EQ_STR(cstr(keys[count - 1].comment), "backup@vps-7");
        CHECK_EQ_STR(keys[count - 1].sha256, ED_SHA256);
    }
    free(line);
}

/* ---- (3) raw blobs -------------------------------------------------------------------------- */

static void test_fingerprints(void)
{
    unsigned char blob[1024];
    size_t n = decode(MDRFCKR_BLOB, blob);
    char sha[52], md5[52];
    CHECK_EQ_INT(ap_sshkey_fingerprints(blob, n, sha, md5), AP_OK);
    CHECK_EQ_STR(sha, MDRFCKR_SHA256);
    CHECK_EQ_STR(md5, MDRFCKR_MD5);
    n = decode(ED_BLOB, blob);
    CHECK_EQ_INT(ap_sshkey_fingerprints(blob, n, sha, md5), AP_OK);
    CHECK_EQ_STR(sha, ED_SHA256);
    CHECK_EQ_STR(md5, ED_MD5);
    /* the empty blob: SHA-256 and MD5 of nothing */
    CHECK_EQ_INT(ap_sshkey_fingerprints(NULL, 0, sha, md5), AP_OK);
    CHECK_EQ_STR(sha, "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU");
    CHECK_EQ_STR(md5, "MD5:d4:1d:8c:d9:8f:00:b2:04:e9:80:09:98:ec:f8:42:7e");
    CHECK_EQ_INT(ap_sshkey_fingerprints(NULL, 3, sha, md5), AP_ERR_ARG);
}

/* ---- (1) against ssh-keygen ----------------------------------------------------------------- */

typedef struct keygen_line {
    unsigned bits;
    char fp[128];
    char comment[256];
    char type[32];
} keygen_line;

/* Runs `ssh-keygen -l [-E md5] -f path` and splits "BITS FP COMMENT (TYPE)". */
static int keygen_fingerprint(const char *path, int md5, keygen_line *out)
{
    char cmd[4200], line[1024];
    snprintf(cmd, sizeof cmd, "ssh-keygen -l %s -f '%s' 2>/dev/null", md5 ? "-E md5" : "", path);
    FILE *p = popen(cmd, "r");
    if (!p)
        return 0;
    int ok = fgets(line, sizeof line, p) != NULL;
    pclose(p);
    if (!ok)
        return 0;
    line[strcspn(line, "\n")] = '\0';
    char *sp1 = strchr(line, ' ');
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    char *par = strrchr(line, '(');
    if (!sp1 || !sp2 || !par || par <= sp2)
        return 0;
    *sp1 = *sp2 = '\0';
    par[-1] = '\0';
    out->bits = (unsigned)strtoul(line, NULL, 10);
    snprintf(out->fp, sizeof out->fp, "%s", sp1 + 1);
    snprintf(out->comment, sizeof out->comment, "%s", sp2 + 1);
    snprintf(out->type, sizeof out->type, "%.*s", (int)strcspn(par + 1, ")"), par + 1);
    return 1;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 65536);
    size_t n = buf ? fread(buf, 1, 65535, f) : 0;
    (void)n;
    fclose(f);
    return buf;
}

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    int ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok;
}

/* Compares ap_sshkey_parse (and scan, inside an attacker command) of the .pub at `pub` with
 * ssh-keygen's own -l output. */
static void compare_with_keygen(const char *pub, unsigned expect_bits, const char *expect_comment)
{
    keygen_line sha, md5;
    char *text = read_file(pub);
    CHECK(text != NULL);
    if (!text)
        return;
    int ok = keygen_fingerprint(pub, 0, &sha) && keygen_fingerprint(pub, 1, &md5);
    CHECK(ok);
    if (!ok) {
        fprintf(stderr, "ssh-keygen -l failed on %s\n", pub);
        free(text);
        return;
    }
    ap_ssh_key k;
    CHECK_EQ_INT(ap_sshkey_parse(ap_str_c(text), &arena, &k), AP_OK);
    CHECK_EQ_INT(k.bits, sha.bits);
    CHECK_EQ_INT(k.bits, expect_bits);
    CHECK_EQ_STR(k.sha256, sha.fp);
    CHECK_EQ_STR(k.md5, md5.fp);
    CHECK_EQ_STR(cstr(k.comment), sha.comment);
    CHECK_EQ_STR(cstr(k.comment), expect_comment);

    /* the same key written by an attacker */
    char cmd[70000];
    text[strcspn(text, "\n")] = '\0';
    snprintf(cmd, sizeof cmd, "mkdir -p ~/.ssh;echo \"%s\">>~/.ssh/authorized_keys;chmod 600 ~/.ssh/authorized_keys", text);
    ap_ssh_key *keys;
    CHECK_EQ_INT(scan_c(cmd, &keys), 1);
    if (keys) {
        CHECK_EQ_STR(keys[0].sha256, sha.fp);
        CHECK_EQ_STR(cstr(keys[0].comment), expect_comment);
        CHECK_EQ_INT(keys[0].bits, sha.bits);
    }
    free(text);
}

/* Builds "TYPE BLOB comment" for an sk- key from the public part of an ordinary key, so that
 * ssh-keygen can fingerprint security-key types without the hardware. */
static int write_sk_key(const char *from_pub, const char *to_pub, int ecdsa)
{
    char *text = read_file(from_pub);
    if (!text)
        return 0;
    char *b = strchr(text, ' ');
    if (!b) {
        free(text);
        return 0;
    }
    b++;
    b[strcspn(b, " \n")] = '\0';
    unsigned char raw[512], sk[600];
    size_t n = decode(b, raw), o = 0;
    free(text);
    const char *type = ecdsa ? "sk-ecdsa-sha2-nistp256@openssh.com" : "sk-ssh-ed25519@openssh.com";
    size_t tl = strlen(type);
    /* skip the original type string, keep the rest (curve + point, or the 32-byte key) */
    size_t skip = 4 + ((size_t)raw[2] << 8 | raw[3]);
    if (skip > n)
        return 0;
    sk[o++] = 0, sk[o++] = 0, sk[o++] = 0, sk[o++] = (unsigned char)tl;
    memcpy(sk + o, type, tl), o += tl;
    memcpy(sk + o, raw + skip, n - skip), o += n - skip;
    static const unsigned char app[] = {0, 0, 0, 4, 's', 's', 'h', ':'};
    memcpy(sk + o, app, sizeof app), o += sizeof app;
    unsigned char b64[1000];
    EVP_EncodeBlock(b64, sk, (int)o);
    char line[1200];
    snprintf(line, sizeof line, "%s %s sk test %s\n", type, (char *)b64, ecdsa ? "ecdsa" : "ed25519");
    return write_file(to_pub, line);
}

static void test_against_ssh_keygen(void)
{
    if (system("command -v ssh-keygen >/dev/null 2>&1") != 0) {
        printf("note: ssh-keygen not found (Debian: openssh-client); skipping the comparison with it\n");
        return;
    }
    const char *dir = check_tmpdir("sshkey");
    static const struct {
        const char *type;
        unsigned bits;
        int optional; /* DSA: modern ssh-keygen builds may refuse */
    } gen[] = {
        {"rsa", 1024, 0},  {"rsa", 2048, 0},  {"rsa", 3072, 0},     {"rsa", 4096, 0},
        {"dsa", 1024, 1},  {"ecdsa", 256, 0}, {"ecdsa", 384, 0},    {"ecdsa", 521, 0},
        {"ed25519", 256, 0},
    };
    int compared = 0;
    for (size_t i = 0; i < sizeof gen / sizeof gen[0]; i++) {
        char path[4200], pub[4300], cmd[9000], comment[128];
        snprintf(path, sizeof path, "%s/%s%u", dir, gen[i].type, gen[i].bits);
        snprintf(pub, sizeof pub, "%s.pub", path);
        /* comments with a space and an at-sign, as people write them */
        snprintf(comment, sizeof comment, "test %s-%u@actorprint", gen[i].type, gen[i].bits);
        snprintf(cmd, sizeof cmd, "ssh-keygen -q -t %s %s%.0u -N '' -C '%s' -f '%s' </dev/null >/dev/null 2>&1",
                 gen[i].type, strcmp(gen[i].type, "ed25519") ? "-b " : "",
                 strcmp(gen[i].type, "ed25519") ? gen[i].bits : 0, comment, path);
        if (system(cmd) != 0) {
            if (gen[i].optional) {
                printf("note: ssh-keygen cannot generate %s keys here; skipped\n", gen[i].type);
                continue;
            }
            CHECK(!"ssh-keygen failed to generate a key");
            fprintf(stderr, "failed: %s\n", cmd);
            continue;
        }
        compare_with_keygen(pub, gen[i].bits, comment);
        compared++;
    }
    /* security-key types, built from the ECDSA P-256 and ed25519 keys above */
    char from[4200], to[4200];
    snprintf(from, sizeof from, "%s/ecdsa256.pub", dir);
    snprintf(to, sizeof to, "%s/sk-ecdsa.pub", dir);
    CHECK(write_sk_key(from, to, 1));
    compare_with_keygen(to, 256, "sk test ecdsa");
    snprintf(from, sizeof from, "%s/ed25519256.pub", dir);
    snprintf(to, sizeof to, "%s/sk-ed25519.pub", dir);
    CHECK(write_sk_key(from, to, 0));
    compare_with_keygen(to, 256, "sk test ed25519");
    /* the fixed vectors too */
    snprintf(to, sizeof to, "%s/mdrfckr.pub", dir);
    CHECK(write_file(to, MDRFCKR "\n"));
    compare_with_keygen(to, 2048, "mdrfckr");
    printf("compared %d generated keys + 2 sk keys + mdrfckr with ssh-keygen -l\n", compared);
}

int main(void)
{
    ap_arena_init(&arena, 1 << 16);
    test_mdrfckr_forms();
    test_rejected();
    test_fingerprints();
    test_against_ssh_keygen();
    ap_arena_free(&arena);
    CHECK_DONE();
}
