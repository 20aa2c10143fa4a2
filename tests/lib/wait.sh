# tests/lib/wait.sh — wait on conditions, never blindly (sourced; sh or bash).
#
#   wait_for SECONDS WHAT CMD [ARG...]
#       run CMD every 0.1 s until it succeeds: status 0; after SECONDS,
#       print "wait_for: SECONDS s passed without WHAT" on stderr: status 1
#   wait_json FILE SECONDS EXPR [N [FROM]]
#       until N (default 1) JSON lines of FILE (from line FROM) satisfy the
#       Python expression EXPR over `o`, e.g. 'o["state"] == "down"'; prints
#       the number of the last matching line (see tests/lib/wait_json.py)
#   wait_pane TMUX_SOCKET TARGET SECONDS PATTERN
#       until the tmux pane TARGET (server -L TMUX_SOCKET) shows a line
#       matching the extended regex PATTERN; the last capture is left in
#       the file $WAIT_PANE either way (set it inside your temp dir)
#   lines FILE      print the number of lines FILE has now (0 if missing)
#
# The deadlines are generous (a shared machine can be slow): they bound a
# failure, they are not the expected time.

# (sourced by tests/it_*.sh: $0 is the test, this file in its lib/)
WAIT_LIB=${WAIT_LIB:-$(cd "$(dirname "$0")" && pwd)/lib}
WAIT_PANE=${WAIT_PANE:-/tmp/doptop-wait-pane.$$}

wait_for() {
	_wf_secs=$1 _wf_what=$2
	shift 2
	_wf_end=$(( $(date +%s) + _wf_secs ))
	while ! "$@"; do
		if [ "$(date +%s)" -ge "$_wf_end" ]; then
			echo "wait_for: $_wf_secs s passed without $_wf_what" >&2
			return 1
		fi
		sleep 0.1
	done
	return 0
}

wait_json() {
	/usr/bin/python3 "$WAIT_LIB/wait_json.py" "$@"
}

wait_pane() {
	_wp_sock=$1 _wp_t=$2 _wp_secs=$3 _wp_pat=$4
	_wp_end=$(( $(date +%s) + _wp_secs ))
	while :; do
		tmux -L "$_wp_sock" capture-pane -p -t "$_wp_t" >"$WAIT_PANE" 2>/dev/null
		grep -Eq -- "$_wp_pat" "$WAIT_PANE" && return 0
		if [ "$(date +%s)" -ge "$_wp_end" ]; then
			echo "wait_pane: $_wp_secs s passed without a line matching '$_wp_pat'" >&2
			return 1
		fi
		sleep 0.1
	done
}

lines() {
	if [ -f "$1" ]; then wc -l <"$1" | tr -d ' '; else echo 0; fi
}
