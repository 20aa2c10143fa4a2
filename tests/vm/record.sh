#!/bin/sh
# Record the README's session (`make record-vm`): a microVM fleet of four
# guests running the seed-shaped job over sshfs, each with a different
# bottleneck, and a preemption -- written with doptop --record to
# tests/data/vmfleet.rec (zstd), which tests/screenshots.sh renders.
#
#   guest 000: the job only            guest 002: a direct-I/O reader only
#   guest 001: the job + a CPU hog     guest 003: idle
#
# Timeline, from doptop's start (-i 1, REC_SECS=150 intervals): at 40 s
# guest 001's QEMU is killed (a preemption: stale, then down); at 75 s it
# boots again (restarted, a new boot time) and its job resumes, skipping
# the items already done.  Run as root; `tests/vm/record.sh OUT` writes OUT.
set -u
cd "$(dirname "$0")/../.." || exit 1
OUT=${1:-tests/data/vmfleet.rec}
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac
BIN=${DOPTOP_BIN:-$PWD/doptop}
SECS=${REC_SECS:-150}
[ -x "$BIN" ] || { echo "record: $BIN missing (make)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "record: run as root (QEMU user networking, sshd)" >&2; exit 1; }
VM_LIB=tests/vm/fleet.sh
. tests/vm/fleet.sh
. tests/lib/sshd.sh
N=4
ITEMS=${VM_ITEMS:-3000}
sshd_init
W=$SSHD_DIR/vm
why=$(vm_fleet_init "$W" "$N") || { echo "record: $why" >&2; exit 1; }
VM_DIR=$W VM_N=$N
dpid=""
trap '[ -n "$dpid" ] && kill "$dpid" 2>/dev/null; vm_fleet_down; sshd_cleanup' EXIT
trap 'exit 1' INT TERM
truncate -s 64M "$W/g2/disk.img"
echo "record: booting $N guests..."
vm_boot_all record || exit 1
sshd_start share || exit 1
cat "$W/id_ed25519.pub" >> "$SSHD_DIR/authorized_keys"
S=$SSHD_DIR/share
vm_share_init "$S" "$SSHD_PORT" "$SSHD_DIR/host_ed25519.pub" "$ITEMS"
i=0; while [ "$i" -lt 2 ]; do
	vm_mount_share "$i" && vm_start_job "$i" || exit 1
	i=$((i + 1))
done
hog='setsid sh -c "while :; do :; done" </dev/null >/dev/null 2>&1 &'
vm_ssh 1 "$hog"
vm_ssh 2 'setsid sh -c "while :; do dd if=/dev/vda of=/dev/null bs=64k iflag=direct 2>/dev/null; done" </dev/null >/dev/null 2>&1 &'
rm -f "$OUT"
"$BIN" -F "$W/ssh_config" --nodes adhoc-preemptible-000..003 -i 1 --count "$SECS" --json \
	--done "$S/out" --todo "$S/in" --job-cmd job.sh --record "$OUT" \
	> "$W/record.json" 2> "$W/record.err" &
dpid=$!
t0=$(date +%s)
at() { while [ $(( $(date +%s) - t0 )) -lt "$1" ]; do sleep 0.5; done; }
at 40
echo "record: 40 s: guest 001 preempted"
vm_kill 1
at 75
echo "record: 75 s: guest 001 boots again"
vm_start 1
vm_wait_up 1 120 && vm_mount_share 1 && vm_start_job 1 && vm_ssh 1 "$hog"
wait "$dpid"; rc=$?; dpid=""
echo "record: doptop exited $rc; $(ls "$S/out" | wc -l) of $ITEMS items done"
python3 - "$W/record.json" <<'PY'
import json, sys
states = {}
for line in open(sys.argv[1]):
    d = json.loads(line)
    if d.get("type") == "node":
        s = states.setdefault(d["node"], [])
        v = d["state"] + ("/" + d["verdict"] if d["state"] == "up" else "")
        if not s or s[-1] != v: s.append(v)
for n, s in sorted(states.items()): print(f"record: {n}: {' > '.join(s)}")
PY
ls -l "$OUT"
