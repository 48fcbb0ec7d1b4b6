/* test_time.c — RFC 3339 parsing and formatting (util/time.c). */
#include "check.h"
#include "actorprint.h"

static int64_t parse(const char *s, ap_status *st)
{
    int64_t v = -1;
    *st = ap_parse_time(s, strlen(s), &v);
    return v;
}

int main(void)
{
    ap_status st;
    char buf[40];
    CHECK_EQ_INT(parse("1970-01-01T00:00:00Z", &st), 0);
    CHECK_EQ_INT(st, AP_OK);
    CHECK_EQ_INT(parse("2020-02-22T07:57:41.672346Z", &st), 1582358261672346LL);
    CHECK_EQ_INT(parse("2020-02-22T07:57:41.672346+00:00", &st), 1582358261672346LL);
    CHECK_EQ_INT(parse("2020-02-22T09:57:41.672346+02:00", &st), 1582358261672346LL);
    CHECK_EQ_INT(parse("2020-02-22T07:57:41.6Z", &st), 1582358261600000LL);
    CHECK_EQ_INT(parse("2020-02-22T07:57:41.123456789Z", &st), 1582358261123456LL);
    CHECK_EQ_INT(parse("2020-02-22", &st), 1582329600000000LL);
    CHECK_EQ_INT(parse("2020-02-22 07:57", &st), 1582358220000000LL);
    CHECK_EQ_INT(parse("2024-02-29T00:00:00Z", &st), 1709164800000000LL);
    parse("2020-13-01T00:00:00Z", &st);
    CHECK_EQ_INT(st, AP_ERR_FORMAT);
    parse("2020-02-22T07:57:41.Z", &st);
    CHECK_EQ_INT(st, AP_ERR_FORMAT);
    parse("2020-02-22T07:57:41Zjunk", &st);
    CHECK_EQ_INT(st, AP_ERR_FORMAT);
    parse("", &st);
    CHECK_EQ_INT(st, AP_ERR_FORMAT);
    parse("20x0-02-22", &st);
    CHECK_EQ_INT(st, AP_ERR_FORMAT);
    ap_format_time(1582358261672346LL, buf, sizeof buf);
    CHECK_EQ_STR(buf, "2020-02-22T07:57:41.672346Z");
    ap_format_time(0, buf, sizeof buf);
    CHECK_EQ_STR(buf, "1970-01-01T00:00:00.000000Z");
    ap_format_time(-1, buf, sizeof buf);
    CHECK_EQ_STR(buf, "1969-12-31T23:59:59.999999Z");
    /* round trip over a range of days */
    int ok = 1;
    for (int64_t us = -86400LL * 1000000 * 800; us < 86400LL * 1000000 * 40000; us += 86400LL * 999983 * 7 + 12345) {
        int64_t back;
        ap_format_time(us, buf, sizeof buf);
        if (ap_parse_time(buf, strlen(buf), &back) != AP_OK || back != us)
            ok = 0;
    }
    CHECK(ok);
    CHECK_DONE();
}
