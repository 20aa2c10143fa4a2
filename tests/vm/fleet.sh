# Boot and stop a fleet of microVMs for tests.  Source it (POSIX sh).
#
#   vm_fleet_init DIR N   build the image (skip code 77 + reason when it
#                         cannot), make N guests adhoc-preemptible-000..,
#                         each with its own host key, an ssh_config
#                         (DIR/ssh_config) and a known_hosts (DIR/known_hosts)
#   vm_start I            boot guest I (0-based) in the background
#   vm_wait_up I SECS     wait until guest I answers ssh; 0 or 1
#   vm_kill I             kill -9 guest I's QEMU (a preemption)
#   vm_tap_guest I NS     make guest I (an index past N) one whose only link
#                         is a tap device inside the network namespace NS
#                         (10.9.0.2, the namespace's side 10.9.0.1): reached
#                         from inside NS only, at DIR/ssh_config_tap; shape
#                         or cut it with tc / ip link on vmtap0 in NS
#   vm_boot_all WHO       start the N guests and wait until each answers ssh
#   vm_share_init DIR PORT HOSTKEYPUB ITEMS
#                         the host's directory DIR (in/ out/ tmp/) served by
#                         an sshd on 127.0.0.1:PORT (guests: 10.0.2.2:PORT),
#                         with the job's ITEMS inputs in DIR/in, and DIR/go
#                         (the jobs start once it exists: remove it first to
#                         start them all at one moment)
#   vm_mount_share I [job]  mount it on guest I at /mnt/share (sshfs), copy
#                         the job (and start it, with "job")
#   vm_start_job I        start the seed-shaped job (tests/vm/job.sh) on guest I
#                         (VM_JOB_WORK md5sum rounds, VM_JOB_PAUSE s of wait
#                         per item); its log is /tmp/job.log on the guest
#   vm_fleet_down         stop every QEMU this fleet started, by PID
#
# Guests use QEMU's software emulation (TCG): /dev/kvm on this kind of
# machine is a nested hypervisor stock guest kernels hang on.  Each guest
# reaches the host's 127.0.0.1 as 10.0.2.2 and is reached at
# 127.0.0.1:PORT (hostfwd), so no traffic leaves loopback.
VM_DIR= VM_N=0
# The base image is kept in VM_IMG (default build/vm-image of this tree) and
# made again only when the kernel or mkimage.sh changed.  (VM_LIB, the path
# of this file, is set by whoever sources it.)
VM_IMG=${VM_IMG:-$(cd "$(dirname "$VM_LIB")/../.." && pwd)/build/vm-image}
VM_MEM=${VM_MEM:-256}
# VM_PREFIX names the QEMU processes (PREFIX-gI, default doptop-gI).

vm_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

vm_name() { printf 'adhoc-preemptible-%03d' "$1"; }

