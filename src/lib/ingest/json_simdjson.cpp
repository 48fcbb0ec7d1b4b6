/* json_simdjson.cpp — json.h implemented with simdjson's On-Demand API (Debian libsimdjson-dev).
 *
 * This is the hot path of ingest: every Cowrie line passes through ap_json_object_each once. The
 * On-Demand parser indexes the line with SIMD (validating UTF-8 on the way) and then lets us walk
 * the top-level fields without building a tree, unescaping only what we hand out. Input lines are
 * parsed in place: the reader guarantees AP_READER_PADDING readable bytes after every line, which
 * is the padding simdjson needs, so nothing is copied.
 *
 * C++ stays inside this file: the functions are extern "C", use simdjson's error-code API (no
 * exception is used for control flow) and catch everything at the boundary so nothing is ever
 * thrown into C code.
 *
 * Strings without a backslash (nearly all of them) are handed out in place, as views into the
 * input line: stage 1 has already validated their UTF-8 and rejected raw control characters, so
 * they are their own unescaped form. Only strings with escapes are unescaped (get_string) into
 * the parser's memory. Either way a view stays valid until the next parse, provided the caller
 * keeps the line alive that long (the reader does: lines live until the next ap_reader_next).
 *
 * Arrays and objects nested in an event are handed out as their raw text and skipped; On-Demand
 * checks their brackets balance but not their inner grammar, which ap_json_array_strings checks
 * when a caller parses one (a Cowrie writer is Python's json module, so this costs nothing in
 * practice and keeps the walk fast).
 */
/* simdjson's inline On-Demand code is full of assert()s meant for simdjson's own development;
 * with them the walk is ~5% slower. Our RelWithDebInfo build does not define NDEBUG, so this file
 * does (it uses no assert of its own). */
#ifndef NDEBUG
#define NDEBUG 1
#endif
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cstdint>
#include <utility>
#include <new>

extern "C" {
#include "ingest/json.h"
#include "ingest/reader.h"
}

namespace ondemand = simdjson::ondemand;

struct ap_json_parser {
    ondemand::parser main;   /* ap_json_object_each */
    ondemand::parser nested; /* ap_json_array_strings, usable from inside a field callback */
    char *scratch = nullptr; /* padded copy of a raw array for `nested` */
    size_t scratch_cap = 0;
};

