#!/bin/bash
# Load "memthrash": workers cycling through more anonymous memory than their
# memory cgroup allows, with a swap file on this machine's disk: the kernel
# swaps out and back in all the time (swap in/out, memory pressure stalls,
# iowait on swap reads).  Uses cgroup v2 memory.max when the memory
# controller is in the v2 hierarchy, else v1 memory.limit_in_bytes.  The
# swap file is used only by this cgroup in practice (the limit forces the
# reclaim; the rest of the machine has plenty of free RAM).  The workers
# write their pages (write64): pages only ever read are the shared zero
# page, never charged to the cgroup, so a read-only worker (read64, as
# before) made no swap traffic at all on a machine without swap.  Skipped
# (exit 3) when the kernel has no swap, swapon refuses the file (a file
# system without swap file support) or there is no memory cgroup.
. "$(dirname "$0")/common.sh"
LOAD_NAME=memthrash
MEM_LIMIT_MB="${MEM_LIMIT_MB:-128}"
MEM_WORKERS="${MEM_WORKERS:-2}"
MEM_WORKER_MB="${MEM_WORKER_MB:-160}"	# 2 x 160 MB through a 128 MB limit
MEM_SWAP_MB="${MEM_SWAP_MB:-1024}"

# Make and enable the swap file, the limited cgroup; start the workers.
load_start() {
	local d cg knob i sw; d="$(load_dir $LOAD_NAME)"
	command -v stress-ng >/dev/null || { echo "stress-ng missing" >&2; return 1; }
	[ -e /proc/swaps ] || load_skip "this kernel has no swap support"
	# swap files must live on a real fs, not tmpfs: /var/tmp
	# a name of its own: another run of this load may be going
	sw=/var/tmp/doptop-loads/memthrash.$$.swap
	mkdir -p /var/tmp/doptop-loads
	echo "$sw" >"$d/swapfile"
	dd if=/dev/zero of="$sw" bs=1M count="$MEM_SWAP_MB" status=none || return 1
	chmod 600 "$sw"
	mkswap -q "$sw" >/dev/null || return 1
	swapon "$sw" || load_skip "swapon refused $sw (no swap file support on its file system)"
	echo on >"$d/swapon"
	read -r cg knob < <(load_mem_cgroup "doptop-mem-$$") || load_skip "no memory cgroup"
	echo "$cg" >"$d/cgroup"
	echo "$((MEM_LIMIT_MB << 20))" >"$cg/$knob" || return 1
	[ -f "$cg/memory.swappiness" ] && echo 100 >"$cg/memory.swappiness"
	load_spawn "$d" bash -c 'echo $$ >"$1/cgroup.procs" && exec stress-ng --vm "$2" \
		--vm-bytes "$3"M --vm-keep --vm-method write64 --timeout "$4"s' \
		worker "$cg" "$MEM_WORKERS" "$MEM_WORKER_MB" "$LOAD_TIMEOUT"
}

# Stop the workers, drop the cgroup, turn the swap file off and delete it.
load_stop() {
	local d cg sw i; d="$(load_dir $LOAD_NAME)"
	load_kill "$d"
	cg="$(cat "$d/cgroup" 2>/dev/null)"
	if [ -n "$cg" ] && [ -d "$cg" ]; then
		for i in $(seq 20); do rmdir "$cg" 2>/dev/null && break; sleep 0.3; done
	fi
	sw="$(cat "$d/swapfile" 2>/dev/null)"
	if [ -n "$sw" ]; then
		grep -q "^$sw " /proc/swaps && swapoff "$sw"
		rm -f "$sw"
		rmdir /var/tmp/doptop-loads 2>/dev/null
	fi
	load_done "$d"
}
load_main "$@"
