#!/bin/sh
# it_loop.sh — the one loop: local failures end with one line and exit 1
# (a write error on stdout, a full disk under --record); stdin at its end
# under a terminal does not spin; a replay with implausible or backward
# stamps always ends.
set -u
BIN=${DOPTOP_BIN:-./build/dbg/doptop}
T=$(mktemp -d /tmp/doptop-loop.XXXXXX)
SESS=loop_it_$$
cleanup() {
	tmux kill-session -t "$SESS" 2>/dev/null
	mountpoint -q "$T/full" 2>/dev/null && umount "$T/full"
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
fails=0
ok()   { echo "ok   - $1"; }
bad()  { echo "FAIL - $1"; fails=$((fails + 1)); }
skip() { echo "skip - $1"; }

# --- a write error on stdout: one line, exit 1 -----------------------------
for mode in --json --batch; do
	"$BIN" $mode -i 0.1 -c 3 >/dev/full 2>"$T/err"; rc=$?
	if [ $rc -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
	   grep -q "^doptop: write error on standard output: No space left on device" "$T/err"; then
		ok "$mode >/dev/full: exit 1, '$(cat "$T/err")'"
	else
		bad "$mode >/dev/full: rc=$rc err='$(cat "$T/err")'"
	fi
done
# a reader that goes away is no failure: the output was taken as far as wanted
"$BIN" --json -i 0.1 -c 50 2>"$T/err" | head -n 1 >/dev/null
[ ! -s "$T/err" ] && ok "--json | head: quiet" || bad "--json | head: '$(cat "$T/err")'"

# --- a full disk under --record: one line, exit 1 ---------------------------
mkdir "$T/full"
if mount -t tmpfs -o size=8k loop_it_full "$T/full" 2>/dev/null; then
	"$BIN" --record "$T/full/r.rec" --json -i 0.1 -c 900 >/dev/null 2>"$T/err"; rc=$?
	if [ $rc -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
	   grep -q "^doptop: cannot write the recording '.*': No space left on device" "$T/err"; then
		ok "--record on a full disk: exit 1, '$(cat "$T/err")'"
	else
		bad "--record on a full disk: rc=$rc err='$(cat "$T/err")' size=$(wc -c <"$T/full/r.rec")"
	fi
	umount "$T/full"
else
	skip "--record on a full disk: cannot mount a tmpfs here (not root?)"
fi

# --- stdin at its end under a terminal: the loop sleeps ---------------------
if command -v tmux >/dev/null 2>&1; then
	tmux new-session -d -s "$SESS" -x 150 -y 40 "exec $BIN -i 1 </dev/null"
	pid=$(tmux list-panes -t "$SESS" -F '#{pane_pid}' 2>/dev/null)
	up=0
	for _ in $(seq 100); do      # wait (<= 10 s) for the first screen
		tmux capture-pane -p -t "$SESS" 2>/dev/null | grep -q "doptop" && { up=1; break; }
		sleep 0.1
	done
	if [ "$up" -eq 1 ] && [ -n "$pid" ] && [ -r "/proc/$pid/stat" ]; then
		tk=$(getconf CLK_TCK)
		a=$(awk '{print $14 + $15}' "/proc/$pid/stat")
		s0=$(date +%s.%N)
		sleep 3                  # a measuring window, not a wait
		b=$(awk '{print $14 + $15}' "/proc/$pid/stat")
		s1=$(date +%s.%N)
		pct=$(python3 -c "print(round(100 * ($b - $a) / $tk / ($s1 - $s0)))")
		[ "$pct" -lt 25 ] && ok "stdin at EOF, terminal on stdout: ${pct}% of a core" ||
			bad "stdin at EOF, terminal on stdout: ${pct}% of a core (spins)"
	else
		bad "stdin at EOF: the screen never came up"
	fi
	tmux kill-session -t "$SESS" 2>/dev/null
else
	skip "stdin at EOF: no tmux"
fi

# --- replay: implausible and backward stamps --------------------------------
frame() {   # frame SEQ: a minimal valid probe frame
	printf '@@DOPTOP 1 %s 5.0 bash\n%%stat\ncpu  %s 0 100 1000 0 0 0 0\ncpu0  %s 0 100 1000 0 0 0 0\nbtime 1700000000\n@@END %s\n' \
		"$1" "$((100 * $1))" "$((100 * $1))" "$1"
}
record() {  # record STAMP...: one frame of node 0 per stamp
	printf '#doptop-record 1 version=0.1.0 interval=1.000000 nodes=n1\n'
	k=1
	for t in "$@"; do
		f=$(frame $k)
		printf 'F 0 %s %d\n%s\n' "$t" $(( ${#f} + 1 )) "$f"
		k=$((k + 1))
	done
}
record 1000.0 1001.0 100000000000000000000.0 1003.0 >"$T/far.rec"
timeout 20 "$BIN" --replay "$T/far.rec" --speed 0 --json >"$T/o.json" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "corrupt" "$T/err" && [ "$(wc -l <"$T/err")" -eq 1 ] &&
	ok "a frame stamped 1e20 is corrupt: '$(cat "$T/err")'" ||
	bad "a frame stamped 1e20: rc=$rc (124 = still running) err='$(cat "$T/err")'"
record 1000.0 1001.0 1002.0 500.0 1.0 1003.0 1004.0 >"$T/back.rec"
timeout 20 "$BIN" --replay "$T/back.rec" --speed 0 --json >"$T/o.json" 2>"$T/err"; rc=$?
n=$(grep -c '"type":"node"' "$T/o.json")
[ $rc -eq 0 ] && [ "$n" -ge 3 ] && [ "$n" -le 6 ] &&
	ok "backward stamps: the replay advances ($n blocks)" ||
	bad "backward stamps: rc=$rc blocks=$n err='$(cat "$T/err")'"
record 1000.0 1001.0 253402300000.0 253402300001.0 >"$T/gap.rec"
timeout 20 "$BIN" --replay "$T/gap.rec" --speed 0 --json >"$T/o.json" 2>"$T/err"; rc=$?
n=$(grep -c '"type":"node"' "$T/o.json")
[ $rc -eq 0 ] && [ "$n" -le 16 ] &&
	ok "a gap of 8,000 years: jumped ($n blocks)" || bad "gap: rc=$rc blocks=$n err='$(cat "$T/err")'"

echo "it_loop: $fails failed"
[ "$fails" -eq 0 ]
