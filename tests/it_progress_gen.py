#!/usr/bin/env python3
"""it_progress_gen.py — write empty output files into DIR at a known rate.

Usage: it_progress_gen.py DIR RATE SECONDS [--shard] [--ext .jpg]
Creates RATE files per second for SECONDS seconds (paced against the start
time, so the long-run rate is exact), named out<N><ext>; with --shard they
go to DIR/<h0>/<h1>/<h2>/ from the name's hash, like a sharded image set.
Prints the number of files written when done.  A helper for integration
tests (not a test itself); stop it early with SIGTERM, it exits cleanly.
"""
import hashlib
import os
import signal
import sys
import time


def main():
    args = sys.argv[1:]
    shard = "--shard" in args
    ext = ".out"
    if "--ext" in args:
        ext = args[args.index("--ext") + 1]
    pos = [a for i, a in enumerate(args)
           if not a.startswith("--") and (i == 0 or args[i - 1] != "--ext")]
    if len(pos) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    top, rate, secs = pos[0], float(pos[1]), float(pos[2])
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    os.makedirs(top, exist_ok=True)
    t0 = time.monotonic()
    n = 0
    total = int(rate * secs)
    while n < total and not stop:
        due = t0 + n / rate
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
            continue
        name = "out%08d%s" % (n, ext)
        d = top
        if shard:
            h = hashlib.md5(name.encode()).hexdigest()
            d = os.path.join(top, h[0], h[1], h[2])
            os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, name), "w"):
            pass
        n += 1
    print(n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
