#!/bin/bash
# Load "cpu": stress-ng --cpu on every core (cpu-bound, user ~99%).
. "$(dirname "$0")/common.sh"
LOAD_NAME=cpu

# Start one cpu stressor per core.
load_start() {
	local d; d="$(load_dir $LOAD_NAME)"
	command -v stress-ng >/dev/null || { echo "stress-ng missing" >&2; return 1; }
	load_spawn "$d" stress-ng --cpu "$NCPU" --timeout "${LOAD_TIMEOUT}s"
}

# Stop the stressors and remove the state.
load_stop() {
	local d; d="$(load_dir $LOAD_NAME)"
	load_kill "$d"; load_done "$d"
}
load_main "$@"
