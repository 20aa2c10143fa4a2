#!/bin/sh
# it_progress.sh — job progress end to end: a generator writes files at a
# known rate; doptop's rate, ETA, stall flag, deletions, globs, recursion,
# and remote counting through a real sshd (hostile path names).
set -u
BIN=$(readlink -f "${DOPTOP_BIN:-./build/dbg/doptop}")
HERE=$(cd "$(dirname "$0")" && pwd)
GEN="$HERE/it_progress_gen.py"
. "$HERE/lib/sshd.sh"
. "$HERE/lib/wait.sh"
sshd_init || exit 1
T="$SSHD_DIR/work"
mkdir -p "$T"
fails=0
ok()  { echo "ok   - $1"; }
bad() { echo "FAIL - $1"; fails=$((fails + 1)); }
# progress lines of a JSON run, one per line
plines() { grep '"type":"progress"' "$1"; }
# has_files DIR N: DIR holds at least N files
has_files() { [ "$(find "$1" -type f | wc -l)" -ge "$2" ]; }
P='o["type"] == "progress"'

# Section 8's job (50 s, mostly waiting) runs while sections 1-7 do; its
# generator logs when each phase really began, which is all it judges by.
mkdir "$T/life"
"$BIN" --done "$T/life" --total 1040 --json -i 1 -c 50 -n local >"$T/life.json" 2>"$T/life.err" &
life_run=$!
python3 "$GEN" "$T/life" --schedule 0:4,40:13,0:13,40:13 --log "$T/life.log" >/dev/null &
life_gen=$!

# 1. rate within 10% and ETA within 15% of the truth
mkdir "$T/out"
python3 "$GEN" "$T/out" 40 30 >/dev/null &
gen=$!
wait_for 10 "the generator's first files" has_files "$T/out" 20
"$BIN" --done "$T/out" --total 2000 --json -i 1 -c 14 -n local >"$T/rate.json" 2>"$T/err"
kill $gen 2>/dev/null; wait $gen 2>/dev/null
plines "$T/rate.json" | tail -n 1 | python3 -c '
import json, sys
p = json.loads(sys.stdin.read())
rate, done, eta = p["rate_per_s"], p["done"], p["eta_s"]
truth_eta = (2000 - done) / 40.0
print("rate %.1f/s (truth 40), done %d, eta %s s (truth %.0f)" % (rate, done, eta, truth_eta))
assert abs(rate - 40) <= 4, rate
assert eta is not None and abs(eta - truth_eta) <= 0.15 * truth_eta, (eta, truth_eta)
assert p["percent"] is not None and abs(p["percent"] - done / 20.0) < 0.01
assert p["source"] == "local" and p["stalled"] is False
' && ok "rate and ETA within 10%/15%" || bad "rate and ETA: $(plines "$T/rate.json" | tail -n 2)"

# 2. stall: generator stops -> stalled after --stall-after, then recovers
mkdir "$T/stall"
python3 "$GEN" "$T/stall" 20 2 >/dev/null
"$BIN" --done "$T/stall" --stall-after 2 --json -i 0.5 -n local >"$T/stall.json" 2>&1 &
run=$!
wait_json "$T/stall.json" 30 "$P and o['stalled']" >/dev/null
python3 "$GEN" "$T/stall" 20 1 --ext .b >/dev/null
from=$(lines "$T/stall.json")
wait_json "$T/stall.json" 30 "$P and not o['stalled']" 2 "$((from + 1))" >/dev/null
kill -TERM $run; wait $run
plines "$T/stall.json" | python3 -c '
import json, sys
s = [json.loads(l)["stalled"] for l in sys.stdin]
print("stalled:", "".join("S" if x else "." for x in s))
first = s.index(True)
assert not any(s[:3]), s
assert s[-1] is False and True in s[first:], s
' && ok "stalled turns on, then off when files appear" || bad "stall: $(plines "$T/stall.json" | head -n 3)"

# 3. deleting outputs is reported, never a negative rate or a crash
mkdir "$T/del"
python3 "$GEN" "$T/del" 100 1 >/dev/null
"$BIN" --done "$T/del" --json -i 0.5 -n local >"$T/del.json" 2>&1 &
run=$!
wait_json "$T/del.json" 30 "$P and o['done'] == 100" 2 >/dev/null
find "$T/del" -type f -name 'out000000[0-4]?.out' -delete
wait_json "$T/del.json" 30 "$P and o['message'] and 'down' in o['message']" >/dev/null
from=$(lines "$T/del.json")
wait_json "$T/del.json" 30 "$P" 1 "$((from + 1))" >/dev/null
kill -TERM $run; wait $run; rc=$?
plines "$T/del.json" | python3 -c '
import json, sys
ps = [json.loads(l) for l in sys.stdin]
assert all(p["rate_per_s"] >= 0 and p["rate_avg_per_s"] >= 0 for p in ps)
assert any(p["message"] and "down" in p["message"] for p in ps), ps[-1]
print("message:", ps[-1]["message"])
' && [ $rc -eq 0 ] && ok "deletion reported" || bad "deletion: rc=$rc $(plines "$T/del.json" | tail -n 1)"

