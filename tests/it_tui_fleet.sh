#!/bin/sh
# it_tui_fleet.sh — the screen a user trusts at a glance, in a real tmux:
# the job line's states (running, amber no new files, finished), and the
# fleet-scale and htop-habit keys.  Waits on pane content, never sleeps
# blind.
set -u
BIN=$(readlink -f "${DOPTOP_BIN:-./build/dbg/doptop}")
HERE=$(cd "$(dirname "$0")" && pwd)
GEN="$HERE/it_progress_gen.py"
. "$HERE/lib/tmux.sh"
E=$(printf '\033')

# 1. the job line: rate and "last file" while files come, amber NO NEW
# FILES (no ETA) when they stop, long before STALLED
mkdir "$T/out"
python3 "$GEN" "$T/out" --schedule 40:5,0:60 >/dev/null &
gen=$!
session 160 20 "TERM=screen-256color $BIN -i 0.5 --done $T/out --total 100000; echo EXIT=\$?; sleep 30"
wait_for 'files/s (avg' 10 && grep -q 'last file [0-9]*s ago' "$T/pane" && grep -q 'ETA ' "$T/pane" \
	&& ok "job line: rate, ETA, last file" || bad "job line running: $(grep done "$T/pane")"
wait_for 'NO NEW FILES' 20 && ok "amber NO NEW FILES after the files stop" || bad "no NO NEW FILES: $(grep done "$T/pane")"
grep 'NO NEW FILES' "$T/pane" | grep -q 'ETA' && bad "ETA shown while no files come" || ok "no ETA while no files come"
grep -q STALLED "$T/pane" && bad "STALLED too early" || ok "not STALLED yet"
# the state's words carry the theme's amber (state_stale: yellow, SGR 33 or 38;5;1x/2xx)
pane_esc | grep 'NO NEW FILES' | grep -q "$E\[[0-9;]*\(33\|38;5;\(3\|11\|178\|214\|220\|226\)\)[0-9;]*m[^$E]*NO NEW FILES" \
	&& ok "NO NEW FILES in amber" || bad "NO NEW FILES colour: $(pane_esc | grep 'NO NEW' | od -c | head -5)"
keys q
wait_for 'EXIT=0' 5 || bad "q after job line"
kill $gen 2>/dev/null; wait $gen 2>/dev/null

# 2. finished: the clock stops, "FINISHED hh:mm:ss in Ns, avg X/s"
mkdir "$T/fin"
python3 "$GEN" "$T/fin" --schedule 0:1,50:2 >/dev/null &
gen=$!
session 160 20 "TERM=screen-256color $BIN -i 0.5 --done $T/fin --total 100; echo EXIT=\$?; sleep 30"
wait_for 'FINISHED [0-9][0-9]:[0-9][0-9]:[0-9][0-9] in [0-9]*s, avg [0-9.]*/s' 15 \
	&& ok "FINISHED with time, duration and average" || bad "finished: $(grep done "$T/pane")"
line1=$(grep -o 'FINISHED.*' "$T/pane")
wait_for 'counted\|files/s (avg' 2 && bad "finished line still ticking: $(grep done "$T/pane")" || ok "finished line stops its clock"
[ "$(grep -o 'FINISHED.*' "$T/pane")" = "$line1" ] && ok "finished line unchanged" || bad "finished line changed"
keys q
wait_for 'EXIT=0' 5 || bad "q after finished"
wait $gen 2>/dev/null

echo "it_tui_fleet: $fails failed"
[ "$fails" -eq 0 ]