namespace {

/* Short human wording of a simdjson error, for "invalid JSON (...)". */
const char *short_reason(simdjson::error_code err)
{
    switch (err) {
    case simdjson::TAPE_ERROR: return "unexpected character";
    case simdjson::INCORRECT_TYPE: return "unexpected value";
    case simdjson::STRING_ERROR: return "bad string escape";
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR: return "bad literal";
    case simdjson::NUMBER_ERROR: return "bad number";
    case simdjson::UNESCAPED_CHARS: return "control character in string";
    case simdjson::DEPTH_ERROR: return "nested too deeply";
    case simdjson::TRAILING_CONTENT: return "trailing content";
    default: return simdjson::error_message(err);
    }
}

/* Byte offset of `loc` inside text[0..len], or -1 when it is not inside. */
long long offset_in(const char *text, size_t len, const char *loc)
{
    if (!loc || loc < text || loc > text + len)
        return -1;
    return (long long)(loc - text);
}

/* Writes the message for `err` into errbuf and returns the matching status. `loc` is where the
 * parser stood (NULL when unknown). */
ap_status fail(simdjson::error_code err, const char *text, size_t len, const char *loc,
               char *errbuf, size_t errlen)
{
    ap_status st = AP_ERR_FORMAT;
    char msg[160];
    long long off = offset_in(text, len, loc);
    switch (err) {
    case simdjson::MEMALLOC:
        st = AP_ERR_NOMEM;
        snprintf(msg, sizeof msg, "out of memory");
        break;
    case simdjson::CAPACITY:
        st = AP_ERR_LIMIT;
        snprintf(msg, sizeof msg, "line too long for the JSON parser");
        break;
    case simdjson::UTF8_ERROR:
        snprintf(msg, sizeof msg, "invalid UTF-8");
        break;
    case simdjson::EMPTY:
        snprintf(msg, sizeof msg, "empty line");
        break;
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
        snprintf(msg, sizeof msg, "unexpected end of line");
        break;
    case simdjson::UNCLOSED_STRING:
        snprintf(msg, sizeof msg, "unexpected end of line (unclosed string)");
        break;
    default:
        if (off >= 0 && (size_t)off >= len)
            snprintf(msg, sizeof msg, "unexpected end of line");
        else if (off >= 0)
            snprintf(msg, sizeof msg, "invalid JSON (%s at byte %lld)", short_reason(err), off);
        else
            snprintf(msg, sizeof msg, "invalid JSON (%s)", short_reason(err));
        break;
    }
    if (errbuf && errlen) {
        size_t n = strlen(msg);
        if (n >= errlen)
            n = errlen - 1;
        memcpy(errbuf, msg, n);
        errbuf[n] = '\0';
    }
    return st;
}

ap_status fail_msg(const char *msg, char *errbuf, size_t errlen)
{
    if (errbuf && errlen)
        snprintf(errbuf, errlen, "%s", msg);
    return AP_ERR_FORMAT;
}

/* Where the document iterator stands after an error, or NULL. */
const char *where(ondemand::document &doc)
{
    const char *loc = nullptr;
    if (doc.current_location().get(loc) != simdjson::SUCCESS)
        return nullptr;
    return loc;
}

/* raw_json() of a consumed array/object may run up to the next token: drop JSON whitespace. */
std::string_view trim_right(std::string_view s)
{
    size_t n = s.size();
    while (n > 0) {
        char c = s[n - 1];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        n--;
    }
    return s.substr(0, n);
}

/* Error path only: simdjson rejects "{...} garbage" as an unclosed object (the last token is not
 * '}'), so find where the top-level object closes, by bracket depth outside strings, to tell
 * trailing content from a truncated line. Returns the offset just past the closing '}' of the
 * first value, or len when it never closes. */
size_t object_end(const char *text, size_t len)
{
    int depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (--depth <= 0)
                return i + 1;
        }
    }
    return len;
}

/* A key without a backslash is handed out in place: `raw` points just past its opening quote,
 * and stage 1 has checked that the closing quote comes before `end`. */
bool plain_key(const char *raw, const char *end, ap_str *out)
{
    for (const char *c = raw; c < end; c++) {
        if (*c == '"') {
            *out = ap_str_make(raw, (size_t)(c - raw));
            return true;
        }
        if (*c == '\\')
            return false;
    }
    return false;
}

