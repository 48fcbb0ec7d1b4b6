/* test_mapper.c — pins the understand stage as the rest of the program sees it: the public
 * ap_mapper API (statements with offsets, techniques with their rule, IOCs, SSH keys and whether
 * they were injected, Cowrie JSON lines) and ap_store_map over a hand-built store: every distinct
 * command text mapped once, incremental and full re-mapping, the version stamp, and the
 * techniques of events — successful logins, the brute-force class of each source address
 * decided over all its sessions, forwards, transfers and client keys — plus the technique and
 * key reports. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actorprint.h"
#include "check.h"
#include "store/store.h"
#include "store/store_internal.h"

#define OK(expr) CHECK_EQ_INT((expr), AP_OK)

/* The well-known key of the "mdrfckr" (Outlaw) botnet; ssh-keygen -l prints
 * 2048 SHA256:MkYY9qiVsFGBC5WkjoClCkwEFW5iSjcGQF7m4n4H7Cw mdrfckr (RSA). */
#define MDRFCKR_KEY                                                                              \
    "ssh-rsa AAAAB3NzaC1yc2EAAAABJQAAAQEArDp4cun2lhr4KUhBGE7VvAcwdli2a8dbnrTOrbMz1+5O73fcBOx8NVbU" \
    "T0bUanUV9tJ2/9p7+vD0EpZ3Tz/+0kX34uAx1RV/75GVOmNx+9EuWOnvNoaJe0QXxziIg9eLBHpgLMuakb5+BgTFB+r" \
    "KJAw9u9FSTDengvS8hX1kNFS4Mjux0hJOK8rvcEmPecjdySYMb66nylAKGwCEE6WEQHmd1mUPgHwGQ0hWCwsQk13yCGP" \
    "K5w6hYp5zYkFnvlC8hGmd4Ww+u97k6pfTGTUbJk14ujvcD9iUKQTTWYYjIIu5PmUux5bsZ0R4WFwdIe6+i6rBLAsPKgA" \
    "ySVKPRK+oRw== mdrfckr"
#define MDRFCKR_CMD                                                                              \
    "cd ~ && rm -rf .ssh && mkdir .ssh && echo \"" MDRFCKR_KEY                                   \
    "\">>.ssh/authorized_keys && chmod -R go= ~/.ssh && cd ~"

static char dir[4096];

static int has_technique(const ap_map_view *v, const char *id)
{
    for (size_t i = 0; i < v->nstatements; i++)
        for (size_t k = 0; k < v->statements[i].ntechniques; k++)
            if (strcmp(v->statements[i].techniques[k].id, id) == 0)
                return 1;
    return 0;
}

