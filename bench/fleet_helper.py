#!/usr/bin/env python3
"""bench/fleet_helper.py — the measuring half of bench/fleet.sh.

Given a client ssh_config with aliases node000.. (set up by fleet.sh), it
measures in one run:

doptop (`doptop -F CFG -n node000..NNN --json -i 1`, per fleet size N)
  stream_s   seconds from spawning doptop until every node is "up" (has
             sent its first frame).  Per node: arrival time of its first
             "up" JSON line minus that line's since_s, so 1 ms resolution
             despite one line per interval; the latest node counts.
  cpu%       doptop's utime+stime (/proc/PID/stat) over a steady-state
             window (after every node is up plus a warm-up), % of one core.
  RSS        VmRSS at the end of the window; RSS/node subtracts a 1-node
             run measured in this run: (RSS_N - RSS_1) / (N - 1).
  wire B/ns  TCP bytes doptop received over the window / node-samples:
             sum of tcp_info bytes_received (`ss -tinp`) over doptop's
             sockets, i.e. whole SSH packets (ciphertext, MAC, padding,
             keepalive replies).  (/proc/PID/io rchar does not count recv().)
             sent B/ns likewise for bytes_sent (window adjusts, keepalives).
  frame B    payload of one probe frame, from a --record file of a 1-node
             run (sum of record lengths / frames).
  rec B/ns   growth of a --record file over the window / node-samples (only
             the sizes in --record-sizes run with --record; the recording
             is zstd-compressed and flushed per frame).
  -C rows    the sizes in --compress-sizes run again with -C (zlib on the
             SSH wire): wire bytes against memory.
  probe us/ns  CPU of the probe shells below the sshds (the loop each node
             runs; /proc/PID/schedstat, ns) over the window / node-samples.
  machine%   whole-machine busy CPU (/proc/stat) over the window, % of one
             core: sshd + probe shells + doptop, i.e. the simulated nodes.

pdsh (`pdsh -R ssh -f 64 -w node[000-NNN] 'cat /proc/stat ...'`, per size)
  wall and CPU of one round: pdsh plus all its ssh children (os.wait4
  rusage, which covers every descendant pdsh waited for).

Prints the tables, the CPU-per-node-sample ratio pdsh/doptop and OK/MISS
against the issue's targets.  Exit 0 even on a MISS, 1 when the benchmark
itself broke (doptop died, no node came up, pdsh failed).  Every process it
starts is its own process group, listed in DIR/children for fleet.sh's
trap, and stopped here by PID on exit or SIGTERM.
"""
import argparse
import json
import io
import os
import signal
import subprocess
import sys
import threading
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
PROBE_FILES = ("/proc/stat /proc/diskstats /proc/net/dev /proc/loadavg "
               "/proc/meminfo /proc/vmstat /proc/pressure/cpu /proc/pressure/io "
               "/proc/pressure/memory")
TARGET_N = 500
TARGETS = {"stream_s": 5.0, "cpu_pct": 5.0, "rss_node_kib": 100.0, "ratio": 100.0}

LIVE = []          # Popen objects still running (stopped by stop_all)
ARGS = None


def mono():
    """The monotonic clock in seconds."""
    return time.monotonic()


def spawn(cmd, **kw):
    """Start cmd as its own process group and remember it for cleanup."""
    p = subprocess.Popen(cmd, start_new_session=True, **kw)
    LIVE.append(p)
    with open(os.path.join(ARGS.dir, "children"), "a") as f:
        f.write("%d\n" % p.pid)
    return p


def stop(p, sig=signal.SIGTERM):
    """Stop one started process group by its pid; wait for the leader."""
    if p.poll() is None:
        try:
            os.killpg(p.pid, sig)
        except ProcessLookupError:
            pass
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
    if p in LIVE:
        LIVE.remove(p)


def stop_all(*_):
    """Stop everything still running (exit path and SIGTERM handler)."""
    for p in list(LIVE):
        stop(p)
    if _:
        sys.exit(130)


def read(path):
    """Whole file as text, or '' when it vanished."""
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def proc_cpu_s(pid):
    """utime+stime of pid in seconds."""
    s = read("/proc/%d/stat" % pid)
    f = s[s.rindex(")") + 2:].split()
    return (int(f[11]) + int(f[12])) / CLK_TCK


