#!/usr/bin/env python3
"""Validate tests/corpus/mapper.tsv and print its counts. Exit 1 on any error."""
import sys, re, base64, binascii, collections

corpus, techniques = sys.argv[1], sys.argv[2]
errors = []

# technique table: id -> (name, status)
tech = {}
with open(techniques, encoding='utf-8') as f:
    next(f)
    for line in f:
        c = line.rstrip('\n').split('\t')
        tech[c[0]] = (c[1], c[3])

def unescape(s, where):
    out, i = [], 0
    while i < len(s):
        ch = s[i]
        if ch == '\\':
            nxt = s[i + 1] if i + 1 < len(s) else ''
            if nxt == '\\': out.append('\\')
            elif nxt == 't': out.append('\t')
            elif nxt == 'n': out.append('\n')
            else:
                errors.append('%s: bad escape \\%s' % (where, nxt)); out.append(ch); i += 1; continue
            i += 2
        else:
            out.append(ch); i += 1
    return ''.join(out)

B64_DECODER = re.compile(r'base64\s+(-d|--decode)|openssl\s+base64\s+-d|b64decode|\{base64,-d\}')
B64_SRC = re.compile(r'''(?:echo(?:\s+-n)?|<<<|\{echo,|b64decode\()\s*["']?([A-Za-z0-9+/]{4,}={0,2})''')
ESC_STR = re.compile(r'''(?:printf|echo\s+-n?e|\$)\s*(?:\$\()?\s*(?:printf\s+)?['"]((?:\\x[0-9a-fA-F]{2}|\\[0-7]{3})+)['"]''')

def b64_payloads(text, depth=0):
    """Decoded texts of every echo'd base64 payload feeding a decoder, recursively."""
    res = []
    if depth > 4 or not B64_DECODER.search(text):
        return res
    for m in B64_SRC.finditer(text):
        tok = m.group(1)
        if len(tok) % 4:
            continue
        try:
            dec = base64.b64decode(tok, validate=True).decode('utf-8')
        except (binascii.Error, UnicodeDecodeError):
            continue
        res.append(dec)
        res.extend(b64_payloads(dec, depth + 1))
    return res

def esc_payloads(text):
    res = []
    for m in ESC_STR.finditer(text):
        body = m.group(1)
        bs = bytearray()
        for h in re.finditer(r'\\x([0-9a-fA-F]{2})|\\([0-7]{3})', body):
            bs.append(int(h.group(1), 16) if h.group(1) else int(h.group(2), 8))
        res.append(bytes(bs))
    return res

lines = 0; pos = 0; neg = 0; obf = 0
per_id = collections.Counter()
obf_kinds = collections.Counter()
seen = {}
with open(corpus, encoding='utf-8') as f:
    for n, raw in enumerate(f, 1):
        line = raw.rstrip('\n')
        if not line or line.startswith('#'):
            continue
        where = '%s:%d' % (corpus, n)
        parts = line.split('\t')
        if len(parts) != 3:
            errors.append('%s: %d fields' % (where, len(parts))); continue
        inp_e, exp, note_e = parts
        inp = unescape(inp_e, where); note = unescape(note_e, where)
        if not inp.strip(): errors.append(where + ': empty input')
        if not note.strip(): errors.append(where + ': empty note')
        if inp in seen: errors.append('%s: duplicate of line %d' % (where, seen[inp]))
        seen[inp] = n
        lines += 1
        if 'obf:' in note:
            obf += 1
            for k in re.search(r'obf:([a-z0-9,-]+)', note).group(1).split(','):
                obf_kinds[k] += 1
        if exp == '-':
            neg += 1
        else:
            ids = exp.split(',')
            if len(set(ids)) != len(ids): errors.append(where + ': repeated id')
            for t in ids:
                if t not in tech: errors.append('%s: unknown id %s' % (where, t)); continue
                if tech[t][1] != 'active': errors.append('%s: %s is %s' % (where, t, tech[t][1]))
                if '.' in t and t.split('.')[0] in ids:
                    errors.append('%s: parent %s listed with %s' % (where, t.split('.')[0], t))
                per_id[t] += 1
            pos += 1
        # encoded payloads must match the note
        for dec in b64_payloads(inp):
            if 'decodes: ' + dec not in note:
                errors.append('%s: base64 decodes to %r, not in note' % (where, dec))
        for bs in esc_payloads(inp):
            if 'ELF' in note and 'decodes:' not in note:
                if not bs.startswith(b'\x7fELF'):
                    errors.append('%s: escape payload is not an ELF header' % where)
            else:
                if 'decodes: ' + bs.decode('latin-1') not in note:
                    errors.append('%s: escapes decode to %r, not in note' % (where, bs))
        if 'decodes:' in note and not (b64_payloads(inp) or esc_payloads(inp)):
            errors.append(where + ': note says decodes: but no payload found')

SEED = ['T1098', 'T1098.004', 'T1053.003', 'T1136.001', 'T1546.004', 'T1003.008', 'T1078', 'T1110',
        'T1110.001', 'T1110.003', 'T1110.004', 'T1552.001', 'T1552.003', 'T1552.004', 'T1046',
        'T1018', 'T1082', 'T1083']
for s in SEED:
    if per_id[s] == 0: errors.append('seed id %s missing' % s)
ge3 = sorted(t for t, c in per_id.items() if c >= 3)
lt3 = sorted((t, c) for t, c in per_id.items() if c < 3)
if lines < 480: errors.append('only %d lines' % lines)
if neg < 80: errors.append('only %d negatives' % neg)
if obf < 60: errors.append('only %d obfuscated' % obf)
if len(ge3) < 80: errors.append('only %d ids with >= 3 positives' % len(ge3))
for t, c in lt3:
    if c < 2: errors.append('%s has only %d positive line' % (t, c))

print('lines %d  positives %d  negatives %d  obfuscated %d' % (lines, pos, neg, obf))
print('distinct ids %d  with >=3 positives %d  with 2: %s' % (len(per_id), len(ge3), ' '.join('%s' % t for t, c in lt3)))
print('obfuscation kinds: ' + ' '.join('%s=%d' % kv for kv in sorted(obf_kinds.items())))
if '-v' in sys.argv:
    for t, c in sorted(per_id.items()):
        print('  %-10s %3d  %s' % (t, c, tech[t][0]))
for e in errors:
    print('ERROR', e)
sys.exit(1 if errors else 0)