/* Fills `out` from the value `v` (already typed `t`). */
simdjson::error_code read_value(ondemand::value &v, ondemand::json_type t, ap_json_field *out)
{
    simdjson::error_code err;
    switch (t) {
    case ondemand::json_type::string: {
        /* Fast path: a string without a backslash is its own unescaped form (stage 1 already
         * checked UTF-8 and control characters), so it is handed out in place. The token runs
         * from the opening quote to the next structural character. */
        std::string_view tok = trim_right(v.raw_json_token());
        if (tok.size() >= 2 && tok.back() == '"' && !memchr(tok.data() + 1, '\\', tok.size() - 2)) {
            ondemand::raw_json_string consumed;
            if ((err = v.get_raw_json_string().get(consumed)))
                return err;
            out->type = AP_JSON_STRING;
            out->str = ap_str_make(tok.data() + 1, tok.size() - 2);
            return simdjson::SUCCESS;
        }
        std::string_view s;
        if ((err = v.get_string().get(s)))
            return err;
        out->type = AP_JSON_STRING;
        out->str = ap_str_make(s.data(), s.size());
        return simdjson::SUCCESS;
    }
    case ondemand::json_type::number: {
        ondemand::number num;
        if ((err = v.get_number().get(num))) {
            /* An integer too big for 64 bits is still a JSON number: read it as a double (a
             * failed get_* does not advance, so the value can be read again). */
            if (err != simdjson::NUMBER_ERROR || v.get_double().get(out->d))
                return err;
            out->type = AP_JSON_DOUBLE;
            return simdjson::SUCCESS;
        }
        switch (num.get_number_type()) {
        case ondemand::number_type::signed_integer:
            out->type = AP_JSON_INT;
            out->i = num.get_int64();
            out->d = (double)out->i;
            break;
        case ondemand::number_type::unsigned_integer: /* > INT64_MAX */
            out->type = AP_JSON_DOUBLE;
            out->d = (double)num.get_uint64();
            break;
        default:
            out->type = AP_JSON_DOUBLE;
            out->d = num.get_double();
            break;
        }
        return simdjson::SUCCESS;
    }
    case ondemand::json_type::boolean: {
        bool b;
        if ((err = v.get_bool().get(b)))
            return err;
        out->type = AP_JSON_BOOL;
        out->i = b ? 1 : 0;
        return simdjson::SUCCESS;
    }
    case ondemand::json_type::null: {
        bool is_null = false;
        if ((err = v.is_null().get(is_null)))
            return err;
        if (!is_null)
            return simdjson::N_ATOM_ERROR;
        out->type = AP_JSON_NULL;
        return simdjson::SUCCESS;
    }
    case ondemand::json_type::array: {
        ondemand::array a;
        std::string_view raw;
        if ((err = v.get_array().get(a)) || (err = a.raw_json().get(raw)))
            return err;
        raw = trim_right(raw);
        out->type = AP_JSON_ARRAY;
        out->str = ap_str_make(raw.data(), raw.size());
        return simdjson::SUCCESS;
    }
    case ondemand::json_type::object: {
        ondemand::object o;
        std::string_view raw;
        if ((err = v.get_object().get(o)) || (err = o.raw_json().get(raw)))
            return err;
        raw = trim_right(raw);
        out->type = AP_JSON_OBJECT;
        out->str = ap_str_make(raw.data(), raw.size());
        return simdjson::SUCCESS;
    }
    }
    return simdjson::TAPE_ERROR;
}

ap_status walk_object(ap_json_parser *p, const char *text, size_t len, ap_json_field_fn fn,
                      void *user, char *errbuf, size_t errlen)
{
    ondemand::document doc;
    simdjson::error_code err =
        p->main.iterate(simdjson::padded_string_view(text, len, len + AP_READER_PADDING)).get(doc);
    if (err)
        return fail(err, text, len, nullptr, errbuf, errlen);

    ondemand::json_type doc_type;
    if ((err = doc.type().get(doc_type)))
        return fail(err, text, len, where(doc), errbuf, errlen);
    if (doc_type != ondemand::json_type::object)
        return fail_msg("not a JSON object", errbuf, errlen);

    ondemand::object obj;
    if ((err = doc.get_object().get(obj))) {
        size_t close = object_end(text, len);
        if (err == simdjson::INCOMPLETE_ARRAY_OR_OBJECT && close < len)
            return fail(simdjson::TRAILING_CONTENT, text, len, text + close, errbuf, errlen);
        return fail(err, text, len, where(doc), errbuf, errlen);
    }

    for (auto field_result : obj) {
        ondemand::field field;
        if ((err = std::move(field_result).get(field)))
            return fail(err, text, len, where(doc), errbuf, errlen);
        ap_json_field out;
        out.i = 0;
        out.d = 0;
        out.str = AP_STR_NULL;
        if (!plain_key(field.key().raw(), text + len, &out.key)) {
            std::string_view key;
            if ((err = field.unescaped_key().get(key)))
                return fail(err, text, len, where(doc), errbuf, errlen);
            out.key = ap_str_make(key.data(), key.size());
        }
        ondemand::value v = field.value();
        ondemand::json_type t;
        if ((err = v.type().get(t)) || (err = read_value(v, t, &out)))
            return fail(err, text, len, where(doc), errbuf, errlen);
        if (fn(user, &out))
            return AP_OK;
    }

    /* The object is closed: anything but whitespace after it is an error. */
    const char *rest = nullptr;
    if (doc.current_location().get(rest) == simdjson::SUCCESS)
        return fail(simdjson::TRAILING_CONTENT, text, len, rest, errbuf, errlen);
    return AP_OK;
}