def proc_kv(pid, name, key):
    """An integer 'key: value' field of /proc/PID/<name> (status, io)."""
    for line in read("/proc/%d/%s" % (pid, name)).splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def sock_bytes(pid):
    """(received, sent) TCP bytes over pid's sockets, from `ss -tinp`."""
    out = subprocess.run(["ss", "-tinpH"], capture_output=True, text=True).stdout
    rx = tx = 0
    mine = False
    for line in out.splitlines():
        if not line.startswith(("\t", " ")):
            mine = ("pid=%d," % pid) in line
            continue
        if mine:
            for f in line.split():
                if f.startswith("bytes_received:"):
                    rx += int(f.split(":")[1])
                elif f.startswith("bytes_sent:"):
                    tx += int(f.split(":")[1])
    return rx, tx


def machine_busy_s():
    """Whole-machine non-idle CPU seconds (all cores) from /proc/stat."""
    f = [int(x) for x in read("/proc/stat").splitlines()[0].split()[1:9]]
    return (sum(f) - f[3] - f[4]) / CLK_TCK


def descendants(roots):
    """Pids below any of roots (a /proc scan)."""
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            s = read("/proc/%s/stat" % d)
            if s:
                ppid = int(s[s.rindex(")") + 2:].split()[1])
                kids.setdefault(ppid, []).append(int(d))
    out, todo = [], list(roots)
    while todo:
        for c in kids.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def probe_cpu():
    """{pid: CPU seconds} of every probe shell (bash or sh below the
    sshds): the node-side cost of the probe loop.  From schedstat (ns)
    where the kernel has it: utime+stime count in 10 ms ticks, a shell's
    whole use over a window."""
    out = {}
    for pid in descendants(ARGS.sshd_pids):
        s = read("/proc/%d/stat" % pid)
        if not s or s[s.index("(") + 1:s.rindex(")")] not in ("bash", "sh"):
            continue
        ss = read("/proc/%d/schedstat" % pid).split()
        if ss:
            out[pid] = int(ss[0]) / 1e9
        else:
            f = s[s.rindex(")") + 2:].split()
            out[pid] = (int(f[11]) + int(f[12])) / CLK_TCK
    return out


def wait_drained(timeout=30):
    """Wait until the sshds have no per-connection children left."""
    end = mono() + timeout
    while mono() < end:
        if not descendants(ARGS.sshd_pids):
            return True
        time.sleep(0.2)
    return False


def spec(n):
    """doptop --nodes arguments for node000..node(n-1): one range per
    width (a zero-padded range keeps its width: node000..999, node1000..)."""
    if n == 1:
        return ["-n", "node000"]
    out = ["-n", "node000..%03d" % (min(n, 1000) - 1)]
    if n > 1000:
        out += ["-n", "node1000..%d" % (n - 1)]
    return out


class Watch:
    """Reads doptop's JSON lines on a thread: first-up time per node and
    the number of node lines with numbers (state up, cpu present)."""

    def __init__(self, p, t0):
        self.p, self.t0 = p, t0
        self.up_at = {}
        self.failed = set()      # nodes seen down before their first up
        self.states = {}
        self.good_lines = 0
        self.lines = 0
        self.err = None
        self.th = threading.Thread(target=self.run, daemon=True)
        self.th.start()

    def run(self):
        """Thread body: parse until EOF."""
        try:
            for raw in self.p.stdout:
                t = mono() - self.t0
                if not raw.startswith(b'{"type":"node"'):
                    continue
                d = json.loads(raw)
                self.lines += 1
                name, st = d["node"], d["state"]
                self.states[name] = (st, d.get("why", ""))
                if st == "down" and name not in self.up_at:
                    self.failed.add(name)
                if st == "up":
                    if d["cpu"] is not None:
                        self.good_lines += 1
                    if name not in self.up_at:
                        self.up_at[name] = t - d["since_s"]
        except Exception as e:  # noqa: BLE001 — reported as a broken run
            self.err = repr(e)


