#!/usr/bin/env python3
"""bench/soak_helper.py — the running half of bench/soak.sh (`make soak`).

Starts one sshd per node (the first --netns-nodes inside the namespace),
runs `doptop --json --record` over them for --minutes, and meanwhile:

  every minute  (but not in the last 65 s, so that each can end and
                recover before doptop's last line)
                a fault on a random node, in turn: its sshd killed and
                restarted 20 s later; its session frozen (SIGSTOP) and
                thawed 20 s later; the namespace's link cut and restored
                20 s later (all namespace nodes); its sshd replaced by a
                hostile one flooding garbage for 20 s, then the real one.
  every 5 s     doptop's VmRSS, RssAnon, [heap] Rss (/proc/PID/smaps),
                open descriptors and CPU time -- but none in doptop's last
                two intervals, when it may already be freeing its sessions.
  every report  one line: those figures, CPU per node-sample (node lines
                with state "up" in --json), faults ended in the period and
                how many recovered, and the slowest recovery.

A fault has recovered when the node (every namespace node for a link cut)
writes a "up" line after the fault ended; the documented bound is
RECOVER_S: the longest reconnect backoff (30 s, +20% jitter) plus a
connect.  At the end: every target (memory slope of RssAnon and of [heap]
after the first 2 minutes under 1 KB per hour per node, descriptors the same whenever every node is
up, CPU per node-sample within 25% of the first period's, every fault
recovered within RECOVER_S, no session left on any node once doptop
exits, replayed --json identical to the live --json) is printed as OK or
MISS.  Exit 0 when all are OK, 1 otherwise.
"""
import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
FAULT_S = 20.0       # how long each fault lasts
RECOVER_S = 45.0     # 30 s backoff cap * 1.2 jitter + connect, documented
WARMUP_S = 120.0     # memory slope and fault schedule start after this
NS_ADDR = "10.231.0.2"
FLOOD = ("sh -c 'while :; do head -c 65536 /dev/urandom; "
         "printf \"@@DOPTOP x\\033[2J\\n\"; sleep 0.1; done'")
ARGS = None
LIVE = []
T0 = [0.0]           # when doptop started (monotonic)


def mono():
    """The monotonic clock, seconds."""
    return time.monotonic()


def log(msg):
    """One line to stdout, flushed."""
    print(msg, flush=True)


def read(path):
    """A whole file as text, '' when it vanished."""
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def remember(pid):
    """List a pid for soak.sh's trap."""
    with open(os.path.join(ARGS.dir, "children"), "a") as f:
        f.write("%d\n" % pid)


def children_map():
    """ppid -> [pid] over /proc."""
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            s = read("/proc/%s/stat" % d)
            if s:
                ppid = int(s[s.rindex(")") + 2:].split()[1])
                kids.setdefault(ppid, []).append(int(d))
    return kids


def descendants(root, kids=None):
    """Every pid below root."""
    kids = kids if kids is not None else children_map()
    out, todo = [], [root]
    while todo:
        for c in kids.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def signal_pids(pids, sig):
    """Send sig to each pid that still exists."""
    for p in pids:
        try:
            os.kill(p, sig)
        except ProcessLookupError:
            pass


