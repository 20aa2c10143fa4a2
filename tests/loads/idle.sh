#!/bin/bash
# Load "idle": nothing at all (start and stop only keep the interface).
. "$(dirname "$0")/common.sh"
LOAD_NAME=idle

# Nothing to start.
load_start() { load_dir $LOAD_NAME >/dev/null; }

# Nothing to stop; remove the state.
load_stop() { load_done "$LOAD_STATE/$LOAD_NAME"; }
load_main "$@"
