/* time.c — timestamps as microseconds since the epoch (UTC). Cowrie writes RFC 3339 times
 * ("2020-02-22T07:57:41.672346Z"); this parser is hand-written because it runs once per event on
 * the ingest hot path and must not depend on the process time zone (no mktime/strptime). */
#include "actorprint.h"
#include <stdio.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Reads exactly n decimal digits at s[*i]; returns -1 when they are not all digits. */
static int digits(const char *s, size_t len, size_t *i, int n)
{
    int v = 0;
    if (*i + (size_t)n > len)
        return -1;
    for (int k = 0; k < n; k++) {
        char c = s[*i + (size_t)k];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *i += (size_t)n;
    return v;
}

static const unsigned char days_in_month[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

ap_status ap_parse_time(const char *s, size_t len, int64_t *out_us)
{
    size_t i = 0;
    if (!s || !out_us)
        return AP_ERR_ARG;
    int y = digits(s, len, &i, 4);
    if (y < 0 || i >= len || s[i++] != '-')
        return AP_ERR_FORMAT;
    int mo = digits(s, len, &i, 2);
    if (mo < 1 || mo > 12 || i >= len || s[i++] != '-')
        return AP_ERR_FORMAT;
    int d = digits(s, len, &i, 2);
    if (d < 1 || d > days_in_month[mo - 1])
        return AP_ERR_FORMAT;
    int h = 0, mi = 0, sec = 0;
    int64_t frac_us = 0, offset_s = 0;
    if (i < len && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
        i++;
        h = digits(s, len, &i, 2);
        if (h < 0 || h > 23 || i >= len || s[i++] != ':')
            return AP_ERR_FORMAT;
        mi = digits(s, len, &i, 2);
        if (mi < 0 || mi > 59)
            return AP_ERR_FORMAT;
        if (i < len && s[i] == ':') {
            i++;
            sec = digits(s, len, &i, 2);
            if (sec < 0 || sec > 60) /* 60: a leap second, folded into the next minute */
                return AP_ERR_FORMAT;
            if (i < len && (s[i] == '.' || s[i] == ',')) {
                i++;
                int nd = 0;
                while (i < len && s[i] >= '0' && s[i] <= '9') {
                    if (nd < 6)
                        frac_us = frac_us * 10 + (s[i] - '0');
                    nd++;
                    i++;
                }
                if (nd == 0)
                    return AP_ERR_FORMAT;
                for (int k = nd; k < 6; k++)
                    frac_us *= 10;
            }
        }
        if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
            i++;
        } else if (i < len && (s[i] == '+' || s[i] == '-')) {
            int sign = s[i++] == '-' ? -1 : 1;
            int oh = digits(s, len, &i, 2);
            if (oh < 0 || oh > 23)
                return AP_ERR_FORMAT;
            if (i < len && s[i] == ':')
                i++;
            int om = digits(s, len, &i, 2);
            if (om < 0 || om > 59)
                return AP_ERR_FORMAT;
            offset_s = sign * (oh * 3600 + om * 60);
        }
    }
    if (i != len)
        return AP_ERR_FORMAT;
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_s;
    *out_us = secs * 1000000 + frac_us;
    return AP_OK;
}

void ap_format_time(int64_t us, char *buf, size_t buflen)
{
    int64_t secs = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
    int64_t frac = us - secs * 1000000;
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t rem = secs - days * 86400;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(buf, buflen, "%04lld-%02u-%02uT%02d:%02d:%02d.%06lldZ", (long long)y, m, d,
             (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), (long long)frac);
}