class Node:
    """One node: an sshd of its own, in the namespace or on 127.0.0.1."""

    def __init__(self, i, in_ns):
        self.i, self.in_ns = i, in_ns
        self.name = "node%03d" % i
        self.addr = NS_ADDR if in_ns else "127.0.0.1"
        self.port = 22000 + i if in_ns else free_port()
        self.proc = None

    def conf(self, hostile):
        """Write this node's sshd config; return its path."""
        path = os.path.join(ARGS.dir, "sshd_%s%s.conf" % (self.name, "_h" if hostile else ""))
        d = ARGS.dir
        with open(path, "w") as f:
            f.write("ListenAddress %s:%d\nHostKey %s/host_ed25519\n"
                    "PidFile none\nAuthorizedKeysFile %s/authorized_keys\n"
                    "PermitRootLogin prohibit-password\nPubkeyAuthentication yes\n"
                    "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                    "UsePAM no\nStrictModes no\nPrintMotd no\nPrintLastLog no\n"
                    "X11Forwarding no\nAllowTcpForwarding no\n"
                    "MaxStartups 1000:30:1000\nSetEnv SHLVL=1\nLogLevel ERROR\n"
                    % (self.addr, self.port, d, d))
            if hostile:
                f.write("ForceCommand %s\n" % FLOOD)
        return path

    def start(self, hostile=False):
        """Start the sshd; wait until it accepts connections."""
        cmd = ["/usr/sbin/sshd", "-D", "-e", "-f", self.conf(hostile)]
        if self.in_ns:
            cmd = ["ip", "netns", "exec", ARGS.netns] + cmd
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        remember(self.proc.pid)
        LIVE.append(self)

    def listening(self):
        """True once the port accepts (checked from the right namespace)."""
        if self.in_ns:
            r = subprocess.run(["ip", "netns", "exec", ARGS.netns, "ss", "-tlnH",
                                "sport = :%d" % self.port], capture_output=True, text=True)
            return str(self.port) in r.stdout
        s = socket.socket()
        s.settimeout(0.5)
        try:
            s.connect((self.addr, self.port))
            return True
        except OSError:
            return False
        finally:
            s.close()

    def sessions(self, kids=None):
        """Per-connection processes under this node's sshd."""
        return descendants(self.proc.pid, kids) if self.proc else []

    def stop(self):
        """Stop the sshd and its sessions (thawed first)."""
        if not self.proc:
            return
        pids = [self.proc.pid] + self.sessions()
        signal_pids(pids, signal.SIGCONT)
        signal_pids(pids, signal.SIGTERM)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            signal_pids(pids, signal.SIGKILL)
            self.proc.wait()
        self.proc = None
        if self in LIVE:
            LIVE.remove(self)


def free_port():
    """A free TCP port on 127.0.0.1."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def write_client(nodes):
    """ssh_config and known_hosts for doptop."""
    cfg = os.path.join(ARGS.dir, "soak_config")
    key = " ".join(read(os.path.join(ARGS.dir, "host_ed25519.pub")).split()[:2])
    with open(os.path.join(ARGS.dir, "known_hosts"), "w") as kh, open(cfg, "w") as f:
        for n in nodes:
            f.write("Host %s\n\tHostName %s\n\tPort %d\n" % (n.name, n.addr, n.port))
            kh.write("[%s]:%d %s\n" % (n.addr, n.port, key))
        f.write("Host *\n\tUser root\n\tIdentityFile %s/id_ed25519\n\tIdentitiesOnly yes\n"
                "\tUserKnownHostsFile %s/known_hosts\n\tStrictHostKeyChecking yes\n"
                "\tBatchMode yes\n" % (ARGS.dir, ARGS.dir))
    os.chmod(cfg, 0o600)
    return cfg


class Watch:
    """Tails doptop's --json on a thread: each node's last state and the
    monotonic time of its last "up" line; up node lines per period."""

    def __init__(self, path, n):
        self.path, self.n = path, n
        self.state = ["connecting"] * n
        self.last_up = [0.0] * n
        self.left_up = [False] * n      # seen not-up since a fault began
        self.up_lines = 0
        self.lines = 0
        self.blocks = 0                 # cluster lines: one per interval
        self.lock = threading.Lock()
        self.done = False
        self.th = threading.Thread(target=self.run, daemon=True)
        self.th.start()

    def run(self):
        """Thread body: follow the file until told to stop."""
        with open(self.path, "rb") as f:
            buf = b""
            while True:
                chunk = f.read(1 << 20)
                if not chunk:
                    if self.done:
                        return
                    time.sleep(0.2)
                    continue
                buf += chunk
                *lines, buf = buf.split(b"\n")
                now = mono()
                with self.lock:
                    for raw in lines:
                        if raw.startswith(b'{"type":"cluster"'):
                            self.blocks += 1
                        if not raw.startswith(b'{"type":"node"'):
                            continue
                        d = json.loads(raw)
                        i = int(d["node"][4:])
                        self.lines += 1
                        self.state[i] = d["state"]
                        if d["state"] == "up":
                            self.last_up[i] = now
                            self.up_lines += 1
                        else:
                            self.left_up[i] = True

    def all_up(self):
        """True when every node's last line said up."""
        with self.lock:
            return all(s == "up" for s in self.state)


