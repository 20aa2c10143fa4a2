#!/usr/bin/python3
"""Prove that a load happened: its signature in /proc, read here (not by doptop).

usage: signature.py LOAD wait SECONDS   poll until the signature shows over a
                                        3-s window (at most SECONDS)
       signature.py LOAD snap FILE      save a reading of the counters to FILE
       signature.py LOAD check FILE     the signature from FILE's reading to now

Prints one line, "LOAD: <figures>", each figure with the bound it must meet;
exit 0 when every bound is met, 1 when not, 2 on a usage error.

A signature has two halves: the load's own mark (swap pages/s for a swap
thrash, forks/s for a fork storm, iowait or io pressure for a throttled
disk, ...) and what the rest of the machine must leave alone for the
scenario's claim to hold (a throttled disk starves the job only if other
work does not fill the CPU).  Bounds sit a margin beyond src/classify.c's
thresholds, so a load that only just meets one is not judged: the judging
is of doptop, not of a borderline load.  Rates are averages over the whole
window (from the counters at both ends, as doptop computes them), read by
tests/loads/measure.py.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import measure  # noqa: E402

NCPU = os.cpu_count() or 1


def share(r):
    """Kernel share of busy time, % (system / (user + system))."""
    us = r["user"] + r["system"]
    return 100.0 * r["system"] / us if us > 0 else 0.0


def swap(r):
    """Swap traffic, pages/s in + out."""
    return r["swpin_s"] + r["swpout_s"]


def disk(r):
    """Whole-disk traffic, bytes/s read + written."""
    return r["disk_rd_Bps"] + r["disk_wr_Bps"]


def net(r):
    """Network traffic (every interface but lo), bytes/s rx + tx."""
    return r["net_rx_Bps"] + r["net_tx_Bps"]


def psi(key):
    """A pressure share, %; None when the kernel has no PSI."""
    return lambda r: r.get("psi_" + key)


def f(key):
    """A plain field of measure.rates()."""
    return lambda r: r[key]


def per_core(key):
    """A field of measure.rates() per core."""
    return lambda r: r[key] / NCPU


# name -> [(label, value of a rates row, ">=" or "<", bound)]
ONE_CORE = 100.0 / NCPU
SIGNATURES = {
    "idle": [("busy %", f("busy"), "<", 8),
             ("busy cores", lambda r: r["busy"] * NCPU / 100, "<", 0.4),
             ("disk B/s", disk, "<", 512 * 1024)],
    "single": [("busy %", f("busy"), ">=", 0.7 * ONE_CORE),
               ("busy %", f("busy"), "<", min(75, ONE_CORE + 25)),
               ("iowait %", f("iowait"), "<", 5),
               ("io some %", psi("io_some"), "<", 10)],
    "cpu": [("busy %", f("busy"), ">=", 95),
            ("kernel share %", share, "<", 40)],
    "syscall": [("busy %", f("busy"), ">=", 93),
                ("kernel share %", share, ">=", 55),
                ("forks/s/core", per_core("forks_s"), "<", 40)],
    "fork": [("forks/s/core", per_core("forks_s"), ">=", 75),
             ("kernel share %", share, ">=", 55)],
    "ipc": [("ctxt/s/core", per_core("ctxt_s"), ">=", 10000),
            ("cpu some %", psi("cpu_some"), ">=", 25),
            ("kernel share %", share, ">=", 12),
            ("forks/s/core", per_core("forks_s"), "<", 40)],
    "disk": [("loop read B/s", f("loop_rd_Bps"), ">=", 1024 * 1024),
             ("io some %", psi("io_some"), ">=", 30),
             ("busy %", f("busy"), "<", 70)],
    "net": [("net B/s", net, ">=", 320 * 1024),
            ("disk/net", lambda r: disk(r) / max(net(r), 1), "<", 0.15),
            ("busy %", f("busy"), "<", 70)],
    "mixed": [("busy %", f("busy"), ">=", 95),
              ("kernel share %", share, "<", 40),
              ("loop read B/s", f("loop_rd_Bps"), ">=", 256 * 1024),
              ("io some %", psi("io_some"), ">=", 10)],
    "cachethrash": [("refaults/s", f("refault_s"), ">=", 6000),
                    ("memory some %", psi("memory_some"), ">=", 6)],
    "memthrash": [("swap pages/s", swap, ">=", 320),
                  ("memory some %", psi("memory_some"), ">=", 10)],
}
SIGNATURES["netdirect"] = list(SIGNATURES["net"])
# doptop checks memory first: a load that claims another verdict needs the
# machine free of memory pressure (another run's memory cgroup, swapping)
for _name, _sig in SIGNATURES.items():
    if _name not in ("cachethrash", "memthrash"):
        _sig += [("memory some % (elsewhere)", psi("memory_some"), "<", 5),
                 ("swap pages/s (elsewhere)", swap, "<", 128)]


def num(v):
    """A figure as people read it: 2.1M, 35k, 0.15, 97.5."""
    if abs(v) >= 1e6:
        return f"{v / 1e6:.1f}M"
    if abs(v) >= 1e4:
        return f"{v / 1e3:.0f}k"
    if abs(v) >= 1e3:
        return f"{v / 1e3:.1f}k"
    return f"{v:.3g}"


def judge(name, row):
    """Return (met, text) for the signature of name on a rates row."""
    parts, met = [], True
    for label, get, op, bound in SIGNATURES[name]:
        v = get(row)
        if v is None:
            # no PSI here: a pressure that must show is not seen; one
            # that must be absent cannot be seen by doptop either
            parts.append(f"{label} n/a (no PSI here)")
            met = met and op == "<"
            continue
        ok = v >= bound if op == ">=" else v < bound
        met = met and ok
        parts.append(f"{label} {num(v)} ({op} {num(bound)}{'' if ok else ' NOT MET'})")
    return met, f"{name}: " + ", ".join(parts)


def main():
    """Dispatch wait / snap / check."""
    if len(sys.argv) != 4 or sys.argv[1] not in SIGNATURES or \
            sys.argv[2] not in ("wait", "snap", "check"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    name, cmd, arg = sys.argv[1:]
    if cmd == "snap":
        with open(arg, "w") as fh:
            json.dump(measure.snapshot(), fh)
        return 0
    if cmd == "check":
        with open(arg) as fh:
            a = json.load(fh)
        # monotonic time is per boot: the reading from the file is comparable
        met, text = judge(name, measure.rates(a, measure.snapshot()))
        print(text)
        return 0 if met else 1
    deadline = time.monotonic() + float(arg)
    snaps = [measure.snapshot()]
    text = f"{name}: no reading"
    while time.monotonic() < deadline:
        time.sleep(1)
        snaps.append(measure.snapshot())
        snaps = snaps[-4:]
        met, text = judge(name, measure.rates(snaps[0], snaps[-1]))
        if met and len(snaps) == 4:
            print(text)
            return 0
    print(text)
    return 1


if __name__ == "__main__":
    sys.exit(main())
