#!/usr/bin/env python3
"""it_decide.py — doptop's decisions checked against what really happens.

1. Predicted versus real, I/O: a seed-shaped job (tests/loads/seedjob.py: a
   process pool that skips finished items, one output file per item) reads
   its inputs from an ext4 on a loop device throttled to 2 MB/s by a block
   cgroup.  doptop's headroom for the node is recorded; then the inputs go
   to tmpfs and the job runs again.  The real speedup (rate after / rate
   before, from the output directory's own counts) must not exceed the
   ceiling by more than 10%, and the ceiling must not be more than 3x the
   real speedup.  The advice must say the inputs fit in memory (/dev/shm).
2. The same for an underused job: 1 worker on all cores -> one per core.
3. The fit advice when the job runs in a memory cgroup smaller than its
   inputs: "do not fit in ... memory cgroup limit".
4. Replay: the recording of run 1 replays with the same progress lines and
   the same headroom, advice and workers as live.

Each load is first proven by an independent /proc reading (iowait while
throttled, the job's own rate); a machine that cannot produce it (not
root, no loop devices, no block throttle, too busy to be quiet) SKIPs with
the reason.  No timed assertions: rates are ratios measured in the same run.
"""
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.realpath(os.environ.get("DOPTOP_BIN", "./build/dbg/doptop"))
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
JOB = os.path.join(HERE, "loads", "seedjob.py")
NCPU = os.cpu_count()
ITEM_KB = 64          # input size per item
CPU_MS = 20           # CPU per item
NITEMS = 1500
fails = 0
cleanup = []


def ok(msg):
    print("ok   - " + msg, flush=True)


def bad(msg):
    global fails
    fails += 1
    print("FAIL - " + msg, flush=True)


class Skip(Exception):
    pass


def sh(cmd, check=True):
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError("%s: %s" % (cmd, r.stderr.strip()))
    return r.stdout.strip()


def cpu_times():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    busy = v[0] + v[1] + v[2] + v[5] + v[6]
    return busy, v[4], sum(v[:8])


def shares(a, b):
    """busy and iowait share of all CPU time between two cpu_times()."""
    tot = (b[2] - a[2]) or 1
    return 100.0 * (b[0] - a[0]) / tot, 100.0 * (b[1] - a[1]) / tot


def wait_quiet(limit_s=60, busy_max=20):
    """Wait for a second with the machine under busy_max% busy."""
    end = time.time() + limit_s
    while time.time() < end:
        a = cpu_times()
        time.sleep(1)
        busy, _ = shares(a, cpu_times())
        if busy < busy_max:
            return
    raise Skip("the machine never had a quiet second in %d s (others' work would "
               "skew the ceilings)" % limit_s)


def count(d):
    try:
        return sum(1 for n in os.listdir(d) if not n.endswith(".part"))
    except FileNotFoundError:
        return 0


def wait_for(cond, limit_s, what):
    end = time.time() + limit_s
    while time.time() < end:
        if cond():
            return
        time.sleep(0.1)
    raise RuntimeError("timed out waiting for " + what)