class Fault:
    """One fault: its kind, nodes, and when it ended."""

    def __init__(self, kind, nodes, began):
        self.kind, self.nodes, self.began = kind, nodes, began
        self.ended = None
        self.recovered = None    # seconds after the end, when known
        self.noticed = False     # doptop showed the node not up meanwhile


def fault_begin(kind, nodes, w):
    """Apply a fault; return the Fault."""
    with w.lock:
        for n in nodes:
            w.left_up[n.i] = False
    if kind == "kill":
        nodes[0].stop()
    elif kind == "freeze":
        signal_pids(nodes[0].sessions(), signal.SIGSTOP)
    elif kind == "link":
        subprocess.run(["ip", "netns", "exec", ARGS.netns, "ip", "link", "set", ARGS.veth,
                        "down"], check=False)
    elif kind == "flood":
        nodes[0].stop()
        nodes[0].start(hostile=True)
    return Fault(kind, nodes, mono())


def fault_end(f):
    """Undo a fault."""
    n = f.nodes[0]
    if f.kind == "kill":
        n.start()
    elif f.kind == "freeze":
        signal_pids(n.sessions(), signal.SIGCONT)
    elif f.kind == "link":
        subprocess.run(["ip", "netns", "exec", ARGS.netns, "ip", "link", "set", ARGS.veth,
                        "up"], check=False)
    elif f.kind == "flood":
        n.stop()
        n.start()
    f.ended = mono()


def check_recovery(f, w):
    """Fill f.recovered once every node of f wrote "up" after f ended."""
    if f.ended is None or f.recovered is not None:
        return
    with w.lock:
        if all(w.last_up[n.i] > f.ended for n in f.nodes):
            f.recovered = max(w.last_up[n.i] for n in f.nodes) - f.ended
            f.noticed = any(w.left_up[n.i] for n in f.nodes)


def smaps_heap_kb(pid):
    """Rss of the [heap] mapping plus anonymous unnamed mappings (malloc
    arenas and large blocks), KiB."""
    heap = anon = 0
    name = ""
    for line in read("/proc/%d/smaps" % pid).splitlines():
        f = line.split()
        if not f:
            continue
        if "-" in f[0] and len(f) >= 5 and not f[0].endswith(":"):
            name = f[5] if len(f) > 5 else ""
        elif f[0] == "Rss:":
            if name == "[heap]":
                heap += int(f[1])
            elif name == "":
                anon += int(f[1])
    return heap, anon


def proc_sample(pid):
    """(rss KiB, RssAnon KiB, heap KiB, anon-mmap KiB, fds, cpu s)."""
    st = read("/proc/%d/status" % pid)
    kv = {l.split(":")[0]: l.split()[1] for l in st.splitlines() if len(l.split()) > 1}
    s = read("/proc/%d/stat" % pid)
    f = s[s.rindex(")") + 2:].split()
    heap, anon = smaps_heap_kb(pid)
    try:
        fds = len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        fds = 0
    return (int(kv.get("VmRSS", 0)), int(kv.get("RssAnon", 0)), heap, anon, fds,
            (int(f[11]) + int(f[12])) / CLK_TCK)


def slope_kb_per_h(samples):
    """Least-squares slope of (t, kb) in KiB per hour."""
    if len(samples) < 3:
        return 0.0
    n = len(samples)
    mt = sum(t for t, _ in samples) / n
    mk = sum(k for _, k in samples) / n
    den = sum((t - mt) ** 2 for t, _ in samples)
    return 0.0 if den == 0 else sum((t - mt) * (k - mk) for t, k in samples) / den * 3600


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--nodes", type=int, default=200)
    ap.add_argument("--netns-nodes", type=int, default=0)
    ap.add_argument("--netns", default="")
    ap.add_argument("--veth", default="")
    ap.add_argument("--interval", type=float, default=1.0)
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--report", type=float, default=300.0)
    ap.add_argument("--faults", type=int, default=1)
    ap.add_argument("--keep", default="")
    ARGS = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))
    try:
        return run()
    finally:
        for n in list(LIVE):
            n.stop()


