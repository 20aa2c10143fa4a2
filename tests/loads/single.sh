#!/bin/bash
# Load "single": one busy process, however many cores (underused on >1 core).
. "$(dirname "$0")/common.sh"
LOAD_NAME=single

# Start a single cpu stressor.
load_start() {
	local d; d="$(load_dir $LOAD_NAME)"
	command -v stress-ng >/dev/null || { echo "stress-ng missing" >&2; return 1; }
	load_spawn "$d" stress-ng --cpu 1 --timeout "${LOAD_TIMEOUT}s"
}

# Stop it and remove the state.
load_stop() {
	local d; d="$(load_dir $LOAD_NAME)"
	load_kill "$d"; load_done "$d"
}
load_main "$@"
