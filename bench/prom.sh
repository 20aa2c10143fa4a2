#!/bin/sh
# bench/prom.sh — doptop's Prometheus source at 10,000 instances and a 15 s
# interval (bench/prom_helper.py): CPU per instance-round, % of a core,
# memory per instance, query time; OK/MISS against the issue's targets
# (< 10% of a core, < 100 MB).  Env: PROM_BENCH_N (10000),
# PROM_BENCH_INTERVAL (15), PROM_BENCH_ROUNDS (4), DOPTOP (./doptop).
cd "$(dirname "$0")/.." || exit 1
DOPTOP=$(readlink -f "${DOPTOP:-./doptop}") exec python3 bench/prom_helper.py
