#!/bin/bash
# Load "disk": several readers of a loop device throttled by a block cgroup.
# The loop device sits on a file of this machine's disk with --direct-io=on
# (so its reads reach the real disk, not the page cache) and the readers use
# O_DIRECT, so every read is a request the throttle holds: iowait high, io
# pressure high, readers blocked in D state.  cgroup v2 io.max is used when
# the io controller is available in the v2 hierarchy; otherwise (hybrid
# hierarchy, as on the dev VM) cgroup v1 blkio.throttle.*_device.
. "$(dirname "$0")/common.sh"
LOAD_NAME="${DISK_LOAD_NAME:-disk}"
DISK_RBPS="${DISK_RBPS:-2097152}"	# 2 MB/s
DISK_RIOPS="${DISK_RIOPS:-64}"
DISK_READERS="${DISK_READERS:-4}"
DISK_FILE_MB="${DISK_FILE_MB:-256}"

# Print "v2 DIR" or "v1 DIR": a new cgroup directory able to throttle reads.
disk_cgroup() {
	local v2 tag="doptop-disk-$$"
	for v2 in /sys/fs/cgroup /sys/fs/cgroup/unified; do
		if [ -f "$v2/cgroup.controllers" ] && grep -qw io "$v2/cgroup.controllers"; then
			grep -qw io "$v2/cgroup.subtree_control" ||
				echo +io >"$v2/cgroup.subtree_control" 2>/dev/null
			mkdir "$v2/$tag" && [ -f "$v2/$tag/io.max" ] && { echo "v2 $v2/$tag"; return 0; }
			rmdir "$v2/$tag" 2>/dev/null
		fi
	done
	if [ -f /sys/fs/cgroup/blkio/blkio.throttle.read_bps_device ]; then
		mkdir "/sys/fs/cgroup/blkio/$tag" && { echo "v1 /sys/fs/cgroup/blkio/$tag"; return 0; }
	fi
	return 1
}

# Create the file, the loop device and the throttled cgroup; start readers.
load_start() {
	local d dev mm kind cg i; d="$(load_dir "$LOAD_NAME")"
	# real (non-sparse) data so reads reach the disk
	dd if=/dev/urandom of="$d/disk.img" bs=1M count="$DISK_FILE_MB" status=none || return 1
	dev="$(losetup --direct-io=on -f --show "$d/disk.img")" || load_skip "no loop devices"
	echo "$dev" >"$d/loopdev"
	mm="$(lsblk -dno MAJ:MIN "$dev" | tr -d ' ')"
	read -r kind cg < <(disk_cgroup) || load_skip "no io.max (cgroup v2) nor blkio throttle (v1)"
	echo "$cg" >"$d/cgroup"
	if [ "$kind" = v2 ]; then
		echo "$mm rbps=$DISK_RBPS riops=$DISK_RIOPS" >"$cg/io.max" || return 1
	else
		echo "$mm $DISK_RBPS" >"$cg/blkio.throttle.read_bps_device" || return 1
		echo "$mm $DISK_RIOPS" >"$cg/blkio.throttle.read_iops_device" || return 1
	fi
	for i in $(seq "$DISK_READERS"); do
		# each reader joins the cgroup, then reads the device forever,
		# starting at its own offset so the readers do not share requests
		load_spawn "$d" bash -c 'echo $$ >"$1/cgroup.procs" && while :; do
			dd if="$2" of=/dev/null bs=64k iflag=direct skip="$3" status=none; done' \
			reader "$cg" "$dev" "$((i * 512))"
	done
}

# Stop the readers, then remove the cgroup, the loop device and the file.
load_stop() {
	local d cg dev i; d="$(load_dir "$LOAD_NAME")"
	load_kill "$d"
	cg="$(cat "$d/cgroup" 2>/dev/null)"
	if [ -n "$cg" ] && [ -d "$cg" ]; then
		for i in 1 2 3 4 5 6 7 8 9 10; do rmdir "$cg" 2>/dev/null && break; sleep 0.3; done
	fi
	dev="$(cat "$d/loopdev" 2>/dev/null)"
	[ -n "$dev" ] && losetup -d "$dev" 2>/dev/null
	load_done "$d"
}
load_main "$@"
