/* alerts.h — the SOC hook: which campaigns grew fast. A campaign "alerts" when at least
 * min_incidents of its incidents started inside the window that ends at the dataset's last
 * event (or at an explicit end), so the same store always gives the same alerts: no wall clock.
 * Each alert is written as one JSON line (for a SIEM) or as one line of plain text for syslog,
 * with attacker text escaped for the sink (JSON escaping; terminal escaping for syslog, so the
 * line holds no control character). The risk score is the model's campaign_score
 * (incidents x criticality / duration_hours, criticality from the tactic table). See
 * docs/alerts-and-report.md. */
#ifndef AP_SHARE_ALERTS_H
#define AP_SHARE_ALERTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "actorprint.h"

typedef struct ap_alert_options {
    int64_t window_us;      /* length of the window (default 24 h) */
    uint64_t min_incidents; /* new incidents needed for an alert (default 3, at least 1) */
    int64_t end_us;         /* end of the window; 0 = the dataset's last event */
    size_t top_iocs;        /* IOCs per alert, most sessions first (default 10) */
    size_t top_techniques;  /* techniques per alert, most sessions first (default 5) */
} ap_alert_options;
void ap_alert_options_init(ap_alert_options *o);

typedef struct ap_alert {
    const ap_model_campaign *campaign;
    uint64_t new_incidents; /* incidents whose first event lies in (start, end] */
    uint64_t new_sessions;  /* sessions of those incidents */
} ap_alert;

/* The alerts of one evaluation: most new incidents first, then highest score, then campaign id. */
typedef struct ap_alert_list {
    ap_alert *items;
    size_t n;
    int64_t start_us, end_us, window_us; /* the window is (start_us, end_us] */
} ap_alert_list;

/* Finds the campaigns that gained >= min_incidents incidents in the window. An empty dataset
 * gives no alerts. Return values: AP_OK; AP_ERR_ARG (window <= 0); AP_ERR_NOMEM. The list
 * points into the model (free it before closing the model). */
ap_status ap_alerts_find(const ap_model *m, const ap_alert_options *o, ap_alert_list *out);
void ap_alert_list_free(ap_alert_list *l);

/* One alert as one line of JSON (ending in '\n'). Members: campaign, actor (null for none),
 * new_incidents, new_sessions, window, window_seconds, window_start, window_end, incidents,
 * sessions, score, criticality, duration_hours, primary_tactic, first_seen, last_seen, techniques
 * [{id, name, sessions}], iocs [{kind, value, sessions}]. Return values: AP_OK; AP_ERR_IO. */
ap_status ap_alert_write_json(FILE *f, const ap_alert_list *l, const ap_alert *a,
                              const ap_alert_options *o);

/* One alert as one line of plain text for syslog (no newline): printable ASCII and UTF-8 only,
 * attacker text terminal-escaped. Written snprintf-style into dst; a line longer than cap is cut
 * after a whole item and ends in "...". Returns the length written (< cap), 0 when cap < 64. */
size_t ap_alert_format_line(char *dst, size_t cap, const ap_alert_list *l, const ap_alert *a,
                            const ap_alert_options *o);

/* Parses a window length: a positive whole number with an optional unit, s (default), m, h, d
 * or w: "90m", "24h", "7d", "3600". Returns AP_OK or AP_ERR_ARG (empty, junk, zero, more than
 * 100 years). */
ap_status ap_alert_parse_window(const char *s, int64_t *out_us);
/* A window in the largest whole unit: 172800 s -> "2d", 86400 s -> "24h" (a day reads as 24h),
 * 5400 s -> "90m", 61 s -> "61s". buf >= 32. */
const char *ap_alert_format_window(int64_t us, char *buf, size_t n);

#endif
