#!/bin/sh
# tests/run_all.sh — run one test tier, item by item, and end with one line
# "N passed, N failed, N skipped".
#   run_all.sh check   the unit tier: the cmocka binaries in $UNIT_TESTS (no
#                      root, no sshd, no loads; `make check`)
#   run_all.sh all     the unit tier, then the integration tier: the cmocka
#                      binaries in $IT_TESTS (a real sshd), tests/it_*.sh,
#                      the microVM fleet (tests/vm/it_vm.sh), and each
#                      scenario of tests/it_scenarios.sh as an item of its
#                      own (`make test`)
# make sets both lists from the " * Tier: integration" marker in tests/*.c;
# run by hand, the same marker is read here.
# Every item exits 0 (passed), 77 (skipped: this machine cannot run it; the
# item's last line starting with "SKIP" says why) or anything else (failed).
# No item is retried.  Skips are listed with their reasons, failures by name;
# "skip -" lines of items that passed (a check this machine cannot make) are
# listed too.  Exit status 1 if anything failed.
cd "$(dirname "$0")/.." || exit 1
tier=${1:-all}
case $tier in check|all) ;; *) echo "usage: run_all.sh check|all" >&2; exit 2 ;; esac
export DOPTOP_BIN="$PWD/build/dbg/doptop"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
LOGS=$(mktemp -d /tmp/doptop-runall.XXXXXX) || exit 1
trap 'rm -rf "$LOGS"' EXIT
trap 'exit 130' INT TERM HUP

if [ -z "${UNIT_TESTS+x}" ] || [ -z "${IT_TESTS+x}" ]; then
	UNIT_TESTS="" IT_TESTS=""
	for c in tests/test_*.c; do
		b="build/dbg/tests/$(basename "$c" .c)"
		if grep -q '^ \* Tier: integration' "$c"; then IT_TESTS="$IT_TESTS $b"
		else UNIT_TESTS="$UNIT_TESTS $b"; fi
	done
fi

pass=0 fail=0 skip=0 n=0
failed="" skipped="" notes=""
start=$(date +%s)

# item NAME TIMEOUT CMD...: run one item, print its output and verdict.
item() {
	name=$1 limit=$2
	shift 2
	n=$((n + 1))
	log="$LOGS/$n"
	echo "== $name"
	s=$(date +%s)
	{ timeout -k 10 "$limit" "$@" 2>&1; echo $? >"$log.rc"; } | tee "$log"
	rc=$(cat "$log.rc")
	t=$(( $(date +%s) - s ))
	case $rc in
	0)	pass=$((pass + 1)); v=PASS
		{ grep '^skip - ' "$log" | sed "s|^skip - |$name: |"
		  grep '^\[  SKIPPED \] [a-z]' "$log" | sort -u | sed "s|^.*\] |$name: cmocka skipped |"
		} >>"$LOGS/notes" ;;
	77)	skip=$((skip + 1)); v=SKIP
		why=$(grep '^SKIP' "$log" | tail -n 1 | sed 's/^SKIP[: ]*//')
		printf '  %s: %s\n' "$name" "${why:-no reason given}" >>"$LOGS/skipped" ;;
	124|137) fail=$((fail + 1)); v="FAIL (timed out after $limit s)"; failed="$failed $name" ;;
	*)	fail=$((fail + 1)); v="FAIL (exit $rc)"; failed="$failed $name" ;;
	esac
	echo "-- $name: $v, $t s"
}

for t in $UNIT_TESTS; do
	[ -x "$t" ] || { item "$t" 1 sh -c "echo '$t is not built'; exit 1"; continue; }
	item "$t" 300 "$t"
done
if [ "$tier" = all ]; then
	for t in $IT_TESTS; do
		[ -x "$t" ] || { item "$t" 1 sh -c "echo '$t is not built'; exit 1"; continue; }
		item "$t" 300 "$t"
	done
	for t in tests/it_*.sh; do
		[ "$t" = tests/it_scenarios.sh ] && continue
		item "$t" 600 sh "$t"
	done
	# the microVM fleet's mixed loads, preemption and link faults (the
	# last beside the preemption): keeps within its own VM_BUDGET (250 s)
	# and skips with the reason when the machine is too slow for emulated
	# guests
	item tests/vm/it_vm.sh 330 env VM_PARTS="${VM_PARTS:-123}" sh tests/vm/it_vm.sh
	for s in $(bash tests/it_scenarios.sh --list); do
		item "scenario $s" 240 bash tests/it_scenarios.sh "$s"
	done
fi

echo
echo "tier $tier: $n items in $(( $(date +%s) - start )) s"
if [ -s "$LOGS/notes" ]; then
	echo "checks skipped inside passing items:"
	sed 's/^/  /' "$LOGS/notes"
fi
if [ -s "$LOGS/skipped" ]; then
	echo "skipped:"
	cat "$LOGS/skipped"
fi
[ -n "$failed" ] && echo "FAILED:$failed"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
