#!/bin/sh
# it_docs.sh — the docs cannot drift from the code: the verdict thresholds
# in README.md and docs/doptop.1 are checked against `doptop --thresholds`
# (the table in src/classify.c), and every field of every JSON line the
# program writes must be documented in both.
set -u
BIN=$(readlink -f "${DOPTOP_BIN:-./build/dbg/doptop}")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/doptop-docs.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
fails=0
ok()  { echo "ok   - $1"; }
bad() { echo "FAIL - $1"; fails=$((fails + 1)); }

"$BIN" --thresholds >"$T/th" || bad "--thresholds exit $?"

# 1. the thresholds list, verbatim, in both documents
python3 - "$T/th" "$ROOT/README.md" "$ROOT/docs/doptop.1" <<'PY' && ok "thresholds list in README and man page" || bad "thresholds list"
import sys
th = open(sys.argv[1]).read().splitlines()
readme = open(sys.argv[2]).read()
man = open(sys.argv[3]).read()
block_md = "".join("    " + l + "\n" for l in th)
block_man = "".join(l.replace("\\", "\\\\") + "\n" for l in th)
bad = []
if block_md not in readme:
    bad.append("README.md: the indented `doptop --thresholds` block differs from the program")
if ".ft CR\n" + block_man + ".ft R\n" not in man:
    bad.append("docs/doptop.1: the .nf/.ft CR block under VERDICTS differs from the program")
for b in bad:
    print(b + " (paste the output of `doptop --thresholds`)")
sys.exit(1 if bad else 0)
PY

# 2. the numbers the man page's prose quotes are the table's
python3 - "$T/th" "$ROOT/docs/doptop.1" <<'PY' && ok "thresholds in the man page prose" || bad "thresholds in the prose"
import re, sys
t = {l.split()[0]: float(l.split()[1]) for l in open(sys.argv[1])}
man = re.sub(r"\s+", " ", open(sys.argv[2]).read())
g = lambda k: "%g" % t[k]
phrases = [
    "Busy %s%% or more (%s%% to stay)" % (g("full_enter"), g("full_stay")),
    "system time is %s%% or more of busy time (%s%% to stay" % (g("sys_share_enter"), g("sys_share_stay")),
    "%s or more process creations per second per core" % g("fork_per_core"),
    "{:,.0f} or more context switches per second per core".format(t["ipc_ctxt_per_core"]),
    "pressure %s%% or more and a system share of %s%% or more" % (g("ipc_psi_cpu"), g("ipc_sys_share")),
    "steals %s%% or more" % g("steal"),
    "pressure %s%% or more, or heavy swap" % g("psi_mem"),
    "iowait %s%% or more, I/O pressure %s%% or more" % (g("iowait_enter"), g("psi_io_enter")),
    "Less than %s core busy and at most %s%%" % (g("idle_cores"), g("idle_busy")),
]
miss = [p for p in phrases if p not in man]
for p in miss:
    print("docs/doptop.1 (VERDICTS) should say: '%s' (from `doptop --thresholds`)" % p)
sys.exit(1 if miss else 0)
PY

# 3. every JSON field the program writes is documented in README.md and
# docs/doptop.1: node, cluster, progress and event lines from a run with a
# job, a node that is up and one that is not
mkdir "$T/out"
python3 "$ROOT/tests/it_progress_gen.py" "$T/out" 20 2 >/dev/null &
gen=$!
# nohost.invalid: its HostName has a 70-byte label, which the resolver
# refuses without a DNS query
printf 'Host *.invalid\n\tHostName %s.invalid\n' "$(printf 'x%.0s' $(seq 70))" >"$T/ssh_config"
"$BIN" -F "$T/ssh_config" --json -i 0.5 -c 6 -n local,nohost.invalid --done "$T/out" --total 30 --stall-after 1 \
	--job-cmd doptop --inputs "$T/out" \
	>"$T/run.json" 2>/dev/null
wait $gen
python3 - "$T/run.json" "$ROOT/README.md" "$ROOT/docs/doptop.1" <<'PY' && ok "every JSON field documented" || bad "undocumented JSON fields"
import json, re, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
readme = open(sys.argv[2]).read()
man = open(sys.argv[3]).read()
md = readme[readme.index("### JSON lines"):]
mn = man[man.index(".SH JSON LINES"):]
types = sorted({l["type"] for l in lines})
assert {"node", "cluster", "progress"} <= set(types), types
fields = {}
for l in lines:
    for k, v in l.items():
        fields.setdefault((l["type"], k), None)
        if isinstance(v, dict):
            for k2 in v:
                fields.setdefault((l["type"], k + "." + k2), None)
def in_md(name):
    return re.search(r"[`\"]%s[`\"]" % re.escape(name), md) is not None
def in_man(name):
    return re.search(r"(\\fB%s\\fR|\"%s\"|\.BR? %s\b|\b%s\b)" % ((re.escape(name),) * 4), mn) is not None
bad = 0
for (ty, path) in sorted(fields):
    name = path.split(".")[-1]
    where = [w for w, f in (("README.md (### JSON lines)", in_md), ("docs/doptop.1 (.SH JSON LINES)", in_man)) if not f(name)]
    if where:
        bad += 1
        print('JSON field "%s" of {"type":"%s"} lines is not documented: describe it in %s'
              % (path, ty, " and ".join(where)))
print("%d fields in %s lines checked" % (len(fields), ", ".join(types)))
sys.exit(1 if bad else 0)
PY

echo "it_docs: $fails failed"
[ "$fails" -eq 0 ]
