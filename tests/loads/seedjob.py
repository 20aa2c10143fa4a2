#!/usr/bin/env python3
"""seedjob.py IN OUT WORKERS CPU_MS — a job shaped like the seed's: a process
pool over the files of IN that skips items whose output already exists in
OUT and writes one output file per item.  Each item reads its input whole,
then burns CPU_MS of its own CPU time (thread_time, so an item costs the
same CPU whether the machine is busy or not) and writes a small output."""
import hashlib
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor


def work(args):
    src, dst, cpu_ms = args
    with open(src, "rb") as f:
        data = f.read()
    h = hashlib.sha256(data)
    end = time.thread_time() + cpu_ms / 1000.0
    while time.thread_time() < end:
        h.update(b"x" * 256)
    tmp = dst + ".part"
    with open(tmp, "wb") as f:
        f.write(h.digest())
    os.rename(tmp, dst)
    return 1


def main():
    inp, out, workers, cpu_ms = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    os.makedirs(out, exist_ok=True)
    done = set(os.listdir(out))
    todo = [(os.path.join(inp, n), os.path.join(out, n), cpu_ms)
            for n in sorted(os.listdir(inp)) if n not in done]
    with ProcessPoolExecutor(workers) as ex:
        for _ in ex.map(work, todo, chunksize=1):
            pass


if __name__ == "__main__":
    main()