/* The raw array is copied into a padded scratch buffer and parsed with the second parser, so the
 * main parser's document (and the strings it handed out) are untouched. `index` given to fn is
 * the element's position in the array, counting the non-string elements that are skipped.
 * Strings are views into the scratch buffer or the second parser, valid until the next call. */
ap_status walk_array_strings(ap_json_parser *p, ap_str raw, ap_json_string_fn fn, void *user)
{
    size_t need = raw.n + simdjson::SIMDJSON_PADDING;
    if (need < raw.n)
        return AP_ERR_LIMIT;
    if (need > p->scratch_cap) {
        size_t cap = p->scratch_cap ? p->scratch_cap : 256;
        while (cap < need)
            cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        char *grown = static_cast<char *>(realloc(p->scratch, cap));
        if (!grown)
            return AP_ERR_NOMEM;
        p->scratch = grown;
        p->scratch_cap = cap;
    }
    if (raw.n)
        memcpy(p->scratch, raw.p, raw.n);
    memset(p->scratch + raw.n, 0, simdjson::SIMDJSON_PADDING);

    ondemand::document doc;
    simdjson::error_code err =
        p->nested.iterate(simdjson::padded_string_view(p->scratch, raw.n, p->scratch_cap)).get(doc);
    if (err)
        return err == simdjson::MEMALLOC ? AP_ERR_NOMEM : AP_ERR_FORMAT;
    ondemand::array arr;
    if (doc.get_array().get(arr))
        return AP_ERR_FORMAT;
    size_t index = 0;
    for (auto elem_result : arr) {
        ondemand::value v;
        ondemand::json_type t;
        if (std::move(elem_result).get(v) || v.type().get(t))
            return AP_ERR_FORMAT;
        if (t == ondemand::json_type::string) {
            std::string_view s;
            if (v.get_string().get(s))
                return AP_ERR_FORMAT;
            if (fn(user, index, ap_str_make(s.data(), s.size())))
                return AP_OK;
        } else {
            /* Validate what we skip so a damaged array is reported, not half-read. */
            ap_json_field ignored;
            if (read_value(v, t, &ignored))
                return AP_ERR_FORMAT;
        }
        index++;
    }
    const char *rest = nullptr;
    if (doc.current_location().get(rest) == simdjson::SUCCESS)
        return AP_ERR_FORMAT;
    return AP_OK;
}

} // namespace

extern "C" {

ap_status ap_json_parser_new(ap_json_parser **out)
{
    if (!out)
        return AP_ERR_ARG;
    *out = nullptr;
    try {
        ap_json_parser *p = new (std::nothrow) ap_json_parser();
        if (!p)
            return AP_ERR_NOMEM;
        *out = p;
        return AP_OK;
    } catch (...) {
        return AP_ERR_NOMEM;
    }
}

void ap_json_parser_free(ap_json_parser *p)
{
    if (!p)
        return;
    free(p->scratch);
    delete p;
}

ap_status ap_json_object_each(ap_json_parser *p, const char *text, size_t len, ap_json_field_fn fn,
                              void *user, char *errbuf, size_t errlen)
{
    if (errbuf && errlen)
        errbuf[0] = '\0';
    if (!p || (!text && len) || !fn)
        return AP_ERR_ARG;
    if (!text)
        text = "";
    try {
        return walk_object(p, text, len, fn, user, errbuf, errlen);
    } catch (const std::bad_alloc &) {
        return fail(simdjson::MEMALLOC, text, len, nullptr, errbuf, errlen);
    } catch (...) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "internal error in the JSON parser");
        return AP_ERR_INTERNAL;
    }
}

ap_status ap_json_array_strings(ap_json_parser *p, ap_str raw_array, ap_json_string_fn fn,
                                void *user)
{
    if (!p || !fn || (!raw_array.p && raw_array.n))
        return AP_ERR_ARG;
    try {
        return walk_array_strings(p, raw_array, fn, user);
    } catch (const std::bad_alloc &) {
        return AP_ERR_NOMEM;
    } catch (...) {
        return AP_ERR_INTERNAL;
    }
}

} // extern "C"
