# tests/lib/tmux.sh — drive the real binary in a private tmux server and
# wait on what the pane shows (never a blind sleep).  Source it after
# setting BIN; it sets T (a temp dir) and cleans up on exit.
#   session COLS ROWS CMD   a fresh tmux server running CMD in pane "t"
#   wait_for PATTERN [S]    until the pane shows PATTERN (grep BRE); the
#                           pane's text is left in $T/pane
#   wait_gone PATTERN [S]   until the pane no longer shows PATTERN
#   keys KEY...             tmux send-keys to the pane
SOCK="doptop-$(basename "$0" .sh)-$$"
T=$(mktemp -d "/tmp/doptop-$(basename "$0" .sh).XXXXXX")
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$T"' EXIT INT TERM
fails=0
ok()  { echo "ok   - $1"; }
bad() { echo "FAIL - $1"; fails=$((fails + 1)); }
wait_for() {
	i=0; n=$(( ${2:-10} * 10 ))
	while [ $i -lt $n ]; do
		tm capture-pane -p -t t >"$T/pane" 2>/dev/null
		grep -q -- "$1" "$T/pane" && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
wait_gone() {
	i=0; n=$(( ${2:-10} * 10 ))
	while [ $i -lt $n ]; do
		tm capture-pane -p -t t >"$T/pane" 2>/dev/null
		grep -q -- "$1" "$T/pane" || return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
# the pane with its colours (SGR sequences kept)
pane_esc() { tm capture-pane -e -p -t t; }
keys() { tm send-keys -t t "$@"; }
session() {
	k=0
	while [ $k -lt 5 ]; do
		tm kill-server 2>/dev/null
		j=0; while tm has-session 2>/dev/null && [ $j -lt 20 ]; do sleep 0.1; j=$((j + 1)); done
		tm new-session -d -s t -x "$1" -y "$2" "$3" 2>/dev/null &&
			tm has-session -t t 2>/dev/null && return 0
		sleep 0.3; k=$((k + 1))
	done
	echo "cannot start tmux"; return 1
}
