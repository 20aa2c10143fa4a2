#!/bin/sh
# it_tui.sh — the real screen in a real tmux: rows, colours, resize, keys,
# tiny terminals, NO_COLOR, and q exits 0 with the terminal restored.
set -u
BIN=$(readlink -f "${DOPTOP_BIN:-./build/dbg/doptop}")
T=$(mktemp -d /tmp/doptop-tui.XXXXXX)
. "$(dirname "$0")/lib/wait.sh"
WAIT_PANE="$T/pane"
# every session gets a tmux server of its own (a new socket): no waiting
# for the previous server to go away, no retries
NSESS=0
SOCK="doptop-tui-$$-0"
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
trap 'i=0; while [ $i -le $NSESS ]; do tmux -L "doptop-tui-$$-$i" kill-server 2>/dev/null; i=$((i + 1)); done; rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
fails=0
ok()  { echo "ok   - $1"; }
bad() { echo "FAIL - $1"; fails=$((fails + 1)); }

# screen_has PATTERN [SECONDS]: until the pane shows a line matching the
# extended regex PATTERN; the capture is in $T/pane.  The deadline is at
# least 15 s whatever SECONDS says: it bounds a failure on a busy machine,
# it is not the expected time.
screen_has() { wait_pane "$SOCK" t "$(( ${2:-15} > 15 ? ${2:-15} : 15 ))" "$1"; }
# clock: the time in the table's header line, or the "state up for Ns" of
# the detail view (the app writes them each second: tmux never does)
clock() {
	tm capture-pane -p -t t |
		sed -n '1s/^doptop \([0-9:]*\).*/\1/p; 2s/^state [a-z-]* for \([0-9a-z]*\).*/\1/p'
}
clock_moved() { _c=$(clock); [ -n "$_c" ] && [ "$_c" != "$C0" ]; }
# redrawn [SECONDS]: until the app has drawn again since now (the header
# clock moves on), then capture the pane into $T/pane; a failure if not
redrawn() {
	C0=$(clock)
	if wait_for "${1:-10}" "a redraw (header clock past '$C0')" clock_moved; then _rc=0
	else _rc=1; bad "no redraw in ${1:-10} s"; fi
	tm capture-pane -p -t t >"$T/pane"
	return $_rc
}
# session COLS ROWS CMD: stop the last tmux server, start CMD in a new one
session() {
	tm kill-server 2>/dev/null
	NSESS=$((NSESS + 1))
	SOCK="doptop-tui-$$-$NSESS"
	tm new-session -d -s t -x "$1" -y "$2" "$3" || { echo "cannot start tmux"; return 1; }
}
# app_pid: the doptop process inside the pane (the pane runs a shell)
app_pid() { pgrep -P "$(tm display -p -t t '#{pane_pid}')" -f "$BIN" | head -1; }

# 1. rows and colours
session 160 30 "env ASAN_OPTIONS=detect_leaks=1 TERM=screen-256color $BIN -i 0.3; echo EXIT=\$?; sleep 30"
screen_has '^local ' 10 && ok "node row drawn" || bad "node row drawn: $(cat "$T/pane")"
screen_has 'cpu-bound|syscall-heavy|io-starved|underused|idle' 10 && ok "verdict shown" || bad "verdict shown"
grep -q 'NODE' "$T/pane" && grep -q 'VERDICT' "$T/pane" && ok "column headers" || bad "column headers"
tm capture-pane -e -p -t t >"$T/esc"
# green (user) somewhere in a CPU bar or the verdict: SGR 32
grep -q "$(printf '\033')\[3[12]m" "$T/esc" && ok "colours present" || bad "colours present"

# 2. resize down to 40x10 and 20x5 and back: still alive, still drawing
for size in "40 10" "20 5" "160 30"; do
	set -- $size
	tm resize-window -t t -x "$1" -y "$2"
	redrawn
	grep -q 'EXIT=' "$T/pane" && { bad "crashed at $1x$2: $(cat "$T/pane")"; break; }
	grep -q 'doptop' "$T/pane" && ok "draws at $1x$2" || bad "draws at $1x$2: $(cat "$T/pane")"