static void test_map_api(ap_mapper *m)
{
    const ap_map_view *v = NULL;
    const char *in = "cd ~; chattr -ia .ssh; lockr -ia .ssh";
    OK(ap_mapper_map(m, in, strlen(in), &v));
    CHECK_EQ_INT(v->nstatements, 3);
    if (v->nstatements == 3) {
        CHECK_EQ_INT(v->statements[1].start, 6);
        CHECK_EQ_INT(v->statements[1].end, 21);
        CHECK_EQ_STR(v->statements[1].cmd, "chattr");
        CHECK_EQ_STR(v->statements[2].cmd, "lockr");
    }
    CHECK(has_technique(v, "T1222.002"));
    CHECK(!has_technique(v, "T1021.004")); /* not lateral movement */

    OK(ap_mapper_map(m, MDRFCKR_CMD, strlen(MDRFCKR_CMD), &v));
    CHECK(has_technique(v, "T1098.004"));
    CHECK_EQ_INT(v->nkeys, 1);
    if (v->nkeys == 1) {
        CHECK_EQ_STR(v->keys[0].type, "ssh-rsa");
        CHECK_EQ_INT(v->keys[0].bits, 2048);
        CHECK_EQ_STR(v->keys[0].comment, "mdrfckr");
        CHECK_EQ_STR(v->keys[0].sha256, "SHA256:MkYY9qiVsFGBC5WkjoClCkwEFW5iSjcGQF7m4n4H7Cw");
        CHECK_EQ_STR(v->keys[0].md5, "MD5:13:47:1e:8f:5a:18:fc:8e:35:0a:51:cc:7d:b4:06:61");
        CHECK_EQ_INT(v->keys[0].injected, 1);
    }
    /* only reading the key file: the key is there but not injected (none here), no T1098.004 */
    const char *look = "cat ~/.ssh/authorized_keys";
    OK(ap_mapper_map(m, look, strlen(look), &v));
    CHECK(!has_technique(v, "T1098.004"));
    CHECK_EQ_INT(v->nkeys, 0);

    /* a Cowrie JSON line maps its input; other events are skipped */
    const char *json = "{\"eventid\":\"cowrie.command.input\",\"input\":\"uname -a\","
                       "\"session\":\"abcdef12\",\"timestamp\":\"2024-03-01T00:00:00.000000Z\","
                       "\"src_ip\":\"198.51.100.7\",\"sensor\":\"s\"}";
    int skipped = -1;
    OK(ap_mapper_map_line(m, json, strlen(json), &v, &skipped));
    CHECK_EQ_INT(skipped, 0);
    CHECK(has_technique(v, "T1082"));
    const char *other = "{\"eventid\":\"cowrie.session.connect\",\"session\":\"abcdef12\","
                        "\"timestamp\":\"2024-03-01T00:00:00.000000Z\",\"src_ip\":\"198.51.100.7\"}";
    OK(ap_mapper_map_line(m, other, strlen(other), &v, &skipped));
    CHECK_EQ_INT(skipped, 1);
    OK(ap_mapper_map_line(m, "{not json", 9, &v, &skipped));
    CHECK_EQ_INT(skipped, 2);

    const ap_technique_view *t = ap_mapper_technique(m, "T1098.004");
    CHECK(t != NULL);
    if (t) {
        CHECK_EQ_STR(t->name, "Account Manipulation: SSH Authorized Keys");
        CHECK(strstr(t->tactics, "persistence") != NULL);
    }
    CHECK(ap_mapper_technique(m, "T9999") == NULL);
    CHECK(strncmp(ap_mapper_version(m), "attack-", 7) == 0);
    CHECK(strstr(ap_mapper_version(m), "/normalise-") != NULL);
}

/* ---- the store ---- */

static ap_session_rec session(int64_t sensor, const char *sid, const char *ip, int64_t start)
{
    ap_session_rec s;
    memset(&s, 0, sizeof s);
    s.sensor_id = sensor;
    s.session = ap_str_c(sid);
    s.protocol = ap_str_c("ssh");
    s.src_ip = ap_str_c(ip);
    s.src_port = 40000;
    s.dst_port = 22;
    s.start_us = start;
    s.end_us = start + 1000000;
    s.duration = -1;
    return s;
}

static int64_t add_session(ap_store *st, int64_t sensor, const char *sid, const char *ip, int64_t t)
{
    ap_session_rec s = session(sensor, sid, ip, t);
    OK(ap_store_session_insert(st, &s));
    return s.id;
}

static void fail_login(ap_store *st, int64_t sid, int64_t t, const char *u, const char *p)
{
    OK(ap_store_add_login(st, sid, t, ap_str_c(u), ap_str_c(p), 0));
}

static const char *path_in(const char *name)
{
    static char buf[4200];
    snprintf(buf, sizeof buf, "%s/%s", dir, name);
    return buf;
}

/* The technique ids of one session's events, comma-joined in id order. */
static void event_ids(ap_store *st, ap_mapper *m, const char *sid, char *out, size_t n)
{
    ap_event_techniques ev;
    out[0] = '\0';
    if (ap_store_event_techniques(st, m, "s1", sid, &ev) != AP_OK) {
        snprintf(out, n, "(error)");
        return;
    }
    for (size_t i = 0; i < ev.n; i++) {
        size_t len = strlen(out);
        snprintf(out + len, n - len, "%s%s", i ? "," : "", ev.items[i].id);
        CHECK(ev.items[i].reason && ev.items[i].reason[0]);
    }
    ap_event_techniques_free(&ev);
}

