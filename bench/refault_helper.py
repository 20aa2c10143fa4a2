#!/usr/bin/env python3
"""bench/refault_helper.py — the running half of bench/refault.sh.

Starts --nodes sshds on 127.0.0.1 (keys in --dir, made by tests/lib/sshd.sh),
runs `doptop --json` over them, waits until every node is up, then:

  quiet    --cycles periods of the length a fault cycle took, no fault:
           the baseline (what doptop's memory does by itself meanwhile);
  faults   --cycles times one fault on node000 (--kind): its sshd killed
           and started again, or replaced by a hostile one flooding
           garbage for 2 s; each cycle waits until doptop showed the node
           not up and then up again (its --json), so each fault is proven
           to have happened and to have been recovered from.

RssAnon (/proc/PID/status) is read after each period once node000 is back
up.  Printed: RssAnon growth in the quiet phase and in the fault phase,
the fault phase after its first --warm faults (glibc's per-size caches
fill then, bounded), and KiB per fault.  Exit 0 when the growth after the
warm faults is under --max-kib per fault, 1 when not, 2 when the bench
could not run (printed reason).
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time

FLOOD = ("sh -c 'while :; do head -c 65536 /dev/urandom; "
         "printf \"@@DOPTOP x\\033[2J\\n\"; sleep 0.1; done'")
ARGS = None
SSHDS = {}


def log(msg):
    """One line to stdout, flushed."""
    print(msg, flush=True)


def free_port():
    """A free TCP port on 127.0.0.1."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def sshd_start(i, port, hostile=False):
    """Start node i's sshd (a flooding one when hostile); wait until it listens."""
    d = ARGS.dir
    conf = os.path.join(d, "refault_%d%s.conf" % (i, "h" if hostile else ""))
    with open(conf, "w") as f:
        f.write("ListenAddress 127.0.0.1:%d\nHostKey %s/host_ed25519\nPidFile none\n"
                "AuthorizedKeysFile %s/authorized_keys\nPermitRootLogin prohibit-password\n"
                "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
                "StrictModes no\nPrintMotd no\nPrintLastLog no\nMaxStartups 1000:30:1000\n"
                "SetEnv SHLVL=1\nLogLevel ERROR\n" % (port, d, d))
        if hostile:
            f.write("ForceCommand %s\n" % FLOOD)
    p = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", conf], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(os.path.join(d, "children"), "a") as f:
        f.write("%d\n" % p.pid)
    SSHDS[i] = p
    t = time.monotonic()
    while time.monotonic() - t < 30:
        s = socket.socket()
        try:
            s.connect(("127.0.0.1", port))
            return True
        except OSError:
            time.sleep(0.05)
        finally:
            s.close()
    return False


def descendants(pid):
    """Every pid below pid (children first listed by /proc)."""
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                s = open("/proc/%s/stat" % d).read()
            except OSError:
                continue
            kids.setdefault(int(s[s.rindex(")") + 2:].split()[1]), []).append(int(d))
    out, todo = [], [pid]
    while todo:
        for c in kids.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def sshd_stop(i):
    """Stop node i's sshd and its sessions."""
    p = SSHDS.pop(i, None)
    if not p:
        return
    for k in [p.pid] + descendants(p.pid):
        try:
            os.kill(k, signal.SIGTERM)
        except ProcessLookupError:
            pass
    p.wait()


class Live:
    """Follows doptop's --json: each node's last state."""

    def __init__(self, path):
        self.path, self.pos, self.state = path, 0, {}

    def pump(self):
        """Read what doptop wrote since the last call."""
        with open(self.path, "rb") as f:
            f.seek(self.pos)
            data = f.read()
        cut = data.rfind(b"\n") + 1
        self.pos += cut
        for raw in data[:cut].splitlines():
            if raw.startswith(b'{"type":"node"'):
                d = json.loads(raw)
                self.state[d["node"]] = d["state"]

    def wait(self, pred, what, limit=90.0):
        """Poll until pred(states) holds; False after limit seconds."""
        t = time.monotonic()
        while time.monotonic() - t < limit:
            self.pump()
            if pred(self.state):
                return True
            time.sleep(0.1)
        log("refault: no %s within %.0f s" % (what, limit))
        return False


def rss_anon(pid):
    """doptop's RssAnon, KiB."""
    for line in open("/proc/%d/status" % pid):
        if line.startswith("RssAnon:"):
            return int(line.split()[1])
    return -1


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--nodes", type=int, default=20)
    ap.add_argument("--cycles", type=int, default=30)
    ap.add_argument("--warm", type=int, default=10)
    ap.add_argument("--kind", choices=["kill", "flood"], default="kill")
    ap.add_argument("--interval", default="0.2")
    ap.add_argument("--max-kib", type=float, default=1.0)
    ARGS = ap.parse_args()
    if ARGS.cycles <= ARGS.warm:
        log("refault: --cycles must be more than --warm (%d)" % ARGS.warm)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))
    try:
        return run()
    finally:
        for i in list(SSHDS):
            sshd_stop(i)


