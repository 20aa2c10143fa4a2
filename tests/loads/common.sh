#!/bin/bash
# Shared helpers for the load scripts (sourced, never run).  Every load keeps
# its state under $LOAD_STATE/<name>: a "pids" file of process-group leaders
# it started (each started with setsid, so the pid is also the group id) and
# whatever it created (files, mounts, devices, cgroups) so "stop" can undo it.

LOAD_STATE="${LOAD_STATE:-/tmp/doptop-loads}"
LOAD_TIMEOUT="${LOAD_TIMEOUT:-900}"	# every load dies by itself after this
NCPU="$(nproc)"
# the system python: a pyenv shim costs seconds of forks on a busy machine
PY="${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}"

# Print the state directory of load $1, creating it.
load_dir() {
	mkdir -p "$LOAD_STATE/$1" && echo "$LOAD_STATE/$1"
}

# Start "$@" as its own process group, bounded by LOAD_TIMEOUT; record its pid.
# Usage: load_spawn DIR cmd args...
load_spawn() {
	local dir="$1"; shift
	setsid timeout -k 5 "$LOAD_TIMEOUT" "$@" </dev/null >>"$dir/log" 2>&1 &
	echo "$!" >>"$dir/pids"
}

# Kill every process group recorded in DIR/pids: TERM, then KILL; wait for it.
load_kill() {
	local dir="$1" pid i
	[ -f "$dir/pids" ] || return 0
	while read -r pid; do
		[ -n "$pid" ] && kill -TERM -- "-$pid" 2>/dev/null
	done <"$dir/pids"
	for i in 1 2 3 4 5 6 7 8 9 10; do
		local alive=0
		while read -r pid; do
			kill -0 -- "-$pid" 2>/dev/null && alive=1
		done <"$dir/pids"
		[ "$alive" = 0 ] && break
		sleep 0.3
	done
	while read -r pid; do
		[ -n "$pid" ] && kill -KILL -- "-$pid" 2>/dev/null
	done <"$dir/pids"
	rm -f "$dir/pids"
}

# Remove the state directory DIR (and the state root once it is empty).
load_done() {
	rm -rf "$1"
	rmdir "$LOAD_STATE" 2>/dev/null
	return 0
}

# True when at least one recorded process group of DIR is alive.
load_alive() {
	local dir="$1" pid
	[ -f "$dir/pids" ] || return 1
	while read -r pid; do
		kill -0 -- "-$pid" 2>/dev/null && return 0
	done <"$dir/pids"
	return 1
}

# Create memory cgroup TAG; print its directory and its limit file name.
load_mem_cgroup() {
	local v2 tag="$1"
	for v2 in /sys/fs/cgroup /sys/fs/cgroup/unified; do
		if [ -f "$v2/cgroup.controllers" ] && grep -qw memory "$v2/cgroup.controllers"; then
			grep -qw memory "$v2/cgroup.subtree_control" ||
				echo +memory >"$v2/cgroup.subtree_control" 2>/dev/null
			mkdir "$v2/$tag" && [ -f "$v2/$tag/memory.max" ] && { echo "$v2/$tag memory.max"; return 0; }
			rmdir "$v2/$tag" 2>/dev/null
		fi
	done
	if [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
		mkdir "/sys/fs/cgroup/memory/$tag" &&
			{ echo "/sys/fs/cgroup/memory/$tag memory.limit_in_bytes"; return 0; }
	fi
	return 1
}

# Exit 3 with a SKIP reason on stdout (the kernel lacks a feature we need).
load_skip() {
	echo "SKIP: $*"
	exit 3
}

# Dispatch start|stop|status to the caller's load_start/load_stop functions.
load_main() {
	case "$1" in
	start) load_start ;;
	stop) load_stop ;;
	status) load_alive "$(load_dir "$LOAD_NAME")" && echo running || { echo stopped; return 1; } ;;
	*) echo "usage: $0 start|stop|status" >&2; return 2 ;;
	esac
}