def run():
    n = ARGS.nodes
    nodes = [Node(i, i < ARGS.netns_nodes) for i in range(n)]
    t = mono()
    for nd in nodes:
        nd.start()
    for nd in nodes:
        while not nd.listening():
            if mono() - t > 120 or nd.proc.poll() is not None:
                log("soak: sshd of %s did not start" % nd.name)
                return 1
            time.sleep(0.05)
    log("soak: %d nodes (%d in namespace %s), %d sshds up in %.1f s, interval %g s, "
        "%g min, faults %s" % (n, ARGS.netns_nodes, ARGS.netns or "-", n, mono() - t,
                               ARGS.interval, ARGS.minutes, "on" if ARGS.faults else "off"))
    cfg = write_client(nodes)
    out = ARGS.keep or ARGS.dir
    os.makedirs(out, exist_ok=True)
    live, rec = os.path.join(out, "live.json"), os.path.join(out, "soak.rec")
    for p in [live, rec] + ["%s.%d" % (rec, i) for i in range(1, 50)]:
        if os.path.exists(p):
            os.unlink(p)
    count = int(round(ARGS.minutes * 60 / ARGS.interval))
    spec = "node000" if n == 1 else "node000..%03d" % (n - 1)
    with open(live, "wb") as lf, open(os.path.join(out, "doptop.err"), "wb") as ef:
        dp = subprocess.Popen([ARGS.bin, "-F", cfg, "-n", spec, "--json", "-i", str(ARGS.interval),
                               "-c", str(count), "--record", rec],
                              stdout=lf, stderr=ef, stdin=subprocess.DEVNULL)
    remember(dp.pid)
    t0 = mono()
    T0[0] = t0
    w = Watch(live, n)
    samples = []          # (t, rss, anon, heap, mmap, fds, cpu, up_lines, all_up)
    faults, active = [], []
    next_sample, next_fault, next_report = t0, t0 + 60, t0 + ARGS.report
    period_start = None
    kinds = ["flood"] + (["link"] if ARGS.netns_nodes else []) + ["kill", "freeze"]
    rng = random.Random(14)
    log("   min   RSS MB  anon KB  heap KB  mmap KB  fds  cpu us/ns  node-samples  "
        "faults  recovered  slowest s")
    rows = []
    while dp.poll() is None:
        now = mono()
        # Figures only while doptop still polls: none from its last two
        # intervals, when it may be tearing its sessions down and
        # freeing (a report then shows fewer descriptors and less
        # memory, and a slope fitted through it is no evidence).
        with w.lock:
            exiting = w.blocks >= count - 2
        if now >= next_sample and not exiting:
            s = proc_sample(dp.pid)
            with w.lock:
                ul = w.up_lines
            samples.append((now - t0,) + s + (ul, w.all_up()))
            next_sample += 5
        for f in list(active):
            if now - f.began >= FAULT_S:
                fault_end(f)
                active.remove(f)
        for f in faults:
            check_recovery(f, w)
        # no fault that could not end and recover before doptop's last
        # line (it exits 3 when a node is not up at the end)
        if ARGS.faults and now >= next_fault and \
                now + FAULT_S + RECOVER_S < t0 + ARGS.minutes * 60:
            next_fault += 60
            kind = kinds[len(faults) % len(kinds)]
            busy = {x.i for f in active for x in f.nodes}
            if kind == "link":
                pick = [x for x in nodes if x.in_ns]
            else:
                free = [x for x in nodes if x.i not in busy]
                pick = [rng.choice(free)] if free else []
            if pick and not (kind == "link" and busy & {x.i for x in pick}):
                f = fault_begin(kind, pick, w)
                faults.append(f)
                active.append(f)
        if now >= next_report and samples:
            rows.append(report_line(samples, faults, t0, now, period_start))
            period_start = now
            next_report += ARGS.report
        time.sleep(0.2)
    end = mono()
    for f in active:
        fault_end(f)
    w.done = True
    w.th.join()
    # a last line for the samples after the last report, if any
    if samples and (period_start is None or samples[-1][0] > period_start - t0):
        rows.append(report_line(samples, faults, t0, t0 + samples[-1][0], period_start))
    return verdicts(nodes, samples, faults, dp, live, rec, out, rows)


