#!/bin/sh
# A real fleet on one machine: microVMs (QEMU, software emulation), each
# with its own kernel, /proc and host key, reached over real SSH.
#  1. different loads on different nodes at once: cpu-bound, syscall-heavy,
#     io-starved/disk (direct I/O on a virtio disk), idle -- each load first
#     proven by reading the guest's own /proc/stat, then judged by doptop;
#  2. the seed's topology: the host shares a directory over sshfs, a
#     seed-shaped job runs on every guest, doptop watches --done on the
#     host; one guest is killed mid-job (preemption) and restarted: down,
#     restarted (new boot time), job resumes, output count == input count.
# Skips (exit 77, reason printed) when QEMU, the cloud kernel or
# busybox-static are not installed.  VMS=N guests (default 4, at least 4).
set -u
cd "$(dirname "$0")/.." || exit 1
BIN=${DOPTOP_BIN:-$PWD/build/dbg/doptop}
VM_LIB=tests/vm/fleet.sh
. tests/vm/fleet.sh
. tests/lib/sshd.sh
N=${VMS:-4}; [ "$N" -lt 4 ] && N=4
ITEMS=${VM_ITEMS:-600}
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $* ($(( $(date +%s) - t0 )) s)"; }

sshd_init
W=$SSHD_DIR/vm
why=$(vm_fleet_init "$W" "$N"); rc=$?
if [ "$rc" -ne 0 ]; then echo "SKIP: $why"; exit 77; fi
VM_DIR=$W VM_N=$N
truncate -s 64M "$W/g2/disk.img"
cleanup_vm() { vm_fleet_down; sshd_cleanup; }
trap 'cleanup_vm' EXIT INT TERM
t0=$(date +%s)
i=0; while [ "$i" -lt "$N" ]; do vm_start "$i"; i=$((i + 1)); done
i=0; while [ "$i" -lt "$N" ]; do
	vm_wait_up "$i" 180 || { fail "guest $i did not boot:"; grep -v "^\s*$" "$W/g$i/console.log" | tail -25; exit 1; }
	i=$((i + 1))
done
echo "fleet of $N up in $(( $(date +%s) - t0 )) s"
NODES=adhoc-preemptible-000..$(printf '%03d' $((N - 1)))
DOP="$BIN -F $W/ssh_config --nodes $NODES"

# /proc/stat's cpu line twice over 2 s inside the guest.
guest_split() {
	vm_ssh "$1" 'a=$(head -1 /proc/stat); sleep 2; b=$(head -1 /proc/stat); set -- $a; u=$2 n=$3 s=$4 i=$5 w=$6; set -- $b; t=$(( ($2+$3+$4+$5+$6)-(u+n+s+i+w) )); [ $t -gt 0 ] || t=1; echo $(( 100*($2+$3-u-n)/t )) $(( 100*($4-s)/t )) $(( 100*($6-w)/t )) $(( 100*($5-i)/t ))'
}

# --- 1. four loads at once -------------------------------------------------
vm_ssh 0 'setsid sh -c "while :; do :; done" </dev/null >/dev/null 2>&1 &'
vm_ssh 1 'setsid dd if=/dev/zero of=/dev/null bs=1 </dev/null >/dev/null 2>&1 &'
vm_ssh 2 'setsid sh -c "while :; do dd if=/dev/vda of=/dev/null bs=4k iflag=direct 2>/dev/null; done" </dev/null >/dev/null 2>&1 &'
set -- $(guest_split 0); p0="$*"
set -- $(guest_split 1); p1="$*"
set -- $(guest_split 2); p2="$*"
set -- $(guest_split 3); p3="$*"
echo "guest /proc (user system iowait idle): 0=[$p0] 1=[$p1] 2=[$p2] 3=[$p3]"
set -- $p0; proven0=$([ "${1:-0}" -ge 80 ] && echo y)
set -- $p1; proven1=$([ "${2:-0}" -ge 40 ] && echo y)
set -- $p2; proven2=$([ "${3:-0}" -ge 20 ] && echo y)
set -- $p3; proven3=$([ "${4:-0}" -ge 80 ] && echo y)
# Judge the six intervals after every node has data (logins into
# emulated guests are slow on a busy host; intervals before are no data).
$DOP --json -i 2 > "$W/mixed.json" 2> "$W/mixed.err" &
dpid=$!
python3 - "$W/mixed.json" "$proven0" "$proven1" "$proven2" "$proven3" <<'PY'
import json, sys, time
from collections import Counter
path, proven = sys.argv[1], sys.argv[2:]
want = {"adhoc-preemptible-000": ("cpu-bound", None), "adhoc-preemptible-001": ("syscall-heavy", "syscall"),
        "adhoc-preemptible-002": ("io-starved", "disk"), "adhoc-preemptible-003": ("idle", None)}
