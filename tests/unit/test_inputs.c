/* test_inputs.c — pins path expansion (inputs.h): natural version order inside directories
 * (file.2 before file.10), recursion, dot-files / FIFOs / symlinked directories skipped, the same
 * file listed once, "-" kept, and a missing path reported while the rest is still expanded. */
#include <errno.h>
#include <unistd.h>

#include "check.h"
#include "ingest/inputs.h"

static const char *tmpdir;

static const char *tpath(const char *name)
{
    static char p[8][4096];
    static int i;
    i = (i + 1) % 8;
    snprintf(p[i], sizeof p[i], "%s/%s", tmpdir, name);
    return p[i];
}

static void touch(const char *name)
{
    FILE *f = fopen(tpath(name), "w");
    if (!f) {
        fprintf(stderr, "cannot create %s\n", tpath(name));
        abort();
    }
    fputs("{}\n", f);
    fclose(f);
}

typedef struct diags {
    int count;
    char reason[4][32];
    char file[4][4096];
    char message[4][4096];
} diags;

static void on_diag(void *user, const ap_diag *d)
{
    diags *ds = user;
    if (ds->count < 4) {
        snprintf(ds->reason[ds->count], sizeof ds->reason[0], "%s", d->reason);
        snprintf(ds->file[ds->count], sizeof ds->file[0], "%s", d->file);
        snprintf(ds->message[ds->count], sizeof ds->message[0], "%s", d->message);
        CHECK_EQ_INT(d->severity, AP_SEV_ERROR);
    }
    ds->count++;
}

static void test_natural_compare(void)
{
    CHECK(ap_natural_compare("file.2", "file.10") < 0);
    CHECK(ap_natural_compare("file.10", "file.2") > 0);
    CHECK(ap_natural_compare("cowrie.json", "cowrie.json.1") < 0);
    CHECK(ap_natural_compare("cowrie.json.9.gz", "cowrie.json.10.gz") < 0);
    CHECK(ap_natural_compare("a", "a") == 0);
    CHECK(ap_natural_compare("a1b2", "a1b10") < 0);
    CHECK(ap_natural_compare("x.007", "x.7") > 0); /* equal value: fewer zeros first */
    CHECK(ap_natural_compare("x.007", "x.8") < 0);
    CHECK(ap_natural_compare("2019-12-31", "2020-01-01") < 0);
    CHECK(ap_natural_compare("abc", "abd") < 0);
    CHECK(ap_natural_compare("99999999999999999999999", "100000000000000000000000") < 0);
}

static void test_expand_tree(void)
{
    /* tree:  logs/file.1 file.2 file.10 .hidden fifo sub/a.9 sub/a.10 sub/.git/x
     *        logs/loop -> logs (symlinked dir, not followed)   logs/walias -> file.1 (duplicate)
     *        logs/zlink -> sub/a.9 (duplicate, later)            logs/empty/ */
    const char *dirs[] = {"logs", "logs/sub", "logs/sub/.git", "logs/empty"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
        CHECK_EQ_INT(mkdir(tpath(dirs[i]), 0755), 0);
    touch("logs/file.10");
    touch("logs/file.2");
    touch("logs/file.1");
    touch("logs/.hidden");
    touch("logs/sub/a.10");
    touch("logs/sub/a.9");
    touch("logs/sub/.git/x");
    touch("single.json");
    CHECK_EQ_INT(mkfifo(tpath("logs/fifo"), 0644), 0);
    CHECK_EQ_INT(symlink(tpath("logs"), tpath("logs/loop")), 0);
    CHECK_EQ_INT(symlink("file.1", tpath("logs/walias")), 0);
    CHECK_EQ_INT(symlink("sub/a.9", tpath("logs/zlink")), 0);

    char given_logs[4096], given_single[4096], missing[4096];
    snprintf(given_logs, sizeof given_logs, "%s", tpath("logs"));
    snprintf(given_single, sizeof given_single, "%s", tpath("single.json"));
    snprintf(missing, sizeof missing, "%s", tpath("no-such-file.json"));
    const char *paths[] = {given_single, missing, given_logs, "-", given_single};
    diags d = {0};
    char **list = NULL;
    size_t n = 0, nerr = 99;
    CHECK_EQ_INT(ap_inputs_expand(paths, 5, on_diag, &d, &list, &n, &nerr), AP_OK);
    CHECK_EQ_INT(nerr, 1);
    CHECK_EQ_INT(d.count, 1);
    CHECK_EQ_STR(d.reason[0], "open_error");
    CHECK_EQ_STR(d.file[0], missing);
    CHECK(strstr(d.message[0], strerror(ENOENT)) != NULL);

    const char *want[] = {"single.json", "logs/file.1", "logs/file.2", "logs/file.10",
                          "logs/sub/a.9", "logs/sub/a.10", "-"};
    size_t nwant = sizeof want / sizeof want[0];
    CHECK_EQ_INT(n, nwant);
    for (size_t i = 0; i < n && i < nwant; i++) {
        if (strcmp(want[i], "-") == 0)
            CHECK_EQ_STR(list[i], "-");
        else
            CHECK_EQ_STR(list[i], tpath(want[i]));
    }
    ap_inputs_free(list, n);

    /* a path given with a trailing slash joins without a double slash */
    char slash[4096];
    snprintf(slash, sizeof slash, "%s/", tpath("logs/sub"));
    const char *one[] = {slash};
    CHECK_EQ_INT(ap_inputs_expand(one, 1, NULL, NULL, &list, &n, &nerr), AP_OK);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(nerr, 0);
    if (n == 2) {
        CHECK_EQ_STR(list[0], tpath("logs/sub/a.9"));
        CHECK_EQ_STR(list[1], tpath("logs/sub/a.10"));
    }
    ap_inputs_free(list, n);

    /* an empty directory: an empty list, not an error */
    const char *empty[] = {tpath("logs/empty")};
    CHECK_EQ_INT(ap_inputs_expand(empty, 1, NULL, NULL, &list, &n, &nerr), AP_OK);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(nerr, 0);
    ap_inputs_free(list, n);

    /* a directory that cannot be opened (only checkable when not root) */
    if (geteuid() != 0) {
        CHECK_EQ_INT(mkdir(tpath("locked"), 0), 0);
        const char *locked[] = {tpath("locked"), given_single};
        memset(&d, 0, sizeof d);
        CHECK_EQ_INT(ap_inputs_expand(locked, 2, on_diag, &d, &list, &n, &nerr), AP_OK);
        CHECK_EQ_INT(nerr, 1);
        CHECK_EQ_INT(n, 1);
        CHECK_EQ_STR(d.reason[0], "open_error");
        ap_inputs_free(list, n);
        chmod(tpath("locked"), 0755);
    }

    CHECK_EQ_INT(ap_inputs_expand(paths, 1, NULL, NULL, NULL, &n, &nerr), AP_ERR_ARG);
}

int main(void)
{
    tmpdir = check_tmpdir("inputs");
    test_natural_compare();
    test_expand_tree();
    CHECK_DONE();
}
