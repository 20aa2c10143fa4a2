#!/bin/bash
# Measure every load (or the ones named) with measure.py: start it, settle
# SETTLE s, take SAMPLES 1-second samples, stop it; print one JSON line of
# medians per load, then a markdown table (the one in docs/measurements.md).
# Usage: measure_all.sh [LOAD...]   (default: all loads)
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
export LOAD_STATE="${LOAD_STATE:-/tmp/doptop-measure.$$}"
PY="${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}"
SETTLE="${SETTLE:-3}"
SAMPLES="${SAMPLES:-10}"
OUT="$(mktemp /tmp/doptop-measure.XXXXXX)" || exit 1
CURRENT=""
ALL="idle single cpu syscall fork ipc disk net netdirect mixed cachethrash memthrash"

# Stop the running load and remove temp files.
cleanup() {
	[ -n "$CURRENT" ] && "$HERE/$CURRENT.sh" stop >/dev/null 2>&1
	rm -f "$OUT"; rm -rf "$LOAD_STATE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# Print the busy % (100 - idle - iowait) of the whole machine over 1 s.
busy_now() {
	"$PY" "$HERE/measure.py" -n 1 --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["busy"])'
}

# Wait up to QUIET_WAIT s for a second with busy < 15% (the machine is shared).
wait_quiet() {
	local i b
	for i in $(seq "${QUIET_WAIT:-30}"); do
		b="$(busy_now)"
		"$PY" -c "import sys; sys.exit(0 if $b < 15 else 1)" && break
	done
	echo "$b"
}

for l in ${*:-$ALL}; do
	bg="$(wait_quiet)"
	CURRENT="$l"
	if "$HERE/$l.sh" start >&2; then
		sleep "$SETTLE"
		"$PY" "$HERE/measure.py" -n "$SAMPLES" --json --label "$l" |
			"$PY" -c 'import json,sys; r=json.load(sys.stdin); r["bg_busy"]=float(sys.argv[1]); print(json.dumps(r))' "$bg" |
			tee -a "$OUT"
	fi
	"$HERE/$l.sh" stop >&2
	CURRENT=""
	sleep 2
done
"$PY" - "$OUT" <<'PY'
import json, sys
cols = [("user", "user%"), ("system", "sys%"), ("iowait", "iowait%"),
        ("steal", "steal%"), ("idle", "idle%"), ("procs_running", "run"),
        ("procs_blocked", "blk"), ("forks_s", "forks/s"), ("ctxt_s", "ctxt/s"),
        ("disk_rd_Bps", "disk rd B/s"), ("disk_wr_Bps", "disk wr B/s"),
        ("disk_rios_s", "disk rd req/s"), ("disk_util", "util%"),
        ("net_rx_Bps", "net rx B/s"), ("net_tx_Bps", "net tx B/s"),
        ("psi_cpu_some", "cpu some%"), ("psi_io_some", "io some%"),
        ("psi_io_full", "io full%"), ("psi_memory_some", "mem some%"),
        ("psi_memory_full", "mem full%"), ("swpin_s", "swpin/s"),
        ("swpout_s", "swpout/s"), ("refault_s", "refault/s"),
        ("bg_busy", "busy before%")]
print("| load | " + " | ".join(c[1] for c in cols) + " |")
print("|---" * (len(cols) + 1) + "|")
for line in open(sys.argv[1]):
    r = json.loads(line)
    cells = []
    for k, _ in cols:
        v = r.get(k, "")
        cells.append(f"{v:.0f}" if isinstance(v, float) and abs(v) >= 100 else str(v))
    print(f"| {r['label']} | " + " | ".join(cells) + " |")
PY