done
# resize storm
i=0; while [ $i -lt 30 ]; do tm resize-window -t t -x $((20 + i * 5)) -y $((5 + i)); i=$((i + 1)); done
redrawn && ! grep -q 'EXIT=' "$T/pane" && ok "resize storm" || bad "resize storm: $(cat "$T/pane")"

# 3. help opens and closes; space freezes
tm resize-window -t t -x 160 -y 30
tm send-keys -t t h
screen_has 'keys' 3 && ok "help opens" || bad "help opens"
tm send-keys -t t x
screen_has '^local ' 3 && ok "help closes" || bad "help closes"
tm send-keys -t t ' '
screen_has 'FROZEN' 3 && ok "space freezes" || bad "space freezes"
tm send-keys -t t ' '

# 4. q quits with status 0 and restores the terminal (alt screen left)
tm send-keys -t t q
screen_has 'EXIT=0' 5 && ok "q exits 0" || bad "q exits 0: $(cat "$T/pane")"

# 5. NO_COLOR leaves no colour; mono CPU bar uses distinct characters
session 160 20 "NO_COLOR=1 TERM=screen-256color $BIN -i 0.3; sleep 30"
screen_has '^local ' 10
redrawn   # a whole frame with the row in it
tm capture-pane -e -p -t t >"$T/esc"
if grep -q "$(printf '\033')\[3[0-7]m\|$(printf '\033')\[38;5" "$T/esc"; then bad "NO_COLOR: colour found"; else ok "NO_COLOR: no colour"; fi
grep -Eq '\[[|#.~ ]+\]' "$T/esc" && ok "mono bar" || bad "mono bar"

# 6. SIGTERM restores the terminal and exits (signalled by PID)
session 100 20 "TERM=screen-256color $BIN -i 0.3; echo EXIT=\$?; sleep 30"
screen_has '^local ' 10
kill -TERM $(app_pid) 2>/dev/null
screen_has 'EXIT=0' 8 && ok "SIGTERM exits 0" || bad "SIGTERM exits 0: $(cat "$T/pane")"

