#!/usr/bin/env bash
# cluster.sh — the cluster stage through the CLI on simulated logs: `run` (ingest + map +
# cluster), the three CSV files and their shapes, `eval` against the simulator's truth (the
# links method must reach B-cubed recall >= 0.95 and precision >= 0.90 at actor level and beat
# the seed's DBSCAN recipe by >= 0.25 F1), stable ids across a re-run and a new day, the
# k-distance plot, `features`, hostile text in the CSV, and the misuse messages and exit codes.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SIM=$TMP/sim
run "$AP" simulate --out "$SIM" --days 3 --sensors 3 --scale 0.3 --seed 5
assert_eq "simulate: exit 0" 0 "$RC"
DAY3=$(ls "$SIM"/*/cowrie.json.* | grep -c 2024-03-03)
assert_eq "simulate: one file per sensor on day 3" 3 "$DAY3"

# ---- run on the first two days ----
mapfile -t FIRST < <(ls "$SIM"/*/cowrie.json.* | grep -v 2024-03-03)
run "$AP" run --db "$TMP/a.db" --out "$TMP/o1" -n 5 "${FIRST[@]}"
assert_eq "run: exit 0" 0 "$RC"
assert_match "run: ingest summary" "$ERR" "ingested [0-9,]+ events"
assert_match "run: cluster summary" "$ERR" "clustered [0-9,]+ sessions in [0-9,]+ incidents: [0-9,]+ campaigns, [0-9,]+ actors"
assert_match "run: campaign table header" "$OUT" "^campaign +actor +incidents +sessions +score"
assert_eq "sessions.csv header" "sensor,session,incident,campaign,actor" "$(head -1 "$TMP/o1/sessions.csv")"
assert_eq "campaign_clusters.csv header" "incident_id,campaign" "$(head -1 "$TMP/o1/campaign_clusters.csv")"
assert_eq "campaigns.csv header" \
    "campaign,actor,incidents,sessions,shared_ttps,ips,nets,asns,keys,hashes,urls,first_seen,last_seen,primary_tactic,criticality,duration_hours,campaign_score" \
    "$(head -1 "$TMP/o1/campaigns.csv")"
stored=$(sqlite3 "$TMP/a.db" 'SELECT count(*) FROM sessions' 2>/dev/null || echo "")
if [ -n "$stored" ]; then
    assert_eq "sessions.csv: one row per stored session" "$stored" "$(($(wc -l <"$TMP/o1/sessions.csv") - 1))"
fi
assert_eq "sessions.csv: ids are I-n, C-n, A-n or empty" "" \
    "$(tail -n +2 "$TMP/o1/sessions.csv" | awk -F, '$3 !~ /^I-[0-9]+$/ || ($4 != "" && $4 !~ /^C-[0-9]+$/) || ($5 != "" && $5 !~ /^A-[0-9]+$/)' | head -3)"
# the mdrfckr key is one actor's mark: every session that injected it is in one actor
mdr_actors=$(awk -F, 'NR==FNR && $3=="mdrfckr" {m[$1","$2]=1; next} FNR>1 && m[$1","$2] {print $5}' \
    "$SIM/truth.csv" "$TMP/o1/sessions.csv" | sort -u | wc -l)
assert_eq "mdrfckr sessions: one actor" 1 "$mdr_actors"

