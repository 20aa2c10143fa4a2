#!/bin/bash
# Load "fork": a fork storm, stress-ng --fork on every core (system ~98%).
. "$(dirname "$0")/common.sh"
LOAD_NAME=fork

# Start one fork stressor per core.
load_start() {
	local d; d="$(load_dir $LOAD_NAME)"
	command -v stress-ng >/dev/null || { echo "stress-ng missing" >&2; return 1; }
	load_spawn "$d" stress-ng --fork "$NCPU" --timeout "${LOAD_TIMEOUT}s"
}

# Stop the stressors and remove the state.
load_stop() {
	local d; d="$(load_dir $LOAD_NAME)"
	load_kill "$d"; load_done "$d"
}
load_main "$@"