# 4. --done-glob and --recursive count exactly what find counts
mkdir "$T/shard"
python3 "$GEN" "$T/shard" 300 1 --shard --ext .jpg >/dev/null
python3 "$GEN" "$T/shard" 100 1 --shard --ext .txt >/dev/null
want=$(find "$T/shard" -type f -name '*.jpg' | wc -l)
"$BIN" --done "$T/shard" --recursive --done-glob '*.jpg' --json -i 0.3 -c 2 -n local | plines /dev/stdin | tail -n 1 >"$T/g"
got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["done"])' "$T/g")
[ "$got" = "$want" ] && [ "$want" -gt 250 ] && ok "--recursive --done-glob: $got" || bad "--recursive --done-glob: got $got want $want"

# 4b. --todo counts the inputs as the total
mkdir "$T/in" "$T/half"
python3 "$GEN" "$T/in" 400 0.5 >/dev/null
python3 "$GEN" "$T/half" 200 0.5 >/dev/null
"$BIN" --done "$T/half" --todo "$T/in" --json -i 0.3 -c 3 -n local | plines /dev/stdin | tail -n 1 >"$T/todo"
python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
assert p["total"] == 200 and p["done"] == 100 and abs(p["percent"] - 50) < 0.01, p
' "$T/todo" && ok "--todo sets the total" || bad "--todo: $(cat "$T/todo")"

# 5. a missing directory is a message on the progress line, not a crash
# (--count ends with exit 3 when the job could not be counted, as documented)
"$BIN" --done "$T/nope" --json -i 0.3 -c 2 -n local >"$T/miss.json" 2>"$T/miss.err"; rc=$?
plines "$T/miss.json" | tail -n 1 | grep -q '"error":"[^"]*nope' && [ $rc -eq 3 ] && ok "missing dir reported, exit 3" || bad "missing dir rc=$rc $(tail -n 2 "$T/miss.json") $(cat "$T/miss.err")"

# 6. remote counting through sshd: a hostile directory name is quoted, not run
sshd_start count || exit 1
sshd_add_host storage "$SSHD_PORT"
evil="$T/it's a \"dir\" \$(touch PWNED) \`touch PWNED2\` x"
mkdir "$evil"
python3 "$GEN" "$evil" 500 0.2 >/dev/null
want=$(find "$evil" -maxdepth 1 -type f | wc -l)
"$BIN" -F "$SSHD_DIR/ssh_config" --done "storage:$evil" --json -i 0.5 -c 8 -n local >"$T/remote.json" 2>"$T/err"
got=$(plines "$T/remote.json" | tail -n 1 | python3 -c 'import json,sys; p=json.loads(sys.stdin.read()); print(p["done"], p["source"])')
[ "$got" = "$want storage" ] && [ -z "$(find "$T" /root -maxdepth 2 -name 'PWNED*' 2>/dev/null)" ] && ok "remote count with a hostile name: $got" || bad "remote count: got '$got' want '$want storage' $(tail -n 2 "$T/remote.json")"

# 7. a remote count that fails is an error on the progress line, not a 0
"$BIN" -F "$SSHD_DIR/ssh_config" --done "storage:$T/no such dir" --json -i 0.5 -c 6 -n local >"$T/rfail.json" 2>&1
plines "$T/rfail.json" | tail -n 1 | python3 -c '
import json, sys
p = json.loads(sys.stdin.read())
assert p["done"] is None and p["error"] and "storage" in p["error"], p
print("error:", p["error"])
' && ok "failed remote count reported" || bad "failed remote count: $(plines "$T/rfail.json" | tail -n 1)"

# 7b. a counting host that cannot be reached is a reason on the progress
# line (never a silent wait) and --count exits 3
sshd_add_host closedport 1
"$BIN" -F "$SSHD_DIR/ssh_config" --done "closedport:$T" --json -i 0.5 -c 6 -n local >"$T/closed.json" 2>"$T/closed.err"; rc=$?
plines "$T/closed.json" | tail -n 1 | python3 -c '
import json, sys
p = json.loads(sys.stdin.read())
assert p["error"] and p["error"].startswith("cannot count on closedport: "), p
print("error:", p["error"])
' && [ $rc -eq 3 ] && ok "unreachable counting host: reason, exit 3" || bad "unreachable counting host: rc=$rc $(plines "$T/closed.json" | tail -n 1) $(cat "$T/closed.err")"