def file_size(path):
    """Size of path in bytes, 0 when it is not there."""
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def run_doptop(n, warm, window, compress=False, record=False):
    """One doptop run over n nodes (with -C, with --record); a dict of
    measurements or an error."""
    if not wait_drained():
        return {"n": n, "error": "sshd children from the last run did not exit"}
    cmd = [ARGS.bin, "-F", ARGS.config] + spec(n) + ["--json", "-i", "%g" % ARGS.interval]
    rec = os.path.join(ARGS.dir, "fleet_%d.rec" % n)
    if compress:
        cmd.append("-C")
    if record:
        if os.path.exists(rec):
            os.unlink(rec)
        cmd += ["--record", rec]
    errf = open(os.path.join(ARGS.dir, "doptop_%d.err" % n), "wb")
    sb0 = machine_busy_s()
    t0 = mono()
    p = spawn(cmd, stdout=subprocess.PIPE, stderr=errf)
    w = Watch(p, t0)
    deadline = t0 + ARGS.up_timeout
    while len(w.up_at) < n and mono() < deadline and p.poll() is None:
        time.sleep(0.05)
    r = {"n": n, "up": len(w.up_at), "failed_first": len(w.failed), "compress": compress,
         "record": record}
    if p.poll() is None:
        r["setup_cpu_s"] = proc_cpu_s(p.pid)
        r["setup_machine_pct"] = 100.0 * (machine_busy_s() - sb0) / (mono() - t0)
    r["stream_s"] = max(w.up_at.values()) if len(w.up_at) == n else None
    r["stream_median_s"] = sorted(w.up_at.values())[len(w.up_at) // 2] if w.up_at else None
    if p.poll() is not None or not w.up_at:
        r["error"] = "doptop exited (rc %s) or no node came up; states: %s" % (
            p.poll(), sorted(set(s for s, _ in w.states.values())))
        stop(p)
        return r
    if len(w.up_at) < n:
        down = [(k, v) for k, v in w.states.items() if v[0] != "up"][:3]
        r["note"] = "only %d/%d up after %.0f s, e.g. %s" % (len(w.up_at), n, deadline - t0, down)
    time.sleep(warm)
    pid = p.pid
    b0 = sock_bytes(pid)
    f0 = file_size(rec) if record else 0
    p0 = probe_cpu()
    c0, m0, g0, s0 = proc_cpu_s(pid), mono(), w.good_lines, machine_busy_s()
    time.sleep(window)
    c1, m1, g1, s1 = proc_cpu_s(pid), mono(), w.good_lines, machine_busy_s()
    p1 = probe_cpu()
    b1 = sock_bytes(pid)
    f1 = file_size(rec) if record else 0
    r["rss_kib"] = proc_kv(pid, "status", "VmRSS")
    r["hwm_kib"] = proc_kv(pid, "status", "VmHWM")
    r["alive"] = p.poll() is None
    stop(p)
    errf.close()
    dt = m1 - m0
    r["window_s"] = dt
    r["cpu_s"] = c1 - c0
    r["cpu_pct"] = 100.0 * (c1 - c0) / dt
    r["machine_pct"] = 100.0 * (s1 - s0) / dt
    # node-samples: node lines with numbers (state up) printed in the window,
    # one per node per 1 s interval; n * dt when every node is up.
    r["good_lines"] = g1 - g0
    r["node_samples"] = max(1, r["good_lines"])
    r["wire_B_ns"] = (b1[0] - b0[0]) / r["node_samples"]
    r["sent_B_ns"] = (b1[1] - b0[1]) / r["node_samples"]
    r["cpu_us_ns"] = 1e6 * (c1 - c0) / r["node_samples"]
    # the probe shells alive at both ends of the window; their share of the
    # node-samples is (shells / n) of all of them
    both = [q for q in p1 if q in p0]
    if both:
        r["probe_us_ns"] = 1e6 * sum(p1[q] - p0[q] for q in both) / (
            r["node_samples"] * min(1.0, len(both) / n))
    r["rec_B_ns"] = (f1 - f0) / r["node_samples"] if record else None
    if record and os.path.exists(rec):
        os.unlink(rec)
    if not r["alive"]:
        r["error"] = "doptop died during the window"
    if w.err:
        r["error"] = "bad JSON from doptop: " + w.err
    return r


def frame_bytes():
    """Average probe frame payload, from --record of a short 1-node run."""
    rec = os.path.join(ARGS.dir, "one.rec")
    p = spawn([ARGS.bin, "-F", ARGS.config, "-n", "node000", "--record", rec,
               "--json", "-i", "0.25", "-c", "8"],
              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        p.wait(timeout=30)
    finally:
        stop(p)
    total = frames = 0
    # the file is zstd-framed (record.h): read it as text
    text = subprocess.run([sys.executable, "tests/lib/rec2text.py", rec],
                          stdout=subprocess.PIPE, check=False).stdout
    with io.BytesIO(text) as f:
        f.readline()
        while True:
            h = f.readline()
            if not h:
                break
            ln = int(h.split()[3])
            f.seek(ln, 1)
            total += ln
            frames += 1
    return (total / frames if frames else None), frames


def listeners_children_cpu_s():
    """CPU of the sshds' reaped descendants (cutime+cstime), all listeners."""
    t = 0.0
    for pid in ARGS.sshd_pids:
        s = read("/proc/%d/stat" % pid)
        f = s[s.rindex(")") + 2:].split()
        t += (int(f[13]) + int(f[14])) / CLK_TCK
    return t


def setup_cost(n=20):
    """Per-connection CPU of a short n-node doptop run (-c 3): doptop's own
    (wait4 rusage) and the sshd side (listeners' reaped children: sshd,
    the probe shell), which bounds how many nodes per second this box can
    bring up."""
    if not wait_drained():
        return {}
    c0 = listeners_children_cpu_s()
    out = os.path.join(ARGS.dir, "setup.json")
    with open(out, "wb") as fo:
        p = spawn([ARGS.bin, "-F", ARGS.config] + spec(n) + ["--json", "-i", "1", "-c", "3"],
                  stdout=fo, stderr=subprocess.DEVNULL)
        _, _, ru = os.wait4(p.pid, 0)
    p.returncode = 0
    LIVE.remove(p)
    up = set()
    with open(out, "rb") as f:
        for line in f:
            if b'"state":"up"' in line:
                up.add(json.loads(line)["node"])
    wait_drained()
    c1 = listeners_children_cpu_s()
    return {"n": n, "up": len(up), "sshd_ms": 1000.0 * (c1 - c0) / n,
            "doptop_ms": 1000.0 * (ru.ru_utime + ru.ru_stime) / n}


def run_pdsh(n):
    """One pdsh round over n nodes: wall, CPU (pdsh + ssh children), output."""
    if not wait_drained():
        return {"n": n, "error": "sshd children did not exit"}
    env = dict(os.environ, PDSH_SSH_ARGS_APPEND="-F %s" % ARGS.config)
    out = os.path.join(ARGS.dir, "pdsh_%d.out" % n)
    cmd = ["pdsh", "-R", "ssh", "-f", "64", "-w", "node[000-%03d]" % (n - 1),
           "cat " + PROBE_FILES]
    s0 = machine_busy_s()
    t0 = mono()
    with open(out, "wb") as fo:
        p = spawn(cmd, stdout=fo, stderr=subprocess.STDOUT, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
    wall = mono() - t0
    s1 = machine_busy_s()
    LIVE.remove(p)
    hosts = set()
    size = 0
    with open(out, "rb") as f:
        for line in f:
            size += len(line)
            hosts.add(line.split(b":", 1)[0])
    r = {"n": n, "wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime,
         "machine_s": s1 - s0, "out_B_node": size / n, "hosts": len(hosts)}
    r["cpu_us_ns"] = 1e6 * r["cpu_s"] / n
    if p.returncode != 0 or len(hosts) != n:
        r["error"] = "pdsh rc %d, %d/%d hosts answered: %s" % (
            p.returncode, len(hosts), n, read(out)[:300])
    return r


def ok(v, limit, higher=False):
    """OK/MISS of v against limit."""
    if v is None:
        return "MISS"
    return "OK" if (v >= limit if higher else v <= limit) else "MISS"


def fmt(v, spec_="%.2f"):
    """A number or '-'."""
    return "-" if v is None else spec_ % v


def main():
    """Run everything, print the tables and the verdicts."""
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--sizes", default="50 200 500")
    ap.add_argument("--pdsh-sizes", default="50 200")
    ap.add_argument("--compress-sizes", default="")
    ap.add_argument("--interval", type=float, default=1.0)
    ap.add_argument("--record-sizes", default="")
    ap.add_argument("--window", type=float, default=10.0)
    ap.add_argument("--warm", type=float, default=3.0)
    ap.add_argument("--up-timeout", type=float, default=60.0)
    ap.add_argument("--sshd-pids", default="")
    ap.add_argument("--dir", required=True)
    ARGS = ap.parse_args()
    ARGS.sshd_pids = [int(x) for x in ARGS.sshd_pids.split()]
    sizes = [int(x) for x in ARGS.sizes.split()]
    psizes = [int(x) for x in ARGS.pdsh_sizes.split() if int(x) <= max(sizes)]
    signal.signal(signal.SIGTERM, stop_all)
    broken = []
    t_start = mono()

    fb, nframes = frame_bytes()
    cost = setup_cost()
    base = run_doptop(1, ARGS.warm, 3.0)
    if base.get("error"):
        broken.append("1-node run: " + base["error"])
    rows, crows = [], []
    csizes = [int(x) for x in ARGS.compress_sizes.split() if int(x) <= max(sizes)]
    rsizes = [int(x) for x in ARGS.record_sizes.split()]
    runs = [(n, False) for n in sizes] + [(n, True) for n in csizes]
    for n, comp in runs:
        r = run_doptop(n, ARGS.warm, ARGS.window, compress=comp,
                       record=(n in rsizes and not comp))
        if r.get("error"):
            broken.append("N=%d%s: %s" % (n, " -C" if comp else "", r["error"]))
        if "rss_kib" in r and "rss_kib" in base and n > 1:
            r["rss_node_kib"] = (r["rss_kib"] - base["rss_kib"]) / (n - 1)
        if not comp:
            rows.append(r)
        else:
            crows.append(r)
        print("  doptop N=%d%s done (%.0f s into the run, load %s)%s" % (
            n, " -C" if comp else "", mono() - t_start, read("/proc/loadavg").split()[0],
            "  " + r["note"] if r.get("note") else ""), flush=True)
    prow = {}
    for n in psizes:
        r = run_pdsh(n)
        if r.get("error"):
            broken.append("pdsh N=%d: %s" % (n, r["error"]))
        prow[n] = r
        print("  pdsh N=%d done (%.0f s into the run)" % (n, mono() - t_start), flush=True)

    print()
    print("doptop --json -i %g, steady state over %.0f s after all up + %.0f s warm-up" % (
        ARGS.interval, ARGS.window, ARGS.warm))
    print("  probe frame payload: %s B (mean of %d recorded frames, 1 node)" % (fmt(fb, "%.0f"), nframes))
    print("  1-node baseline RSS: %s KiB" % base.get("rss_kib", "-"))
    if cost:
        print("  setup cost per connection (%d-node run, %d up): doptop %.1f ms CPU, "
              "sshd side %.1f ms CPU -> at most ~%.0f nodes/s on %d cores" % (
                  cost["n"], cost["up"], cost["doptop_ms"], cost["sshd_ms"],
                  1000.0 * os.cpu_count() / (cost["doptop_ms"] + cost["sshd_ms"]), os.cpu_count()))
    print("bring-up (time 0 = doptop spawned; 'retried' = nodes seen down before first up)")
    hdr = "%6s %8s %9s %9s %8s %14s %10s"
    print(hdr % ("nodes", "up", "stream_s", "median_s", "retried", "doptop_ms/node", "machine%"))
    for r in rows:
        sc = r.get("setup_cpu_s")
        print(hdr % (r["n"], "%d/%d" % (r.get("up", 0), r["n"]), fmt(r.get("stream_s")),
                     fmt(r.get("stream_median_s")), r.get("failed_first", "-"),
                     fmt(1000.0 * sc / r["n"] if sc is not None else None, "%.1f"),
                     fmt(r.get("setup_machine_pct"), "%.0f")))
    print("steady state")
    hdr = "%9s %8s %8s %9s %12s %10s %10s %10s %9s %9s %10s"
    print(hdr % ("nodes", "up_avg", "cpu%core", "RSS_KiB", "RSS/node_KiB", "wire_B/ns",
                 "sent_B/ns", "cpu_us/ns", "rec_B/ns", "machine%", "probe_us/ns"))
    for r in rows + crows:
        print(hdr % ("%d%s" % (r["n"], " -C" if r.get("compress") else ""),
                     fmt(r["good_lines"] * ARGS.interval / r["window_s"] if r.get("window_s")
                         else None, "%.0f"),
                     fmt(r.get("cpu_pct")), r.get("rss_kib", "-"),
                     fmt(r.get("rss_node_kib"), "%.1f"), fmt(r.get("wire_B_ns"), "%.0f"),
                     fmt(r.get("sent_B_ns"), "%.0f"), fmt(r.get("cpu_us_ns"), "%.1f"),
                     fmt(r.get("rec_B_ns"), "%.0f"), fmt(r.get("machine_pct"), "%.0f"),
                     fmt(r.get("probe_us_ns"), "%.0f")))
    print("  up_avg = nodes streaming during the window (when < nodes, the rest were still")
    print("  connecting: the row is not a clean steady state); ns = node-sample (one node,")
    print("  one interval); wire/sent = TCP bytes in/out of doptop; -C = zlib on the wire;")
    print("  rec_B/ns = --record file growth (rows run with --record: CPU includes it, and")
    print("  RSS/node the recorder's zstd window, 16 KiB per node: rec_stream.c);")
    print("  machine%% = all CPU on this %d-core box (sshds, probe shells, doptop)" % os.cpu_count())
    print("  probe_us/ns = CPU of the probe shells on the nodes (the remote bash loop,")
    print("  /proc/PID/schedstat) per node-sample")
    print()
    print("pdsh -R ssh -f 64 'cat %s', one round" % PROBE_FILES)
    hdr2 = "%6s %8s %8s %12s %10s %9s %9s"
    print(hdr2 % ("nodes", "wall_s", "cpu_s", "cpu_us/ns", "out_B/ns", "machine_s", "1 Hz?"))
    for n, r in prow.items():
        print(hdr2 % (n, fmt(r.get("wall_s")), fmt(r.get("cpu_s")), fmt(r.get("cpu_us_ns"), "%.0f"),
                      fmt(r.get("out_B_node"), "%.0f"), fmt(r.get("machine_s")),
                      "yes" if r.get("wall_s", 9) <= 1.0 else "no"))
    print()
    print("CPU per node-sample, pdsh / doptop (client side only):")
    ratios = {}
    for r in rows:
        pr = prow.get(r["n"])
        if pr and r.get("cpu_us_ns") and pr.get("cpu_us_ns"):
            ratios[r["n"]] = pr["cpu_us_ns"] / r["cpu_us_ns"]
            print("  N=%d: %.0f us vs %.1f us -> %.0fx" % (
                r["n"], pr["cpu_us_ns"], r["cpu_us_ns"], ratios[r["n"]]))
    print()
    tn = TARGET_N if TARGET_N in sizes else max(sizes)
    big = next(r for r in rows if r["n"] == tn)
    rn = min(ratios, key=ratios.get) if ratios else None  # worst size
    print("Targets (at N=%d%s):" % (tn, "" if tn == TARGET_N else ", the largest size run; issue says 500"))
    print("  all nodes streaming within %.0f s : %8s s  %s" % (
        TARGETS["stream_s"], fmt(big.get("stream_s")), ok(big.get("stream_s"), TARGETS["stream_s"])))
    print("  dashboard under %.0f%% of one core: %8s %%  %s" % (
        TARGETS["cpu_pct"], fmt(big.get("cpu_pct")), ok(big.get("cpu_pct"), TARGETS["cpu_pct"])))
    print("  own memory under %.0f KiB/node   : %8s KiB %s" % (
        TARGETS["rss_node_kib"], fmt(big.get("rss_node_kib"), "%.1f"),
        ok(big.get("rss_node_kib"), TARGETS["rss_node_kib"])))
    print("  CPU/node-sample >= %.0fx below pdsh: %8s x  %s%s" % (
        TARGETS["ratio"], fmt(ratios.get(rn) if rn else None, "%.0f"),
        ok(ratios.get(rn) if rn else None, TARGETS["ratio"], higher=True),
        "  (at N=%d)" % rn if rn else ""))
    for c in crows:
        p = next((r for r in rows if r["n"] == c["n"]), None)
        if p and p.get("wire_B_ns") and c.get("wire_B_ns") and p.get("rss_node_kib") is not None \
                and c.get("rss_node_kib") is not None:
            print("  -C at N=%d: %.1fx fewer wire bytes (%.0f -> %.0f B/ns) for %+.0f KiB/node "
                  "(%.0f -> %.0f)" % (c["n"], p["wire_B_ns"] / c["wire_B_ns"], p["wire_B_ns"],
                                     c["wire_B_ns"], c["rss_node_kib"] - p["rss_node_kib"],
                                     p["rss_node_kib"], c["rss_node_kib"]))
    print("fleet bench: %.0f s" % (mono() - t_start))
    if broken:
        print("BENCHMARK BROKEN:")
        for b in broken:
            print("  " + b)
        return 1
    return 0


if __name__ == "__main__":
    try:
        rc = main()
    finally:
        stop_all()
    sys.exit(rc)
