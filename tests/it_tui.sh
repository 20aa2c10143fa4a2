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
# session COLS ROWS CMD: a fresh tmux server running CMD (kill-server
# returns before the old server is gone, so wait for it and retry).
session() {
	k=0
	while [ $k -lt 5 ]; do
		tm kill-server 2>/dev/null
		j=0; while tm has-session 2>/dev/null && [ $j -lt 20 ]; do sleep 0.1; j=$((j + 1)); done
		tm new-session -d -s t -x "$1" -y "$2" "$3" 2>/dev/null && sleep 0.2 &&
			tm has-session -t t 2>/dev/null && return 0
		sleep 0.3; k=$((k + 1))
	done
	echo "cannot start tmux"; return 1
}
# app_pid: the doptop process inside the pane (the pane runs a shell)
app_pid() { pgrep -P "$(tm display -p -t t '#{pane_pid}')" -f "$BIN" | head -1; }
dead_status() { tm display -p -t t '#{pane_dead}:#{pane_dead_status}'; }

start() {  # start COLS ROWS ENV... -- ARGS
	cols=$1; rows=$2; shift 2
		session "$cols" "$rows" "env TERM=screen-256color $* ; sleep 30"
	tm set -g remain-on-exit on >/dev/null
}

# 1. rows and colours
session 160 30 "env ASAN_OPTIONS=detect_leaks=1 TERM=screen-256color $BIN -i 0.3; echo EXIT=\$?; sleep 30"
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
session 160 20 "NO_COLOR=1 TERM=screen-256color $BIN -i 0.3; sleep 30"
wait_for '^local ' 10
sleep 0.8
tm capture-pane -e -p -t t >"$T/esc"
if grep -q "$(printf '\033')\[3[0-7]m\|$(printf '\033')\[38;5" "$T/esc"; then bad "NO_COLOR: colour found"; else ok "NO_COLOR: no colour"; fi
grep -Eq '\[[|#.~ ]+\]' "$T/esc" && ok "mono bar" || bad "mono bar"

# 6. SIGTERM restores the terminal and exits (signalled by PID)
session 100 20 "TERM=screen-256color $BIN -i 0.3; echo EXIT=\$?; sleep 30"
wait_for '^local ' 10
kill -TERM $(app_pid) 2>/dev/null
wait_for 'EXIT=0' 8 && ok "SIGTERM exits 0" || bad "SIGTERM exits 0: $(cat "$T/pane")"