vm_fleet_init() {
	VM_DIR=$1 VM_N=$2
	mkdir -p "$VM_DIR"
	command -v qemu-system-x86_64 >/dev/null 2>&1 || { echo "no qemu-system-x86_64"; return 77; }
	_why=$(sh "$(dirname "$VM_LIB")/mkimage.sh" "$VM_IMG") || { echo "$_why"; return 77; }
	[ -f "$VM_DIR/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$VM_DIR/id_ed25519"
	: > "$VM_DIR/ssh_config"; : > "$VM_DIR/known_hosts"
	_i=0
	while [ "$_i" -lt "$VM_N" ]; do
		vm_make_guest "$_i" "" "$VM_DIR/ssh_config" || return 1
		_i=$((_i + 1))
	done
	return 0
}

# Make guest $1's files: host key, overlay, its ssh_config entry in $3;
# $2 = network namespace for a tap-linked guest, or "".
vm_make_guest() {
	_g="$VM_DIR/g$1"; mkdir -p "$_g/root/etc/ssh" "$_g/root/root/.ssh"
	vm_name "$1" > "$_g/root/etc/hostname"
	rm -f "$_g/root/etc/ssh/ssh_host_ed25519_key"*
	ssh-keygen -q -t ed25519 -N '' -f "$_g/root/etc/ssh/ssh_host_ed25519_key"
	cp "$VM_DIR/id_ed25519.pub" "$_g/root/root/.ssh/authorized_keys"
	[ -f "$_g/rc.local" ] && cp "$_g/rc.local" "$_g/root/etc/rc.local"
	if [ -n "$2" ]; then
		echo "10.9.0.2/24 10.9.0.1" > "$_g/root/etc/net"; echo "$2" > "$_g/netns"
		_port=22 _addr=10.9.0.2 _kh=10.9.0.2
	else
		_port=$(vm_free_port) _addr=127.0.0.1; _kh="[127.0.0.1]:$_port"
	fi
	echo "$_port" > "$_g/port"
	printf 'Host %s\n\tHostName %s\n\tPort %s\n\tUser root\n\tIdentityFile %s\n\tIdentitiesOnly yes\n\tUserKnownHostsFile %s\n\tStrictHostKeyChecking yes\n\tConnectTimeout 60\n' \
		"$(vm_name "$1")" "$_addr" "$_port" "$VM_DIR/id_ed25519" "$VM_DIR/known_hosts" >> "$3"
	printf '%s %s\n' "$_kh" "$(cut -d' ' -f1,2 "$_g/root/etc/ssh/ssh_host_ed25519_key.pub")" >> "$VM_DIR/known_hosts"
	(cd "$_g/root" && find . | cpio -o -H newc --quiet | gzip -1) > "$_g/overlay.cpio.gz"
	cat "$VM_IMG/base.cpio.gz" "$_g/overlay.cpio.gz" > "$_g/initrd"
}

vm_tap_guest() {
	: > "$VM_DIR/ssh_config_tap"
	vm_make_guest "$1" "$2" "$VM_DIR/ssh_config_tap"
	ip netns exec "$2" ip tuntap add dev vmtap0 mode tap || return 1
	ip netns exec "$2" ip addr add 10.9.0.1/24 dev vmtap0
	ip netns exec "$2" ip link set vmtap0 up
	ip netns exec "$2" ip link set lo up
}

vm_start() {
	_g="$VM_DIR/g$1"
	_disk=""
	# the disk is a slow one (VM_DISK_BPS, default 2 MB/s, like a network
	# volume): a reader waits on it instead of spending the emulated
	# CPU on the I/O path (unthrottled, 4k direct reads kept a TCG guest
	# 72% busy with only 26% iowait)
	[ -f "$_g/disk.img" ] && _disk="-drive file=$_g/disk.img,format=raw,if=virtio,cache=none,aio=threads,throttling.bps-total=${VM_DISK_BPS:-2097152}"
	_net="user,id=n0,hostfwd=tcp:127.0.0.1:$(cat "$_g/port")-:22" _in=""
	if [ -f "$_g/netns" ]; then
		_net="tap,id=n0,ifname=vmtap0,script=no,downscript=no"
		_in="ip netns exec $(cat "$_g/netns")"
	fi
	# shellcheck disable=SC2086
	$_in qemu-system-x86_64 -machine q35 -accel tcg,tb-size=64 -m "$VM_MEM" -smp "${VM_SMP:-1}" \
		-name "${VM_PREFIX:-doptop}-g$1,process=${VM_PREFIX:-doptop}-g$1" \
		-nographic -no-reboot -nodefaults -serial "file:$_g/console.log" \
		-kernel "$VM_IMG/vmlinuz" -initrd "$_g/initrd" \
		-append "console=ttyS0 panic=-1 quiet no_timer_check" \
		-netdev "$_net" \
		-device virtio-net-pci,netdev=n0 -device virtio-rng-pci $_disk ${VM_EXTRA:-} \
		-pidfile "$_g/qemu.pid" </dev/null >"$_g/qemu.out" 2>&1 &
	echo $! > "$_g/qemu.pid.bg"
}

# True once guest I's sshd runs commands for us.
vm_ssh() {
	_i=$1; shift
	_cfg="$VM_DIR/ssh_config" _in=""
	if [ -f "$VM_DIR/g$_i/netns" ]; then
		_cfg="$VM_DIR/ssh_config_tap"; _in="ip netns exec $(cat "$VM_DIR/g$_i/netns")"
	fi
	# a session ends within VM_SSH_MAX seconds (default 600) even when
	# an emulated guest stops answering in the middle of it
	$_in timeout -k 5 "${VM_SSH_MAX:-600}" \
		ssh -F "$_cfg" -o BatchMode=yes -o ConnectTimeout=30 "$(vm_name "$_i")" "$@"
}

vm_wait_up() {
	_end=$(( $(date +%s) + $2 ))
	while [ "$(date +%s)" -lt "$_end" ]; do
		grep -q doptop-guest-ready "$VM_DIR/g$1/console.log" 2>/dev/null &&
			vm_ssh "$1" true 2>/dev/null && return 0
		kill -0 "$(cat "$VM_DIR/g$1/qemu.pid.bg")" 2>/dev/null || return 1
		sleep 0.5
	done
	return 1
}

vm_kill() {
	_p=$(cat "$VM_DIR/g$1/qemu.pid.bg" 2>/dev/null) || return 0
	kill -9 "$_p" 2>/dev/null
	while kill -0 "$_p" 2>/dev/null; do sleep 0.1; done
	: > "$VM_DIR/g$1/console.log"
}

vm_fleet_down() {
	for _g in "$VM_DIR"/g*; do
		[ -f "$_g/qemu.pid.bg" ] && vm_kill "${_g##*/g}"
		[ -f "$_g/netns" ] && ip netns del "$(cat "$_g/netns")" 2>/dev/null
	done
	return 0
}

# vm_boot_all WHO: start every guest and wait until each answers ssh (300 s
# each); "WHO: guest N did not boot" on stderr and 1 when one does not.
vm_boot_all() {
	_i=0; while [ "$_i" -lt "$VM_N" ]; do vm_start "$_i"; _i=$((_i + 1)); done
	_i=0; while [ "$_i" -lt "$VM_N" ]; do
		vm_wait_up "$_i" 300 || { echo "$1: guest $_i did not boot" >&2; return 1; }
		_i=$((_i + 1))
	done
}

# vm_share_init DIR PORT HOSTKEY_PUB ITEMS: the host directory the guests
# mount (in/ out/ tmp/) and the job's ITEMS inputs of 8 KiB in DIR/in.
VM_SHARE= VM_SHARE_PORT= VM_SHARE_HK=
vm_share_init() {
	VM_SHARE=$1 VM_SHARE_PORT=$2
	VM_SHARE_HK="[10.0.2.2]:$2 $(cut -d' ' -f1,2 "$3")"
	mkdir -p "$VM_SHARE/in" "$VM_SHARE/out" "$VM_SHARE/tmp"
	: > "$VM_SHARE/go"
	python3 -c "
import os, sys
for i in range(int(sys.argv[2])):
    with open(os.path.join(sys.argv[1], 'item%05d.bin' % i), 'wb') as f: f.write(os.urandom(8192))
" "$VM_SHARE/in" "$4"
}

# One login (each costs an emulated guest seconds of CPU): the key, then
# the job, on one stdin (dd bs=1 reads the key's bytes and not one more).
# (vm_mount_share I job: and start the job, in the same login)
vm_mount_share() {
	_k=$(wc -c < "$VM_DIR/id_ed25519") _job=""
	[ "${2:-}" = job ] && _job=" && $(vm_job_cmd)"
	cat "$VM_DIR/id_ed25519" "$(dirname "$VM_LIB")/job.sh" | vm_ssh "$1" \
		"dd bs=1 count=$_k of=/root/.ssh/id_ed25519 2>/dev/null && chmod 600 /root/.ssh/id_ed25519 && cat > /tmp/job.sh &&
		 echo '$VM_SHARE_HK' > /root/.ssh/known_hosts && mkdir -p /mnt/share && sshfs -p $VM_SHARE_PORT root@10.0.2.2:$VM_SHARE /mnt/share$_job"
}

vm_job_cmd() {
	echo "{ setsid sh /tmp/job.sh /mnt/share ${VM_JOB_WORK:-1} ${VM_JOB_PAUSE:-0} </dev/null >/tmp/job.log 2>&1 & }"
}

vm_start_job() {
	vm_ssh "$1" "$(vm_job_cmd)"
}
