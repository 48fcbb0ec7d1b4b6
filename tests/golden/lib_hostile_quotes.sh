# lib_hostile_quotes.sh — one more hostile session for the exports whose sinks quote with ' or
# treat backslashes specially (Cypher literals, LOAD CSV's \" rule, CSV quoting): a client
# version (a spreadsheet formula too) and a download URL holding a Cypher injection, a backslash
# before a quote and a trailing backslash. The session downloads lib_hostile.sh's file, so it joins that log's
# campaign and its URL becomes a campaign IOC (a URL node, a MISP attribute).
#
# Source it after lib_hostile.sh, then:
#   hostile_quotes_session >>FILE   appends the session (2024-03-01T06:00Z, from 192.0.2.77)
# and the values it used, as logged: HQ_CLIENT HQ_URL

HQ_CLIENT='=cmd|'"'"' /C calc'"'"'!A0 }) DETACH DELETE n // "q\" back\slash\'
HQ_URL='http://evil.example/a'"'"'b\"c\'

hostile_quotes_session() {
    local s=hq ip=192.0.2.77 t=2024-03-01T06:00
    _h_event "$s" "$ip" "$t:00.000000Z" cowrie.session.connect \
        ',"src_port":40000,"dst_ip":"10.0.0.5","dst_port":22,"protocol":"ssh"'
    # JSON bodies of HQ_CLIENT and HQ_URL: \" and \\ escaped
    _h_event "$s" "$ip" "$t:00.100000Z" cowrie.client.version \
        ',"version":"=cmd|'"'"' /C calc'"'"'!A0 }) DETACH DELETE n // \"q\\\" back\\slash\\"'
    _h_event "$s" "$ip" "$t:01.000000Z" cowrie.login.success ',"username":"root","password":"x"'
    _h_event "$s" "$ip" "$t:02.000000Z" cowrie.command.input ',"input":"wget -q x; sh x"'
    _h_event "$s" "$ip" "$t:03.000000Z" cowrie.session.file_download \
        ',"url":"http://evil.example/a'"'"'b\\\"c\\","outfile":"dl/'"$HOSTILE_SHA"'","shasum":"'"$HOSTILE_SHA"'"'
    _h_event "$s" "$ip" "$t:04.000000Z" cowrie.session.closed ',"duration":4.0'
}
