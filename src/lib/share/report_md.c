/* report_md.c — DIR/report.md, the report's summary in Markdown for tickets, wikis and chat:
 * the dataset, the campaign table and the top IOCs. Markdown has no escaping function of its own
 * and its renderers turn text into links, HTML and tables, so attacker text is written as code
 * spans (`...` with a fence longer than any backtick run inside), in which nothing is
 * interpreted and nothing is auto-linked; the pipe, which still ends a table cell there, becomes
 * "\|". Other text is backslash-escaped (\ ` * _ [ ] < > | & ~ # !). In both, control
 * characters become their visible Control Pictures (as in the HTML) and invalid UTF-8, C1 and
 * bidirectional controls become U+FFFD, so no line can be broken or reordered. */
#include <inttypes.h>
#include <string.h>

#include "share/report_internal.h"
#include "util/escape.h"

enum { MD_VALUE_MAX = 300 };

static int is_bidi_or_separator(uint32_t cp)
{
    return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029;
}

/* Writes s (at most max input bytes, cut at a character) with controls made visible; in a code
 * span only '|' is escaped, elsewhere the Markdown punctuation too. Returns 1 when cut. */
static int md_write(FILE *f, const char *s, size_t max, int code)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0;
    while (i < n) {
        if (i >= max)
            return 1;
        uint32_t cp = 0;
        size_t k = ap_utf8_decode(p + i, n - i, &cp);
        if (k == 0) {
            fputs("\xef\xbf\xbd", f); /* U+FFFD */
            i++;
            continue;
        }
        if (cp < 0x20) {
            fputc(0xe2, f); /* U+2400 + cp: the Control Pictures block */
            fputc(0x90, f);
            fputc((int)(0x80 + cp), f);
        } else if (cp == 0x7F) {
            fputs("\xe2\x90\xa1", f); /* U+2421 */
        } else if ((cp >= 0x80 && cp <= 0x9F) || is_bidi_or_separator(cp)) {
            fputs("\xef\xbf\xbd", f);
        } else if (cp == '|') {
            fputs("\\|", f);
        } else if (!code && strchr("\\`*_[]<>&~#!", (int)cp)) {
            fputc('\\', f);
            fputc((int)cp, f);
        } else {
            fwrite(p + i, 1, k, f);
        }
        i += k;
    }
    return 0;
}

/* Table-safe plain text (ids, tactic and technique names). */
void rp_md_text(FILE *f, const char *s)
{
    if (!s || !*s)
        fputc('-', f);
    else
        md_write(f, s, MD_VALUE_MAX, 0);
}

/* Attacker text as a code span. */
void rp_md_code(FILE *f, const char *s)
{
    if (!s || !*s) {
        fputc('-', f);
        return;
    }
    size_t run = 0, longest = 0;
    for (const char *p = s; *p; p++) {
        run = *p == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    for (size_t i = 0; i <= longest; i++)
        fputc('`', f);
    fputc(' ', f);
    int cut = md_write(f, s, MD_VALUE_MAX, 1);
    fputc(' ', f);
    for (size_t i = 0; i <= longest; i++)
        fputc('`', f);
    if (cut)
        fputs(" [\xe2\x80\xa6]", f);
}

void rp_write_markdown(FILE *f, const rp_facts *x)
{
    const ap_model_dataset *ds = x->ds;
    char a[32], b[32];
    fputs("# actorprint report\n\n", f);
    fprintf(f,
            "Honeypot data from %s to %s: %" PRIu64 " sessions, %" PRIu64 " incidents, %" PRIu64
            " campaigns, %" PRIu64 " actors; ATT\\&CK ",
            rp_time(ds->first_us, a, sizeof a), rp_time(ds->last_us, b, sizeof b), ds->sessions,
            ds->incidents, ds->campaigns, ds->actors);
    rp_md_text(f, ds->attack_version ? ds->attack_version : "?");
    fputs(".\n\nRisk score = incidents x criticality / duration in hours. Values quoted from the "
          "logs are attacker-controlled and shown as code. Charts, techniques with examples and "
          "every campaign's indicators: report.html.\n\n",
          f);

    size_t nc = ap_model_campaign_count(x->m);
    fputs("## Campaigns, highest risk score first\n\n", f);
    if (nc == 0) {
        fputs("No campaigns: no two incidents were linked.\n\n", f);
    } else {
        fputs("| Campaign | Actor | Incidents | Sessions | Score | Criticality | First seen | "
              "Last seen | Primary tactic | Shared TTPs |\n"
              "|---|---|--:|--:|--:|--:|---|---|---|---|\n",
              f);
        for (size_t i = 0; i < x->shown; i++) {
            const ap_model_campaign *c = ap_model_campaign_at(x->m, i);
            fprintf(f, "| C-%" PRId64 " | ", c->id);
            if (c->actor > 0)
                fprintf(f, "A-%" PRId64, c->actor);
            else
                fputc('-', f);
            fprintf(f, " | %" PRIu64 " | %" PRIu64 " | %.2f | %g | %s | %s | ", c->incidents,
                    c->sessions, c->score, c->criticality, rp_time(c->first_us, a, sizeof a),
                    rp_time(c->last_us, b, sizeof b));
            rp_md_text(f, c->primary_tactic);
            fputs(" | ", f);
            int any = 0;
            for (size_t k = 0; k < c->ntechniques; k++) {
                if (!rp_shared_technique(c, &c->techniques[k]))
                    continue;
                if (any)
                    fputs(", ", f);
                rp_md_text(f, c->techniques[k].id);
                any = 1;
            }
            if (!any)
                fputc('-', f);
            fputs(" |\n", f);
        }
        if (nc > x->shown)
            fprintf(f, "\n%zu more campaigns are not shown (report --limit).\n", nc - x->shown);
        fputc('\n', f);
    }

    fputs("## Top IOCs\n\n", f);
    if (x->niocs == 0) {
        fputs("No indicators.\n", f);
        return;
    }
    fprintf(f, "Per kind, the %zu with the most sessions over all campaigns.\n\n", x->o->top_iocs);
    fputs("| Kind | Value | Sessions | Incidents | Campaigns | First seen | Last seen |\n"
          "|---|---|--:|--:|--:|---|---|\n",
          f);
    for (size_t kind = 0; kind < AP_MODEL_IOC_KIND_COUNT; kind++) {
        size_t from = x->kind_start[kind], to = x->kind_start[kind + 1];
        for (size_t i = from; i < to && i - from < x->o->top_iocs; i++) {
            const rp_ioc *v = &x->iocs[i];
            fprintf(f, "| %s | ", ap_model_ioc_kind_name(v->kind));
            rp_md_code(f, v->value);
            fprintf(f, " | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %s | %s |\n", v->sessions,
                    v->incidents, v->campaigns, rp_time(v->first_us, a, sizeof a),
                    rp_time(v->last_us, b, sizeof b));
        }
    }
}
