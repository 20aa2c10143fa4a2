#!/bin/sh
# it_replay_tui.sh — replay navigation on the real screen in a real tmux:
# the position marker, pause, step forward and back (a step back rebuilds
# exactly the picture seen before), speed, go to a start, a percent and the
# end, "end of recording" without exiting until q; an old gzip recording
# steps back too; a recording piped in takes keys from the terminal.
set -u
BIN=$(readlink -f "${DOPTOP_BIN:-./build/dbg/doptop}")
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/doptop-replay-tui.XXXXXX)
. "$HERE/lib/wait.sh"
WAIT_PANE="$T/pane"
SOCK="doptop-replay-tui-$$"
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
fails=0
ok()  { echo "ok   - $1"; }
bad() { echo "FAIL - $1"; fails=$((fails + 1)); }
has() { wait_pane "$SOCK" t "${2:-20}" "$1"; }
keys() { tm send-keys -t t "$@"; }
# pct: the percent the position marker shows now
pct() { tm capture-pane -p -t t | sed -n '1s/^doptop replay [0-9:]* \/ [0-9:]*, \([0-9]*\)%.*/\1/p'; }
pct_is_not() { _p=$(pct); [ -n "$_p" ] && [ "$_p" != "$1" ]; }
# step KEY: press KEY, wait until the marker's percent moved; prints it
step() {
	_from=$(pct)
	keys "$1"
	wait_for 20 "the position to move from $_from%" pct_is_not "$_from" || return 1
	pct
}

# 30 intervals of this machine, 0.2 s apart (6 s)
"$BIN" -n local -i 0.2 -c 30 --json --record "$T/r.rec" >"$T/live.json" 2>"$T/err" ||
	{ echo "FAIL - recording: $(cat "$T/err")"; exit 1; }

tm new-session -d -s t -x 160 -y 30 \
	"TERM=screen-256color LANG=C.UTF-8 $BIN --replay $T/r.rec 2>$T/stderr; echo doptop-exit=\$?; sleep 60"
has '^doptop replay [0-9:]+ / [0-9:]+, [0-9]+%, x1  every 0.2s' &&
	ok "marker: $(sed -n 1p "$T/pane" | cut -c1-60)" || bad "no position marker: $(sed -n 1p "$T/pane")"
keys Space
has '^doptop replay .*, x1, paused' && ok "space pauses" || bad "space: $(sed -n 1p "$T/pane")"

# go to the start: the first interval
keys : s t a r t Enter
has '^doptop replay [0-9:]+ / [0-9:]+, [0-3]%, x1, paused' && ok "go to start" ||
	bad "start: $(sed -n 1p "$T/pane")"
p0=$(pct)
# four steps forward, one at a time
p=$p0
for i in 1 2 3 4; do
	q=$(step .) || { bad "step forward $i"; break; }
	[ "$q" -gt "$p" ] || bad "step $i went from $p% to $q%"
	p=$q
done
[ "$p" -gt "$p0" ] && ok "'.' steps forward ($p0% -> $p%)" || bad "steps forward"
tm capture-pane -p -t t | sed 1d >"$T/at5"
step . >/dev/null || bad "step to the 6th interval"
back=$(step ,) || bad "step back"
tm capture-pane -p -t t | sed 1d >"$T/back5"
[ "$back" = "$p" ] && ok "',' steps back ($back%)" || bad "back at $back%, want $p%"
if cmp -s "$T/at5" "$T/back5"; then
	ok "a step back rebuilds the same picture (rates, verdicts, graphs)"
else
	bad "the picture after a step back differs"; diff "$T/at5" "$T/back5" | head -6
fi

# speed
keys +
has '^doptop replay .*, x2, paused' && ok "+ speeds up to x2" || bad "+: $(sed -n 1p "$T/pane")"
keys - -
has '^doptop replay .*, x0.5, paused' && ok "- - slows down to x0.5" || bad "-: $(sed -n 1p "$T/pane")"

# a percent, typed from its first digit; then a bad one
keys 5 0 % Enter
has '^doptop replay [0-9:]+ / [0-9:]+, (4[6-9]|5[0-4])%, x0.5, paused' && ok "50% goes half way" ||
	bad "50%: $(sed -n 1p "$T/pane")"
keys : 9 9 x Enter
has 'go to: say 38%' && ok "a bad go-to says what it takes" || bad "bad go-to: $(tail -n 1 "$T/pane")"

# the end: marked, and doptop stays until q
keys : e n d Enter
has '^doptop replay [0-9:]+ / [0-9:]+, 100%, x0.5, end of recording' && ok "end of recording shown" ||
	bad "end: $(sed -n 1p "$T/pane")"
keys .
has 'at the end of the recording' && ok "no step past the end" || bad "step at the end: $(tail -n 1 "$T/pane")"
tm capture-pane -p -t t | grep -q doptop-exit && bad "exited at the end" || ok "still running at the end"
keys q
has 'doptop-exit=0' && ok "q exits 0" || bad "q: $(cat "$T/stderr")"

# a recording on standard input: keys come from the terminal
tm kill-server 2>/dev/null
wait_for 10 "the tmux server to go" sh -c "! tmux -L $SOCK -f /dev/null has-session 2>/dev/null"
tm new-session -d -s t -x 160 -y 30 \
	"cat $T/r.rec | TERM=screen-256color LANG=C.UTF-8 $BIN --replay - 2>$T/stderr; echo doptop-exit=\$?; sleep 60"
has '^doptop replay [0-9:]+ / [?], x1  every 0.2s' && ok "stdin: marker without an end" ||
	bad "stdin marker: $(sed -n 1p "$T/pane")"
keys ' '
has '^doptop replay .*, x1, paused' && ok "stdin: space pauses (keys from /dev/tty)" || bad "stdin space: $(sed -n 1p "$T/pane")"
keys q
has 'doptop-exit=0' && ok "stdin: q exits 0" || bad "stdin q: $(cat "$T/stderr")"

# an old recording (doptop 0.1, gzip): at its end, a step back
tm kill-server 2>/dev/null
wait_for 10 "the tmux server to go" sh -c "! tmux -L $SOCK -f /dev/null has-session 2>/dev/null"
tm new-session -d -s t -x 160 -y 30 \
	"TERM=screen-256color LANG=C.UTF-8 $BIN --replay $HERE/data/fleet.rec.gz --speed 0; sleep 60"
has ', 100%, max, end of recording' && ok "old gzip recording: end marked" || bad "gz end: $(sed -n 1p "$T/pane")"
keys ,
has ', 9[0-9]%, max, paused' && ok "old gzip recording: steps back ($(pct)%)" || bad "gz back: $(sed -n 1p "$T/pane")"

echo "it_replay_tui: $fails failed"
[ "$fails" -eq 0 ]
