#!/bin/sh
# it_limits.sh — descriptor limits: 200 nodes (aliases over 4 real sshds on
# 127.0.0.1, agent authentication) under a soft limit of 256, which doptop
# raises; then under a hard limit of 160, where the fleet cannot fit: one
# message with the numbers, and every node is either up or local-error --
# never auth-failed, hostkey-mismatch, unreachable or down.
set -u
BIN=$(readlink -f "${DOPTOP_BIN:-./build/dbg/doptop}")
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/sshd.sh"
sshd_init || exit 1
T="$SSHD_DIR"
fails=0
ok()  { echo "ok   - $1"; }
bad() { echo "FAIL - $1"; fails=$((fails + 1)); }
CFG="$T/ssh_config"
N=200
sshd_agent_start || exit 1
for g in a b c d; do
	sshd_start "lim$g" || exit 1
	sshd_add_host "lim-$g-*" "$SSHD_PORT" "ServerAliveInterval 5"
done
nodes="lim-a-000..049,lim-b-000..049,lim-c-000..049,lim-d-000..049"

# Run doptop under the limits given (a ulimit argument list) until every
# node is settled as the checker wants or the deadline passes; JSON to $1.
run_limited() {
	out=$1 want=$2
	shift 2
	( ulimit "$@" && exec "$BIN" -F "$CFG" -n "$nodes" --json -i 1 -c 90 ) \
		>"$out" 2>"$out.err" &
	pid=$!
	end=$(( $(date +%s) + 90 ))
	while kill -0 $pid 2>/dev/null && [ "$(date +%s)" -lt $end ]; do
		python3 - "$out" "$want" $N <<'PY' && break
import json, sys
want, n = sys.argv[2], int(sys.argv[3])
last = {}
for l in open(sys.argv[1]):
    if l.endswith("\n") and '"type":"node"' in l:
        d = json.loads(l)
        last[d["node"]] = d["state"]
ok = {"up"} if want == "all-up" else {"up", "local-error"}
sys.exit(0 if len(last) == n and set(last.values()) <= ok and "up" in last.values() else 1)
PY
		sleep 1
	done
	kill $pid 2>/dev/null
	wait $pid 2>/dev/null
}

# Every state ever reported, and the worst reasons (for a failure message).
states() {
	python3 - "$1" <<'PY'
import collections, json, sys
seen = collections.Counter()
why = {}
last = {}
for l in open(sys.argv[1]):
    if l.endswith("\n") and '"type":"node"' in l:
        d = json.loads(l)
        seen[d["state"]] += 1
        last[d["node"]] = d["state"]
        if d["state"] not in ("up", "connecting"):
            why[d["state"]] = d["why"]
print(dict(seen), "last:", dict(collections.Counter(last.values())), why)
PY
}

# 1. soft limit 256: doptop raises it to the hard limit; all 200 come up
#    with agent authentication, nothing is ever misreported.
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt 1024 ]; then
	echo "skip - hard descriptor limit $hard is below what part 1 needs"
else
	run_limited "$T/soft.json" all-up -Sn 256
	s=$(states "$T/soft.json")
	echo "$s"
	case "$s" in
	*"auth-failed"*|*"hostkey-mismatch"*|*"unreachable"*|*"local-error"*|*"'down'"*)
		bad "soft limit 256: a node was misreported: $s" ;;
	*"last: {'up': $N}"*) ok "soft limit 256 raised: all $N nodes up, none misreported" ;;
	*) bad "soft limit 256: not all up: $s" ;;
	esac
	grep -q "file descriptors" "$T/soft.json.err" && bad "fit message although the limit was raised"
fi

# 2. hard limit 160: cannot fit 200; said once with the numbers; nodes are
#    up or local-error only (the local-error reason names the limit).
run_limited "$T/hard.json" up-or-local -n 160
s=$(states "$T/hard.json")
echo "$s"
cat "$T/hard.json.err"
case "$s" in
*"auth-failed"*|*"hostkey-mismatch"*|*"unreachable"*|*"'down'"*)
	bad "hard limit 160: a node was misreported: $s" ;;
*"'local-error'"*"limit 160"*) ok "hard limit 160: nodes up or local-error naming the limit" ;;
*) bad "hard limit 160: expected up + local-error: $s" ;;
esac
[ "$(grep -c "200 nodes need about .* file descriptors .* but the limit is 160" "$T/hard.json.err")" = 1 ] \
	&& ok "the fleet that cannot fit is said once with the numbers" \
	|| bad "fit message: $(cat "$T/hard.json.err")"

[ $fails -eq 0 ] && echo "it_limits: ok" || echo "it_limits: $fails failed"
[ $fails -eq 0 ]
