#!/usr/bin/env python3
"""it_progress_gen.py — write empty output files into DIR at a known rate.

Usage: it_progress_gen.py DIR RATE SECONDS [--shard] [--ext .jpg]
       it_progress_gen.py DIR --schedule RATE:SECS,RATE:SECS,... [--log FILE]
Creates RATE files per second for SECONDS seconds (paced against the start
time, so the long-run rate is exact), named out<N><ext>; with --shard they
go to DIR/<h0>/<h1>/<h2>/ from the name's hash, like a sharded image set.
With --schedule, one phase after the other (RATE 0 = paused or killed);
--log appends "unix_time rate files_so_far" at the start of each phase and
"unix_time end files" at the end, so a test knows the truth and when it
changed.
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
    valued = ("--ext", "--schedule", "--log")
    opt = {k: args[args.index(k) + 1] for k in valued if k in args}
    pos = [a for i, a in enumerate(args)
           if not a.startswith("--") and (i == 0 or args[i - 1] not in valued)]
    if len(pos) != (1 if "--schedule" in opt else 3):
        print(__doc__, file=sys.stderr)
        return 2
    top = pos[0]
    ext = opt.get("--ext", ".out")
    if "--schedule" in opt:
        phases = [tuple(float(x) for x in ph.split(":"))
                  for ph in opt["--schedule"].split(",")]
    else:
        phases = [(float(pos[1]), float(pos[2]))]
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    os.makedirs(top, exist_ok=True)
    log = open(opt["--log"], "a", buffering=1) if "--log" in opt else None
    n = 0
    for rate, secs in phases:
        if log:
            log.write("%.3f %g %d\n" % (time.time(), rate, n))
        n = run_phase(top, rate, secs, n, ext, shard, stop)
        if stop:
            break
    if log:
        log.write("%.3f end %d\n" % (time.time(), n))
    print(n)
    return 0


def run_phase(top, rate, secs, n, ext, shard, stop):
    """Write rate files/s for secs seconds from file number n; returns n."""
    t0 = time.monotonic()
    if rate <= 0:
        while not stop and time.monotonic() - t0 < secs:
            time.sleep(0.05)
        return n
    first, total = n, n + int(rate * secs)
    while n < total and not stop:
        due = t0 + (n - first) / rate
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
    return n


if __name__ == "__main__":
    sys.exit(main())
