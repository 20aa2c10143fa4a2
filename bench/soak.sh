#!/bin/sh
# bench/soak.sh — `make soak`: doptop watching N SSH nodes for a long time
# while a fault schedule hits random nodes every minute; prints, per report
# period, memory (RSS, anonymous, heap), descriptors, CPU per node-sample and
# whether every fault recovered; records the run and checks that the replayed
# --json equals the live one.  A benchmark, not part of `make test`.
#
# Env: SOAK_NODES (default 200), SOAK_INTERVAL (seconds, default 1),
# SOAK_MINUTES (default 30), SOAK_REPORT (seconds per report line, default
# 300), SOAK_FAULTS (1 = the fault schedule, 0 = none), SOAK_NETNS_NODES
# (nodes behind a network namespace whose link is cut, default N/20),
# DOPTOP (binary, default ./doptop), SOAK_KEEP (a dir to keep the recording,
# JSON and report in).
#
# Each node is its own sshd (so one can be killed, frozen or turned hostile
# alone); SOAK_NETNS_NODES of them listen inside the network namespace
# night-soak-<pid>, reached over a veth pair, whose link the schedule cuts
# (the namespace's end goes down: packets are dropped silently, as on a
# cut cable; a blackhole route keeps them from ever leaving the machine).
# Everything started here is stopped by PID (trap), also on Ctrl-C, and the
# namespace is deleted.  Exit 0 when every target is met, 1 on a MISS or
# when the soak itself broke.
cd "$(dirname "$0")/.." || exit 1
BIN=$(readlink -f "${DOPTOP:-./doptop}")
[ -x "$BIN" ] || { echo "soak.sh: $BIN missing (make doptop)"; exit 1; }
N=${SOAK_NODES:-200}
K=${SOAK_NETNS_NODES:-$(( N / 20 ))}
[ "$(id -u)" -eq 0 ] || K=0   # a namespace needs root
# 4 descriptors per node and a margin
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 20000 2>/dev/null

. tests/lib/sshd.sh
sshd_init || exit 1
NS=""
HELPER_PID=""
# Stop the helper (it stops doptop and every sshd it started, by PID; the
# pids are also listed in $SSHD_DIR/children), then the namespace.
soak_cleanup() {
	if [ -n "$HELPER_PID" ]; then
		kill "$HELPER_PID" 2>/dev/null
		wait "$HELPER_PID" 2>/dev/null
	fi
	if [ -f "$SSHD_DIR/children" ]; then
		for p in $(cat "$SSHD_DIR/children"); do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
	fi
	[ -n "$NS" ] && ip netns del "$NS" 2>/dev/null
	[ -n "$NS" ] && ip link del "nsk$$" 2>/dev/null
	[ -n "$NS" ] && ip route del blackhole 10.231.0.0/24 metric 4000 2>/dev/null
	sshd_cleanup
}
trap 'soak_cleanup' EXIT
trap 'exit 130' INT TERM

if [ "$K" -gt 0 ]; then
	NS="night-soak-$$"
	ip netns add "$NS" &&
	ip link add "nsk$$" type veth peer name "nskp$$" &&
	ip link set "nskp$$" netns "$NS" &&
	ip addr add 10.231.0.1/24 dev "nsk$$" &&
	ip link set "nsk$$" up &&
	ip netns exec "$NS" ip addr add 10.231.0.2/24 dev "nskp$$" &&
	ip netns exec "$NS" ip link set "nskp$$" up &&
	ip netns exec "$NS" ip link set lo up &&
	# should the veth's own route ever go, nothing for the namespace may
	# take the default route off this machine: a blackhole behind it
	ip route add blackhole 10.231.0.0/24 metric 4000 ||
		{ echo "soak.sh: cannot set up the namespace; no link faults"; K=0; }
fi

python3 bench/soak_helper.py --bin "$BIN" --dir "$SSHD_DIR" --nodes "$N" \
	--netns-nodes "$K" --netns "$NS" --veth "nskp$$" \
	--interval "${SOAK_INTERVAL:-1}" --minutes "${SOAK_MINUTES:-30}" \
	--report "${SOAK_REPORT:-300}" --faults "${SOAK_FAULTS:-1}" \
	--keep "${SOAK_KEEP:-}" &
HELPER_PID=$!
wait "$HELPER_PID"
rc=$?
HELPER_PID=""
exit $rc