# 7. several nodes without SSH: sort, reverse, filter, group, select, mouse
NODES="local,b-unreachable.invalid,a-unreachable.invalid"
session 160 30 "TERM=screen-256color $BIN -i 0.3 -n $NODES; echo EXIT=\$?; sleep 30"
wait_for '^a-unreachable' 10
# order ROWS...: the node rows, top to bottom, are exactly these
order() {
	want="$*"
	i=0
	while [ $i -lt 30 ]; do
		tm capture-pane -p -t t >"$T/pane"
		got=$(grep -Eo '^(local|[ab]-unreachable\.invalid) ' "$T/pane" | tr -d ' ' | tr '\n' ' ' | sed 's/ $//')
		[ "$got" = "$want" ] && return 0
		sleep 0.1; i=$((i + 1))
	done
	echo "   rows: '$got', wanted '$want'"
	return 1
}
order local b-unreachable.invalid a-unreachable.invalid && ok "given order" || bad "given order"
tm send-keys -t t s
order a-unreachable.invalid b-unreachable.invalid local && ok "s sorts by name" || bad "s sorts by name"
grep -q 'sort name asc' "$T/pane" && ok "sort shown" || bad "sort shown"
tm send-keys -t t r
order local b-unreachable.invalid a-unreachable.invalid && ok "r reverses" || bad "r reverses"
tm send-keys -t t r F6
# ties keep the given order
order local b-unreachable.invalid a-unreachable.invalid && ok "F6 sorts by state" || bad "F6 sorts by state"
tm send-keys -t t / a - u n r Enter
order a-unreachable.invalid && ok "filter by name" || bad "filter by name"
grep -q 'filter "a-unr"' "$T/pane" && ok "filter shown" || bad "filter shown"
tm send-keys -t t Escape
order local b-unreachable.invalid a-unreachable.invalid && ok "Esc clears the filter" || bad "Esc clears the filter"
tm send-keys -t t / u n r e a c h Enter
order b-unreachable.invalid a-unreachable.invalid && ok "filter by state" || bad "filter by state"
tm send-keys -t t Escape / u n k n o w n Enter
order b-unreachable.invalid a-unreachable.invalid && ok "filter by verdict" || bad "filter by verdict"
tm send-keys -t t Escape g
wait_for '^-- no verdict: 2 nodes --' 3 && ok "g groups by verdict" || bad "g groups by verdict: $(cat "$T/pane")"
tm send-keys -t t g
sleep 0.6; tm capture-pane -p -t t >"$T/pane"
grep -q '^-- ' "$T/pane" && bad "g ungroups" || ok "g ungroups"
# selection: footer names the selected node; End/Home/Down
tm send-keys -t t End
wait_for '^a-unreachable.invalid: unreachable' 3 && ok "End selects the last row" || bad "End: $(tail -1 "$T/pane")"
tm send-keys -t t Home Down
wait_for '^b-unreachable.invalid: unreachable' 3 && ok "Home, Down move" || bad "Home, Down: $(tail -1 "$T/pane")"
tm send-keys -t t Up
wait_for '^local: ' 3 && ok "Up moves" || bad "Up: $(tail -1 "$T/pane")"
# mouse (X10 encoding, what TERM=screen uses): row 3 is the column titles
click() { tm send-keys -t t -l "$(printf '\033[M %b%b\033[M#%b%b' "$1" "$2" "$1" "$2")"; }
click '!' '$'     # column 0 (NODE), row 3
order a-unreachable.invalid b-unreachable.invalid local && ok "click on NODE sorts by name" || bad "mouse sort"
click '!' '&'     # row 5: the second node row
wait_for '^b-unreachable.invalid: unreachable' 3 && ok "click selects a row" || bad "mouse select: $(tail -1 "$T/pane")"
# help by ? and F1
tm send-keys -t t '?'
wait_for 'doptop - keys' 3 && ok "? opens help" || bad "? opens help"
tm send-keys -t t Escape
wait_for '^local ' 3 && ok "help closes" || bad "help closes"
tm send-keys -t t F1
wait_for 'doptop - keys' 3 && ok "F1 opens help" || bad "F1 opens help"
tm send-keys -t t x
# themes: t changes the colour attributes on screen
sgr() { tm capture-pane -e -p -t t | grep -o "$(printf '\033')\[[0-9;]*m" | sort -u; }
sleep 0.5; sgr >"$T/sgr0"
tm send-keys -t t t
sleep 0.6; sgr >"$T/sgr1"
cmp -s "$T/sgr0" "$T/sgr1" && bad "t changes the colours" || ok "t changes the colours"
tm send-keys -t t h
wait_for 'theme: high-contrast' 3 && ok "theme named in help" || bad "theme named in help: $(cat "$T/pane")"
tm send-keys -t t x
# F10 quits
tm send-keys -t t F10
wait_for 'EXIT=0' 5 && ok "F10 exits 0" || bad "F10 exits 0"

# 8. detail view of local: per-core bars, graphs, why, processes
session 120 60 "TERM=screen-256color $BIN -i 0.3; echo EXIT=\$?; sleep 30"
wait_for '^local .*[0-9]' 10
tm send-keys -t t Enter
wait_for '^Cores' 3 && ok "Enter opens details" || bad "Enter opens details: $(cat "$T/pane")"
# let the frame finish drawing (a busy machine can catch it half way)
sleep 0.8; wait_for '^Why this verdict' 3
grep -Eq '^ +0 \[[|]* *\] *[0-9]+%' "$T/pane" && ok "per-core bars" || bad "per-core bars: $(grep -A2 '^Cores' "$T/pane")"
ncpu=$(getconf _NPROCESSORS_ONLN)
grep -Eq " +$((ncpu - 1)) \[" "$T/pane" && ok "a bar for each of $ncpu cores" || bad "last core bar"
grep -q '^Why this verdict' "$T/pane" && grep -q 'busy [0-9]*%' "$T/pane" && ok "why this verdict" || bad "why this verdict"
wait_for '^CPU history' 3 && ok "history graph" || bad "history graph"
if wait_for 'PID USER' 6; then
	grep -Eq '^ +[0-9]+ +[a-z]+ +[0-9.]+ ' "$T/pane" && ok "processes listed" || bad "processes listed"
