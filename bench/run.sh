#!/bin/sh
# bench/run.sh — `make bench`: every benchmark, each printing ratios
# against a baseline measured in the same run.
cd "$(dirname "$0")/.." || exit 1
rc=0
for b in bench/local_cpu.sh bench/count.sh bench/fleet.sh bench/prom.sh; do
	[ -f "$b" ] || continue
	echo "== $b"
	sh "$b" || rc=1
done
exit $rc