def report_line(samples, faults, t0, now, since):
    """Print one report line for the samples after `since`; return its
    figures (cpu us per node-sample)."""
    since_t = (since - t0) if since else 0
    per = [s for s in samples if s[0] >= since_t] or samples[-1:]
    a, b = per[0], per[-1]
    ns = b[7] - a[7]
    cpu_us = (b[6] - a[6]) * 1e6 / ns if ns > 0 else float("nan")
    ended = [f for f in faults if f.ended and since_t <= f.ended - t0 < now - t0]
    rec = [f for f in ended if f.recovered is not None]
    slow = max((f.recovered for f in rec), default=0.0)
    log("%6.1f  %7.1f  %7d  %7d  %7d  %3d  %9.1f  %12d  %6d  %9d  %9.1f"
        % ((now - t0) / 60, b[1] / 1024, b[2], b[3], b[4], b[5], cpu_us, ns,
           len(ended), len(rec), slow))
    return cpu_us


def verdicts(nodes, samples, faults, dp, live, rec, out, rows):
    """Print OK/MISS per target; 0 when all are OK."""
    ok = True

    def say(good, what):
        nonlocal ok
        ok = ok and good
        log("%s %s" % ("OK  " if good else "MISS", what))

    n = len(nodes)
    say(dp.returncode == 0, "doptop exited %d" % dp.returncode)
    # the slope of each figure over the samples after the warm-up (all
    # taken while doptop still polled, see run())
    warm = [s for s in samples if s[0] >= WARMUP_S]
    sl, slh, slr = (slope_kb_per_h([(s[0], s[k]) for s in warm]) for k in (2, 3, 1))
    say(len(warm) >= 3 and sl / n < 1.0 and slh / n < 1.0,
        "memory slope from %d s to %d s (%d samples): RssAnon %+.1f KiB/h (%+.3f KiB/h per node), "
        "[heap] %+.1f KiB/h (%+.3f per node), RSS %+.1f KiB/h; target < 1 KiB/h per node"
        % (WARMUP_S, warm[-1][0] if warm else 0, len(warm), sl, sl / n, slh, slh / n, slr))
    fds = sorted({s[5] for s in samples if s[8]})
    say(len(fds) <= 1, "descriptors whenever every node is up: %s" % (fds or "never all up"))
    good_rows = [r for r in rows if r == r]
    if len(good_rows) >= 2:
        first, last = good_rows[0], good_rows[-1]
        say(abs(last - first) <= 0.25 * first,
            "CPU per node-sample first/last period: %.1f / %.1f us" % (first, last))
    late = [f for f in faults if f.recovered is None or f.recovered > RECOVER_S]
    by = {}
    for f in faults:
        by.setdefault(f.kind, []).append(f.recovered)
    say(not late, "faults recovered within %g s: %d of %d (%s)" % (
        RECOVER_S, len(faults) - len(late), len(faults),
        ", ".join("%s %d, slowest %s" % (k, len(v), "%.1f s" % max(x for x in v if x is not None)
                                          if any(x is not None for x in v) else "-")
                  for k, v in by.items())))
    for f in late:
        log("     %s on %s at %.0f s: %s" % (f.kind, ",".join(x.name for x in f.nodes),
                                            f.began - T0[0], "not recovered" if f.recovered is None
                                            else "%.1f s" % f.recovered))
    end = mono() + 15
    left = []
    while mono() < end:
        kids = children_map()
        left = [x.name for x in nodes if x.sessions(kids)]
        if not left:
            break
        time.sleep(0.5)
    say(not left, "nothing left running on any node after doptop exited%s"
        % (": " + " ".join(left[:10]) if left else ""))
    size = sum(os.path.getsize(p) for p in [rec] + ["%s.%d" % (rec, i) for i in range(1, 50)]
               if os.path.exists(p))
    ns = samples[-1][7] if samples else 0
    log("     recording: %d bytes, %.0f B per node-sample" % (size, size / ns if ns else 0))
    rp = os.path.join(out, "replay.json")
    with open(rp, "wb") as f:
        r = subprocess.run([ARGS.bin, "--replay", rec, "--speed", "0", "--json"], stdout=f,
                           stderr=subprocess.PIPE)
    a, b = open(live, "rb").read().splitlines(), open(rp, "rb").read().splitlines()
    diff = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), None)
    same = r.returncode == 0 and diff is None and len(a) == len(b)
    say(same, "replayed --json equals the live --json (%d / %d lines%s)" % (
        len(a), len(b), "" if diff is None else ", first difference at line %d" % (diff + 1)))
    if diff is not None:
        log("     live:   %s" % a[diff][:200].decode(errors="replace"))
        log("     replay: %s" % b[diff][:200].decode(errors="replace"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