static void test_store_map(ap_mapper *m)
{
    const char *p = path_in("map.db");
    remove(p);
    ap_store *st = NULL;
    OK(ap_store_open(p, AP_STORE_READ_WRITE, &st, NULL, 0));
    OK(ap_store_begin(st));
    int64_t sensor = 0;
    OK(ap_store_sensor_id(st, ap_str_c("s1"), &sensor));
    /* 198.51.100.1: one user, many passwords, over two sessions -> guessing */
    int64_t g1 = add_session(st, sensor, "g1", "198.51.100.1", 1000000);
    int64_t g2 = add_session(st, sensor, "g2", "198.51.100.1", 5000000);
    fail_login(st, g1, 1000001, "root", "123456");
    fail_login(st, g1, 1000002, "root", "password");
    fail_login(st, g2, 5000001, "root", "admin");
    fail_login(st, g2, 5000002, "root", "toor");
    /* .2: many users, one password -> spraying */
    int64_t sp = add_session(st, sensor, "sp", "198.51.100.2", 2000000);
    fail_login(st, sp, 2000001, "admin", "Winter2024!");
    fail_login(st, sp, 2000002, "oracle", "Winter2024!");
    fail_login(st, sp, 2000003, "ubuntu", "Winter2024!");
    fail_login(st, sp, 2000004, "test", "Winter2024!");
    /* .3: pairs -> stuffing */
    int64_t sf = add_session(st, sensor, "sf", "198.51.100.3", 3000000);
    fail_login(st, sf, 3000001, "admin", "admin");
    fail_login(st, sf, 3000002, "ubnt", "ubnt");
    fail_login(st, sf, 3000003, "pi", "raspberry");
    /* .4: two attempts -> plain brute force; then a successful login */
    int64_t bf = add_session(st, sensor, "bf", "198.51.100.4", 4000000);
    fail_login(st, bf, 4000001, "root", "x");
    OK(ap_store_add_login(st, bf, 4000002, ap_str_c("root"), ap_str_c("y"), 1));
    OK(ap_store_add_command(st, bf, 4000003, ap_str_c(MDRFCKR_CMD), -1));
    OK(ap_store_add_command(st, bf, 4000004, ap_str_c("uname -a"), 1));
    /* .5: a proxy user, a downloader, an uploader, a key offerer */
    int64_t px = add_session(st, sensor, "px", "198.51.100.5", 6000000);
    OK(ap_store_add_forward(st, px, 6000001, ap_str_c("example.com"), 443, AP_STR_NULL, -1,
                            AP_STR_NULL));
    int64_t dl = add_session(st, sensor, "dl", "198.51.100.6", 7000000);
    OK(ap_store_add_transfer(st, dl, 7000001, AP_TRANSFER_DOWNLOAD, ap_str_c("http://203.0.113.9/x"),
                             ap_str_c("ab"), ap_str_c("o"), ap_str_c("/tmp/x"), 0));
    OK(ap_store_add_command(st, dl, 7000002, ap_str_c("uname -a"), 1));
    int64_t ck = add_session(st, sensor, "ck", "198.51.100.7", 8000000);
    OK(ap_store_add_client_key(st, ck, 8000001, ap_str_c("13:47:1e:8f:5a:18:fc:8e:35:0a:51:cc:7d:b4:06:61"),
                               ap_str_c(MDRFCKR_KEY), ap_str_c("ssh-rsa"), ap_str_c("root")));
    OK(ap_store_commit(st));

    ap_map_summary sum;
    OK(ap_store_map(st, m, 0, &sum));
    CHECK_EQ_INT(sum.inputs_mapped, 2); /* two distinct command texts, three executions */
    CHECK_EQ_INT(sum.remapped, 1);      /* a new store has no version yet */
    CHECK_EQ_INT(sum.keys, 1);
    CHECK_EQ_INT(sum.addresses_classified, 4); /* .1 .2 .3 .4 failed logins */

    char ids[256];
    event_ids(st, m, "g1", ids, sizeof ids);
    CHECK_EQ_STR(ids, "T1110.001");
    event_ids(st, m, "g2", ids, sizeof ids);
    CHECK_EQ_STR(ids, "T1110.001");
    event_ids(st, m, "sp", ids, sizeof ids);
    CHECK_EQ_STR(ids, "T1110.003");
    event_ids(st, m, "sf", ids, sizeof ids);
    CHECK_EQ_STR(ids, "T1110.004");
    event_ids(st, m, "bf", ids, sizeof ids);
    CHECK_EQ_STR(ids, "T1078,T1110");
    event_ids(st, m, "px", ids, sizeof ids);
    CHECK_EQ_STR(ids, "T1090");
    event_ids(st, m, "dl", ids, sizeof ids);
    CHECK_EQ_STR(ids, "T1105");
    event_ids(st, m, "ck", ids, sizeof ids);
    CHECK_EQ_STR(ids, "T1021.004");
    ap_event_techniques ev;
    CHECK_EQ_INT(ap_store_event_techniques(st, m, NULL, "nope", &ev), AP_ERR_NOT_FOUND);
    OK(ap_store_event_techniques(st, m, NULL, "g1", &ev));
    CHECK(ev.n == 1 && ev.items[0].detail &&
          strcmp(ev.items[0].detail, "4 failed logins from this address, 1 usernames, 4 passwords") == 0);
    ap_event_techniques_free(&ev);

    /* nothing new: nothing mapped again; a full remap maps both texts again */
    OK(ap_store_map(st, m, 0, &sum));
    CHECK_EQ_INT(sum.inputs_mapped, 0);
    CHECK_EQ_INT(sum.remapped, 0);
    OK(ap_store_map(st, m, 1, &sum));
    CHECK_EQ_INT(sum.inputs_mapped, 2);
    CHECK_EQ_INT(sum.remapped, 1);

    /* the reports */
    ap_technique_report r;
    OK(ap_store_techniques(st, m, &r));
    int seen_keys = 0, seen_uname = 0, seen_guess = 0;
    for (size_t i = 0; i < r.ntechniques; i++) {
        if (strcmp(r.techniques[i].id, "T1098.004") == 0) {
            seen_keys = 1;
            CHECK_EQ_INT(r.techniques[i].sessions, 1);
            CHECK_EQ_INT(r.techniques[i].commands, 1);
        }
        if (strcmp(r.techniques[i].id, "T1082") == 0) {
            seen_uname = 1;
            CHECK_EQ_INT(r.techniques[i].sessions, 2);
            CHECK_EQ_INT(r.techniques[i].commands, 2);
            CHECK_EQ_INT(r.techniques[i].source_ips, 2);
        }
        if (strcmp(r.techniques[i].id, "T1110.001") == 0) {
            seen_guess = 1;
            CHECK_EQ_INT(r.techniques[i].sessions, 2);
            CHECK_EQ_INT(r.techniques[i].source_ips, 1);
        }
    }
    CHECK(seen_keys && seen_uname && seen_guess);
    CHECK_EQ_INT(r.ntactics, 14);
    CHECK(r.version && strcmp(r.version, ap_mapper_version(m)) == 0);
    ap_technique_report_free(&r);

    ap_key_report k;
    OK(ap_store_keys(st, &k));
    CHECK_EQ_INT(k.nkeys, 1);
    if (k.nkeys == 1) {
        CHECK_EQ_STR(k.keys[0].sha256, "SHA256:MkYY9qiVsFGBC5WkjoClCkwEFW5iSjcGQF7m4n4H7Cw");
        CHECK_EQ_INT(k.keys[0].bits, 2048);
        CHECK_EQ_INT(k.keys[0].injected, 1);
        CHECK_EQ_INT(k.keys[0].sessions, 1);
        CHECK_EQ_STR(k.keys[0].example_ip, "198.51.100.4");
    }
    CHECK_EQ_INT(k.nclient_keys, 1);
    if (k.nclient_keys == 1) {
        /* the logged MD5, and the SHA256 and bits computed from the logged key */
        CHECK_EQ_STR(k.client_keys[0].md5, "MD5:13:47:1e:8f:5a:18:fc:8e:35:0a:51:cc:7d:b4:06:61");
        CHECK_EQ_STR(k.client_keys[0].sha256, "SHA256:MkYY9qiVsFGBC5WkjoClCkwEFW5iSjcGQF7m4n4H7Cw");
        CHECK_EQ_INT(k.client_keys[0].bits, 2048);
    }
    ap_key_report_free(&k);

    /* another rules version in the store: everything is mapped again */
    OK(ap_store_begin(st));
    OK(ap_store_meta_set_text(st, "map_version", "attack-0/rules-old/normalise-0"));
    OK(ap_store_commit(st));
    OK(ap_store_map(st, m, 0, &sum));
    CHECK_EQ_INT(sum.remapped, 1);
    CHECK_EQ_INT(sum.inputs_mapped, 2);
    ap_store_close(st);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s", check_tmpdir("mapper"));
    ap_mapper *m = NULL;
    OK(ap_mapper_open(NULL, &m));
    if (!m) {
        CHECK_DONE();
    }
    test_map_api(m);
    test_store_map(m);
    ap_mapper_close(m);
    CHECK_DONE();
}