def read():
    out = []
    try:
        for line in open(path):
            if line.endswith("\n"): out.append(json.loads(line))
    except FileNotFoundError: pass
    return out
deadline = time.time() + 150
start = None
while time.time() < deadline:
    recs = read()
    judged, ncl = set(), 0
    for i, d in enumerate(recs):
        if d["type"] == "node" and d["node"] in want and d.get("verdict") not in (None, "unknown"):
            judged.add(d["node"])
        if d["type"] == "cluster":
            if start is None and judged == set(want): start = ncl
            ncl += 1
    if start is not None and ncl >= start + 7: break
    time.sleep(0.5)
else:
    print(f"FAIL: not every node judged within 150 s (judged: {sorted(judged)})"); sys.exit(1)
seen = {k: Counter() for k in want}
clusters, ncl = [], 0
for d in recs:
    if d["type"] == "cluster":
        ncl += 1
        if ncl > start + 1: clusters.append(d["verdicts"])
    elif d["type"] == "node" and d["node"] in want and ncl > start:
        seen[d["node"]][(d["verdict"], d["cause"])] += 1
bad = 0
for i, (node, (v, c)) in enumerate(sorted(want.items())):
    if proven[i] != "y":
        print(f"SKIP: {node}: its load did not show in the guest's /proc; not judged")
        continue
    top = seen[node].most_common(1)
    got = top[0][0] if top else None
    good = got is not None and got[0] == v and (c is None or got[1] == c)
    print(("ok" if good else "FAIL") + f": {node} expected {v}/{c or '*'}, dominant {got} of {dict(seen[node])}")
    bad += not good
if all(p == "y" for p in proven):
    tally = Counter(tuple(sorted(x.items())) for x in clusters)
    top = dict(tally.most_common(1)[0][0]) if tally else {}
    good = all(top.get(k) == 1 for k in ("cpu-bound", "syscall-heavy", "io-starved", "idle"))
    print(("ok" if good else "FAIL") + f": cluster line counts one of each (dominant {top})")
    bad += not good
sys.exit(1 if bad else 0)
PY
rc=$?; kill "$dpid" 2>/dev/null; wait "$dpid" 2>/dev/null
[ "$rc" -eq 0 ] || fail "mixed verdicts"
# Stop the loads: every process but the guest's own sshd, init and shells.
i=0; while [ "$i" -lt 3 ]; do vm_ssh "$i" 'pkill -f "^sh -c while" ; pkill -x dd; true' 2>/dev/null; i=$((i + 1)); done

# --- 2. the seed's topology: sshfs share, a job, a preemption --------------
sshd_start share || { fail "host sshd"; exit 1; }
cat "$W/id_ed25519.pub" >> "$SSHD_DIR/authorized_keys"
S=$SSHD_DIR/share; mkdir -p "$S/in" "$S/out" "$S/tmp"
python3 -c "
import os, sys
for i in range($ITEMS):
    with open(os.path.join(sys.argv[1], 'item%05d.bin' % i), 'wb') as f: f.write(os.urandom(8192))
