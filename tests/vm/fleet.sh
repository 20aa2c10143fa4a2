# Boot and stop a fleet of microVMs for tests.  Source it (POSIX sh).
#
#   vm_fleet_init DIR N   build the image (skip code 77 + reason when it
#                         cannot), make N guests adhoc-preemptible-000..,
#                         each with its own host key, an ssh_config
#                         (DIR/ssh_config) and a known_hosts (DIR/known_hosts)
#   vm_start I            boot guest I (0-based) in the background
#   vm_wait_up I SECS     wait until guest I answers ssh; 0 or 1
#   vm_kill I             kill -9 guest I's QEMU (a preemption)
#   vm_fleet_down         stop every QEMU this fleet started, by PID
#
# Guests use QEMU's software emulation (TCG): /dev/kvm on this kind of
# machine is a nested hypervisor stock guest kernels hang on.  Each guest
# reaches the host's 127.0.0.1 as 10.0.2.2 and is reached at
# 127.0.0.1:PORT (hostfwd), so no traffic leaves loopback.
VM_DIR= VM_N=0
VM_MEM=${VM_MEM:-256}

vm_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

vm_name() { printf 'adhoc-preemptible-%03d' "$1"; }

vm_fleet_init() {
	VM_DIR=$1 VM_N=$2
	mkdir -p "$VM_DIR"
	command -v qemu-system-x86_64 >/dev/null 2>&1 || { echo "no qemu-system-x86_64"; return 77; }
	_why=$(sh "$(dirname "$VM_LIB")/mkimage.sh" "$VM_DIR/img") || { echo "$_why"; return 77; }
	[ -f "$VM_DIR/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$VM_DIR/id_ed25519"
	: > "$VM_DIR/ssh_config"; : > "$VM_DIR/known_hosts"
	_i=0
	while [ "$_i" -lt "$VM_N" ]; do
		_g="$VM_DIR/g$_i"; mkdir -p "$_g/root/etc/ssh" "$_g/root/root/.ssh"
		vm_name "$_i" > "$_g/root/etc/hostname"
		rm -f "$_g/root/etc/ssh/ssh_host_ed25519_key"*
		ssh-keygen -q -t ed25519 -N '' -f "$_g/root/etc/ssh/ssh_host_ed25519_key"
		cp "$VM_DIR/id_ed25519.pub" "$_g/root/root/.ssh/authorized_keys"
		[ -f "$_g/rc.local" ] && cp "$_g/rc.local" "$_g/root/etc/rc.local"
		_port=$(vm_free_port); echo "$_port" > "$_g/port"
		printf 'Host %s\n\tHostName 127.0.0.1\n\tPort %s\n\tUser root\n\tIdentityFile %s\n\tIdentitiesOnly yes\n\tUserKnownHostsFile %s\n\tStrictHostKeyChecking yes\n' \
			"$(vm_name "$_i")" "$_port" "$VM_DIR/id_ed25519" "$VM_DIR/known_hosts" >> "$VM_DIR/ssh_config"
		printf '[127.0.0.1]:%s %s\n' "$_port" "$(cut -d' ' -f1,2 "$_g/root/etc/ssh/ssh_host_ed25519_key.pub")" >> "$VM_DIR/known_hosts"
		(cd "$_g/root" && find . | cpio -o -H newc --quiet | gzip -1) > "$_g/overlay.cpio.gz"
		cat "$VM_DIR/img/base.cpio.gz" "$_g/overlay.cpio.gz" > "$_g/initrd"
		_i=$((_i + 1))
	done
	return 0
}

vm_start() {
	_g="$VM_DIR/g$1"
	_disk=""
	[ -f "$_g/disk.img" ] && _disk="-drive file=$_g/disk.img,format=raw,if=virtio,cache=none,aio=threads"
	# shellcheck disable=SC2086
	qemu-system-x86_64 -machine q35 -accel tcg,tb-size=64 -m "$VM_MEM" -smp "${VM_SMP:-1}" \
		-nographic -no-reboot -nodefaults -serial "file:$_g/console.log" \
		-kernel "$VM_DIR/img/vmlinuz" -initrd "$_g/initrd" \
		-append "console=ttyS0 panic=-1 quiet no_timer_check" \
		-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$(cat "$_g/port")-:22" \
		-device virtio-net-pci,netdev=n0 $_disk ${VM_EXTRA:-} \
		-pidfile "$_g/qemu.pid" </dev/null >"$_g/qemu.out" 2>&1 &
	echo $! > "$_g/qemu.pid.bg"
}

# True once guest I's sshd runs commands for us.
vm_ssh() {
	_i=$1; shift
	ssh -F "$VM_DIR/ssh_config" -o BatchMode=yes -o ConnectTimeout=5 "$(vm_name "$_i")" "$@"
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
	_i=0
	while [ "$_i" -lt "$VM_N" ]; do vm_kill "$_i"; _i=$((_i + 1)); done
}
