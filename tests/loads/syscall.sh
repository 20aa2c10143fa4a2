#!/bin/bash
# Load "syscall": one `dd bs=1` per core, a read+write syscall per byte.
. "$(dirname "$0")/common.sh"
LOAD_NAME=syscall

# Start one byte-at-a-time dd per core.
load_start() {
	local d i; d="$(load_dir $LOAD_NAME)"
	for i in $(seq "$NCPU"); do
		load_spawn "$d" dd if=/dev/zero of=/dev/null bs=1
	done
}

# Stop them and remove the state.
load_stop() {
	local d; d="$(load_dir $LOAD_NAME)"
	load_kill "$d"; load_done "$d"
}
load_main "$@"
