#!/bin/sh
# bench/local_cpu.sh — CPU cost of watching this machine for 10 intervals:
# doptop --batch vs vmstat (reads less) and top -b (reads more), in one run.
# Target: doptop within 2x of vmstat's CPU time and under 1/5 of top's.
BIN=${DOPTOP:-./doptop}
N=${N:-10}
cpu_of() {  # prints user+system CPU seconds of a command (children included)
	python3 - "$@" <<'PY'
import os, subprocess, sys, resource
r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.4f" % ((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)))
PY
}
d=$(cpu_of "$BIN" --batch -i 1 -c "$N") || exit 1
v=$(cpu_of vmstat 1 "$N") || exit 1
t=$(cpu_of top -b -d 1 -n "$N") || exit 1
python3 - "$d" "$v" "$t" <<'PY'
import sys
d, v, t = map(float, sys.argv[1:])
print("doptop --batch -i 1 -c 10 : %.3f s CPU" % d)
print("vmstat 1 10               : %.3f s CPU" % v)
print("top -b -d 1 -n 10         : %.3f s CPU" % t)
rv = d / v if v > 0 else float("inf")
rt = d / t if t > 0 else float("inf")
print("ratio doptop/vmstat = %.2f (target <= 2.0)  %s" % (rv, "OK" if rv <= 2 else "MISS"))
print("ratio doptop/top    = %.2f (target <= 0.20) %s" % (rt, "OK" if rt <= 0.2 else "MISS"))
PY
