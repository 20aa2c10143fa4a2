#!/bin/sh
# it_prom.sh — the Prometheus and node_exporter sources and the exporters,
# against the real Debian prometheus and prometheus-node-exporter on
# 127.0.0.1 (tests/lib/prom.sh: 1 s scrapes, private data dir, never
# systemd), a real sshd for the SSH comparison, and a fake server for the
# failure states.
#   - discovery: the node_exporter instance is the node; a selector that
#     matches nothing and a server that is down are one clear line, exit 1
#   - the CPU split from Prometheus agrees with `local` within 10 points on a
#     real CPU load (proven with /proc/stat first, else SKIP), and the
#     verdict matches the SSH source's on the same load
#   - a slow / erroring / garbage server: nodes "down" with the reason, the
#     run goes on and ends on time with exit status 3 (a node not up at the
#     end of -c N): never a stall, never a crash
#   - node_exporter scraped directly (http://host:port node spec)
#   - --textfile passes `promtool check metrics`; Prometheus scrapes --listen
set -u
cd "$(dirname "$0")/.." || exit 1
BIN=${DOPTOP_BIN:-./build/dbg/doptop}
BIN=$(readlink -f "$BIN")
fails=0
ok()   { echo "ok   - $1"; }
bad()  { echo "FAIL - $1"; fails=$((fails + 1)); }
skip() { echo "skip - $1"; }
for c in prometheus prometheus-node-exporter promtool curl python3; do
	command -v "$c" >/dev/null 2>&1 || { echo "SKIP: $c missing (sh .ci/deps test installs it)"; exit 77; }
done
. tests/lib/prom.sh
. tests/lib/wait.sh
prom_init || exit 1
T=$PROM_DIR
PIDS=""
# Stop what this script started (loads, doptops, fake servers), by PID.
it_cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	[ -n "${SSHD_DIR:-}" ] && sshd_cleanup
	prom_cleanup
}
trap 'it_cleanup' EXIT
trap 'exit 130' INT TERM

# A JSON check over doptop's node lines: python3 EXPR over `ls` (the node
# lines of FILE), prints what it found; exit 0 when the expression holds.
jcheck() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
ls = []
for line in open(sys.argv[1]):
    try:
        o = json.loads(line)
    except ValueError:
        continue
    if o.get("type") == "node":
        ls.append(o)
ok = eval(sys.argv[2])
print("    %d node lines" % len(ls))
sys.exit(0 if ok else 1)
EOF
}

prom_exporter_start || { bad "node_exporter did not start: $(tail -3 "$T/node_exporter.log")"; exit 1; }
LISTEN_PORT=$(prom_free_port)
PROM_EXTRA_JOBS="  - job_name: doptop
    static_configs:
      - targets: ['127.0.0.1:$LISTEN_PORT']"
prom_server_start || { bad "prometheus did not start: $(tail -3 "$T/prometheus.log")"; exit 1; }
INST="127.0.0.1:$NE_PORT"
prom_wait_query 'node_time_seconds' 60 || { bad "prometheus never scraped node_exporter"; exit 1; }

# --- discovery -----------------------------------------------------------
out=$("$BIN" --prometheus "$PROM_URL" --list-nodes 2>"$T/err")
[ "$out" = "$INST" ] && ok "discovery: the node_exporter instance is the node ($out)" ||
	bad "discovery: got '$out' $(cat "$T/err")"
out=$("$BIN" --prometheus "$PROM_URL" --nodes '127.0.0.1:*' --prom-selector '{job="node"}' --list-nodes 2>"$T/err")
[ "$out" = "$INST" ] && ok "discovery with --nodes pattern and --prom-selector" || bad "pattern+selector: '$out'"
"$BIN" --prometheus "$PROM_URL" --prom-selector '{job="nothing"}' --json -c 1 >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && ok "no targets: one line, exit 1: $(cat "$T/err")" || bad "no targets rc=$rc $(cat "$T/err")"
"$BIN" --prometheus "http://127.0.0.1:$(prom_free_port)" --json -c 1 >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && ok "server down at start: one line, exit 1" || bad "server down rc=$rc $(cat "$T/err")"

