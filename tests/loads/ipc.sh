#!/bin/bash
# Load "ipc": an unbatched ProcessPoolExecutor(16).map over tiny items with
# chunksize=1, looping: one pickle round trip per item, workers reused, so
# no forks but ~100k context switches/s.
. "$(dirname "$0")/common.sh"
LOAD_NAME=ipc

# Start the python pool storm.
load_start() {
	local d; d="$(load_dir $LOAD_NAME)"
	cat >"$d/ipc.py" <<'PY'
import concurrent.futures as cf

def f(x):
    return x * x

if __name__ == "__main__":
    with cf.ProcessPoolExecutor(16) as ex:
        while True:
            sum(ex.map(f, range(20000), chunksize=1))
PY
	load_spawn "$d" "$PY" "$d/ipc.py"
}

# Stop the pool (whole process group) and remove the state.
load_stop() {
	local d; d="$(load_dir $LOAD_NAME)"
	load_kill "$d"; load_done "$d"
}
load_main "$@"