# 7. several nodes without SSH: sort, reverse, filter, group, select, mouse
NODES="local,b-unreachable.invalid,a-unreachable.invalid"
# Unreachable without a DNS query: their HostName has a 70-byte label,
# which the resolver refuses before asking anyone (no name outside
# /etc/hosts is ever looked up)
printf 'Host *.invalid\n\tHostName %s.invalid\n' "$(printf 'x%.0s' $(seq 70))" >"$T/ssh_config"
UNREACH="-F $T/ssh_config -n $NODES"
session 160 30 "TERM=screen-256color $BIN -i 0.3 $UNREACH; echo EXIT=\$?; sleep 30"
screen_has '^a-unreachable' 10
# order ROWS...: the node rows, top to bottom, are exactly these
order() {
	want="$*"
	i=0
	while [ $i -lt 150 ]; do
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
screen_has '^-- no verdict: 2 nodes --' 3 && ok "g groups by verdict" || bad "g groups by verdict: $(cat "$T/pane")"
tm send-keys -t t g
ungrouped() { tm capture-pane -p -t t >"$T/pane"; ! grep -q '^-- ' "$T/pane"; }
wait_for 15 "the group lines to go" ungrouped && ok "g ungroups" || bad "g ungroups"
# selection: footer names the selected node; End/Home/Down
tm send-keys -t t End
screen_has '^a-unreachable.invalid: unreachable' 3 && ok "End selects the last row" || bad "End: $(tail -1 "$T/pane")"
tm send-keys -t t Home Down
screen_has '^b-unreachable.invalid: unreachable' 3 && ok "Home, Down move" || bad "Home, Down: $(tail -1 "$T/pane")"
tm send-keys -t t Up
screen_has '^local: ' 3 && ok "Up moves" || bad "Up: $(tail -1 "$T/pane")"
# mouse (X10 encoding, what TERM=screen uses: 32 + 1-based column, row).
# The rows are found on the screen at click time: lines above the table
# (events, a progress line) come and go.
click() { tm send-keys -t t -l "$(printf '\033[M %b%b\033[M#%b%b' "$1" "$2" "$1" "$2")"; }
# row_of ERE: the X10 byte of the first screen row matching ERE
row_of() {
	_n=$(tm capture-pane -p -t t | grep -n -m1 -E "$1" | cut -d: -f1)
	printf "\\$(printf %03o $(( ${_n:-1} + 32 )))"
}
click '!' "$(row_of '^NODE ')"     # column 0 (NODE) of the column titles
order a-unreachable.invalid b-unreachable.invalid local && ok "click on NODE sorts by name" || bad "mouse sort"
click '!' "$(row_of '^b-unreachable')"     # the second node row
screen_has '^b-unreachable.invalid: unreachable' 3 && ok "click selects a row" || bad "mouse select: $(tail -1 "$T/pane")"
# help by ? and F1
tm send-keys -t t '?'
screen_has 'doptop - keys' 3 && ok "? opens help" || bad "? opens help"
tm send-keys -t t Escape
screen_has '^local ' 3 && ok "help closes" || bad "help closes"
tm send-keys -t t F1
screen_has 'doptop - keys' 3 && ok "F1 opens help" || bad "F1 opens help"
tm send-keys -t t x
# themes: t changes the colour attributes on screen
sgr() { tm capture-pane -e -p -t t | grep -o "$(printf '\033')\[[0-9;]*m" | sort -u; }
screen_has '^local ' && redrawn   # help gone, a whole table drawn
sgr >"$T/sgr0"
tm send-keys -t t t
recoloured() { sgr >"$T/sgr1"; ! cmp -s "$T/sgr0" "$T/sgr1"; }
wait_for 15 "new colours after t" recoloured && ok "t changes the colours" || bad "t changes the colours"
tm send-keys -t t h
screen_has 'theme: high-contrast' 3 && ok "theme named in help" || bad "theme named in help: $(cat "$T/pane")"
tm send-keys -t t x
# F10 quits
tm send-keys -t t F10
screen_has 'EXIT=0' 5 && ok "F10 exits 0" || bad "F10 exits 0"

# 8. detail view of local: per-core bars, graphs, why, processes
session 120 60 "TERM=screen-256color $BIN -i 0.3; echo EXIT=\$?; sleep 30"
screen_has '^local .*[0-9]' 10
grep -q '^CPU .* disk r [0-9.A-Za-z]* w [0-9.A-Za-z]* B/s  net rx [0-9.A-Za-z]* tx [0-9.A-Za-z]* B/s' "$T/pane" \
	&& ok "the cluster line's disk and network say B/s" || bad "cluster units: $(grep '^CPU' "$T/pane")"
tm send-keys -t t Enter
screen_has '^Cores' 3 && ok "Enter opens details" || bad "Enter opens details: $(cat "$T/pane")"
# a whole frame of the detail view (a busy machine can catch one half way)
screen_has '^Why this verdict' && redrawn
grep -Eq '^ +0 \[[|]* *\] *[0-9]+%' "$T/pane" && ok "per-core bars" || bad "per-core bars: $(grep -A2 '^Cores' "$T/pane")"
ncpu=$(getconf _NPROCESSORS_ONLN)
grep -Eq " +$((ncpu - 1)) \[" "$T/pane" && ok "a bar for each of $ncpu cores" || bad "last core bar"
grep -q '^Why this verdict' "$T/pane" && grep -q 'busy [0-9]*%' "$T/pane" && ok "why this verdict" || bad "why this verdict"
screen_has '^CPU history' 3 && ok "history graph" || bad "history graph"
# a graph that shows bars says a scale above 0 (small figures such as PSI
# keep a decimal: "max 0" over visible bars misled)
bars0=$(grep ' max 0 *$' "$T/pane" | cut -c19- | sed 's/ max 0 *$//' | grep '[^ ]')
[ -z "$bars0" ] && ok "no graph with bars says max 0" || bad "bars under max 0: $(grep ' max 0 *$' "$T/pane")"
if screen_has 'PID USER'; then
	grep -Eq '^ +[0-9]+ +[a-z]+ +[0-9.]+ ' "$T/pane" && ok "processes listed" || bad "processes listed"
else
	bad "processes section: no process list: $(grep -A2 -i 'process\|fetching' "$T/pane")"
fi
tm send-keys -t t Escape
screen_has '^NODE' 3 && ok "Esc leaves details" || bad "Esc leaves details"
tm send-keys -t t Enter
screen_has '^Cores' 3
tm send-keys -t t q
screen_has '^NODE' 3 && ok "q leaves details" || bad "q leaves details"
tm send-keys -t t q
screen_has 'EXIT=0' 5 && ok "q quits from the table" || bad "q quits from the table"

# 9. UTF-8 locale: block characters in the graphs; ASCII otherwise
if locale -a 2>/dev/null | grep -qi '^c.utf-\?8$'; then
		session 120 40 "LANG=C.UTF-8 TERM=screen-256color $BIN -i 0.2; sleep 30"
	screen_has '^local .*[0-9]' 10
	tm send-keys -t t Enter
	# the graphs fill as samples arrive
	screen_has '[▁▂▃▄▅▆▇█]' && ok "UTF-8 block graphs" || bad "UTF-8 block graphs"
else
	echo "skip - UTF-8 block graphs: no C.UTF-8 locale on this machine"
fi

# 10. big terminal, --theme, NO_COLOR with t, a bad theme name
session 300 100 "TERM=screen-256color $BIN -i 0.3 --theme light $UNREACH; echo EXIT=\$?; sleep 30"
screen_has '^local .*[0-9]' 10 && ok "draws at 300x100" || bad "draws at 300x100"
grep -q 'ADVICE' "$T/pane" && ok "advice column at 300 wide" || bad "advice column"
tm capture-pane -e -p -t t | grep -q "$(printf '\033')\[38;5;" && ok "256 colours (light theme)" || bad "256 colours"
tm send-keys -t t q
screen_has 'EXIT=0' 5 && ok "exit from 300x100" || bad "exit from 300x100"
session 120 20 "TERM=screen-256color $BIN -i 0.3 --theme no-such-theme; echo EXIT=\$?; sleep 30"
screen_has 'EXIT=2' 10 && grep -q "theme 'no-such-theme' not found" "$T/pane" && ok "bad theme: exit 2 (as in batch)" || bad "bad theme: $(cat "$T/pane")"
session 120 20 "NO_COLOR=1 TERM=screen-256color $BIN -i 0.3; sleep 30"
screen_has '^local ' 10
tm send-keys -t t t
redrawn
if tm capture-pane -e -p -t t | grep -q "$(printf '\033')\[3[0-7]m\|$(printf '\033')\[38;5\|$(printf '\033')\[4[0-7]m"; then
	bad "NO_COLOR survives t"
else
	ok "NO_COLOR survives t"
fi

# 11. the config file's "columns" picks the table's columns
mkdir -p "$T/xdg/doptop"
printf 'columns = user, system, net-rx\n' >"$T/xdg/doptop/config"
session 200 20 "XDG_CONFIG_HOME=$T/xdg TERM=screen-256color $BIN -i 0.3; echo EXIT=\$?; sleep 30"
screen_has '^local .*[0-9]' 10
grep '^NODE' "$T/pane" | grep -q 'USR%.*SYS%.*RX B/s.*VERDICT' && ! grep '^NODE' "$T/pane" | grep -q 'LOAD\|RD B/s' \
	&& ok "config columns" || bad "config columns: $(grep '^NODE' "$T/pane")"
tm send-keys -t t q
screen_has 'EXIT=0' 5 || bad "exit after config columns"
printf 'columns = user, bogus\n' >"$T/xdg/doptop/config"
session 120 20 "XDG_CONFIG_HOME=$T/xdg TERM=screen-256color $BIN -i 0.3; echo EXIT=\$?; sleep 30"
screen_has 'EXIT=2' 5 && grep -q 'unknown column' "$T/pane" && ok "bad column: exit 2" || bad "bad column: $(cat "$T/pane")"

echo "it_tui: $fails failed"
[ "$fails" -eq 0 ]
