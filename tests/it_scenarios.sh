#!/bin/bash
# Scenario tests on real loads.  For each load of tests/loads/: start it,
# wait until tests/loads/signature.py (an independent reader of /proc) sees
# the load's signature, run `$DOPTOP_BIN --json -i 1 -c $COUNT --nodes
# local`, check that the signature held over doptop's whole run, then judge
# doptop: the dominant verdict and cause, every line valid JSON, each node
# line's CPU split adding up to 100 +- 1.
# One PASS/FAIL/SKIP line per scenario.  A scenario is SKIPPED, with the
# reason, when this machine cannot produce its load (not root, a tool
# missing, no swap support, no cgroup controller, one core) or when the load
# did not show its signature (other work on a shared machine, ...): never
# failed for the machine, never judged on a load that did not happen.
# Nothing is retried.
# Usage: it_scenarios.sh [SCENARIO...] (default: all); --list prints the
# names.  Exit 0 if none failed and one passed, 77 if all were skipped, else 1.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
set -u

cd "$(dirname "$0")/.." || exit 1
LOADS="$PWD/tests/loads"
DOPTOP_BIN="${DOPTOP_BIN:-$PWD/build/dbg/doptop}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export LOAD_STATE="${LOAD_STATE:-/tmp/doptop-it-loads.$$}"
export LOAD_TIMEOUT=300	# a load outlives a killed test by 5 minutes at most
# the system python: a pyenv shim costs seconds of forks on a busy machine
PY="${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}"
SIG_WAIT="${SIG_WAIT:-20}"	# s to wait for a started load's signature
COUNT="${COUNT:-6}"
CURRENT=""
WORK=""

# name : expected verdict : expected cause ("*" = any)
SCENARIOS="
idle:idle:*
single:underused:*
cpu:cpu-bound:none
syscall:syscall-heavy:syscall
fork:syscall-heavy:fork
ipc:syscall-heavy:ipc
disk:io-starved:disk
net:io-starved:network
netdirect:io-starved:network
mixed:cpu-bound:none
cachethrash:io-starved:memory
memthrash:io-starved:memory
"

if [ "${1:-}" = --list ]; then
	for s in $SCENARIOS; do echo "${s%%:*}"; done
	exit 0
fi

