#!/usr/bin/python3
"""Measure what a load looks like in /proc: one row per interval, then medians.

Reads /proc/stat, /proc/vmstat, /proc/diskstats, /proc/net/dev and
/proc/pressure/{cpu,io,memory} every interval (default 1 s) and prints the
rates doptop computes, so the classifier thresholds can be checked against
real loads on this machine.

usage: measure.py [-n SAMPLES] [-i SECONDS] [--label NAME] [--json] [--rows]

Definitions (the same as doptop's JSON contract):
  user = user+nice, system = system+irq+softirq, as % of all cores' time;
  disk = whole disks only (no partitions, loop, ram, zram, dm, md);
  loop = loop devices, reported apart (a throttle on a loop device);
  net  = every interface but lo (host side of veth pairs included);
  psi  = % of the interval with some/full stall, from the total= counters.
"""
import argparse
import json
import os
import statistics
import sys
import time

VIRTUAL_DISK_PREFIXES = ("loop", "ram", "zram", "dm-", "md", "sr", "nbd")


def read_stat():
    """Return cpu jiffies split and the processes/ctxt/procs counters."""
    out = {}
    with open("/proc/stat") as f:
        for line in f:
            parts = line.split()
            if parts[0] == "cpu":
                v = [int(x) for x in parts[1:]] + [0] * 10
                out["user"] = v[0] + v[1]
                out["system"] = v[2] + v[5] + v[6]
                out["idle"] = v[3]
                out["iowait"] = v[4]
                out["steal"] = v[7]
            elif parts[0] in ("processes", "ctxt", "procs_running",
                              "procs_blocked"):
                out[parts[0]] = int(parts[1])
    return out


def read_vmstat():
    """Return the swap and refault counters of /proc/vmstat."""
    want = ("pswpin", "pswpout", "workingset_refault_anon",
            "workingset_refault_file", "workingset_refault")
    out = {}
    with open("/proc/vmstat") as f:
        for line in f:
            k, v = line.split()
            if k in want:
                out[k] = int(v)
    refault = out.get("workingset_refault_anon", 0) + \
        out.get("workingset_refault_file", 0)
    if "workingset_refault" in out:
        refault = out["workingset_refault"]
    return {"pswpin": out.get("pswpin", 0), "pswpout": out.get("pswpout", 0),
            "refault": refault}


def is_whole_disk(name):
    """True for a whole physical disk listed in /sys/block."""
    if name.startswith(VIRTUAL_DISK_PREFIXES):
        return False
    return os.path.isdir("/sys/block/" + name)


def read_disks():
    """Return read/write bytes and io ticks summed over whole disks and loops."""
    out = {"rd": 0, "wr": 0, "ticks": 0, "ndisk": 0, "rios": 0,
           "loop_rd": 0, "loop_ticks": 0}
    with open("/proc/diskstats") as f:
        for line in f:
            p = line.split()
            name = p[2]
            rd, wr, ticks = int(p[5]) * 512, int(p[9]) * 512, int(p[12])
            if name.startswith("loop"):
                out["loop_rd"] += rd
                out["loop_ticks"] = max(out["loop_ticks"], ticks)
            elif is_whole_disk(name):
                out["rd"] += rd
                out["wr"] += wr
                out["rios"] += int(p[3])
                out["ticks"] = max(out["ticks"], ticks)
                out["ndisk"] += 1
    return out


def read_net():
    """Return rx/tx bytes summed over every interface but lo."""
    rx = tx = 0
    with open("/proc/net/dev") as f:
        for line in f.readlines()[2:]:
            name, rest = line.split(":", 1)
            if name.strip() == "lo":
                continue
            v = rest.split()
            rx += int(v[0])
            tx += int(v[8])
    return {"rx": rx, "tx": tx}


