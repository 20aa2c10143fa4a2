#!/bin/sh
# make demo: boot a microVM fleet (VMS guests, default 4), share a
# directory from this machine over sshfs, start the seed-shaped job on
# every guest with a different bottleneck beside it, and open doptop on
# it.  Quit doptop (q) and everything started here is stopped.
#   guest 000: the job only          guest 002: the job + a direct-I/O reader
#   guest 001: the job + a CPU hog   guest 003: idle until you start it
# Try: kill -9 one guest's QEMU (its PID is in the printed dir) and watch
# it go down; `VM_DIR=... sh -c '. tests/vm/fleet.sh; vm_start 1'` brings
# it back.
set -u
cd "$(dirname "$0")/../.." || exit 1
BIN=${DOPTOP_BIN:-$PWD/doptop}
[ -x "$BIN" ] || { echo "demo: $BIN missing (make)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (QEMU user networking, sshd)" >&2; exit 1; }
VM_LIB=tests/vm/fleet.sh
. tests/vm/fleet.sh
. tests/lib/sshd.sh
N=${VMS:-4}
ITEMS=${VM_ITEMS:-3000}
sshd_init
W=$SSHD_DIR/vm
why=$(vm_fleet_init "$W" "$N") || { echo "demo: $why" >&2; exit 1; }
VM_DIR=$W VM_N=$N
trap 'vm_fleet_down; sshd_cleanup' EXIT
trap 'exit 1' INT TERM
truncate -s 64M "$W/g2/disk.img"
echo "demo: booting $N guests (software emulation, ~10-40 s)..."
vm_boot_all demo || exit 1
sshd_start share || exit 1
cat "$W/id_ed25519.pub" >> "$SSHD_DIR/authorized_keys"
S=$SSHD_DIR/share
vm_share_init "$S" "$SSHD_PORT" "$SSHD_DIR/host_ed25519.pub" "$ITEMS"
i=0; while [ "$i" -lt "$N" ] && [ "$i" -lt 3 ]; do
	vm_mount_share "$i" && vm_start_job "$i"; i=$((i + 1))
done
vm_ssh 1 'setsid sh -c "echo \$\$ > /tmp/load.pid; renice -n 19 \$\$; while :; do :; done" </dev/null >/dev/null 2>&1 &'
vm_ssh 2 'setsid sh -c "echo \$\$ > /tmp/load.pid; renice -n 19 \$\$; while :; do dd if=/dev/vda of=/dev/null bs=64k iflag=direct 2>/dev/null; done" </dev/null >/dev/null 2>&1 &'
echo "demo: fleet in $W; job inputs in $S/in, outputs in $S/out"
"$BIN" -F "$W/ssh_config" --nodes "adhoc-preemptible-000..$(printf '%03d' $((N - 1)))" \
	--done "$S/out" --total "$ITEMS" "$@"
