#!/bin/bash
# Load "cachethrash" (invented): readers in a memory cgroup too small for
# their working set re-read a data file three times larger than the limit,
# so its pages are evicted before they are read again: workingset refaults,
# memory pressure, disk reads.  More RAM (or a smaller working set) is the
# fix, not a faster disk, so the cause is memory.
. "$(dirname "$0")/common.sh"
LOAD_NAME=cachethrash
CACHE_LIMIT_MB="${CACHE_LIMIT_MB:-96}"
CACHE_FILE_MB="${CACHE_FILE_MB:-288}"
CACHE_READERS="${CACHE_READERS:-2}"

# Create the data file (bypassing the cache) and the cgroup; start readers.
load_start() {
	local d cg knob i f; d="$(load_dir $LOAD_NAME)"
	# a name of its own: another run of this load may be going
	f=/var/tmp/doptop-loads/cachethrash.$$.dat
	mkdir -p /var/tmp/doptop-loads
	echo "$f" >"$d/datafile"
	# written O_DIRECT so none of it is cached outside the limited cgroup
	dd if=/dev/urandom of="$f" bs=1M count="$CACHE_FILE_MB" oflag=direct status=none || return 1
	read -r cg knob < <(load_mem_cgroup "doptop-cache-$$") || load_skip "no memory cgroup"
	echo "$cg" >"$d/cgroup"
	echo "$((CACHE_LIMIT_MB << 20))" >"$cg/$knob" || return 1
	for i in $(seq "$CACHE_READERS"); do
		load_spawn "$d" bash -c 'echo $$ >"$1/cgroup.procs" && while :; do
			cat "$2" >/dev/null; done' reader "$cg" "$f"
	done
}

# Stop the readers, remove the cgroup and the data file.
load_stop() {
	local d cg i; d="$(load_dir $LOAD_NAME)"
	load_kill "$d"
	cg="$(cat "$d/cgroup" 2>/dev/null)"
	if [ -n "$cg" ] && [ -d "$cg" ]; then
		for i in $(seq 20); do rmdir "$cg" 2>/dev/null && break; sleep 0.3; done
	fi
	f="$(cat "$d/datafile" 2>/dev/null)"
	[ -n "$f" ] && rm -f "$f"
	rmdir /var/tmp/doptop-loads 2>/dev/null
	load_done "$d"
}
load_main "$@"