# Stop the running load (if any) and remove the work directory.
cleanup() {
	[ -n "$CURRENT" ] && "$LOADS/$CURRENT.sh" stop >/dev/null 2>&1
	CURRENT=""
	[ -n "$WORK" ] && rm -rf "$WORK"
	rm -rf "$LOAD_STATE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# Print the packages of the tools the loads need that are missing here
# (`sh .ci/deps test` installs them).
missing_tools() {
	local need="" t
	for t in stress-ng:stress-ng sshfs:sshfs losetup:mount tc:iproute2 \
		sshd:openssh-server ssh:openssh-client mkswap:util-linux; do
		command -v "${t%%:*}" >/dev/null 2>&1 || need="$need ${t#*:}"
	done
	echo "$need"
}

# Wait up to $1 s for a quiet second (busy < 15%), so the tail of the
# previous load (or of anything else) is not measured.  Prints the last
# busy %; status 1 when the machine did not go quiet in time.
wait_quiet() {
	"$PY" - "$1" <<'PY'
import sys, time
def snap():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[3] + v[4], sum(v[:8])
busy = 100.0
for _ in range(int(sys.argv[1])):
    i0, t0 = snap(); time.sleep(1); i1, t1 = snap()
    if t1 > t0:
        busy = 100.0 * (1 - (i1 - i0) / (t1 - t0))
    if busy < 15:
        print(f"{busy:.0f}")
        sys.exit(0)
print(f"{busy:.0f}")
sys.exit(1)
PY
}

# Judge doptop's JSON output file $1 against verdict $2 and cause $3 for
# scenario $4; print one PASS/FAIL line; exit status 0 on pass.
judge() {
	"$PY" - "$@" <<'PY'
import collections, json, sys
path, want_v, want_c, name = sys.argv[1:5]
errors, verdicts, causes = [], collections.Counter(), collections.Counter()
nodes = clusters = 0
with open(path, errors="replace") as f:
    lines = [l for l in f.read().splitlines() if l.strip()]
for n, line in enumerate(lines, 1):
    try:
        obj = json.loads(line)
    except ValueError as e:
        errors.append(f"line {n} not JSON ({e})")
        continue
    if obj.get("type") == "cluster":
        clusters += 1
        continue
    if obj.get("type") in ("event", "progress"):
        continue
    if obj.get("type") != "node":
        errors.append(f"line {n}: type {obj.get('type')!r}")
        continue
    nodes += 1
    cpu = obj.get("cpu")
    if obj.get("verdict") != "unknown" and not cpu:
        errors.append(f"line {n}: verdict without cpu")
    if cpu:
        s = sum(cpu[k] for k in ("user", "system", "iowait", "steal", "idle"))
        if abs(s - 100.0) > 1.0:
            errors.append(f"line {n}: cpu split adds up to {s:.2f}")
    v = obj.get("verdict")
    if v != "unknown":
        verdicts[v] += 1
        causes[(v, obj.get("cause"))] += 1
if clusters == 0:
    errors.append("no cluster line")
if sum(verdicts.values()) < 4:
    errors.append(f"only {sum(verdicts.values())} classified intervals of {nodes}")
got_v = verdicts.most_common(1)[0][0] if verdicts else "none"
vc = collections.Counter({c: k for (v, c), k in causes.items() if v == got_v})
got_c = vc.most_common(1)[0][0] if vc else "none"
if got_v != want_v:
    errors.append(f"verdict {got_v}, want {want_v}")
elif want_c != "*" and got_c != want_c:
    errors.append(f"cause {got_c}, want {want_c}")
counts = " ".join(f"{v}={k}" for v, k in verdicts.most_common())
cc = " ".join(f"{v}/{c}={k}" for (v, c), k in causes.most_common())
print(f"{'FAIL' if errors else 'PASS'} {name}: want {want_v}/{want_c}, "
      f"got {got_v}/{got_c} [{counts}] [{cc}]"
      + ("" if not errors else " -- " + "; ".join(errors[:5])))
sys.exit(1 if errors else 0)
PY
}

# Run one scenario: start the load, see its signature, run doptop over
# a window where the signature holds, stop the load, judge.
# Returns 0 pass, 1 fail, 2 skip.
run_one() {
	local name="$1" want_v="$2" want_c="$3" out rc busy sig
	out="$WORK/$name"
	# idle and underused need the machine to themselves: no use starting
	# them on a busy one
	if [ "$name" = single ] && [ "$(nproc)" -lt 2 ]; then
		echo "SKIP $name: one core here: a single busy process is all of it, not underuse"
		return 2
	fi
	case $name in
	idle|single)
		if ! busy=$(wait_quiet 20); then
			echo "SKIP $name: the machine is busy with other work (busy $busy% after 20 s)"
			return 2
		fi ;;
	*)	busy=$(wait_quiet 5) || echo "  (busy $busy% before the start: other work; the signature decides)" ;;
	esac
	CURRENT="$name"
	"$LOADS/$name.sh" start >"$out.start" 2>&1
	rc=$?
	if [ "$rc" = 3 ]; then
		echo "SKIP $name: $(grep -m1 SKIP "$out.start" | sed 's/^SKIP: //')"
		"$LOADS/$name.sh" stop >/dev/null 2>&1; CURRENT=""
		return 2
	fi
	if [ "$rc" != 0 ]; then
		echo "FAIL $name: load did not start: $(tail -n 3 "$out.start" | tr '\n' ' ')"
		"$LOADS/$name.sh" stop >/dev/null 2>&1; CURRENT=""
		return 1
	fi
	if ! sig=$("$PY" "$LOADS/signature.py" "$name" wait "$SIG_WAIT"); then
		echo "SKIP $name: the load did not show its signature in $SIG_WAIT s: $sig"
		"$LOADS/$name.sh" stop >/dev/null 2>&1; CURRENT=""
		return 2
	fi
	echo "  started: $sig"
	"$PY" "$LOADS/signature.py" "$name" snap "$out.snap"
	timeout 60 "$DOPTOP_BIN" --json -i 1 -c "$COUNT" --nodes local >"$out.json" 2>"$out.err"
	rc=$?
	sig=$("$PY" "$LOADS/signature.py" "$name" check "$out.snap")
	local held=$?
	"$LOADS/$name.sh" stop >/dev/null 2>&1; CURRENT=""
	if [ "$rc" != 0 ]; then
		echo "FAIL $name: doptop exited $rc: $(head -c 300 "$out.err" | tr '\n' ' ')"
		return 1
	fi
	if [ "$held" != 0 ]; then
		echo "SKIP $name: the load's signature did not hold over doptop's run: $sig"
		return 2
	fi
	echo "  during doptop's run: $sig"
	judge "$out.json" "$want_v" "$want_c" "$name" || {
		sed 's/^/    /' "$out.json" | cut -c1-400 | grep '"node"' | head -n "$COUNT"
		return 1
	}
}

if [ ! -x "$DOPTOP_BIN" ]; then
	echo "FAIL: $DOPTOP_BIN is not built"; exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: scenario loads need root (loop devices, cgroups, netns, swap, mounts)"
	exit 77
fi
need=$(missing_tools)
if [ -n "$need" ]; then
	echo "SKIP: missing tools for the loads:$need (sh .ci/deps test installs them)"
	exit 77
fi
WORK="$(mktemp -d /tmp/doptop-it-scen.XXXXXX)" || exit 1

pass=0 fail=0 skip=0
for s in $SCENARIOS; do
	IFS=: read -r name want_v want_c <<<"$s"
	if [ "$#" -gt 0 ]; then
		case " $* " in *" $name "*) ;; *) continue ;; esac
	fi
	run_one "$name" "$want_v" "$want_c"
	case $? in 0) pass=$((pass + 1)) ;; 2) skip=$((skip + 1)) ;; *) fail=$((fail + 1)) ;; esac
done
echo "scenarios: $pass passed, $fail failed, $skip skipped"
[ "$fail" -gt 0 ] && exit 1
[ "$pass" -gt 0 ] && exit 0
[ "$skip" -gt 0 ] && exit 77
echo "FAIL: no scenario named $*"
exit 1
