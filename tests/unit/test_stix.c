/* test_stix.c — the STIX 2.1 objects of share/stix.c: RFC 4122 version-5 UUIDs (the RFC's
 * known vector, the project namespace's derivation), STIX pattern literals (' and \ escaped,
 * cut at whole escapes), OpenSSH fingerprints as artifact hashes, and ap_stix_build on a store
 * built here from a hostile Cowrie log: two sessions sharing a download whose URL holds ' \ "
 * and markup, plus a key injection. Pins the exact patterns, ids (UUIDv5 of "campaign|C-1"),
 * times from the data, JSON validity of every object (jansson), that every reference resolves,
 * selections (campaign, actor, unknown ones) and that building twice gives the same bytes. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actorprint.h"
#include "check.h"
#include "share/stix.h"

#define OK(expr) CHECK_EQ_INT((expr), AP_OK)
#define US INT64_C(1000000)
/* 2024-03-01T00:00:00Z */
#define T0 (INT64_C(1709251200) * US)

static char dir[4096];

/* ---- UUIDs ---- */

static void test_uuid(void)
{
    unsigned char ns[16], dns[16], url[16];
    char out[37];
    /* RFC 4122 / Python uuid.uuid5(NAMESPACE_DNS, "www.example.com") */
    CHECK_EQ_INT(ap_uuid_parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8", dns), 0);
    OK(ap_uuid5(dns, "www.example.com", 15, out));
    CHECK_EQ_STR(out, "2ed6657d-e927-568b-95e1-2665a8aea6a2");
    /* the project namespace is UUIDv5(NAMESPACE_URL, "urn:actorprint:stix") */
    CHECK_EQ_INT(ap_uuid_parse("6ba7b811-9dad-11d1-80b4-00c04fd430c8", url), 0);
    OK(ap_uuid5(url, "urn:actorprint:stix", 19, out));
    CHECK_EQ_STR(out, AP_STIX_NAMESPACE);
    CHECK_EQ_INT(ap_uuid_parse(AP_STIX_NAMESPACE, ns), 0);
    OK(ap_uuid5(ns, "campaign|C-1", 12, out));
    CHECK_EQ_STR(out, "fbdfa9b4-835d-534d-bfe8-fc05166778e1");
    /* upper case parses to the same bytes */
    unsigned char up[16];
    CHECK_EQ_INT(ap_uuid_parse("6BA7B810-9DAD-11D1-80B4-00C04FD430C8", up), 0);
    CHECK(memcmp(up, dns, 16) == 0);
    const char *bad[] = {"", "6ba7b810-9dad-11d1-80b4-00c04fd430c", "6ba7b810-9dad-11d1-80b4-00c04fd430c8a",
                         "6ba7b8109dad-11d1-80b4-00c04fd430c8-", "6ba7b810-9dad-11d1-80b4-00c04fd430cg"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT(ap_uuid_parse(bad[i], up), -1);
    CHECK_EQ_INT(ap_uuid_parse(NULL, up), -1);
}

/* ---- pattern literals ---- */

static void test_pattern_quote(void)
{
    char b[64];
    CHECK_EQ_INT(ap_stix_pattern_quote(b, sizeof b, ap_str_c("1.2.3.4")), 9);
    CHECK_EQ_STR(b, "'1.2.3.4'");
    CHECK_EQ_INT(ap_stix_pattern_quote(b, sizeof b, ap_str_c("a'b\\c\"d")), 11);
    CHECK_EQ_STR(b, "'a\\'b\\\\c\"d'");
    CHECK_EQ_INT(ap_stix_pattern_quote(b, sizeof b, ap_str_c("")), 2);
    CHECK_EQ_STR(b, "''");
    CHECK_EQ_INT(ap_stix_pattern_quote(b, sizeof b, AP_STR_NULL), 2);
    CHECK_EQ_STR(b, "''");
    /* \\' and \\\\ are the only escapes: newlines and other bytes are kept as they are */
    CHECK_EQ_INT(ap_stix_pattern_quote(b, sizeof b, ap_str_make("x\ny\0z", 5)), 7);
    CHECK(memcmp(b, "'x\ny\0z'", 7) == 0);
    /* length only */
    CHECK_EQ_INT(ap_stix_pattern_quote(NULL, 0, ap_str_c("''")), 6);
    /* cut: never inside an escape or a UTF-8 character, always terminated */
    CHECK_EQ_INT(ap_stix_pattern_quote(b, 3, ap_str_c("a'")), 5);
    CHECK_EQ_STR(b, "'a");
    CHECK_EQ_INT(ap_stix_pattern_quote(b, 4, ap_str_c("a'")), 5);
    CHECK_EQ_STR(b, "'a"); /* "\\'" needs two bytes, only one is left */
    CHECK_EQ_INT(ap_stix_pattern_quote(b, 3, ap_str_c("\xc3\xa9")), 4);
    CHECK_EQ_STR(b, "'");
    CHECK_EQ_INT(ap_stix_pattern_quote(b, 4, ap_str_c("\xc3\xa9")), 4);
    CHECK_EQ_STR(b, "'\xc3\xa9");
}

/* ---- key fingerprints ---- */

static void test_fingerprint(void)
{
    char hex[65];
    const char *algo = NULL;
    /* SHA-256("abc") as ssh-keygen prints a digest: base64 without padding */
    CHECK_EQ_INT(ap_stix_key_fingerprint_hex("SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0",
                                             hex, &algo),
                 0);
    CHECK_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK_EQ_STR(algo, "SHA-256");
    CHECK_EQ_INT(ap_stix_key_fingerprint_hex("SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=",
                                             hex, &algo),
                 0);
    CHECK_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK_EQ_INT(ap_stix_key_fingerprint_hex("MD5:d7:5b:3b:66:b0:27:96:13:f6:f6:f4:4e:87:1d:92:aa",
                                             hex, &algo),
                 0);
    CHECK_EQ_STR(hex, "d75b3b66b0279613f6f6f44e871d92aa");
    CHECK_EQ_STR(algo, "MD5");
    CHECK_EQ_INT(ap_stix_key_fingerprint_hex("D7:5B:3B:66:B0:27:96:13:F6:F6:F4:4E:87:1D:92:AA", hex,
                                             &algo),
                 0);
    CHECK_EQ_STR(hex, "d75b3b66b0279613f6f6f44e871d92aa");
    CHECK_EQ_INT(ap_stix_key_fingerprint_hex("d75b3b66b0279613f6f6f44e871d92aa", hex, &algo), 0);
    CHECK_EQ_STR(hex, "d75b3b66b0279613f6f6f44e871d92aa");
    const char *bad[] = {"", "SHA256:", "SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa",
                         "SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAF'0",
                         "SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0==",
                         "d7:5b:3b:66:b0:27:96:13:f6:f6:f4:4e:87:1d:92", "d7-5b-3b-66-b0-27-96-13-f6-f6-f4-4e-87-1d-92-aa",
                         "zz5b3b66b0279613f6f6f44e871d92aa", "ssh-rsa AAAA"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT(ap_stix_key_fingerprint_hex(bad[i], hex, &algo), -1);
    CHECK_EQ_INT(ap_stix_key_fingerprint_hex(NULL, hex, &algo), -1);
}

/* ---- objects from a hostile store ---- */

#define H_SHA "5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f"
/* the URL as logged (JSON string body) and as the attacker sent it */
#define J_URL "http://evil.example/x'y\\\\z\\\"w</script>.sh"
#define H_URL "http://evil.example/x'y\\z\"w</script>.sh"
/* the mdrfckr key (tests/unit/test_cluster.c) */
#define KEYBLOB                                                                                  \
    "AAAAB3NzaC1yc2EAAAABJQAAAQEArDp4cun2lhr4KUhBGE7VvAcwdli2a8dbnrTOrbMz1+5O73fcBOx8NVbUT0bUa" \
    "nUV9tJ2/9p7+vD0EpZ3Tz/+0kX34uAx1RV/75GVOmNx+9EuWOnvNoaJe0QXxziIg9eLBHpgLMuakb5+BgTFB+rKJ" \
    "Aw9u9FSTDengvS8hX1kNFS4Mjux0hJOK8rvcEmPecjdySYMb66nylAKGwCEE6WEQHmd1mUPgHwGQ0hWCwsQk13yCG" \
    "PK5w6hYp5zYkFnvlC8hGmd4Ww+u97k6pfTGTUbJk14ujvcD9iUKQTTWYYjIIu5PmUux5bsZ0R4WFwdIe6+i6rBLAs" \
    "PKgAySVKPRK+oRw=="

static const char *path_in(const char *name)
{
    static char paths[4][4200];
    static int k;
    k = (k + 1) % 4;
    snprintf(paths[k], sizeof paths[k], "%s/%s", dir, name);
    return paths[k];
}

static void event(FILE *f, const char *sid, const char *ip, int64_t us, const char *eventid,
                  const char *rest)
{
    char ts[48];
    ap_format_time(us, ts, sizeof ts);
    fprintf(f,
            "{\"eventid\":\"%s\",\"session\":\"%s\",\"sensor\":\"hp1\",\"src_ip\":\"%s\","
            "\"timestamp\":\"%s\"%s}\n",
            eventid, sid, ip, ts, rest);
}

static void session(FILE *f, const char *sid, const char *ip, int64_t t)
{
    event(f, sid, ip, t, "cowrie.session.connect",
          ",\"src_port\":40000,\"dst_ip\":\"10.0.0.5\",\"dst_port\":22,\"protocol\":\"ssh\"");
    event(f, sid, ip, t + US, "cowrie.login.success",
          ",\"username\":\"root\",\"password\":\"=cmd|' /C calc'!A0\"");
    event(f, sid, ip, t + 2 * US, "cowrie.command.input",
          ",\"input\":\"cd ~; mkdir .ssh; echo \\\"ssh-rsa " KEYBLOB
          " mdrfckr\\\" >> .ssh/authorized_keys\"");
    event(f, sid, ip, t + 3 * US, "cowrie.session.file_download",
          ",\"url\":\"" J_URL "\",\"outfile\":\"dl/x\",\"shasum\":\"" H_SHA "\"");
    event(f, sid, ip, t + 4 * US, "cowrie.session.closed", ",\"duration\":4.0");
}

static ap_store *build_store(void)
{
    const char *log = path_in("hostile.json");
    FILE *f = fopen(log, "w");
    if (!f)
        exit(2);
    session(f, "s1", "198.51.100.7", T0);
    session(f, "s2", "2001:db8::7", T0 + 3600 * US);
    fclose(f);
    char err[256] = "";
    ap_store *st = NULL;
    if (ap_store_open(path_in("h.db"), AP_STORE_READ_WRITE, &st, err, sizeof err) != AP_OK) {
        fprintf(stderr, "store: %s\n", err);
        exit(2);
    }
    ap_ingest_options io;
    ap_ingest_options_init(&io);
    io.threads = 1;
    ap_ingest_summary sum;
    OK(ap_ingest(st, &log, 1, &io, &sum));
    CHECK_EQ_INT(sum.sessions_new, 2);
    ap_mapper *mapper = NULL;
    OK(ap_mapper_open(NULL, &mapper));
    ap_map_summary ms;
    OK(ap_store_map(st, mapper, 0, &ms));
    ap_mapper_close(mapper);
    ap_cluster_options co;
    ap_cluster_options_init(&co);
    ap_cluster *c = NULL;
    OK(ap_cluster_run(st, &co, &c, err, sizeof err));
    ap_cluster_free(c);
    return st;
}

/* The one object of the set whose JSON contains needle, or NULL (also when several do). */
static const ap_stix_object *only_with(const ap_stix_set *s, const char *type, const char *needle)
{
    const ap_stix_object *found = NULL;
    for (size_t i = 0; i < ap_stix_count(s); i++) {
        const ap_stix_object *o = ap_stix_at(s, i);
        if (strcmp(o->type, type) == 0 && strstr(o->json, needle)) {
            if (found)
                return NULL;
            found = o;
        }
    }
    return found;
}

static size_t count_type(const ap_stix_set *s, const char *type)
{
    size_t n = 0;
    for (size_t i = 0; i < ap_stix_count(s); i++)
        n += strcmp(ap_stix_at(s, i)->type, type) == 0;
    return n;
}

/* Every object parses, has its own type and id form, and every reference resolves. */
static void check_objects(const ap_stix_set *s)
{
    int bad_json = 0, bad_id = 0, bad_ref = 0, bad_order = 0, bad_time = 0;
    for (size_t i = 0; i < ap_stix_count(s); i++) {
        const ap_stix_object *o = ap_stix_at(s, i);
        if (i > 0) {
            const ap_stix_object *p = ap_stix_at(s, i - 1);
            if (p->modified_us > o->modified_us ||
                (p->modified_us == o->modified_us && strcmp(p->id, o->id) >= 0))
                bad_order++;
        }
        if (o->created_us > o->modified_us || o->modified_us % 1000 != 0)
            bad_time++;
        json_error_t e;
        json_t *j = json_loadb(o->json, o->json_len, 0, &e);
        if (!j || strlen(o->json) != o->json_len) {
            bad_json++;
            json_decref(j);
            continue;
        }
        const char *type = json_string_value(json_object_get(j, "type"));
        const char *id = json_string_value(json_object_get(j, "id"));
        const char *spec = json_string_value(json_object_get(j, "spec_version"));
        size_t tl = type ? strlen(type) : 0;
        unsigned char u[16];
        if (!type || !id || strcmp(type, o->type) || strcmp(id, o->id) || strncmp(id, type, tl) ||
            strncmp(id + tl, "--", 2) || ap_uuid_parse(id + tl + 2, u) != 0 || (u[6] >> 4) != 5 ||
            !spec || strcmp(spec, "2.1"))
            bad_id++;
        const char *key;
        json_t *v;
        json_object_foreach(j, key, v)
        {
            size_t kl = strlen(key);
            if (kl > 4 && !strcmp(key + kl - 4, "_ref")) {
                if (ap_stix_find(s, ap_str_c(json_string_value(v))) == (size_t)-1)
                    bad_ref++;
            } else if (kl > 5 && !strcmp(key + kl - 5, "_refs")) {
                size_t k;
                json_t *r;
                json_array_foreach(v, k, r)
                {
                    if (ap_stix_find(s, ap_str_c(json_string_value(r))) == (size_t)-1)
                        bad_ref++;
                }
            }
        }
        json_decref(j);
    }
    CHECK_EQ_INT(bad_json, 0);
    CHECK_EQ_INT(bad_id, 0);
    CHECK_EQ_INT(bad_ref, 0);
    CHECK_EQ_INT(bad_order, 0);
    CHECK_EQ_INT(bad_time, 0);
}

static void test_build(void)
{
    ap_store *st = build_store();
    char err[256] = "";
    ap_model *m = NULL;
    OK(ap_model_open(st, NULL, &m, err, sizeof err));
    if (!m) {
        fprintf(stderr, "model: %s\n", err);
        exit(2);
    }
    CHECK_EQ_INT(ap_model_campaign_count(m), 1);
    const ap_model_campaign *c = ap_model_campaign_at(m, 0);
    CHECK_EQ_INT(c->id, 1);
    CHECK(c->actor > 0);

    ap_export_options o;
    ap_export_options_init(&o);
    o.format = AP_EXPORT_STIX;
    ap_stix_set *s = NULL, *s2 = NULL;
    OK(ap_stix_build(m, &o, &s, err, sizeof err));
    OK(ap_stix_build(m, &o, &s2, err, sizeof err));
    check_objects(s);

    /* the campaign: its id, name and times from the data */
    CHECK_EQ_INT(count_type(s, "campaign"), 1);
    const ap_stix_object *camp = only_with(s, "campaign", "\"name\":\"C-1\"");
    CHECK(camp != NULL);
    if (camp) {
        CHECK_EQ_STR(camp->id, "campaign--fbdfa9b4-835d-534d-bfe8-fc05166778e1");
        CHECK_EQ_INT(camp->created_us, T0);
        CHECK_EQ_INT(camp->modified_us, T0 + 3600 * US + 4 * US);
        CHECK(strstr(camp->json, "\"first_seen\":\"2024-03-01T00:00:00.000Z\"") != NULL);
        CHECK(strstr(camp->json, "\"last_seen\":\"2024-03-01T01:00:04.000Z\"") != NULL);
        CHECK(strstr(camp->json, "\"created_by_ref\":\"identity--") != NULL);
    }
    CHECK_EQ_INT(count_type(s, "identity"), 1);
    CHECK_EQ_INT(count_type(s, "intrusion-set"), 1);

    /* indicators: the exact patterns, the URL's ' and \ escaped for the pattern, then JSON */
    const ap_stix_object *url = only_with(
        s, "indicator", "\"pattern\":\"[url:value = 'http://evil.example/x\\\\'y\\\\\\\\z\\\"w</script>.sh']\"");
    CHECK(url != NULL);
    CHECK(only_with(s, "indicator", "\"pattern\":\"[file:hashes.'SHA-256' = '" H_SHA "']\"") != NULL);
    CHECK(only_with(s, "indicator", "\"pattern\":\"[ipv4-addr:value = '198.51.100.7']\"") != NULL);
    CHECK(only_with(s, "indicator", "\"pattern\":\"[ipv6-addr:value = '2001:db8::7']\"") != NULL);
    CHECK(only_with(s, "indicator", "\"pattern\":\"[domain-name:value = 'evil.example']\"") != NULL);
    /* the injected key: SHA-256 of the key blob, which is what its fingerprint is */
    CHECK(only_with(s, "indicator", "\"pattern\":\"[artifact:hashes.'SHA-256' = '3246"
                                    "18f6a895b051810b95a48e80a50a4c04156e624a3706405ee6e27e07ec2c']\"") != NULL);
    CHECK(only_with(s, "intrusion-set",
                    "\"x_actorprint_ssh_keys\":[\"SHA256:MkYY9qiVsFGBC5WkjoClCkwEFW5iSjcGQF7m4n4H7Cw\"]") != NULL);
    if (url) {
        json_t *j = json_loadb(url->json, url->json_len, 0, NULL);
        CHECK_EQ_STR(json_string_value(json_object_get(j, "pattern")),
                     "[url:value = 'http://evil.example/x\\'y\\\\z\"w</script>.sh']");
        CHECK_EQ_STR(json_string_value(json_object_get(j, "name")), "URL " H_URL);
        json_decref(j);
        /* indicates the campaign */
        char needle[256];
        snprintf(needle, sizeof needle, "\"source_ref\":\"%s\",\"target_ref\":\"%s\"", url->id,
                 camp ? camp->id : "?");
        const ap_stix_object *rel = only_with(s, "relationship", needle);
        CHECK(rel != NULL);
        if (rel)
            CHECK(strstr(rel->json, "\"relationship_type\":\"indicates\"") != NULL);
        snprintf(needle, sizeof needle, "\"sighting_of_ref\":\"%s\"", url->id);
        const ap_stix_object *sig = only_with(s, "sighting", needle);
        CHECK(sig != NULL);
        if (sig)
            CHECK(strstr(sig->json, "\"count\":2,") != NULL);
    }
    /* the download host is malware hosting */
    const ap_stix_object *infra = only_with(s, "infrastructure", "\"name\":\"evil.example\"");
    CHECK(infra != NULL);
    if (infra)
        CHECK(strstr(infra->json, "\"infrastructure_types\":[\"hosting-malware\"]") != NULL);
    /* ATT&CK: T1098.004 with its reference */
    const ap_stix_object *ap = only_with(s, "attack-pattern", "\"external_id\":\"T1098.004\"");
    CHECK(ap != NULL);
    if (ap)
        CHECK(strstr(ap->json, "\"url\":\"https://attack.mitre.org/techniques/T1098/004/\"") != NULL);

    /* twice: the same bytes */
    CHECK_EQ_INT(ap_stix_count(s), ap_stix_count(s2));
    int same = ap_stix_count(s) == ap_stix_count(s2) && !strcmp(ap_stix_bundle_id(s), ap_stix_bundle_id(s2));
    for (size_t i = 0; same && i < ap_stix_count(s); i++)
        same = !strcmp(ap_stix_at(s, i)->json, ap_stix_at(s2, i)->json);
    CHECK(same);

    /* the bundle file parses and holds the objects */
    const char *bundle = path_in("bundle.json");
    FILE *f = fopen(bundle, "w");
    CHECK(f != NULL);
    if (f) {
        OK(ap_stix_write_bundle(s, f));
        fclose(f);
        json_error_t e;
        json_t *b = json_load_file(bundle, 0, &e);
        CHECK(b != NULL);
        CHECK_EQ_STR(json_string_value(json_object_get(b, "type")), "bundle");
        CHECK(json_object_get(b, "spec_version") == NULL);
        CHECK_EQ_INT(json_array_size(json_object_get(b, "objects")), ap_stix_count(s));
        json_decref(b);
    }

    /* selections */
    ap_stix_set *one = NULL;
    o.campaign = 1;
    OK(ap_stix_build(m, &o, &one, err, sizeof err));
    CHECK_EQ_INT(ap_stix_count(one), ap_stix_count(s)); /* the only campaign: the same objects */
    CHECK(strcmp(ap_stix_bundle_id(one), ap_stix_bundle_id(s)) != 0);
    ap_stix_free(one);
    one = NULL;
    o.campaign = 2;
    CHECK_EQ_INT(ap_stix_build(m, &o, &one, err, sizeof err), AP_ERR_NOT_FOUND);
    CHECK_EQ_STR(err, "no campaign C-2 in the last clustering");
    CHECK(one == NULL);
    o.campaign = 0;
    o.actor = c->actor;
    OK(ap_stix_build(m, &o, &one, err, sizeof err));
    CHECK_EQ_INT(ap_stix_count(one), ap_stix_count(s));
    ap_stix_free(one);
    one = NULL;
    o.actor = 999;
    CHECK_EQ_INT(ap_stix_build(m, &o, &one, err, sizeof err), AP_ERR_NOT_FOUND);
    CHECK_EQ_STR(err, "no actor A-999 in the last clustering");

    ap_stix_free(s);
    ap_stix_free(s2);
    ap_model_close(m);
    ap_store_close(st);
}

int main(void)
{
    const char *tmp = check_tmpdir("test_stix");
    snprintf(dir, sizeof dir, "%s", tmp);
    test_uuid();
    test_pattern_quote();
    test_fingerprint();
    test_build();
    CHECK_DONE();
}
