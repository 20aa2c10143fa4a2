#!/bin/sh
# tests/lib/sshd_start.sh — tests/lib/sshd.sh as commands, for C tests that
# start and stop sshd themselves (they stop what they start, by PID):
#   sshd_start.sh init                       -> prints DIR (keys, empty files)
#   sshd_start.sh start DIR NAME [PORT] [CMD] -> prints "PORT PID"
#   sshd_start.sh agent DIR                  -> prints "SOCK PID"
#   sshd_start.sh tree PID                   -> prints descendant pids
#   sshd_start.sh stop PID                   -> stops one sshd and its children
. "$(dirname "$0")/sshd.sh"
cmd=$1
shift
case "$cmd" in
init)
	sshd_init || exit 1
	trap - EXIT INT TERM
	echo "$SSHD_DIR" ;;
start)
	SSHD_DIR=$1
	sshd_start "$2" "${3:-}" "${4:-}" || exit 1
	echo "$SSHD_PORT $SSHD_PID" ;;
agent)
	SSHD_DIR=$1
	sshd_agent_start || exit 1
	echo "$SSH_AUTH_SOCK $SSHD_AGENT_PID" ;;
tree)
	sshd_tree "$1" ;;
stop)
	sshd_stop "$1" ;;
*)
	echo "usage: sshd_start.sh init|start|agent|tree|stop ..." >&2
	exit 2 ;;
esac