elif grep -q 'fetching' "$T/pane"; then
	echo "skip - processes: this build's loop does not fetch them (see report)"
else
	bad "processes section"
fi
tm send-keys -t t Escape
wait_for '^NODE' 3 && ok "Esc leaves details" || bad "Esc leaves details"
tm send-keys -t t Enter
wait_for '^Cores' 3
tm send-keys -t t q
wait_for '^NODE' 3 && ok "q leaves details" || bad "q leaves details"
tm send-keys -t t q
wait_for 'EXIT=0' 5 && ok "q quits from the table" || bad "q quits from the table"

# 9. UTF-8 locale: block characters in the graphs; ASCII otherwise
if locale -a 2>/dev/null | grep -qi '^c.utf-\?8$'; then
		session 120 40 "LANG=C.UTF-8 TERM=screen-256color $BIN -i 0.2; sleep 30"
	wait_for '^local .*[0-9]' 10
	sleep 1.5
	tm send-keys -t t Enter
	sleep 0.5
	tm capture-pane -p -t t >"$T/pane"
	grep -q '[▁▂▃▄▅▆▇█]' "$T/pane" && ok "UTF-8 block graphs" || bad "UTF-8 block graphs"
fi

# 10. big terminal, --theme, NO_COLOR with t, a bad theme name
session 300 100 "TERM=screen-256color $BIN -i 0.3 --theme light -n $NODES; echo EXIT=\$?; sleep 30"
wait_for '^local .*[0-9]' 10 && ok "draws at 300x100" || bad "draws at 300x100"
grep -q 'ADVICE' "$T/pane" && ok "advice column at 300 wide" || bad "advice column"
tm capture-pane -e -p -t t | grep -q "$(printf '\033')\[38;5;" && ok "256 colours (light theme)" || bad "256 colours"
tm send-keys -t t q
wait_for 'EXIT=0' 5 && ok "exit from 300x100" || bad "exit from 300x100"
session 120 20 "TERM=screen-256color $BIN -i 0.3 --theme no-such-theme; echo EXIT=\$?; sleep 30"
wait_for "theme 'no-such-theme' not found" 10 && ok "bad theme warns" || bad "bad theme warns: $(cat "$T/pane")"
tm send-keys -t t q
wait_for 'EXIT=0' 5 && ok "bad theme still runs" || bad "bad theme still runs"
session 120 20 "NO_COLOR=1 TERM=screen-256color $BIN -i 0.3; sleep 30"
wait_for '^local ' 10
tm send-keys -t t t
sleep 0.6
if tm capture-pane -e -p -t t | grep -q "$(printf '\033')\[3[0-7]m\|$(printf '\033')\[38;5\|$(printf '\033')\[4[0-7]m"; then
	bad "NO_COLOR survives t"
else
	ok "NO_COLOR survives t"
fi

# 11. the config file's "columns" picks the table's columns
mkdir -p "$T/xdg/doptop"
printf 'columns = user, system, net-rx\n' >"$T/xdg/doptop/config"
session 200 20 "XDG_CONFIG_HOME=$T/xdg TERM=screen-256color $BIN -i 0.3; echo EXIT=\$?; sleep 30"
wait_for '^local .*[0-9]' 10
grep '^NODE' "$T/pane" | grep -q 'USR%.*SYS%.*NETRX.*VERDICT' && ! grep '^NODE' "$T/pane" | grep -q 'LOAD\|DSK_R' \
	&& ok "config columns" || bad "config columns: $(grep '^NODE' "$T/pane")"
tm send-keys -t t q
wait_for 'EXIT=0' 5 || bad "exit after config columns"
printf 'columns = user, bogus\n' >"$T/xdg/doptop/config"
session 120 20 "XDG_CONFIG_HOME=$T/xdg TERM=screen-256color $BIN -i 0.3; echo EXIT=\$?; sleep 30"
wait_for 'EXIT=2' 5 && grep -q 'unknown column' "$T/pane" && ok "bad column: exit 2" || bad "bad column: $(cat "$T/pane")"

echo "it_tui: $fails failed"
[ "$fails" -eq 0 ]
