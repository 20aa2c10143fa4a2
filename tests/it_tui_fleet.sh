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

# 3. a fleet: the header counts each state, every row says why it is not
# up, long names are cut in the middle (the distinguishing digits stay).
# Nodes are real sshds on 127.0.0.1 (no name lookups): two up, one whose
# port refuses, one that goes down after being up.
. "$HERE/lib/sshd.sh"
sshd_init || exit 1
trap 'tm kill-server 2>/dev/null; rm -rf "$T"; sshd_cleanup' EXIT INT TERM
sshd_start fleet || exit 1
pid_a=$SSHD_PID
for n in 000 001; do sshd_add_host "adhoc-preemptible-$n.us-central1-a.example" "$SSHD_PORT"; done
sshd_start fleet2 || exit 1
pid_b=$SSHD_PID
sshd_add_host "adhoc-preemptible-002.us-central1-a.example" "$SSHD_PORT"
sshd_add_host "adhoc-preemptible-003.us-central1-a.example" 1
CFG="$SSHD_DIR/ssh_config"
mkdir -p "$T/xdg"
session 110 24 "LANG=C.UTF-8 XDG_CONFIG_HOME=$T/xdg TERM=screen-256color $BIN -F $CFG -i 0.5 -n 'adhoc-preemptible-[000-003].us-central1-a.example'; echo EXIT=\$?; sleep 30"
wait_for '3 up · 1 down' 20 && ok "header counts each state: $(grep -o '[0-9] up.*down' "$T/pane")" \
	|| bad "header counts: $(head -n 1 "$T/pane")"
grep -q '^adhoc-pre[^ ]*…[^ ]*-003[^ ]* *down.*\(connect to 127.0.0.1 port 1\|retry in\)' "$T/pane" && ok "row says why, name cut in the middle" \
	|| bad "row reason / name: $(cat "$T/pane")"
# a down node counts down to its next attempt; R retries it now
wait_for '003.*retry in [0-9ms]* (R: now)  connect to 127' 20 \
	&& ok "countdown to the next retry" || bad "retry countdown: $(grep 003 "$T/pane")"
keys End R
wait_for 'retrying now' 5 && ok "R retries the selected node now" || bad "R: $(tail -n 1 "$T/pane")"
keys Home R
wait_for 'R: this node is not waiting to retry' 5 && ok "R on an up node says so" || bad "R on up: $(tail -n 1 "$T/pane")"
# let the node show figures (a history) before it goes down
wait_gone ' unknown$' 20 || bad "nodes without a verdict: $(cat "$T/pane")"
sshd_stop "$pid_b"
wait_for '2 up · 1 down · 1 \|2 up · 2 down' 20 && ok "header follows a node going down" || bad "after stop: $(head -n 1 "$T/pane")"
keys End Up
wait_for '^adhoc.*002.*: \(down\|stale\)' 10 || bad "select the stopped node: $(tail -n 1 "$T/pane")"
keys Enter
wait_for 'NO DATA NOW: the graphs and processes below are from when the node was last up' 10 \
	&& ok "detail of a down node says its data is old" || bad "down detail: $(head -n 4 "$T/pane")"
