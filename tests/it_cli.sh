#!/bin/sh
# it_cli.sh — the real binary's command line, batch and JSON output on the
# real /proc of this machine.
set -u
BIN=${DOPTOP_BIN:-./build/dbg/doptop}
T=$(mktemp -d /tmp/doptop-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
fails=0
ok()   { echo "ok   - $1"; }
bad()  { echo "FAIL - $1"; fails=$((fails + 1)); }

# expect_err CODE 'substring' args... : exit code and a one-line message
expect_err() {
	code=$1; want=$2; shift 2
	"$BIN" "$@" >"$T/out" 2>"$T/err"; rc=$?
	first=$(head -n 1 "$T/err")
	if [ "$rc" -eq "$code" ] && printf '%s' "$first" | grep -q -- "$want" &&
	   [ ! -s "$T/out" ] && ! grep -qi "sanitizer\|runtime error" "$T/err"; then
		ok "error: $* -> $rc: $first"
	else
		bad "error: $* -> rc=$rc (want $code), stderr: $(cat "$T/err")"
	fi
}

expect_err 2 "unknown option" --bogus
expect_err 2 "missing value" --nodes
expect_err 2 "bad --interval" -i 0
expect_err 2 "bad --interval" -i 3601
expect_err 2 "bad --interval" -i abc
expect_err 2 "bad --count" -c 0
expect_err 2 "bad --count" -c 1.5
expect_err 2 "bad --port" -p 70000
expect_err 2 "bad --nodes" --nodes 'n005..002'
expect_err 2 "bad --nodes" --nodes 'n001..16'
expect_err 2 "bad --nodes" --nodes 'a,,b'
expect_err 2 "bad --nodes" --nodes 'n0..99999999'
expect_err 2 "bad --nodes" --nodes '@/nonexistent/file'
expect_err 2 "bad --nodes" --nodes 'a;rm -rf /'
expect_err 2 "unexpected argument" extra
expect_err 2 "cannot be used together" --record a --replay b

# --help and --version
"$BIN" --help >"$T/help" 2>&1 && grep -q -- "--nodes" "$T/help" && grep -q "syscall-heavy" "$T/help" \
	&& ok "--help" || bad "--help"
"$BIN" --version | grep -q '^doptop [0-9]' && ok "--version" || bad "--version"

# --list-nodes: ranges keep width, order kept, duplicates dropped, files
printf '# fleet\nweb1\n\nrack1-n01..03.example  # comment\n' >"$T/nodes"
"$BIN" --list-nodes -n 'adhoc-preemptible-000..002,root@h:2222' -n adhoc-preemptible-001 -n "@$T/nodes" >"$T/list"
printf 'adhoc-preemptible-000\nadhoc-preemptible-001\nadhoc-preemptible-002\nroot@h:2222\nweb1\nrack1-n01.example\nrack1-n02.example\nrack1-n03.example\n' >"$T/want"
cmp -s "$T/list" "$T/want" && ok "--list-nodes" || { bad "--list-nodes"; diff "$T/want" "$T/list"; }
"$BIN" --list-nodes -n 'n0001..9999' | wc -l | grep -qx 9999 && ok "9999 nodes" || bad "9999 nodes"
expect_err 2 "bad --nodes" --list-nodes -n 'n0001..9999,x1..2'

# --json on local: valid JSON, the contract's fields, CPU split sums to 100
"$BIN" --json -i 0.3 -c 4 >"$T/json" 2>"$T/err" || bad "--json exit $?"
python3 - "$T/json" <<'PY' && ok "--json contract" || bad "--json contract"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
nodes = [l for l in lines if l["type"] == "node"]
clus = [l for l in lines if l["type"] == "cluster"]
assert len(nodes) == 4 and len(clus) == 4, (len(nodes), len(clus))
for n in nodes:
    for k in ("t", "node", "state", "cpu", "load1", "procs_running", "procs_blocked",
              "forks_per_s", "ctxt_per_s", "disk", "net", "mem", "psi", "verdict",
              "cause", "advice"):
        assert k in n, k
    assert n["node"] == "local" and n["state"] == "up"
    c = n["cpu"]
    s = c["user"] + c["system"] + c["iowait"] + c["steal"] + c["idle"]
    assert abs(s - 100) <= 1, s
    assert c["cores"] >= 1
    assert n["verdict"] in ("cpu-bound", "syscall-heavy", "io-starved", "underused", "idle")
    assert n["cause"] in ("none", "steal", "syscall", "fork", "ipc", "disk", "network", "memory")
    assert n["mem"]["total_B"] > 0 and n["ctxt_per_s"] > 0
    for k in ("read_Bps", "write_Bps", "util"):
        assert n["disk"][k] >= 0
    assert n["psi"] is None or n["psi"]["io_some"] >= 0
ts = [n["t"] for n in nodes]
assert all(b > a for a, b in zip(ts, ts[1:])), ts
assert clus[0]["nodes"] == 1 and clus[0]["up"] == 1
PY

# a remote node without a transport yet shows as not up, with null metrics
# (its HostName has a 70-byte label: the resolver refuses it without a DNS
# query; no name outside /etc/hosts is ever looked up)
printf 'Host *.invalid\n\tHostName %s.invalid\n' "$(printf 'x%.0s' $(seq 70))" >"$T/ssh_config"
"$BIN" -F "$T/ssh_config" --json -i 0.2 -c 2 -n local,nosuchhost.invalid >"$T/json2" 2>/dev/null
python3 - "$T/json2" <<'PY' && ok "unreachable node: null metrics" || bad "unreachable node: null metrics"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
n = [l for l in lines if l["type"] == "node" and l["node"] == "nosuchhost.invalid"]
assert n, lines
for x in n:
    assert x["state"] != "up" and x["cpu"] is None and x["verdict"] == "unknown", x
PY

# --once: exactly one block with a full delta; stdout not a tty -> batch
"$BIN" --once >"$T/once" 2>&1
[ "$(grep -c '^doptop ' "$T/once")" -eq 1 ] && grep -q '^local ' "$T/once" && ok "--once" || bad "--once: $(cat "$T/once")"
"$BIN" -c 1 -i 0.2 >"$T/pipe" 2>&1 </dev/null
grep -q '^NODE ' "$T/pipe" && ok "not a terminal -> batch" || bad "not a terminal -> batch"

# the config file fills in what the command line leaves unset; bad -> exit 2
mkdir -p "$T/xdg/doptop"
printf '# mine\ninterval = 0.3\nnodes = local,cfgnode-01..02\n' >"$T/xdg/doptop/config"
XDG_CONFIG_HOME="$T/xdg" "$BIN" --list-nodes | tr '\n' ' ' | grep -qx 'local cfgnode-01 cfgnode-02 ' && ok "config: nodes" || bad "config: nodes"
XDG_CONFIG_HOME="$T/xdg" "$BIN" --list-nodes -n other | grep -qx other && ok "config: --nodes wins" || bad "config: --nodes wins"
XDG_CONFIG_HOME="$T/xdg" "$BIN" --json -c 3 -n local | python3 -c '
import json, sys
ts = [json.loads(l)["t"] for l in sys.stdin if "\"type\":\"node\"" in l]
d = [b - a for a, b in zip(ts, ts[1:])]
assert len(d) == 2 and all(abs(x - 0.3) < 0.01 for x in d), d
' && ok "config: interval" || bad "config: interval"
printf 'interval = fast\n' >"$T/xdg/doptop/config"
expect_err_env() { XDG_CONFIG_HOME="$T/xdg" "$BIN" --once >/dev/null 2>"$T/err"; }
expect_err_env; rc=$?
[ $rc -eq 2 ] && grep -q "config line 1" "$T/err" && [ "$(wc -l <"$T/err")" -eq 1 ] && ok "config: bad value -> exit 2" || bad "config: bad value rc=$rc $(cat "$T/err")"

# One validation policy (issue 13): every bad value exits 2 with one line,
# in every mode; the config file too.
expect_err 2 "bad --theme 'nope'.*themes: default" --theme nope --once
expect_err 2 "bad --theme 'nope'" --theme nope --json -c 1
expect_err 2 "need --done" --total 100 --once
expect_err 2 "need --done" --todo /tmp --once
expect_err 2 "need --done" --stall-after 5 --once
expect_err 2 "did you mean --total?" --totl 5
expect_err 2 "did you mean --interval?" --intervall=2
expect_err 2 "ambiguous: --record or --record-max or --recursive" --rec
expect_err 2 "doptop --help lists" --xyzzy
expect_err 2 "does not exist, nor its parent" --done "$T/no/such/out" --once
expect_err 2 "is not a directory" --done /etc/hostname --once
expect_err 2 "bad --nodes.*numbers and A-B" --list-nodes -n 'n[1-x]'
"$BIN" --list-nodes -n 'adhoc-preemptible-[000-002],n[7,9-10]' | tr '\n' ' ' >"$T/br"
[ "$(cat "$T/br")" = "adhoc-preemptible-000 adhoc-preemptible-001 adhoc-preemptible-002 n7 n9 n10 " ] \
	&& ok "pdsh bracket ranges" || bad "pdsh bracket ranges: $(cat "$T/br")"
mkdir -p "$T/xdg2/doptop"
for cfg in 'columns = name,foo' 'theme = nope' 'interval = 0'; do
	printf '%s\n' "$cfg" >"$T/xdg2/doptop/config"
	for mode in --once --json "--replay $T/none.rec"; do
		XDG_CONFIG_HOME="$T/xdg2" "$BIN" $mode -c 1 >/dev/null 2>"$T/err"; rc=$?
		[ $rc -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "$T/xdg2/doptop/config" "$T/err" \
			&& ok "config '$cfg' $mode: exit 2: $(cat "$T/err")" || bad "config '$cfg' $mode: rc=$rc $(cat "$T/err")"
	done
done
# a --done-glob that matches nothing says so; the path is named on errors
mkdir "$T/glob"; : >"$T/glob/a.txt"; : >"$T/glob/b.txt"
"$BIN" --done "$T/glob" --done-glob '*.jpg' --json -i 0.3 -c 2 | grep '"type":"progress"' | tail -n 1 >"$T/g.json"
grep -q '"message":"no file matches --done-glob (2 other files there)"' "$T/g.json" \
	&& ok "glob matching nothing: hint" || bad "glob hint: $(cat "$T/g.json")"
"$BIN" --done "$T/later" --total 9 --json -i 0.3 -c 2 2>/dev/null | grep '"type":"progress"' | tail -n 1 >"$T/m.json"
grep -q "\"error\":\"cannot count '$T/later': directory does not exist\"" "$T/m.json" && grep -q '"total":9' "$T/m.json" \
	&& ok "missing directory: path named, total kept" || bad "missing directory: $(cat "$T/m.json")"
# permission denied keeps the total and says so (run as nobody: root reads anything)
nobody() { env HOME="$T" XDG_CONFIG_HOME="$T" setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
chmod 711 "$T"
if command -v setpriv >/dev/null && nobody "$BIN" --version >/dev/null 2>&1; then
	mkdir "$T/locked"; chmod 000 "$T/locked"
	nobody "$BIN" --done "$T/locked" --total 50 --json -i 0.3 -c 2 \
		2>/dev/null | grep '"type":"progress"' | tail -n 1 >"$T/p.json"
	grep -q '"total":50' "$T/p.json" && grep -qi 'permission denied' "$T/p.json" \
		&& ok "permission denied: total kept, said" || bad "permission denied: $(cat "$T/p.json")"
	chmod 700 "$T/locked"
else
	echo "skip - permission denied (no setpriv, or the binary is not readable as nobody)"
fi
# --once / --count: exit 3 (one line on stderr) when a node is not up or
# the job stalled at the end; 0 when all is well
"$BIN" --once >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 0 ] && ok "--once all up: 0" || bad "--once all up: rc=$rc $(cat "$T/err")"
# (the ssh_config above gives *.invalid a HostName the resolver refuses
# without a DNS query)
"$BIN" -F "$T/ssh_config" --once -n local,nohost.invalid >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 3 ] && grep -q "1 of 2 nodes not up at the end (nohost.invalid " "$T/err" \
	&& ok "--once with a node down: 3: $(cat "$T/err")" || bad "--once node down: rc=$rc $(cat "$T/err")"
mkdir "$T/still"
"$BIN" --done "$T/still" --stall-after 1 -b -i 0.5 -c 5 >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 3 ] && grep -q "the job is stalled" "$T/err" \
	&& ok "--count with a stalled job: 3" || bad "--count stalled: rc=$rc $(cat "$T/err")"

# SIGTERM ends a batch run promptly with exit 0
. "$(dirname "$0")/lib/wait.sh"
"$BIN" -b -i 0.2 >"$T/batch" 2>&1 &
pid=$!
batch_row() { grep -q '^local ' "$T/batch"; }
wait_for 20 "a batch row" batch_row
kill -TERM $pid
i=0; while kill -0 $pid 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 $pid 2>/dev/null; then kill -9 $pid; bad "SIGTERM"; else wait $pid; [ $? -eq 0 ] && ok "SIGTERM" || bad "SIGTERM rc"; fi

echo "it_cli: $fails failed"
[ "$fails" -eq 0 ]
