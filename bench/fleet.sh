#!/bin/sh
# bench/fleet.sh — doptop watching N sshd-backed "nodes" on 127.0.0.1
# (N = 50, 200, 500, 2000) against the tool a user would reach for instead, a
# pdsh round of `cat /proc/...` over ssh, measured in one run.
#
# Sets up the fleet (tests/lib/sshd.sh: generated ed25519 keys, throw-away
# sshds, one per FLEET_PER_SSHD aliases, MaxStartups raised) and a client
# ssh_config with "Host node000" .. aliases, then hands over to
# bench/fleet_helper.py, which runs doptop and pdsh, prints the table, the
# ratios and OK/MISS against the issue's targets.  Exit 0 even on a MISS;
# exit 1 only when the benchmark itself broke.  Everything started here is
# stopped by PID (trap), also on Ctrl-C.
#
# Env: FLEET_SIZES (default "50 200 500 2000"), FLEET_PDSH_SIZES (default "50 200"),
# FLEET_PER_SSHD (default 100), FLEET_WINDOW (steady-state seconds, default 10),
# FLEET_UP_TIMEOUT (seconds to wait for all nodes up, default 60),
# FLEET_COMPRESS_SIZES (sizes run again with -C, zlib on the wire; default 200),
# FLEET_RECORD_SIZES (sizes whose run also records, for recording bytes per
# node-sample; default 200), FLEET_INTERVAL (doptop's -i, default 1: on a
# small box 2000 probes at 1 Hz plus their sshds can take every core, so
# the simulated nodes, not doptop, fall behind),
# DOPTOP (binary, default ./doptop).
cd "$(dirname "$0")/.." || exit 1
BIN=$(readlink -f "${DOPTOP:-./doptop}")
SIZES=${FLEET_SIZES:-"50 200 500 2000"}
PER=${FLEET_PER_SSHD:-100}
[ -x "$BIN" ] || { echo "fleet.sh: $BIN missing (make doptop)"; exit 1; }

if ! command -v pdsh >/dev/null 2>&1; then
	echo "fleet.sh: installing pdsh (apt-get)"
	apt-get install -y pdsh >/dev/null 2>&1 || echo "fleet.sh: pdsh unavailable; its column stays empty"
fi

# Every node is one TCP connection for doptop, and pdsh/ssh add their own.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 20000 2>/dev/null

. tests/lib/sshd.sh
sshd_init || exit 1
HELPER_PID=""
# Stop the helper and the process groups it started (doptop, pdsh and its
# ssh children; it lists their pids in $SSHD_DIR/children), then every
# sshd, by PID.
fleet_cleanup() {
	if [ -n "$HELPER_PID" ]; then
		kill "$HELPER_PID" 2>/dev/null
		wait "$HELPER_PID" 2>/dev/null
	fi
	if [ -f "$SSHD_DIR/children" ]; then
		for p in $(cat "$SSHD_DIR/children"); do kill -- "-$p" 2>/dev/null; done
	fi
	sshd_cleanup
}
trap 'fleet_cleanup' EXIT
trap 'exit 130' INT TERM

max=0
for n in $SIZES; do [ "$n" -gt "$max" ] && max=$n; done
[ "$max" -gt 0 ] || { echo "fleet.sh: FLEET_SIZES is empty"; exit 1; }
nsshd=$(( (max + PER - 1) / PER ))

# One sshd per PER aliases; one known_hosts line per port.
CFG="$SSHD_DIR/ssh_config"
pids=""
i=0
while [ "$i" -lt "$nsshd" ]; do
	sshd_start "fleet$i" || exit 1
	pids="$pids $SSHD_PID"
	eval "PORT_$i=$SSHD_PORT"
	printf '[127.0.0.1]:%s %s\n' "$SSHD_PORT" "$(cut -d' ' -f1,2 "$SSHD_DIR/host_ed25519.pub")" \
		>> "$SSHD_DIR/known_hosts"
	i=$((i + 1))
done
k=0
while [ "$k" -lt "$max" ]; do
	eval "port=\$PORT_$((k / PER))"
	printf 'Host node%03d\n\tHostName 127.0.0.1\n\tPort %s\n' "$k" "$port"
	k=$((k + 1))
done > "$CFG.hosts"
{
	cat "$CFG.hosts"
	printf 'Host *\n\tUser root\n\tIdentityFile %s/id_ed25519\n\tIdentitiesOnly yes\n' "$SSHD_DIR"
	printf '\tUserKnownHostsFile %s/known_hosts\n\tStrictHostKeyChecking yes\n' "$SSHD_DIR"
	printf '\tBatchMode yes\n\tLogLevel ERROR\n'
} > "$CFG"
echo "fleet: $max aliases on $nsshd sshd(s) (pids$pids), ulimit -n $(ulimit -n), $(nproc) cores"

python3 bench/fleet_helper.py --bin "$BIN" --config "$CFG" --sizes "$SIZES" \
	--pdsh-sizes "${FLEET_PDSH_SIZES:-50 200}" --window "${FLEET_WINDOW:-10}" \
	--up-timeout "${FLEET_UP_TIMEOUT:-60}" --sshd-pids "$pids" --dir "$SSHD_DIR" \
	--compress-sizes "${FLEET_COMPRESS_SIZES-200}" --record-sizes "${FLEET_RECORD_SIZES-200}" \
	--interval "${FLEET_INTERVAL:-1}" &
HELPER_PID=$!
wait "$HELPER_PID"
rc=$?
HELPER_PID=""
exit $rc