def start_job(inp, out, workers, cgroups=()):
    """The job as its own process group, joined to cgroups first."""
    join = "".join("echo $$ > %s/cgroup.procs && " % c for c in cgroups)
    p = subprocess.Popen(["sh", "-c", join + "exec %s %s %s %s %d %d" %
                          (PY, JOB, inp, out, workers, CPU_MS)],
                         start_new_session=True, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    cleanup.append(lambda: kill_group(p))
    return p


def kill_group(p):
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def job_cpu_known(path):
    """doptop has measured the job's own CPU (two process reads apart)."""
    return lambda: any("used by the job" in n["headroom_why"] for n in lines(path, "node"))


def rate(out, warm, window, ready=None):
    """Items per second over window seconds after warm items are done (and
    ready() holds); with the CPU split over the window."""
    wait_for(lambda: count(out) >= warm, 60, "the job to start")
    try:
        wait_for(lambda: ready is None or ready(), 30, "")
    except RuntimeError:
        raise Skip("no interval with the job's own CPU and an io-starved or underused "
                   "verdict in 30 s: the machine is too busy for this load")
    n1, t1, c1 = count(out), time.time(), cpu_times()
    time.sleep(window)
    n2, t2, c2 = count(out), time.time(), cpu_times()
    busy, iow = shares(c1, c2)
    return (n2 - n1) / (t2 - t1), busy, iow, (t1, t2)


def doptop(args, out_path):
    f = open(out_path, "w")
    p = subprocess.Popen([BIN, "--json", "-i", "1"] + args, stdout=f,
                         stderr=subprocess.DEVNULL)
    cleanup.append(lambda: (p.poll() is None and p.kill(), f.close()))
    return p


def stop(p):
    p.send_signal(signal.SIGINT)
    p.wait(timeout=20)


def lines(path, kind):
    out = []
    for l in open(path):
        try:
            j = json.loads(l)
        except ValueError:
            continue
        if j.get("type") == kind:
            out.append(j)
    return out


def median(v):
    v = sorted(v)
    return v[len(v) // 2] if v else None


def in_window(path, span, kind="node"):
    t1, t2 = span
    return [n for n in lines(path, kind) if t1 <= n["t"] <= t2]


def setup_disk(tmp):
    """ext4 on a direct-io loop device, NITEMS inputs; a block cgroup
    throttling it to 2 MB/s and 64 reads/s.  Returns (mnt, cgroup)."""
    if os.geteuid() != 0:
        raise Skip("not root (loop devices and cgroups)")
    for tool in ("losetup", "mkfs.ext4", "mount"):
        if not shutil.which(tool):
            raise Skip(tool + " missing")
    img = os.path.join(tmp, "disk.img")
    sh("dd if=/dev/zero of=%s bs=1M count=%d status=none" % (img, NITEMS * ITEM_KB // 1024 + 64))
    sh("mkfs.ext4 -q -F %s" % img)
    try:
        dev = sh("losetup --direct-io=on -f --show %s" % img)
    except RuntimeError as e:
        raise Skip("no loop device: %s" % e)
    cleanup.append(lambda: sh("losetup -d %s" % dev, check=False))
    mnt = os.path.join(tmp, "mnt")
    os.mkdir(mnt)
    sh("mount %s %s" % (dev, mnt))
    cleanup.append(lambda: sh("umount -l %s" % mnt, check=False))
    os.mkdir(os.path.join(mnt, "in"))
    for i in range(NITEMS):
        with open(os.path.join(mnt, "in", "item%05d" % i), "wb") as f:
            f.write(os.urandom(ITEM_KB * 1024))
    remount(dev, mnt)
    mm = sh("lsblk -dno MAJ:MIN %s" % dev).strip()
    tag = "doptop-decide-io-%d" % os.getpid()
    v2 = [d for d in ("/sys/fs/cgroup", "/sys/fs/cgroup/unified")
          if os.path.exists(d + "/cgroup.controllers") and
          "io" in open(d + "/cgroup.controllers").read().split()]
    if v2:
        cg = v2[0] + "/" + tag
        sh("grep -qw io %s/cgroup.subtree_control || echo +io > %s/cgroup.subtree_control"
           % (v2[0], v2[0]), check=False)
        os.mkdir(cg)
        cleanup.append(lambda: os.rmdir(cg))
        with open(cg + "/io.max", "w") as f:
            f.write("%s rbps=2097152 riops=64\n" % mm)
    elif os.path.exists("/sys/fs/cgroup/blkio/blkio.throttle.read_bps_device"):
        cg = "/sys/fs/cgroup/blkio/" + tag
        os.mkdir(cg)
        cleanup.append(lambda: os.rmdir(cg))
        with open(cg + "/blkio.throttle.read_bps_device", "w") as f:
            f.write("%s 2097152\n" % mm)
        with open(cg + "/blkio.throttle.read_iops_device", "w") as f:
            f.write("%s 64\n" % mm)
    else:
        raise Skip("no block throttle (cgroup v2 io.max nor v1 blkio)")
    return dev, mnt, cg


def remount(dev, mnt):
    """Cold cache: the direct-io loop keeps nothing once unmounted."""
    sh("umount %s && mount %s %s" % (mnt, dev, mnt))


def mem_cgroup(limit):
    tag = "doptop-decide-mem-%d" % os.getpid()
    for v2 in ("/sys/fs/cgroup", "/sys/fs/cgroup/unified"):
        c = v2 + "/cgroup.controllers"
        if os.path.exists(c) and "memory" in open(c).read().split():
            cg = v2 + "/" + tag
            os.mkdir(cg)
            cleanup.append(lambda: os.rmdir(cg))
            open(cg + "/memory.max", "w").write("%d\n" % limit)
            return cg
    if os.path.exists("/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        cg = "/sys/fs/cgroup/memory/" + tag
        os.mkdir(cg)
        cleanup.append(lambda: os.rmdir(cg))
        open(cg + "/memory.limit_in_bytes", "w").write("%d\n" % limit)
        return cg
    raise Skip("no memory cgroup controller")


def check_ceiling(what, predicted, real):
    msg = "%s: predicted ceiling %.2fx, real speedup %.2fx" % (what, predicted, real)
    if real <= predicted * 1.1 and predicted <= 3 * real:
        ok(msg)
    else:
        bad(msg + " (want real <= 1.1 x ceiling and ceiling <= 3 x real)")


def io_run(tmp, dev, mnt, io_cg):
    """Runs 1, 3 and 4 (they share the throttled disk)."""
    inp = os.path.join(mnt, "in")
    out_a = os.path.join(tmp, "out_a")
    rec = os.path.join(tmp, "a.rec")
    wait_quiet()
    job = start_job(inp, out_a, NCPU, [io_cg])
    d = doptop(["--done", out_a, "--todo", inp, "--job-cmd", JOB, "--record", rec],
               os.path.join(tmp, "a.json"))
    rate_a, busy_a, iow_a, span = rate(out_a, 5, 12, job_cpu_known(os.path.join(tmp, "a.json")))
    time.sleep(1.5)          # the window's last block
    stop(d)
    kill_group(job)
    if iow_a < 25:
        raise Skip("the throttled job did not wait on I/O (iowait %.0f%%, busy %.0f%%)"
                   % (iow_a, busy_a))
    nodes = in_window(os.path.join(tmp, "a.json"), span)
    verdicts = [n["verdict"] + "/" + n["cause"] for n in nodes]
    if verdicts.count("io-starved/disk") < len(verdicts) / 2:
        bad("throttled job: verdicts %s, want io-starved/disk" % verdicts)
    predicted = median([n["headroom"] for n in nodes if n["headroom"] is not None
                        and n["verdict"] == "io-starved" and "used by the job" in n["headroom_why"]])
    print("# throttled: %.1f items/s, busy %.0f%%, iowait %.0f%%, headroom %s"
          % (rate_a, busy_a, iow_a, predicted))
    advice = [n["advice"] for n in nodes if n["verdict"] == "io-starved"]
    if advice and "fit in this node's" in advice[-1] and "/dev/shm" in advice[-1]:
        ok("fit advice: " + advice[-1])
    else:
        bad("fit advice: %s" % advice[-1:])
    workers = [n["workers"]["count"] for n in nodes if n["workers"]]
    if workers and median(workers) == NCPU:
        ok("workers: %d (the pool's manager is not a worker)" % median(workers))
    else:
        bad("workers: %s, want %d" % (workers, NCPU))
    # the same job with its inputs in memory
    shm = tempfile.mkdtemp(prefix="doptop-decide-", dir="/dev/shm")
    cleanup.append(lambda: shutil.rmtree(shm, ignore_errors=True))
    shutil.copytree(inp, os.path.join(shm, "in"))
    wait_quiet()
    out_b = os.path.join(tmp, "out_b")
    job = start_job(os.path.join(shm, "in"), out_b, NCPU)
    rate_b, busy_b, _, _ = rate(out_b, 20, 8)
    kill_group(job)
    print("# tmpfs: %.1f items/s, busy %.0f%%" % (rate_b, busy_b))
    if predicted is None:
        bad("no headroom for the throttled node")
    else:
        check_ceiling("io-starved -> tmpfs", predicted, rate_b / rate_a)
    replay(tmp, rec)
    # 3. a memory cgroup smaller than the inputs
    remount(dev, mnt)
    mem = mem_cgroup(48 << 20)
    out_c = os.path.join(tmp, "out_c")
    job = start_job(inp, out_c, NCPU, [io_cg, mem])
    d = doptop(["--done", out_c, "--todo", inp, "--job-cmd", JOB], os.path.join(tmp, "c.json"))
    path = os.path.join(tmp, "c.json")
    try:
        wait_for(lambda: any("memory cgroup limit" in n["advice"] for n in lines(path, "node")),
                 40, "the cgroup fit advice")
    except RuntimeError:
        pass
    pids = [int(p) for p in open(mem + "/cgroup.procs").read().split()]
    stop(d)
    kill_group(job)
    if not pids:
        raise Skip("the job did not run in the memory cgroup")
    adv = [n["advice"] for n in lines(path, "node") if "memory cgroup limit" in n["advice"]]
    lim = [n["workers"]["mem_limit_B"] for n in lines(path, "node") if n["workers"]]
    if adv and "do not fit in 50.3 MB of memory cgroup limit" in adv[-1] and (48 << 20) in lim:
        ok("cgroup fit advice: " + adv[-1])
    else:
        bad("cgroup fit advice: %s (limits seen %s)" % (
            [n["advice"] for n in lines(path, "node")][-1:], sorted(set(map(str, lim)))))


def replay(tmp, rec):
    """4. The recording replays with the live progress and decisions."""
    live = os.path.join(tmp, "a.json")
    out = subprocess.run([BIN, "--replay", rec, "--json", "--speed", "0"],
                         capture_output=True, text=True, timeout=120).stdout
    rp = [json.loads(l) for l in out.splitlines()]

    def key(ls, kind, fields):
        return {l["t"]: tuple(json.dumps(l.get(k)) for k in fields) for l in ls if l["type"] == kind}
    lv = [json.loads(l) for l in open(live)]
    prog = ("done", "total", "percent", "rate_per_s", "eta_s", "eta_best_s", "input_B",
            "remaining_B", "state")
    node = ("verdict", "cause", "advice", "headroom", "headroom_why", "workers")
    a, b = key(lv, "progress", prog), key(rp, "progress", prog)
    c, d = key(lv, "node", node), key(rp, "node", node)
    common = sorted(set(a) & set(b))[:-1]     # the live run's last block may be cut
    diff = [t for t in common if a[t] != b[t]]
    ndiff = [t for t in sorted(set(c) & set(d))[:-1] if c[t] != d[t]]
    if len(common) >= 10 and not diff and not ndiff:
        ok("replay: %d blocks with the live progress, headroom, advice and workers" % len(common))
    else:
        bad("replay differs at %s / %s (of %d)" % (diff[:3], ndiff[:3], len(common)))
        for t in (diff + ndiff)[:1]:
            print("# live   ", a.get(t), c.get(t))
            print("# replay ", b.get(t), d.get(t))


def underused(tmp):
    """2. One worker on all cores, then one per core."""
    shm = tempfile.mkdtemp(prefix="doptop-decide-u-", dir="/dev/shm")
    cleanup.append(lambda: shutil.rmtree(shm, ignore_errors=True))
    inp = os.path.join(shm, "in")
    os.mkdir(inp)
    for i in range(NITEMS):
        with open(os.path.join(inp, "u%05d" % i), "wb") as f:
            f.write(b"\0" * 1024)
    wait_quiet()
    out1 = os.path.join(tmp, "out_u1")
    job = start_job(inp, out1, 1)
    d = doptop(["--done", out1, "--job-cmd", JOB], os.path.join(tmp, "u.json"))
    r1, busy1, _, span = rate(out1, 10, 10, job_cpu_known(os.path.join(tmp, "u.json")))
    time.sleep(1.5)
    stop(d)
    kill_group(job)
    nodes = in_window(os.path.join(tmp, "u.json"), span)
    verdicts = [n["verdict"] for n in nodes]
    if verdicts.count("underused") < len(verdicts) / 2:
        raise Skip("one worker did not read as underused (%s; busy %.0f%%): the machine "
                   "was not quiet" % (verdicts, busy1))
    predicted = median([n["headroom"] for n in nodes if n["verdict"] == "underused"
                        and n["headroom"] is not None and "used by the job" in n["headroom_why"]])
    adv = [n["advice"] for n in nodes if n["verdict"] == "underused"]
    want = "1 worker on %d cores: run %d (max_workers = %d)" % (NCPU, NCPU, NCPU)
    if adv and adv[-1] == want:
        ok("underused advice: " + want)
    else:
        bad("underused advice: %s, want %s" % (adv[-1:], want))
    wait_quiet()
    out2 = os.path.join(tmp, "out_u2")
    job = start_job(inp, out2, NCPU)
    r2, busy2, _, _ = rate(out2, 20, 8)
    kill_group(job)
    print("# 1 worker: %.1f items/s (busy %.0f%%); %d: %.1f items/s (busy %.0f%%); headroom %s"
          % (r1, busy1, NCPU, r2, busy2, predicted))
    if predicted is None:
        bad("no headroom for the underused node")
    else:
        check_ceiling("underused -> %d workers" % NCPU, predicted, r2 / r1)


def main():
    tmp = tempfile.mkdtemp(prefix="doptop-decide-")
    cleanup.append(lambda: shutil.rmtree(tmp, ignore_errors=True))
    try:
        for name, fn in (("I/O", lambda: io_run(tmp, *setup_disk(tmp))),
                         ("underused", lambda: underused(tmp))):
            try:
                fn()
            except Skip as e:
                print("SKIP: %s: %s" % (name, e), flush=True)
    finally:
        for f in reversed(cleanup):
            try:
                f()
            except Exception:
                pass
    print("it_decide: %d failed" % fails)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