def read_psi():
    """Return the some/full total= counters (microseconds) or None."""
    out = {}
    for res in ("cpu", "io", "memory"):
        try:
            with open("/proc/pressure/" + res) as f:
                for line in f:
                    p = line.split()
                    total = int(p[-1].split("=")[1])
                    out[res + "_" + p[0]] = total
        except OSError:
            return None
    return out


def snapshot():
    """Return one timestamped reading of every source."""
    return {"t": time.monotonic(), "stat": read_stat(), "vm": read_vmstat(),
            "disk": read_disks(), "net": read_net(), "psi": read_psi()}


def pct(d, total):
    """Percent of d in total, 0 when total is 0."""
    return 100.0 * d / total if total > 0 else 0.0


def rates(a, b):
    """Return the row of rates between snapshots a and b."""
    dt = b["t"] - a["t"]
    s0, s1 = a["stat"], b["stat"]
    keys = ("user", "system", "iowait", "steal", "idle")
    d = {k: max(0, s1[k] - s0[k]) for k in keys}
    tot = sum(d.values())
    row = {k: round(pct(d[k], tot), 1) for k in keys}
    row["busy"] = round(100.0 - row["idle"] - row["iowait"], 1)
    row["procs_running"] = s1["procs_running"]
    row["procs_blocked"] = s1["procs_blocked"]
    row["forks_s"] = round((s1["processes"] - s0["processes"]) / dt, 1)
    row["ctxt_s"] = round((s1["ctxt"] - s0["ctxt"]) / dt, 1)
    d0, d1 = a["disk"], b["disk"]
    row["disk_rd_Bps"] = round((d1["rd"] - d0["rd"]) / dt)
    row["disk_wr_Bps"] = round((d1["wr"] - d0["wr"]) / dt)
    row["disk_rios_s"] = round((d1["rios"] - d0["rios"]) / dt, 1)
    row["disk_util"] = round(min(100.0, (d1["ticks"] - d0["ticks"])
                                 / (dt * 10.0)), 1)
    row["loop_rd_Bps"] = round((d1["loop_rd"] - d0["loop_rd"]) / dt)
    row["net_rx_Bps"] = round((b["net"]["rx"] - a["net"]["rx"]) / dt)
    row["net_tx_Bps"] = round((b["net"]["tx"] - a["net"]["tx"]) / dt)
    if a["psi"] and b["psi"]:
        for k in ("cpu_some", "io_some", "io_full", "memory_some",
                  "memory_full"):
            us = b["psi"].get(k, 0) - a["psi"].get(k, 0)
            row["psi_" + k] = round(min(100.0, us / (dt * 1e4)), 1)
    row["swpin_s"] = round((b["vm"]["pswpin"] - a["vm"]["pswpin"]) / dt, 1)
    row["swpout_s"] = round((b["vm"]["pswpout"] - a["vm"]["pswpout"]) / dt, 1)
    row["refault_s"] = round((b["vm"]["refault"] - a["vm"]["refault"]) / dt, 1)
    return row


def medians(rows):
    """Return the per-field median of rows."""
    return {k: round(statistics.median(r[k] for r in rows), 1)
            for k in rows[0]}


def main():
    """Sample, print rows (optional) and the median line."""
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=10, help="samples")
    ap.add_argument("-i", type=float, default=1.0, help="interval seconds")
    ap.add_argument("--label", default="")
    ap.add_argument("--json", action="store_true", help="median as JSON")
    ap.add_argument("--rows", action="store_true", help="print every row")
    args = ap.parse_args()
    rows = []
    prev = snapshot()
    for _ in range(args.n):
        time.sleep(max(0.0, args.i - (time.monotonic() - prev["t"])))
        cur = snapshot()
        rows.append(rates(prev, cur))
        prev = cur
        if args.rows:
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    med = medians(rows)
    med["label"] = args.label
    med["samples"] = len(rows)
    if args.json:
        print(json.dumps(med))
    else:
        for k, v in med.items():
            print(f"{k:16} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