# --- a real load, seen from Prometheus, from local and over SSH ------------
# Two busy loops (the machine has $(nproc) cores); proven with /proc/stat.
for k in 1 2; do sh -c 'while :; do :; done' & PIDS="$PIDS $!"; done
busy() { awk '/^cpu /{print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }
b0=$(busy); sleep 2; b1=$(busy)
user_pct=$(echo "$b0 $b1" | awk '{print int(100 * ($3 - $1) / ($4 - $2))}')
if [ "$user_pct" -lt 50 ]; then
	skip "CPU load did not happen (/proc/stat: ${user_pct}% busy)"
else
	echo "    load proven: /proc/stat ${user_pct}% busy over 2 s"
	"$BIN" --prometheus "$PROM_URL" --json -c 10 >"$T/prom.json" 2>"$T/prom.err" &
	pp=$!
	"$BIN" --json -i 1 -c 10 >"$T/local.json" 2>"$T/local.err" &
	lp=$!
	wait $pp; rcp=$?
	wait $lp
	[ $rcp -eq 0 ] && ok "prometheus run ends with -c 10" || bad "prometheus run rc=$rcp $(cat "$T/prom.err")"
	python3 - "$T/prom.json" "$T/local.json" <<'EOF' && ok "CPU split: prometheus agrees with local within 10 points" || bad "CPU split differs"
import json, sys
def means(path):
    u = s = n = 0
    for line in open(path):
        o = json.loads(line)
        if o.get("type") == "node" and o.get("state") == "up" and o.get("cpu"):
            u += o["cpu"]["user"]; s += o["cpu"]["system"]; n += 1
    return (u / n, s / n, n) if n else (None, None, 0)
pu, ps, pn = means(sys.argv[1]); lu, ls_, ln = means(sys.argv[2])
print("    prometheus user %s system %s (%d lines); local user %s system %s (%d lines)" % (
    pu and round(pu, 1), ps and round(ps, 1), pn, lu and round(lu, 1), ls_ and round(ls_, 1), ln))
sys.exit(0 if pn >= 3 and ln >= 3 and abs(pu - lu) <= 10 and abs(ps - ls_) <= 10 else 1)
EOF
	jcheck "$T/prom.json" '[o for o in ls if o["state"] == "up" and o["probe"] == "prometheus"] and all(o["psi"] is None or isinstance(o["psi"], dict) for o in ls)' &&
		ok "prometheus frames reach the model (probe \"prometheus\")" || bad "no prom frames"

	# the SSH source on the same load: same verdict
	if [ -x /usr/sbin/sshd ]; then
		. tests/lib/sshd.sh
		sshd_init && sshd_start prom && sshd_add_host promnode "$SSHD_PORT"
		trap 'it_cleanup' EXIT
		"$BIN" -F "$SSHD_DIR/ssh_config" -n promnode --json -i 1 -c 10 >"$T/ssh.json" 2>"$T/ssh.err" &
		sp=$!
		"$BIN" --prometheus "$PROM_URL" --json -c 10 >"$T/prom2.json" 2>"$T/prom2.err" &
		pp=$!
		wait $sp; wait $pp
		python3 - "$T/prom2.json" "$T/ssh.json" <<'EOF' && ok "verdict: prometheus == ssh on the same load" || bad "verdicts differ"
import collections, json, sys
def verdict(path):
    c = collections.Counter()
    for line in open(path):
        o = json.loads(line)
        if o.get("type") == "node" and o.get("state") == "up" and o["verdict"] != "unknown":
            c[o["verdict"]] += 1
    return c.most_common(1)[0][0] if c else None, dict(c)
p, pc = verdict(sys.argv[1]); s, sc = verdict(sys.argv[2])
print("    prometheus %s %s; ssh %s %s" % (p, pc, s, sc))
sys.exit(0 if p and p == s else 1)
EOF
	else
		skip "no sshd: verdict comparison with the SSH source"
	fi
fi
for p in $PIDS; do kill "$p" 2>/dev/null; done
PIDS=""

# --- short independent runs, all at once ------------------------------------
# node_exporter scraped directly, one that is down, a slow / erroring /
# garbage server, --textfile: each its own doptop, started together and
# judged after all have ended (none depends on the others or on a load).
BG=""
# run_bg NAME CMD...: run CMD with stdout in $T/NAME.json, stderr in $T/NAME.err;
# $T/NAME.rc gets "STATUS SECONDS".
run_bg() {
	name=$1
	shift
	( s=$(date +%s); "$@" >"$T/$name.json" 2>"$T/$name.err"
	  echo "$? $(( $(date +%s) - s ))" >"$T/$name.rc" ) &
	BG="$BG $!"
}
for mode in slow error garbage; do
	python3 tests/lib/prom_fake.py "$T/$mode.port" "$mode" "$INST" &
	PIDS="$PIDS $!"
done
mkdir -p "$T/tf" "$T/done"
touch "$T/done/a" "$T/done/b"
run_bg ne "$BIN" -n "http://$INST" --json -i 1 -c 4
run_bg ne2 "$BIN" -n "http://127.0.0.1:$(prom_free_port)" --json -i 1 -c 3
run_bg tf "$BIN" --json -i 1 -c 3 --textfile "$T/tf" --done "$T/done" --total 10
for mode in slow error garbage; do
	wait_for 20 "the fake $mode server" test -s "$T/$mode.port" &&
		run_bg "$mode" "$BIN" --prometheus "http://127.0.0.1:$(cat "$T/$mode.port")" --json -c 4
done
for p in $BG; do wait "$p"; done
rc_of() { cut -d' ' -f1 "$T/$1.rc" 2>/dev/null || echo none; }

rc=$(rc_of ne)
jcheck "$T/ne.json" '[o for o in ls if o["state"] == "up" and o["cpu"] and o["probe"] == "node_exporter"]' &&
	[ "$rc" = 0 ] && ok "node_exporter scraped directly" || bad "node_exporter direct rc=$rc $(head -3 "$T/ne.err")"
jcheck "$T/ne2.json" 'ls and all(o["state"] == "down" and "node_exporter" in o["why"] for o in ls[-1:])' &&
	ok "node_exporter down: state down with the reason" || bad "node_exporter down"

for mode in slow error garbage; do
	[ -s "$T/$mode.rc" ] || { bad "fake server $mode did not start"; continue; }
	rc=$(rc_of "$mode") took=$(cut -d' ' -f2 "$T/$mode.rc")
	case $mode in
	slow) want='timeout' ;; error) want='fake: query refused' ;; garbage) want='not JSON' ;;
	esac
	jcheck "$T/$mode.json" "len(ls) >= 3 and ls[-1]['state'] == 'down' and '$want' in ls[-1]['why']" &&
		[ "$rc" = 3 ] && [ "$took" -le 30 ] &&
		ok "server $mode: node down ('$want'), run ended in ${took} s" ||
		bad "server $mode: rc=$rc took=${took}s $(tail -2 "$T/$mode.json") $(cat "$T/$mode.err")"
