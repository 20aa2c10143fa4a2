#!/bin/sh
# Run the whole suite: cmocka unit binaries, then integration scripts
# (tests/it_*.sh).  Ends with one "N passed, N failed" line; exit 1 on failure.
cd "$(dirname "$0")/.." || exit 1
pass=0; fail=0; failed=""
export DOPTOP_BIN="$PWD/build/dbg/doptop"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
for t in build/dbg/tests/test_*; do
	[ -x "$t" ] || continue
	echo "== $t"
	s=$(date +%s)
	if "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $t"; fi
	echo "-- $t: $(( $(date +%s) - s )) s"
done
for t in tests/it_*.sh; do
	[ -f "$t" ] || continue
	echo "== $t"
	s=$(date +%s)
	if timeout 600 sh "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $t"; fi
	echo "-- $t: $(( $(date +%s) - s )) s"
done
[ -n "$failed" ] && echo "FAILED:$failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
