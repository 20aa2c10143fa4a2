#!/bin/sh
# it_tui.sh — the real screen in a real tmux: rows, colours, resize, keys,
# tiny terminals, NO_COLOR, and q exits 0 with the terminal restored.
set -u
BIN=$(readlink -f "${DOPTOP_BIN:-./build/dbg/doptop}")
SOCK="doptop-tui-$$"
T=$(mktemp -d /tmp/doptop-tui.XXXXXX)
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$T"' EXIT INT TERM
fails=0
ok()  { echo "ok   - $1"; }
bad() { echo "FAIL - $1"; fails=$((fails + 1)); }

# wait_for PATTERN [SECONDS]: until the pane shows PATTERN
wait_for() {
	i=0; n=$(( ${2:-10} * 10 ))
	while [ $i -lt $n ]; do
		tm capture-pane -p -t t >"$T/pane" 2>/dev/null
		grep -q -- "$1" "$T/pane" && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
dead_status() { tm display -p -t t '#{pane_dead}:#{pane_dead_status}'; }

start() {  # start COLS ROWS ENV... -- ARGS
	cols=$1; rows=$2; shift 2
	tm kill-server 2>/dev/null
	tm new-session -d -s t -x "$cols" -y "$rows" "env TERM=screen-256color $* ; sleep 30"
	tm set -g remain-on-exit on >/dev/null
}

# 1. rows and colours
tm kill-server 2>/dev/null
tm new-session -d -s t -x 160 -y 30 -e ASAN_OPTIONS=detect_leaks=1 "TERM=screen-256color $BIN -i 0.3; echo EXIT=\$?; sleep 30"
wait_for '^local ' 10 && ok "node row drawn" || bad "node row drawn: $(cat "$T/pane")"
wait_for 'cpu-bound\|syscall-heavy\|io-starved\|underused\|idle' 10 && ok "verdict shown" || bad "verdict shown"
grep -q 'NODE' "$T/pane" && grep -q 'VERDICT' "$T/pane" && ok "column headers" || bad "column headers"
tm capture-pane -e -p -t t >"$T/esc"
# green (user) somewhere in a CPU bar or the verdict: SGR 32
grep -q "$(printf '\033')\[3[12]m" "$T/esc" && ok "colours present" || bad "colours present"

# 2. resize down to 40x10 and 20x5 and back: still alive, still drawing
for size in "40 10" "20 5" "160 30"; do
	set -- $size
	tm resize-window -t t -x "$1" -y "$2"
	sleep 0.6
	tm capture-pane -p -t t >"$T/pane"
	grep -q 'EXIT=' "$T/pane" && { bad "crashed at $1x$2: $(cat "$T/pane")"; break; }
	grep -q 'doptop' "$T/pane" && ok "draws at $1x$2" || bad "draws at $1x$2: $(cat "$T/pane")"
done
# resize storm
i=0; while [ $i -lt 30 ]; do tm resize-window -t t -x $((20 + i * 5)) -y $((5 + i)); i=$((i + 1)); done
sleep 0.5
tm capture-pane -p -t t | grep -q 'EXIT=' && bad "resize storm" || ok "resize storm"

# 3. help opens and closes; space freezes
tm resize-window -t t -x 160 -y 30
tm send-keys -t t h
wait_for 'keys' 3 && ok "help opens" || bad "help opens"
tm send-keys -t t x
wait_for '^local ' 3 && ok "help closes" || bad "help closes"
tm send-keys -t t ' '
wait_for 'FROZEN' 3 && ok "space freezes" || bad "space freezes"
tm send-keys -t t ' '

# 4. q quits with status 0 and restores the terminal (alt screen left)
tm send-keys -t t q
wait_for 'EXIT=0' 5 && ok "q exits 0" || bad "q exits 0: $(cat "$T/pane")"

# 5. NO_COLOR leaves no colour; mono CPU bar uses distinct characters
tm kill-server 2>/dev/null
tm new-session -d -s t -x 160 -y 20 "NO_COLOR=1 TERM=screen-256color $BIN -i 0.3; sleep 30"
wait_for '^local ' 10
sleep 0.8
tm capture-pane -e -p -t t >"$T/esc"
if grep -q "$(printf '\033')\[3[0-7]m\|$(printf '\033')\[38;5" "$T/esc"; then bad "NO_COLOR: colour found"; else ok "NO_COLOR: no colour"; fi
grep -Eq '\[[|#.~ ]+\]' "$T/esc" && ok "mono bar" || bad "mono bar"

# 6. SIGTERM restores the terminal and exits
tm kill-server 2>/dev/null
tm new-session -d -s t -x 100 -y 20 "TERM=screen-256color $BIN -i 0.3; echo EXIT=\$?; sleep 30"
wait_for '^local ' 10
pkill -TERM -f "^$BIN -i 0.3" 2>/dev/null
wait_for 'EXIT=0' 5 && ok "SIGTERM exits 0" || bad "SIGTERM exits 0: $(cat "$T/pane")"

echo "it_tui: $fails failed"
[ "$fails" -eq 0 ]