done

rc=$(rc_of tf)
if [ "$rc" = 0 ] && [ -s "$T/tf/doptop.prom" ]; then
	promtool check metrics <"$T/tf/doptop.prom" >"$T/promtool.out" 2>&1 &&
		ok "--textfile passes promtool check metrics" ||
		bad "promtool: $(cat "$T/promtool.out")"
	grep -q '^doptop_job_total 10$' "$T/tf/doptop.prom" && grep -q '^doptop_verdict{node="local"' "$T/tf/doptop.prom" &&
		ok "--textfile has verdicts and job figures" || bad "--textfile content: $(head -20 "$T/tf/doptop.prom")"
	ls -a "$T/tf" | grep -q 'tmp' && bad "--textfile left a temporary file" || ok "--textfile: no temporary left"
else
	bad "--textfile run rc=$rc $(cat "$T/tf.err")"
fi
"$BIN" --json -i 1 -c 60 --listen "127.0.0.1:$LISTEN_PORT" >/dev/null 2>"$T/listen.err" & lp=$!
PIDS="$PIDS $lp"
prom_wait_query 'doptop_node_up{node="local"}' 45 &&
	ok "prometheus scrapes --listen (doptop_node_up{node=\"local\"})" || bad "prometheus did not scrape --listen $(cat "$T/listen.err")"
curl -fsS "http://127.0.0.1:$LISTEN_PORT/metrics" | promtool check metrics >"$T/promtool2.out" 2>&1 &&
	ok "--listen /metrics passes promtool check metrics" || bad "--listen promtool: $(cat "$T/promtool2.out")"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$LISTEN_PORT/other")
[ "$code" = 404 ] && ok "--listen: other paths 404" || bad "--listen other path: $code"
"$BIN" --json -c 1 --listen "127.0.0.1:$LISTEN_PORT" >/dev/null 2>"$T/busy.err"; rc=$?
[ $rc -ne 0 ] && grep -q "listen" "$T/busy.err" && ok "--listen on a port in use: clear error" || bad "--listen busy port rc=$rc"
kill "$lp" 2>/dev/null; wait "$lp" 2>/dev/null

echo "it_prom: $fails failed"
[ "$fails" -eq 0 ]
