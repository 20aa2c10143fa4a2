#!/bin/bash
# tests/make_recordings.sh — regenerate tests/data/fleet.rec.gz, the recorded
# session that `make screenshots` replays (and tests may replay).
#
# Six throw-away sshds on 127.0.0.1 (tests/lib/sshd.sh) stand for the nodes
# adhoc-preemptible-000..005, plus `local`.  They are all this machine, so
# every node shows the same numbers; the story is told over time instead:
#
#   0..14 s   stress-ng --cpu on every core        (cpu-bound)
#   14..28 s  one `dd bs=1` per core               (syscall-heavy)
#   12 s      adhoc-preemptible-004's sshd killed   (stale, then down)
#   28..42 s  nothing                              (idle)
#
# at -i 1 for 42 intervals.  The file is stored gzipped (raw frames are
# ~8 KB each); tests/screenshots.sh unpacks it into a temp dir.
#
# Usage: tests/make_recordings.sh [OUT.rec.gz]   (run as root, from anywhere)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/tests/data/fleet.rec.gz}
BIN=${DOPTOP_BIN:-$ROOT/doptop}
NODES="adhoc-preemptible-000 adhoc-preemptible-001 adhoc-preemptible-002 adhoc-preemptible-003 adhoc-preemptible-004 adhoc-preemptible-005"
KILLED=adhoc-preemptible-004
COUNT=42

. "$ROOT/tests/lib/sshd.sh"
sshd_init || exit 1
# the loads keep their state in our own dir, apart from anyone else's
export LOAD_STATE="$SSHD_DIR/loads" LOAD_TIMEOUT=120
DOPTOP_PID=""
# Stop the loads and doptop (by pid), then the sshds and the temp dir.
cleanup() {
	"$ROOT/tests/loads/cpu.sh" stop >/dev/null 2>&1
	"$ROOT/tests/loads/syscall.sh" stop >/dev/null 2>&1
	[ -n "$DOPTOP_PID" ] && kill "$DOPTOP_PID" 2>/dev/null
	sshd_cleanup
}
trap cleanup EXIT

[ -x "$BIN" ] || { echo "make_recordings: $BIN missing (make doptop)" >&2; exit 1; }
command -v stress-ng >/dev/null || { echo "make_recordings: stress-ng missing" >&2; exit 1; }

killed_pid=""
for n in $NODES; do
	sshd_start "$n" || exit 1
	sshd_add_host "$n" "$SSHD_PORT"
	[ "$n" = "$KILLED" ] && killed_pid=$SSHD_PID
done

rec="$SSHD_DIR/fleet.rec"
"$BIN" -F "$SSHD_DIR/ssh_config" -n "adhoc-preemptible-000..005,local" -i 1 -c "$COUNT" \
	--record "$rec" --json >"$SSHD_DIR/out.json" 2>"$SSHD_DIR/err" &
DOPTOP_PID=$!

# the clock starts when every node has sent its first frame
for _ in $(seq 100); do
	grep -q '"type":"cluster".*"up":7,' "$SSHD_DIR/out.json" 2>/dev/null && break
	sleep 0.1
done

# Print a timestamped phase line.
phase() { echo "make_recordings: $(date +%T) $*"; }

phase "cpu load"
"$ROOT/tests/loads/cpu.sh" start || exit 1
sleep 12
phase "kill $KILLED"
sshd_stop "$killed_pid"
sleep 2
"$ROOT/tests/loads/cpu.sh" stop
phase "syscall load"
"$ROOT/tests/loads/syscall.sh" start || exit 1
sleep 14
"$ROOT/tests/loads/syscall.sh" stop
phase "idle"
wait "$DOPTOP_PID"
rc=$?
DOPTOP_PID=""
[ "$rc" -eq 0 ] || { echo "make_recordings: doptop exited $rc: $(cat "$SSHD_DIR/err")" >&2; exit 1; }

mkdir -p "$(dirname "$OUT")"
# stored as gzipped text, which tests/screenshots.sh cuts with Python
python3 "$ROOT/tests/lib/rec2text.py" "$rec" >"$rec.txt" || exit 1
gzip -9 -n -c "$rec.txt" >"$OUT" || exit 1
phase "wrote $OUT ($(wc -c <"$OUT") bytes, $(grep -a -c '^F ' "$rec.txt") frames)"
