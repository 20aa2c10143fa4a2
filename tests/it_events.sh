#!/bin/sh
# it_events.sh — events on real changes: the job stalls, resumes and ends;
# a real sshd node is killed; each gives one event line and one --on-event
# run.  A hanging or failing hook never holds up the output, is killed at
# its time limit, and leaves no zombie.  --exit-when-done exits 0.
set -u
BIN=$(readlink -f "${DOPTOP_BIN:-./build/dbg/doptop}")
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/sshd.sh"
sshd_init || exit 1
T="$SSHD_DIR"
fails=0
ok()  { echo "ok   - $1"; }
bad() { echo "FAIL - $1"; fails=$((fails + 1)); }
# wait_for FILE PATTERN SECONDS: poll until a line matches (no blind sleep)
wait_for() {
	_end=$(( $(date +%s) + $3 ))
	while [ "$(date +%s)" -le "$_end" ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
count() { grep -c "$2" "$1" 2>/dev/null || true; }

# 1. the job: stalled, resumed, done; --exit-when-done exits 0
mkdir -p "$T/out"
HOOK='printf "%s|%s|%s|%s\n" "$DOPTOP_EVENT" "$DOPTOP_NODE" "$DOPTOP_DONE" "$DOPTOP_TOTAL" >>'"$T/hook.log"
"$BIN" --json -i 0.3 --done "$T/out" --total 3 --stall-after 1 --on-event "$HOOK" \
	--exit-when-done >"$T/job.json" 2>"$T/job.err" &
run=$!
wait_for "$T/job.json" '"type":"progress"' 20 || bad "no progress line"
touch "$T/out/a"
wait_for "$T/job.json" '"event":"stalled"' 30 || bad "no stalled event"
touch "$T/out/b"
wait_for "$T/job.json" '"event":"resumed"' 30 || bad "no resumed event"
touch "$T/out/c"
end=$(( $(date +%s) + 30 ))
while kill -0 $run 2>/dev/null && [ "$(date +%s)" -le "$end" ]; do sleep 0.1; done
if kill -0 $run 2>/dev/null; then
	bad "--exit-when-done: still running 30 s after the last item"
	kill $run
fi
wait $run
rc=$?
[ $rc -eq 0 ] && ok "--exit-when-done: exit 0 after done" || bad "--exit-when-done: exit $rc ($(cat "$T/job.err"))"
for e in stalled resumed done; do
	j=$(count "$T/job.json" "\"event\":\"$e\"")
	h=$(count "$T/hook.log" "^$e|")
	[ "$j" = 1 ] && [ "$h" = 1 ] && ok "$e: one event line, one hook run" ||
		bad "$e: $j event lines, $h hook runs"
done
grep -q '^done||3|3$' "$T/hook.log" && ok "hook environment: DOPTOP_EVENT/NODE/DONE/TOTAL" ||
	bad "hook environment: $(cat "$T/hook.log")"
python3 - "$T/job.json" <<'PY' && ok "event lines are valid JSON with the contract fields" || bad "event JSON"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if '"type":"event"' in l]
for e in ev:
    assert set(("t", "event", "node", "detail")) <= set(e), e
    if e["event"] in ("stalled", "resumed", "done"):
        assert e["node"] is None and e["total"] == 3, e
PY

# 2. a node is killed: one "down" event and one hook run; the hook hangs
#    (sleep) and fails — the output keeps its pace, the hook is killed at
#    its limit and reaped
sshd_start n0 || exit 1
sshd_add_host node0 "$SSHD_PORT"
HOOK2='echo "$DOPTOP_EVENT|$DOPTOP_NODE" >>'"$T/hook2.log"'; [ "$DOPTOP_EVENT" = down ] && exec sleep 1000; exit 3'
"$BIN" -F "$T/ssh_config" -n node0,local --json -i 0.5 --on-event "$HOOK2" \
	>"$T/fleet.json" 2>"$T/fleet.err" &
run=$!
wait_for "$T/fleet.json" '"node":"node0","state":"up"' 30 || bad "node0 never up"
sshd_stop "$SSHD_PID"
wait_for "$T/fleet.json" '"event":"down"' 40 || bad "no down event"
t_down=$(date +%s)
# the hanging hook is running now; the output must keep its pace
n0=$(count "$T/fleet.json" '"type":"cluster"')
wait_for "$T/hook2.log" '^down|node0' 10 || bad "hook did not run for down"
# wait for the hook's kill at its time limit (10 s, then SIGKILL 2 s
# later): doptop has no child left (no blind wait; 30 s bound a failure)
end=$(( t_down + 30 ))
while [ "$(ps -o pid= --ppid $run 2>/dev/null | wc -l)" -gt 0 ] && [ "$(date +%s)" -le "$end" ]; do
	sleep 0.1
done
took=$(( $(date +%s) - t_down ))
n1=$(count "$T/fleet.json" '"type":"cluster"')
zombies=$(ps -o stat= --ppid $run 2>/dev/null | grep -c Z)
children=$(ps -o pid= --ppid $run 2>/dev/null | wc -l)
kill $run
wait $run
# at -i 0.5, two blocks a second; a hook holding up the loop would give ~0
[ "$took" -ge 8 ] && [ $((n1 - n0)) -ge $((took * 6 / 5)) ] &&
	ok "output kept its pace while the hook hung ($((n1 - n0)) blocks in $took s at 0.5 s)" ||
	bad "output stalled behind the hook: $((n1 - n0)) blocks in $took s (the hook is held about 10 s)"
[ "$zombies" = 0 ] && [ "$children" = 0 ] && ok "hung hook killed and reaped: no child, no zombie" ||
	bad "hook children left: $children (zombies $zombies)"
d=$(count "$T/fleet.json" '"event":"down"')
h=$(count "$T/hook2.log" '^down|node0')
[ "$d" = 1 ] && [ "$h" = 1 ] && ok "node killed: one down event, one hook run" || bad "down: $d events, $h hook runs"

echo "it_events: $fails failed"
[ $fails -eq 0 ]