keys Escape
# 4. help: every column with its unit and meaning, colour swatches, the theme
keys h
wait_for '^Colours' 5 && ok "help: colours" || bad "help colours: $(cat "$T/pane")"
# scroll down until the legend's RD B/s and PSIO% rows show (however long
# the key list above them is), at most 30 lines
legend_shown() { wait_for 'RD B/s *disk bytes read per second' 2 && grep -q 'PSIO% *I/O pressure' "$T/pane"; }
keys PageDown
downs=0; while ! legend_shown && [ $downs -lt 20 ]; do keys Down; downs=$((downs + 1)); done
legend_shown && ok "help scrolls to the column legend" || bad "help legend: $(cat "$T/pane")"
keys x
# 5. keys: unknown key hint, theme named, + / - interval, column chooser, W saves
keys Z
wait_for 'unknown key Z - h for help' 5 && ok "unknown key hint" || bad "unknown key: $(tail -n 1 "$T/pane")"
keys t
wait_for 'theme [a-z-]* ([0-9] of [0-9]; t for the next)' 5 && ok "t names the theme" || bad "t: $(tail -n 1 "$T/pane")"
keys +
wait_for 'every 1.0s' 5 && wait_for 'interval 1s$' 5 && ok "+ lengthens the interval, every node follows" || bad "+: $(head -n 1 "$T/pane"); $(tail -n 1 "$T/pane")"
# every key counts: two presses in one write (one read), then two in two
# writes at once (two reads before the next redraw: a redraw from the
# loop's old view used to set the screen back, and the second press
# stepped from the old interval again)
keys -l -- --
wait_for 'every 0.2s' 5 && ok "-- in one go steps twice" || bad "--: $(head -n 1 "$T/pane")"
keys +; keys +
wait_for 'every 1.0s' 5 && ok "+ + in two quick writes steps twice" || bad "+ +: $(head -n 1 "$T/pane")"
keys c
wait_for '^Columns - Up/Down move' 5 && ok "c opens the column chooser" || bad "c: $(head -n 1 "$T/pane")"
keys Down Down Down Space Enter
wait_for '^NODE .*SYS%' 5 && ! grep -q 'USR%' "$T/pane" && ok "chooser hides USR%" || bad "chooser: $(grep '^NODE' "$T/pane")"
keys S
wait_for 'sort verdict' 5 && ok "S goes back to the last sort column" || bad "S: $(head -n 1 "$T/pane")"
keys s s s W
wait_for 'view saved to' 5 && grep -q '^sort = state$' "$T/xdg/doptop/config" && grep -q '^columns = name,state,busy,system' "$T/xdg/doptop/config" \
	&& ok "W saves the view" || bad "W: $(cat "$T/xdg/doptop/config" 2>&1)"
keys q
wait_for 'EXIT=0' 5 || bad "q after fleet"
session 110 24 "LANG=C.UTF-8 XDG_CONFIG_HOME=$T/xdg TERM=screen-256color $BIN -F $CFG -i 0.5 -n 'adhoc-preemptible-[000-001].us-central1-a.example'; echo EXIT=\$?; sleep 30"
wait_for 'sort state' 15 && grep '^NODE' "$T/pane" | grep -qv 'USR%' && ok "the saved view comes back" || bad "saved view: $(head -n 5 "$T/pane")"
# quit once both are up (quitting mid-handshake is it_handshake's subject)
wait_for '2 up' 15
keys q
wait_for 'EXIT=0' 5 || bad "q after saved view: $(cat "$T/pane")"

# 6. an unknown host key is its own state (not a mismatch): counted in the
# header, its row gives the reason with the fix, the filter finds it
sshd_add_host stranger-005 "$(sed -n 's/^\[127.0.0.1\]:\([0-9]*\) .*/\1/p' "$SSHD_DIR/known_hosts" | head -n 1)" \
	'HostKeyAlias stranger-005.example'
session 200 12 "LANG=C.UTF-8 XDG_CONFIG_HOME=$T/xdg2 TERM=screen-256color $BIN -F $CFG -i 0.5 -n 'adhoc-preemptible-000.us-central1-a.example,stranger-005'; echo EXIT=\$?; sleep 30"
wait_for '1 up · 1 hostkey-unknown' 20 && ok "header counts hostkey-unknown" || bad "hostkey-unknown header: $(head -n 1 "$T/pane")"
grep -q '^stranger-005 *hostkey-unknown.*unknown host key for stranger-005.example: use --accept-new' "$T/pane" \
	&& ok "hostkey-unknown row: the fix first" || bad "hostkey-unknown row: $(grep stranger "$T/pane")"
keys / h o s t k e y - u Enter
wait_gone '^adhoc-' 5 && grep -q '^stranger-005' "$T/pane" && ok "filter finds hostkey-unknown" || bad "filter hostkey-u: $(cat "$T/pane")"
keys End
wait_for 'SHA256:' 5 && ok "the footer shows the fingerprint of the selected row" || bad "hostkey-unknown footer: $(tail -n 2 "$T/pane")"
# on a narrow terminal the long reason wraps onto more footer lines, whole
# (it was cut at the width, fingerprint and all)
fp=$(ssh-keygen -lf "$SSHD_DIR/host_ed25519.pub" -E sha256 | awk '{print $2}')
foot_whole() { tm capture-pane -p -t t | tail -n 3 | tr -d '\n ' | grep -qF "key$fp"; }
tm resize-window -t t -x 80 -y 12
i=0; until foot_whole || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
foot_whole && ok "a long reason wraps whole at 80 columns" || bad "footer at 80 columns: $(tm capture-pane -p -t t | tail -n 3)"
keys Escape
keys q
wait_for 'EXIT=0' 5 || bad "q after hostkey-unknown: $(cat "$T/pane")"

echo "it_tui_fleet: $fails failed"
[ "$fails" -eq 0 ]
