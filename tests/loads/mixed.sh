#!/bin/bash
# Load "mixed" (invented): cpu stressors on every core plus one throttled
# disk reader (disk.sh with one reader).  The CPU is saturated by useful
# work, so iowait stays near 0 even though a task is blocked and io
# pressure "some" is high: the bottleneck is the CPU, the verdict should be
# cpu-bound, not io-starved.
. "$(dirname "$0")/common.sh"
LOAD_NAME=mixed
HERE="$(dirname "$0")"

# Start the disk reader and the cpu stressors.
load_start() {
	local d; d="$(load_dir $LOAD_NAME)"
	command -v stress-ng >/dev/null || { echo "stress-ng missing" >&2; return 1; }
	DISK_LOAD_NAME=mixed-disk DISK_READERS=1 "$HERE/disk.sh" start || return $?
	load_spawn "$d" stress-ng --cpu "$NCPU" --timeout "${LOAD_TIMEOUT}s"
}

# Stop both parts.
load_stop() {
	local d; d="$(load_dir $LOAD_NAME)"
	load_kill "$d"
	DISK_LOAD_NAME=mixed-disk "$HERE/disk.sh" stop
	load_done "$d"
}
load_main "$@"