# ---- stable ids: twice the same; a new day keeps every number that still exists ----
run "$AP" cluster --db "$TMP/a.db" --out "$TMP/o2" -q -n 0
assert_eq "cluster again: exit 0" 0 "$RC"
assert_files_eq "cluster twice: same sessions.csv" "$TMP/o1/sessions.csv" "$TMP/o2/sessions.csv"
run "$AP" run --db "$TMP/a.db" --out "$TMP/o3" -n 0 "$SIM"
assert_eq "run with the third day: exit 0" 0 "$RC"
assert_match "run with the third day: ids kept" "$ERR" "kept [0-9]+ campaign and [0-9]+ actor ids of the last run"
# every session of day 1-2 keeps its incident; its campaign and actor keep their numbers unless
# the number was merged into another one (then it no longer exists anywhere)
moved=$(awk -F, 'NR==FNR {if (FNR>1) {c[$1","$2]=$4; a[$1","$2]=$5; i[$1","$2]=$3}; next}
    FNR==1 {next}
    {k=$1","$2; now_c[$4]=1; now_a[$5]=1; if (k in c) {n++; if (i[k]!=$3) bad_i++; if (c[k]!=$4) chg_c[c[k]]=1; if (a[k]!=$5) chg_a[a[k]]=1}}
    END {for (x in chg_c) if (x!="" && (x in now_c)) split_c++; for (x in chg_a) if (x!="" && (x in now_a)) split_a++;
         printf "%d %d %d %d", n, bad_i+0, split_c+0, split_a+0}' "$TMP/o1/sessions.csv" "$TMP/o3/sessions.csv")
read -r old_n bad_inc split_camp split_act <<<"$moved"
assert_eq "new day: all old sessions still there" "$(($(wc -l <"$TMP/o1/sessions.csv") - 1))" "$old_n"
assert_eq "new day: no incident renumbered" 0 "$bad_inc"
assert_eq "new day: no campaign number reused for other sessions" 0 "$split_camp"
assert_eq "new day: no actor number reused for other sessions" 0 "$split_act"

# ---- eval: quality at actor level, recall first ----
run "$AP" eval --db "$TMP/a.db" --truth "$SIM/truth.csv"
assert_eq "eval: exit 0" 0 "$RC"
assert_match "eval: recall column first" "$OUT" "recall +precision +F1"
run "$AP" eval --db "$TMP/a.db" --truth "$SIM/truth.csv" --json
links_json=$OUT
num() { sed -E "s/.*\"$1\":\{\"recall\":([0-9.]+),\"precision\":([0-9.]+),\"f1\":([0-9.]+)\}.*/\\$2/" <<<"$3"; }
r=$(num bcubed 1 "$links_json"); p=$(num bcubed 2 "$links_json"); f_links=$(num bcubed 3 "$links_json")
assert_eq "links: B-cubed recall >= 0.95 ($r)" 1 "$(awk -v x="$r" 'BEGIN{print (x >= 0.95)}')"
assert_eq "links: B-cubed precision >= 0.90 ($p)" 1 "$(awk -v x="$p" 'BEGIN{print (x >= 0.90)}')"
run "$AP" eval --db "$TMP/a.db" --truth "$SIM/truth.csv" --level campaign
assert_eq "eval campaign level: exit 0" 0 "$RC"
assert_contains "eval campaign level" "$OUT" "campaign level:"

# ---- the seed recipe, side by side ----
run "$AP" cluster --db "$TMP/a.db" --method dbscan --eps auto --kdist-plot "$TMP/kdist.png" --dry-run -n 3
assert_eq "dbscan: exit 0" 0 "$RC"
assert_match "dbscan: eps reported" "$ERR" "dbscan eps [0-9.e-]+"
assert_eq "dbscan: PNG written" "89504e47" "$(head -c 4 "$TMP/kdist.png" | od -An -tx1 | tr -d ' \n')"
run "$AP" cluster --db "$TMP/b.db" --method dbscan -q -n 0
cp "$TMP/a.db" "$TMP/b.db"
run "$AP" cluster --db "$TMP/b.db" --method dbscan -q -n 0
assert_eq "dbscan cluster: exit 0" 0 "$RC"
run "$AP" eval --db "$TMP/b.db" --truth "$SIM/truth.csv" --json
f_seed=$(num bcubed 3 "$OUT")
assert_eq "links beat the seed recipe by >= 0.25 B-cubed F1 ($f_links vs $f_seed)" 1 \
    "$(awk -v a="$f_links" -v b="$f_seed" 'BEGIN{print (a - b >= 0.25)}')"
run "$AP" cluster --db "$TMP/b.db" --method dbscan --kdist-plot "$TMP/kdist.svg" --dry-run -q -n 0
assert_contains "dbscan: SVG written" "$(head -c 400 "$TMP/kdist.svg")" "<svg"

# ---- features ----
run "$AP" features --db "$TMP/a.db" --asn "$SIM/ip2asn.tsv" --out "$TMP/features.csv"
assert_eq "features: exit 0" 0 "$RC"
assert_match "features: header" "$(head -1 "$TMP/features.csv")" "^incident,src_ip,first_hour,last_hour,net,asn,client,credential_list,sessions,sensors,.*,ttp:T1078,.*cmd:"
assert_eq "features: one row per incident" "$(($(wc -l <"$TMP/o3/campaign_clusters.csv") - 1))" \
    "$(($(wc -l <"$TMP/features.csv") - 1))"
# xmrig_miner (paramiko) and cloud_curlpipe (Go) share DigitalOcean's AS: the ASN is shown, and
# does not merge them (checked by the actor-level scores below)
assert_match "features: xmrig's cloud AS" "$(cat "$TMP/features.csv")" ',AS14061 DIGITALOCEAN-ASN,SSH-2.0-paramiko'
assert_match "features: curlpipe's cloud AS" "$(cat "$TMP/features.csv")" ',AS14061 DIGITALOCEAN-ASN,SSH-2.0-Go,'
assert_match "features: hours floored" "$(sed -n 2p "$TMP/features.csv")" "^I-[0-9]+,[^,]+,2024-03-0[1-3]T[0-9]{2}:00:00Z,2024-03-0[1-4]T[0-9]{2}:00:00Z,[0-9a-f.:]+/(24|48),"
run "$AP" features --db "$TMP/a.db" --rank --labels "$SIM/truth.csv"
assert_eq "features --rank: exit 0" 0 "$RC"
assert_match "features --rank: table" "$OUT" "rank +feature +variance +MI \(nats\) +chi2"
run "$AP" features --db "$TMP/a.db" --rank --labels "$SIM/truth.csv" --json
assert_match "features --rank --json: ranked objects" "$OUT" '^\[[[:space:]]*\{"rank":1,"feature":"[^"]+","variance":'
assert_eq "features --rank: only techniques that were seen" "" "$(grep -o 'ttp:T1566[^,]*' "$TMP/features.csv" | head -1)"

# ---- hostile text: a formula URL shared by two incidents reaches campaigns.csv neutralised ----
H=$TMP/hostile.json
for ip in 198.51.100.7 203.0.113.9; do
    sid=$(printf '%012x' "$(echo "$ip" | tr -d . )")
    cat >>"$H" <<LINES
{"eventid":"cowrie.session.connect","src_ip":"$ip","src_port":4000,"dst_ip":"10.0.0.1","dst_port":22,"session":"$sid","protocol":"ssh","message":"x","sensor":"hx","timestamp":"2024-05-01T10:00:00.000000Z"}
{"eventid":"cowrie.login.success","username":"root","password":"x","message":"x","sensor":"hx","timestamp":"2024-05-01T10:00:01.000000Z","src_ip":"$ip","session":"$sid"}
{"eventid":"cowrie.command.input","input":"wget -q x","message":"x","sensor":"hx","timestamp":"2024-05-01T10:00:02.000000Z","src_ip":"$ip","session":"$sid"}
{"eventid":"cowrie.command.input","input":"chmod +x x","message":"x","sensor":"hx","timestamp":"2024-05-01T10:00:02.500000Z","src_ip":"$ip","session":"$sid"}
{"eventid":"cowrie.command.input","input":"./x","message":"x","sensor":"hx","timestamp":"2024-05-01T10:00:02.700000Z","src_ip":"$ip","session":"$sid"}
{"eventid":"cowrie.session.file_download","url":"=HYPERLINK(\\"http://evil.example/x\\")","outfile":"x","shasum":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","message":"x","sensor":"hx","timestamp":"2024-05-01T10:00:03.000000Z","src_ip":"$ip","session":"$sid"}
{"eventid":"cowrie.session.closed","duration":4.0,"message":"x","sensor":"hx","timestamp":"2024-05-01T10:00:04.000000Z","src_ip":"$ip","session":"$sid"}
LINES
done
run "$AP" run --db "$TMP/h.db" --out "$TMP/oh" -q "$H"
assert_eq "hostile: exit 0" 0 "$RC"
assert_eq "hostile: two sessions, one campaign" "1" "$(tail -n +2 "$TMP/oh/sessions.csv" | cut -d, -f4 | sort -u | grep -c '^C-')"
assert_contains "hostile: formula neutralised" "$(cat "$TMP/oh/campaigns.csv")" "'=HYPERLINK("
assert_not_contains "hostile: no live formula cell" "$(cat "$TMP/oh/campaigns.csv")" ',=HYP'
assert_not_contains "hostile: no live quoted formula cell" "$(cat "$TMP/oh/campaigns.csv")" ',"=HYP'

# ---- misuse and errors ----
assert_exit "eval without --truth" 2 "$AP" eval --db "$TMP/a.db"
assert_contains "eval without --truth: says so" "$ERR" "truth"
run "$AP" eval --db "$TMP/h0.db" --truth "$SIM/truth.csv"
assert_eq "eval on a missing store: exit 3" 3 "$RC"
"$AP" ingest -q --db "$TMP/empty.db" "$H" >/dev/null 2>&1
run "$AP" eval --db "$TMP/empty.db" --truth "$SIM/truth.csv"
assert_eq "eval before cluster: exit 3" 3 "$RC"
assert_contains "eval before cluster: message" "$ERR" "nothing is clustered yet"
printf 'who,what\nx,y\n' >"$TMP/bad-truth.csv"
run "$AP" eval --db "$TMP/a.db" --truth "$TMP/bad-truth.csv"
assert_eq "eval with a headerless truth: exit 1" 1 "$RC"
assert_contains "eval with a headerless truth: names the file" "$ERR" "bad-truth.csv"
head -3 "$SIM/truth.csv" | cut -d, -f1-3 >"$TMP/no-campaign.csv"
run "$AP" eval --db "$TMP/a.db" --truth "$TMP/no-campaign.csv" --level campaign
assert_eq "eval --level campaign without a campaign column: exit 2" 2 "$RC"
assert_exit "cluster --method foo" 2 "$AP" cluster --db "$TMP/a.db" --method foo
assert_contains "cluster --method foo: says why" "$ERR" "links or dbscan"
assert_exit "cluster --kdist-plot without dbscan" 2 "$AP" cluster --db "$TMP/a.db" --kdist-plot x.png
run "$AP" cluster --db "$TMP/a.db" --method dbscan --kdist-plot "$TMP/k.jpg" --dry-run -q
assert_eq "cluster --kdist-plot k.jpg: exit 2" 2 "$RC"
assert_exit "run without input" 2 "$AP" run --db "$TMP/a.db"
assert_exit "features without --out or --rank" 2 "$AP" features --db "$TMP/a.db"

finish