def run():
    n, d = ARGS.nodes, ARGS.dir
    ports = [free_port() for _ in range(n)]
    for i in range(n):
        if not sshd_start(i, ports[i]):
            log("refault: SKIP: sshd of node%03d did not start" % i)
            return 2
    key = " ".join(open(os.path.join(d, "host_ed25519.pub")).read().split()[:2])
    cfg = os.path.join(d, "refault_config")
    with open(cfg, "w") as f, open(os.path.join(d, "refault_known_hosts"), "w") as kh:
        for i in range(n):
            f.write("Host node%03d\n\tHostName 127.0.0.1\n\tPort %d\n" % (i, ports[i]))
            kh.write("[127.0.0.1]:%d %s\n" % (ports[i], key))
        f.write("Host *\n\tUser root\n\tIdentityFile %s/id_ed25519\n\tIdentitiesOnly yes\n"
                "\tUserKnownHostsFile %s/refault_known_hosts\n\tStrictHostKeyChecking yes\n"
                "\tBatchMode yes\n" % (d, d))
    os.chmod(cfg, 0o600)
    live = os.path.join(d, "refault.json")
    with open(live, "wb") as lf, open(os.path.join(d, "refault.err"), "wb") as ef:
        dp = subprocess.Popen([ARGS.bin, "-F", cfg, "-n", "node000..%03d" % (n - 1), "--json",
                               "-i", ARGS.interval], stdout=lf, stderr=ef,
                              stdin=subprocess.DEVNULL)
    with open(os.path.join(d, "children"), "a") as f:
        f.write("%d\n" % dp.pid)
    try:
        return measure(dp, Live(live), n, ports)
    finally:
        if dp.poll() is None:
            dp.send_signal(signal.SIGINT)
            dp.wait()


def measure(dp, w, n, ports):
    names = ["node%03d" % i for i in range(n)]
    if not w.wait(lambda s: all(s.get(x) == "up" for x in names), "node up at start"):
        return 2
    # a warm-up as long as the first fault cycles, so that the history
    # rings and the first reconnect-free allocations are behind us
    time.sleep(10)
    up = lambda s: s.get("node000") == "up"
    down = lambda s: s.get("node000") != "up"
    # the faults first: their cycles' lengths give the quiet phase's
    t = time.monotonic()
    a0, marks = rss_anon(dp.pid), []
    for c in range(ARGS.cycles):
        if ARGS.kind == "kill":
            sshd_stop(0)
            if not w.wait(down, "node000 down after the kill"):
                return 2
            sshd_start(0, ports[0])
        else:
            sshd_stop(0)
            sshd_start(0, ports[0], hostile=True)
            if not w.wait(down, "node000 not up under the flood"):
                return 2
            time.sleep(2)
            sshd_stop(0)
            sshd_start(0, ports[0])
        if not w.wait(up, "node000 up again"):
            return 2
        time.sleep(1)
        marks.append(rss_anon(dp.pid))
    span = time.monotonic() - t
    q0 = rss_anon(dp.pid)
    time.sleep(span)
    w.pump()
    q1 = rss_anon(dp.pid)
    if dp.poll() is not None or not all(w.state.get(x) == "up" for x in names):
        log("refault: doptop ended or a node was not up after the quiet phase")
        return 2
    warm = marks[ARGS.warm - 1] if ARGS.warm > 0 else a0
    after = marks[-1] - warm
    per = after / (ARGS.cycles - ARGS.warm)
    log("refault: %d nodes at -i %s, %d x %s on node000 in %.0f s (each seen down and up "
        "again in --json)" % (n, ARGS.interval, ARGS.cycles, ARGS.kind, span))
    log("  RssAnon over the faults:      %+d KiB (%d -> %d), after every %d: %s"
        % (marks[-1] - a0, a0, marks[-1], max(1, ARGS.cycles // 6),
           " ".join(str(m) for m in marks[max(1, ARGS.cycles // 6) - 1::max(1, ARGS.cycles // 6)])))
    log("  RssAnon over the quiet phase: %+d KiB in the same %.0f s (baseline)" % (q1 - q0, span))
    log("  after the first %d faults:    %+d KiB over %d faults = %.2f KiB per fault "
        "(target < %g)" % (ARGS.warm, after, ARGS.cycles - ARGS.warm, per, ARGS.max_kib))
    return 0 if per < ARGS.max_kib else 1


if __name__ == "__main__":
    sys.exit(main())
