#!/bin/sh
# it_decide.sh — doptop's decisions against real loads (see it_decide.py):
# predicted headroom versus the real speedup (throttled disk -> tmpfs, one
# worker -> one per core), fit advice with and without a memory cgroup,
# replay of a recorded job.
cd "$(dirname "$0")/.." || exit 1
PY=$(command -v /usr/bin/python3 || command -v python3)
exec "$PY" tests/it_decide.py