# 8. the job line through a job's life: idle, start, pause (a kill),
# resume, finish (started at the top).  From 10 s after each change the rate is within 15% of
# the truth (0 while paused), the state says what happens, the ETA is gone
# while nothing comes, and the finish stops the clock.  Checked after the
# run against the generator's own log of when each phase began; if the
# generator could not keep its pace on a busy machine, SKIP (not FAIL).
wait $life_gen
wait $life_run; rc=$?
plines "$T/life.json" | python3 -c '
import json, os, sys
log = [l.split() for l in open(sys.argv[1])]
ph = [(float(t), r, int(n)) for t, r, n in log]
mt = sorted(e.stat().st_mtime for e in os.scandir(sys.argv[2]))
# The truth is what the generator did (its files mtimes), not what it was
# asked: on a loaded machine it may run slower, but it must run evenly
# for a rate to be a truth; else SKIP with the reason.
truths = []
for i in range(len(ph) - 1):
    tc, r, n = ph[i]
    nxt = ph[i + 1][0]
    files = ph[i + 1][2] - n
    truth = files / (nxt - tc) if r != "0" else 0.0
    truths.append(truth)
    for a in range(int(tc) + 2, int(nxt) - 5):
        k = sum(1 for m in mt if a <= m < a + 5)
        if truth and abs(k / 5.0 - truth) > 0.15 * truth:
            print("SKIP: generator uneven (%.1f/s in [%d, %d), phase average %.1f/s)"
                  % (k / 5.0, a - int(tc), a - int(tc) + 5, truth))
            sys.exit(3)
ps = [json.loads(l) for l in sys.stdin]
bad = []
for i in range(len(ph) - 1):
    tc, r, _ = ph[i]
    nxt = ph[i + 1][0]
    for p in ps:
        if not (tc + 10 <= p["t"] < nxt):
            continue
        truth = truths[i]
        rate = p["rate_per_s"]
        if (truth > 0 and abs(rate - truth) > 0.15 * truth) or (truth == 0 and rate > 0.15 * max(truths)):
            bad.append("t+%.0f rate %.1f truth %g" % (p["t"] - tc, rate, truth))
        want = {0: ("waiting",) if i == 0 else ("quiet", "slowing")}.get(truth, ("running",))
        if p["state"] not in want:
            bad.append("t+%.0f state %s want %s" % (p["t"] - tc, p["state"], want))
        if truth == 0 and p["eta_s"] is not None:
            bad.append("t+%.0f eta %s while paused" % (p["t"] - tc, p["eta_s"]))
        if truth == 0 and i > 0 and p["t"] >= tc + 12 and p["state"] != "quiet":
            bad.append("t+%.0f not quiet after 12 s" % (p["t"] - tc))
        if truth == 0 and i > 0 and p["last_file_s"] < p["t"] - tc - 3:
            bad.append("t+%.0f last_file_s %s" % (p["t"] - tc, p["last_file_s"]))
end = ph[-1][0]
fin = [p for p in ps if p["t"] >= end + 2]
if not fin or any(p["state"] != "finished" for p in fin):
    bad.append("not finished after the end: %s" % [p["state"] for p in fin])
else:
    f = fin[-1]
    if abs(f["finished_at"] - end) > 2.5:
        bad.append("finished_at %.1f, generator ended %.1f" % (f["finished_at"], end))
    run_truth = end - ph[1][0]
    if abs(f["elapsed_s"] - run_truth) > 2.5:
        bad.append("elapsed %.1f truth %.1f" % (f["elapsed_s"], run_truth))
    if len(set(p["elapsed_s"] for p in fin)) != 1 or f["eta_s"] != 0:
        bad.append("clock still moving after the finish: %s" % [p["elapsed_s"] for p in fin])
    print("finished in %.1f s (truth %.1f), avg %.1f/s" % (f["elapsed_s"], run_truth, f["rate_avg_per_s"]))
for b in bad[:8]:
    print(b)
sys.exit(1 if bad else 0)
' "$T/life.log" "$T/life"
r=$?
if [ $r -eq 3 ]; then echo "skip - job life (generator could not keep pace)"
elif [ $r -eq 0 ] && [ $rc -eq 0 ]; then ok "job life: start, pause, resume, finish within 10 s"
else bad "job life: rc=$rc $(tail -n 2 "$T/life.err")"; fi

echo "it_progress: $fails failed"
[ "$fails" -eq 0 ]