" "$S/in"
hk="[10.0.2.2]:$SSHD_PORT $(cut -d' ' -f1,2 "$SSHD_DIR/host_ed25519.pub")"
mount_share() {
	vm_ssh "$1" "cat > /root/.ssh/id_ed25519; chmod 600 /root/.ssh/id_ed25519" < "$W/id_ed25519" &&
	vm_ssh "$1" "echo '$hk' > /root/.ssh/known_hosts; mkdir -p /mnt/share; sshfs -p $SSHD_PORT root@10.0.2.2:$S /mnt/share && cat > /tmp/job.sh" < tests/vm/job.sh
}
start_job() { vm_ssh "$1" 'setsid sh /tmp/job.sh /mnt/share 1 </dev/null >/tmp/job.log 2>&1 &'; }
i=0; while [ "$i" -lt "$N" ]; do mount_share "$i" || fail "sshfs on guest $i"; i=$((i + 1)); done
i=0; while [ "$i" -lt "$N" ]; do start_job "$i"; i=$((i + 1)); done
$DOP --json -i 1 --done "$S/out" --total "$ITEMS" > "$W/job.json" 2> "$W/job.err" &
dpid=$!
# Wait on conditions read from doptop's own output.
jq_last() { python3 - "$W/job.json" "$@" <<'PY'
import json, sys
path, what = sys.argv[1], sys.argv[2:]
last = {}
for line in open(path):
    try: d = json.loads(line)
    except ValueError: continue
    if d.get("type") == "node": last[d["node"]] = d
    elif d.get("type") == "progress": last["progress"] = d
if what[0] == "state": print(last.get(what[1], {}).get("state", ""))
elif what[0] == "done": print(last.get("progress", {}).get("done") or 0)
elif what[0] == "restarts": print(last.get(what[1], {}).get("restarts", 0))
PY
}
wait_for() {  # wait_for SECS DESC CMD...: until CMD succeeds
	_end=$(( $(date +%s) + $1 )); _d=$2; shift 2
	while [ "$(date +%s)" -lt "$_end" ]; do "$@" && return 0; sleep 0.5; done
	fail "timed out waiting for: $_d"; return 1
}
done_at_least() { [ "$(jq_last done)" -ge "$1" ]; }
state_is() { [ "$(jq_last state "$1")" = "$2" ]; }
wait_for 120 "a quarter of the items done" done_at_least $((ITEMS / 4))
victim=adhoc-preemptible-001
vm_kill 1
wait_for 60 "$victim down after its QEMU was killed" state_is "$victim" down && ok "$victim down after kill -9 of its VM"
d1=$(jq_last done)
wait_for 60 "the others keep going" done_at_least $((d1 + 20)) && ok "job keeps going on the other nodes"
vm_start 1
vm_wait_up 1 180 || fail "guest 1 did not boot again"
wait_for 60 "$victim up again" state_is "$victim" up && ok "$victim up again"
mount_share 1 && start_job 1
wait_for 300 "job finished" done_at_least "$ITEMS" && ok "job finished"
kill "$dpid" 2>/dev/null; wait "$dpid" 2>/dev/null
outs=$(ls "$S/out" | wc -l)
[ "$outs" -eq "$ITEMS" ] && ok "outputs == inputs ($outs)" || fail "outputs $outs != inputs $ITEMS"
python3 - "$W/job.json" "$victim" <<'PY' || fail "restart not seen"
import json, sys
path, victim = sys.argv[1], sys.argv[2]
states, restarted = [], False
for line in open(path):
    d = json.loads(line)
    if d.get("type") == "node" and d["node"] == victim:
        if not states or states[-1] != d["state"]: states.append(d["state"])
        restarted |= bool(d.get("restarted")) and d["state"] == "up"
print(("ok" if restarted else "FAIL") + f": {victim} states {states}, restarted after coming back: {restarted}")
sys.exit(0 if restarted else 1)
PY
echo "it_vm: $fails failure(s), $(( $(date +%s) - t0 )) s"
[ "$fails" -eq 0 ]
