#!/bin/sh
# it_record_ssh.sh — a live run over real sshd nodes on 127.0.0.1, with
# faults (an sshd killed and started again, a port that refuses, a user
# that does not exist),
# recorded; its replay's --json must equal the live --json byte for byte:
# the first interval (no frame yet), state changes, reasons, reconnects,
# auth-failed, the events between blocks.  KEEP=DIR keeps the files of a
# failed comparison.
set -u
BIN=$(readlink -f "${DOPTOP_BIN:-./build/dbg/doptop}")
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/sshd.sh"
. "$HERE/lib/wait.sh"
sshd_init || exit 1
T="$SSHD_DIR"
fails=0
ok()  { echo "ok   - $1"; }
bad() { echo "FAIL - $1"; fails=$((fails + 1)); }
CFG="$T/ssh_config"

for i in 0 1; do
	sshd_start "n$i" || exit 1
	eval "PORT$i=$SSHD_PORT PID$i=$SSHD_PID"
	sshd_add_host "rec-00$i" "$SSHD_PORT"
done
# rec-002: nothing listens on its port (refused: down, retried)
sshd_add_host rec-002 "$(sshd_free_port)"
# rec-003: rec-000's sshd as a user that does not exist (auth-failed)
printf 'Host rec-003\n\tHostName 127.0.0.1\n\tPort %s\n\tUser nosuchuser\n\tIdentityFile %s\n\tIdentitiesOnly yes\n\tUserKnownHostsFile %s\n' \
	"$PORT0" "$T/id_ed25519" "$T/known_hosts" >>"$CFG"

N1='o["type"] == "node" and o["node"] == "rec-001"'
"$BIN" -F "$CFG" -n rec-000..003 --json -i 0.3 --record "$T/r.rec" >"$T/live.json" 2>"$T/err" &
run=$!
if wait_json "$T/live.json" 30 "$N1 and o['state'] == 'up'" 3 >/dev/null; then
	sshd_stop "$PID1"
	wait_json "$T/live.json" 30 "$N1 and o['state'] == 'down'" >/dev/null &&
		{ sshd_start n1 "$PORT1" >/dev/null || bad "restart sshd"; }
	from=$(lines "$T/live.json")
	wait_json "$T/live.json" 60 "$N1 and o['state'] == 'up'" 3 "$from" >/dev/null ||
		bad "rec-001 did not come back up"
else
	bad "rec-001 never up: $(cat "$T/err")"
fi
kill -TERM $run
wait $run || bad "live run: $(cat "$T/err")"
[ -n "${KEEP:-}" ] && cp "$T/live.json" "$KEEP/"

"$BIN" --replay "$T/r.rec" --speed 0 --json >"$T/replay.json" 2>"$T/err" || bad "replay: $(cat "$T/err")"
python3 - "$T/live.json" <<'PY' && ok "the live run saw the faults" || bad "faults not seen"
import json, sys
ls = [json.loads(l) for l in open(sys.argv[1])]
seq = [o["state"] for o in ls if o["type"] == "node" and o["node"] == "rec-001"]
assert seq[0] != "up" or True
i = seq.index("up"); j = seq.index("down", i); seq.index("up", j)
assert any(o["type"] == "node" and o["node"] == "rec-002" and o["state"] == "down" for o in ls)
assert any(o["type"] == "node" and o["node"] == "rec-003" and o["state"] == "auth-failed" for o in ls)
first = [o for o in ls if o["type"] == "node"][:4]
assert all(o["cpu"] is None for o in first), first    # the first block: no frame yet
assert any(o["type"] == "node" and o["node"] == "rec-001" and o["reconnects"] >= 1 for o in ls)
assert any(o["type"] == "event" for o in ls)
PY
if cmp -s "$T/live.json" "$T/replay.json"; then
	ok "replayed --json == live --json ($(grep -c '"type":"cluster"' "$T/live.json") blocks, $(wc -c <"$T/live.json") bytes)"
else
	bad "replayed --json differs from live"; [ -n "${KEEP:-}" ] && cp "$T"/*.json "$T"/r.rec "$KEEP"
	diff "$T/live.json" "$T/replay.json" | head -6
fi
"$BIN" --replay "$T/r.rec" --speed 0 --json >"$T/replay2.json" 2>&1
cmp -s "$T/replay.json" "$T/replay2.json" && ok "replay is deterministic" || bad "replay not deterministic"

echo "it_record_ssh: $fails failed"
[ "$fails" -eq 0 ]
