/*
 * classify.c — the verdict rules.  The htop heuristic (CPU not full ->
 * I/O; red dominant -> syscalls; green dominant -> CPU-bound), refined by
 * what real bottlenecks look like in /proc on Linux 6.x.  Figures quoted
 * below are medians of 1 s samples on a 2-core VM (issue #2 and
 * docs/measurements.md).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "classify.h"
#include "text.h"

/* Every threshold in one place.  "enter" applies when the node does not
 * have this verdict yet, "stay" when it does (looser: hysteresis).  A new
 * field also goes into th_list below: `doptop --thresholds` prints it and
 * tests/it_docs.sh checks README and doptop.1 against that. */
static const struct thresholds {
	/* busy% (100-idle-iowait) at or above which the CPU counts as full.
	 * stress-ng --cpu: 99%; a full machine shared with a few daemons still
	 * reads 93-97%, so 90 enters and 80 keeps the label. */
	double full_enter, full_stay;
	/* system share of busy time (sys/(user+sys)) for syscall-heavy.
	 * dd bs=1: 69%; stress-ng --fork: 98%; CPU-bound work: < 10%. */
	double sys_share_enter, sys_share_stay;
	/* forks/s per core that make process creation the cause, when the
	 * kernel share dominates.  stress-ng --fork: ~3.9k/s on 2 cores on a
	 * fast VM, but only 150-500/s on this 2-core VM (docs/measurements.md);
	 * a busy build or shell script forks 25-65/s per core. */
	double fork_per_core;
	/* IPC storm: context switches/s per core, CPU pressure and some
	 * kernel share.  ProcessPoolExecutor(16).map over tiny items: 17-50k/s
	 * per core (35k/s on 2 cores here, 100k/s elsewhere), cpu some 29-50%,
	 * system 28 of 76 busy here but only 13.5-17.8% of busy on CI's
	 * 2-core VMs (28-50k/s per core, cpu some 29-32%: the per-item cost
	 * is mostly the pool's own Python, which runs as user time); falls to
	 * ~8k/s per core when other work competes.  CPU-bound work switches
	 * < 2k/s per core, even with 16 threads on 2 cores; sshfs direct_io
	 * waits ~1-2k/s per core. */
	double ipc_ctxt_per_core, ipc_psi_cpu, ipc_sys_share;
	/* Waiting on I/O: iowait share, or I/O pressure, or blocked tasks
	 * per core.  Throttled reader: iowait ~80%, io some ~90%. */
	double iowait_enter, iowait_stay, psi_io_enter, psi_io_stay, blocked_per_core;
	/* Memory: pressure share, or swap traffic (pages/s). */
	double psi_mem, swap_pages, refault_pages;
	/* Network busy enough to explain idle CPU (bytes/s, rx+tx), and the
	 * disk counted as quiet below a quarter of that. */
	double net_busy_Bps;
	/* Steal share (of all time) that makes steal the cause. */
	double steal;
	/* Idle: less than half a core busy in all (one busy process is a whole
	 * core, which is "underused", not idle; background noise on a 64-core
	 * VM is ~0.3 core) and at most 10% busy. */
	double idle_cores, idle_busy;
	/* Disk busy enough to count as doing I/O (bytes/s or requests/s). */
	double disk_busy_Bps, disk_busy_iops;
	/* Headroom (issue 9): below this many busy cores a ceiling of
	 * cores/busy is a division by noise (an idle 2-core VM shows ~0.02
	 * core of daemons), so no number is given. */
	double headroom_min_cores;
	/* Headroom under this is shown as "1x": a CPU-bound node at 98% busy
	 * would otherwise promise a meaningless 1.02x. */
	double headroom_unity;
	/* Inputs "fit" in memory or on a disk when they take at most this
	 * share of its free room: the job itself needs memory too, and a
	 * disk filled to the brim stops everything else on the node. */
	double fit_share;
	/* An io-starved node with at most this many workers per core learns
	 * that more workers would hide the latency: one blocked reader per
	 * core leaves the CPU idle while it waits (throttled reader: 4
	 * readers on 2 cores, 89% iowait). */
	double few_workers_per_core;
} T = {
	.full_enter = 90, .full_stay = 80,
	.sys_share_enter = 50, .sys_share_stay = 40,
	.fork_per_core = 60,
	.ipc_ctxt_per_core = 8000, .ipc_psi_cpu = 20, .ipc_sys_share = 10,
	.iowait_enter = 10, .iowait_stay = 5, .psi_io_enter = 20, .psi_io_stay = 10,
	.blocked_per_core = 0.5,
	.psi_mem = 10, .swap_pages = 256, .refault_pages = 5000,
	.net_busy_Bps = 256 * 1024,
	.steal = 10,
	.idle_cores = 0.5, .idle_busy = 10,
	.disk_busy_Bps = 1024 * 1024, .disk_busy_iops = 50,
	.headroom_min_cores = 0.05, .headroom_unity = 1.05,
	.fit_share = 0.8, .few_workers_per_core = 2,
};

static const char *const verdict_words[V_COUNT] = {
	"unknown", "cpu-bound", "syscall-heavy", "io-starved", "underused", "idle",
};
static const char *const cause_words[C_COUNT] = {
	"none", "steal", "syscall", "fork", "ipc", "disk", "network", "memory",
};

const char *verdict_name(enum verdict v)
{
	return (unsigned)v < V_COUNT ? verdict_words[v] : "unknown";
}

const char *cause_name(enum cause c)
{
	return (unsigned)c < C_COUNT ? cause_words[c] : "none";
}

const char *classify_advice(struct judgement j)
{
	switch (j.verdict) {
	case V_CPU_BOUND:
		return j.cause == C_STEAL
		    ? "the hypervisor steals CPU: move to another host/zone or a dedicated instance type"
		    : "CPU used well: add nodes, then optimise the algorithm";
	case V_SYSCALL_HEAVY:
		switch (j.cause) {
		case C_FORK:
			return "process creation dominates: reuse a worker pool and chunk items per worker";
		case C_IPC:
			return "per-item round trips between processes: batch items (e.g. map(..., chunksize=1000))";
		default:
			return "kernel time dominates: batch the work (bigger reads/writes, fewer calls per item)";
		}
	case V_IO_STARVED:
		switch (j.cause) {
		case C_NETWORK:
			return "waiting on the network (sshfs?): copy the inputs to local disk first";
		case C_MEMORY:
			return "memory pressure: run fewer or smaller workers, or add RAM";
		default:
			return "waiting on disk: load the data into memory (tmpfs) or move it to a local SSD";
		}
	case V_UNDERUSED:
		return "CPU idle with no I/O to explain it: run more workers (max_workers = cores)";
	case V_IDLE:
		return "nothing running";
	default:
		return "waiting for data";
	}
}

/* Every threshold with its unit and meaning, in the table's order, for
 * --thresholds (the docs are checked against it: tests/it_docs.sh). */
#define TH(f, unit, what) { #f, &T.f, unit, what }
static const struct {
	const char *name;
	const double *v;
	const char *unit, *what;
} th_list[] = {
	TH(full_enter, "%", "busy share (100 - idle - iowait) at which the CPU is full"),
	TH(full_stay, "%", "... to keep a full-CPU verdict"),
	TH(sys_share_enter, "%", "system share of busy time for syscall-heavy"),
	TH(sys_share_stay, "%", "... to keep syscall-heavy"),
	TH(fork_per_core, "/s", "process creations per second per core for cause fork"),
	TH(ipc_ctxt_per_core, "/s", "context switches per second per core for cause ipc"),
	TH(ipc_psi_cpu, "%", "... with CPU pressure (some) at least"),
	TH(ipc_sys_share, "%", "... and a system share of busy time at least"),
	TH(iowait_enter, "%", "iowait for io-starved"),
	TH(iowait_stay, "%", "... to keep io-starved"),
	TH(psi_io_enter, "%", "I/O pressure (some) for io-starved"),
	TH(psi_io_stay, "%", "... to keep io-starved"),
	TH(blocked_per_core, "", "blocked tasks per core for io-starved"),
	TH(psi_mem, "%", "memory pressure (some) for cause memory"),
	TH(swap_pages, "/s", "swap pages in+out per second for cause memory"),
	TH(refault_pages, "/s", "page-cache refaults per second for cause memory"),
	TH(net_busy_Bps, "B/s", "network rx+tx that makes idle CPU network-starved"),
	TH(steal, "%", "steal share of all time for cause steal"),
	TH(idle_cores, "cores", "busy cores under which a node may be idle"),
	TH(idle_busy, "%", "... and busy share at most"),
	TH(disk_busy_Bps, "B/s", "disk bytes per second that count as doing I/O"),
	TH(disk_busy_iops, "/s", "or disk requests per second"),
	TH(headroom_min_cores, "cores", "busy cores under which no headroom is given"),
	TH(headroom_unity, "x", "headroom under this is shown as 1x"),
	TH(fit_share, "", "share of free memory or disk the inputs may take to fit"),
	TH(few_workers_per_core, "", "workers per core at most for more workers to help"),
};
#undef TH

size_t classify_thresholds(char *buf, size_t cap)
{
	size_t n = 0;
	if (cap)
		buf[0] = 0;
	for (size_t i = 0; i < sizeof th_list / sizeof th_list[0]; i++) {
		int w = snprintf(buf + n, cap - n, "%-20s %9.10g %-6s %s\n", th_list[i].name,
		                 *th_list[i].v, th_list[i].unit, th_list[i].what);
		if (w < 0 || (size_t)w >= cap - n)
			break;
		n += (size_t)w;
	}
	return n;
}

/* Pick the enter or the stay threshold. */
static double th(bool staying, double enter, double stay)
{
	return staying ? stay : enter;
}

static double sys_share(const struct rates *r)
{
	double us = r->cpu.user + r->cpu.system;
	return us > 0 ? 100.0 * r->cpu.system / us : 0;
}

static bool has(const struct rates *r, unsigned part)
{
	return (r->have & part) != 0;
}

/* Memory pressure: check first, since thrashing also looks like disk wait. */
static bool memory_starved(const struct rates *r)
{
	if (has(r, RP_PSI) && r->psi_mem_some >= T.psi_mem)
		return true;
	if (has(r, RP_SWAP) && (r->swap_in_per_s + r->swap_out_per_s >= T.swap_pages ||
	                        r->refault_per_s >= T.refault_pages) &&
	    (!has(r, RP_PSI) || r->psi_mem_some >= T.psi_mem / 4))
		return true;
	return false;
}

/* The CPU waits on blocked I/O (iowait, I/O pressure or D-state tasks). */
static bool io_waiting(const struct rates *r, bool staying)
{
	int cores = r->cores > 0 ? r->cores : 1;
	if (r->cpu.iowait >= th(staying, T.iowait_enter, T.iowait_stay))
		return true;
	if (has(r, RP_PSI) && r->psi_io_some >= th(staying, T.psi_io_enter, T.psi_io_stay))
		return true;
	if (has(r, RP_PROCS) && r->procs_blocked / cores >= T.blocked_per_core)
		return true;
	return false;
}

static double net_Bps(const struct rates *r)
{
	return has(r, RP_NET) ? r->net_rx_Bps + r->net_tx_Bps : 0;
}

static double disk_Bps(const struct rates *r)
{
	return has(r, RP_DISK) ? r->disk_read_Bps + r->disk_write_Bps : 0;
}

/* Network busy while the disks are quiet: the data comes over the wire. */
static bool network_busy(const struct rates *r)
{
	double n = net_Bps(r);
	return n >= T.net_busy_Bps && disk_Bps(r) < n / 4;
}

static bool disk_busy(const struct rates *r)
{
	return has(r, RP_DISK) && (disk_Bps(r) >= T.disk_busy_Bps ||
	                           r->disk_iops >= T.disk_busy_iops);
}

/* Per-item round trips between processes: a context-switch storm with
 * CPU pressure and a real kernel share, but no forks. */
static bool ipc_storm(const struct rates *r)
{
	int cores = r->cores > 0 ? r->cores : 1;
	return has(r, RP_PROCS) && r->ctxt_per_s / cores >= T.ipc_ctxt_per_core &&
	       (!has(r, RP_PSI) || r->psi_cpu_some >= T.ipc_psi_cpu) &&
	       sys_share(r) >= T.ipc_sys_share &&
	       r->forks_per_s / cores < T.fork_per_core;
}

static struct judgement J(enum verdict v, enum cause c)
{
	struct judgement j = { v, c };
	return j;
}

/* Kernel-dominated busy time: forks, IPC or plain syscalls. */
static struct judgement syscall_kind(const struct rates *r)
{
	int cores = r->cores > 0 ? r->cores : 1;
	if (has(r, RP_PROCS) && r->forks_per_s / cores >= T.fork_per_core)
		return J(V_SYSCALL_HEAVY, C_FORK);
	if (ipc_storm(r))
		return J(V_SYSCALL_HEAVY, C_IPC);
	return J(V_SYSCALL_HEAVY, C_SYSCALL);
}

/* The cause of waiting: network when it is busy and the disks are quiet. */
static struct judgement io_kind(const struct rates *r)
{
	if (network_busy(r))
		return J(V_IO_STARVED, C_NETWORK);
	return J(V_IO_STARVED, C_DISK);
}

struct judgement classify_raw(const struct rates *r, struct judgement cur)
{
	if (!has(r, RP_CPU))
		return J(V_UNKNOWN, C_NONE);
	int cores = r->cores > 0 ? r->cores : 1;
	double busy = rates_busy(&r->cpu);
	double share = sys_share(r);
	bool sys_stay = cur.verdict == V_SYSCALL_HEAVY;
	bool sys_dom = share >= th(sys_stay, T.sys_share_enter, T.sys_share_stay);

	if (memory_starved(r))
		return J(V_IO_STARVED, C_MEMORY);
	if (busy >= th(cur.verdict == V_CPU_BOUND || sys_stay, T.full_enter, T.full_stay)) {
		if (sys_dom)
			return syscall_kind(r);
		if (ipc_storm(r))
			return J(V_SYSCALL_HEAVY, C_IPC);
		if (r->cpu.steal >= T.steal)
			return J(V_CPU_BOUND, C_STEAL);
		return J(V_CPU_BOUND, C_NONE);
	}
	/* Not full: something other than the CPU limits the job. */
	if (io_waiting(r, cur.verdict == V_IO_STARVED))
		return io_kind(r);
	if (ipc_storm(r))
		return J(V_SYSCALL_HEAVY, C_IPC);
	/* sshfs with direct_io or FUSE waits: plain idle, no iowait, but the
	 * network carries data and the disks are quiet (netdirect: idle 66%,
	 * iowait 0, 1.0 MB/s on the link). */
	if (network_busy(r))
		return J(V_IO_STARVED, C_NETWORK);
	if (has(r, RP_PROCS) && r->forks_per_s / cores >= T.fork_per_core && sys_dom)
		return J(V_SYSCALL_HEAVY, C_FORK);
	if (r->cpu.steal >= T.steal && busy >= th(false, T.full_enter, T.full_stay) - r->cpu.steal)
		return J(V_CPU_BOUND, C_STEAL);
	double busy_cores = busy * cores / 100.0;
	if (busy_cores < T.idle_cores && busy < T.idle_busy && !disk_busy(r))
		return J(V_IDLE, C_NONE);
	if (sys_dom && busy_cores >= 0.5)
		return J(V_SYSCALL_HEAVY, C_SYSCALL);
	if (disk_busy(r) && busy_cores < 0.5)
		return J(V_IO_STARVED, C_DISK);
	return J(V_UNDERUSED, C_NONE);
}

/* How many consecutive intervals a new judgement must hold before it is
 * shown: 2 keeps a single noisy second from flipping the label while
 * reacting within ~2 intervals. */
#define HOLD_INTERVALS 2

struct judgement classify_step(struct classifier *c, const struct rates *r)
{
	struct judgement j = classify_raw(r, c->stable);
	if (j.verdict == V_UNKNOWN)
		return c->stable;
	/* The hold counts the verdict alone: a cause that flickers between
	 * two values (disk/network) must not keep an old verdict on screen;
	 * the cause follows the latest interval of the held verdict. */
	if (c->stable.verdict == V_UNKNOWN || j.verdict == c->stable.verdict) {
		c->stable = j;
		c->pending_n = 0;
		return c->stable;
	}
	if (j.verdict == c->pending.verdict)
		c->pending_n++;
	else {
		c->pending = j;
		c->pending_n = 1;
	}
	if (c->pending_n >= HOLD_INTERVALS) {
		c->stable = j;
		c->pending_n = 0;
	}
	return c->stable;
}

void classify_reset(struct classifier *c)
{
	memset(c, 0, sizeof *c);
}

size_t classify_explain(const struct rates *r, struct judgement j, char *buf, size_t cap)
{
	size_t len = 0;
	if (cap == 0)
		return 0;
	buf[0] = 0;
	if (!has(r, RP_CPU)) {
		text_appendf(buf, cap, &len, "no full interval of data yet\n");
		return len;
	}
	int cores = r->cores > 0 ? r->cores : 1;
	text_appendf(buf, cap, &len, "busy %.0f%% (full at >= %.0f%%)\n", rates_busy(&r->cpu), T.full_enter);
	text_appendf(buf, cap, &len, "system share of busy %.0f%% (syscall-heavy at >= %.0f%%)\n",
	     sys_share(r), T.sys_share_enter);
	text_appendf(buf, cap, &len, "iowait %.0f%% (waiting at >= %.0f%%)\n", r->cpu.iowait, T.iowait_enter);
	text_appendf(buf, cap, &len, "steal %.0f%% (steal at >= %.0f%%)\n", r->cpu.steal, T.steal);
	if (has(r, RP_PROCS)) {
		text_appendf(buf, cap, &len, "forks %.0f/s per core (fork at >= %.0f)\n",
		     r->forks_per_s / cores, T.fork_per_core);
		text_appendf(buf, cap, &len, "context switches %.0f/s per core (ipc at >= %.0f)\n",
		     r->ctxt_per_s / cores, T.ipc_ctxt_per_core);
		text_appendf(buf, cap, &len, "blocked tasks %.0f, running %.0f\n",
		     r->procs_blocked, r->procs_running);
	}
	if (has(r, RP_PSI)) {
		text_appendf(buf, cap, &len, "pressure cpu %.0f%% (ipc at >= %.0f%%)\n", r->psi_cpu_some, T.ipc_psi_cpu);
		text_appendf(buf, cap, &len, "pressure io %.0f%% (waiting at >= %.0f%%)\n", r->psi_io_some, T.psi_io_enter);
		text_appendf(buf, cap, &len, "pressure memory %.0f%% (memory at >= %.0f%%)\n", r->psi_mem_some, T.psi_mem);
	}
	text_appendf(buf, cap, &len, "network %.0f KiB/s (busy at >= %.0f KiB/s)\n",
	     net_Bps(r) / 1024, T.net_busy_Bps / 1024);
	text_appendf(buf, cap, &len, "disk %.0f KiB/s, %.0f req/s\n", disk_Bps(r) / 1024,
	     has(r, RP_DISK) ? r->disk_iops : 0);
	if (has(r, RP_SWAP) && has(r, RP_REFAULT))
		text_appendf(buf, cap, &len, "swap %.0f pages/s, refaults %.0f/s\n",
		     r->swap_in_per_s + r->swap_out_per_s, r->refault_per_s);
	else if (has(r, RP_SWAP))
		text_appendf(buf, cap, &len, "swap %.0f pages/s, refaults not reported by this source\n",
		     r->swap_in_per_s + r->swap_out_per_s);
	(void)j;
	return len;
}

/* Format h->why. */
__attribute__((format(printf, 2, 3)))
static void hwhy(struct headroom *h, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(h->why, sizeof h->why, fmt, ap);
	va_end(ap);
}

/* The ceiling when the CPU is the only limit left: all cores over the
 * cores busy now (io-starved at 0.6 busy cores of 2 -> 3.3x). */
static void cores_ceiling(const struct rates *r, struct headroom *h, double job_cores,
                          const char *cause)
{
	int cores = r->cores > 0 ? r->cores : 1;
	const char *whose = "busy";
	if (job_cores >= 0) {
		/* The job's own CPU: other work on the node does not hide how
		 * far the job could go. */
		h->work_cores = job_cores;
		whose = "used by the job";
	}
	if (h->work_cores < T.headroom_min_cores) {
		hwhy(h, "%.2f of %d cores %s: too little work to bound", h->work_cores, cores, whose);
		return;
	}
	h->known = true;
	h->x = cores / h->work_cores;
	if (h->x < 1)
		h->x = 1;
	hwhy(h, "%.2f of %d cores %s: at most %.1fx %s", h->work_cores, cores, whose, h->x, cause);
}

void classify_headroom(const struct rates *r, struct judgement j, double job_cores,
                       struct headroom *h)
{
	memset(h, 0, sizeof *h);
	if (!has(r, RP_CPU)) {
		hwhy(h, "no data yet");
		return;
	}
	int cores = r->cores > 0 ? r->cores : 1;
	h->work_cores = (r->cpu.user + r->cpu.system) * cores / 100.0;
	switch (j.verdict) {
	case V_CPU_BOUND:
		h->known = true;
		h->x = 1;
		if (j.cause == C_STEAL && r->cpu.steal < 100) {
			/* Without the steal, the stolen share becomes ours. */
			h->x = 100.0 / (100.0 - r->cpu.steal);
			hwhy(h, "steal %.0f%%: at most %.1fx without it", r->cpu.steal, h->x);
		} else
			hwhy(h, "the CPU is full: only a better algorithm or more nodes help");
		break;
	case V_IO_STARVED:
		cores_ceiling(r, h, job_cores, j.cause == C_MEMORY ? "without the memory pressure"
		                                                   : "if the I/O waits went away");
		break;
	case V_UNDERUSED:
		cores_ceiling(r, h, job_cores, "with every core working");
		break;
	case V_SYSCALL_HEAVY:
		/* Per-item overhead also runs as user time, so batching can gain
		 * far more than the kernel share shows: ProcessPoolExecutor(16)
		 * over 100,000 tiny items took 32 s unbatched and 0.04 s in 16
		 * chunks (~800x) with a kernel share of ~35%. */
		hwhy(h, "cannot be bounded: per-item %s overhead also runs as user time "
		     "(batching gained ~800x on a pool with a 35%% kernel share)",
		     j.cause == C_FORK ? "fork" : j.cause == C_IPC ? "IPC" : "call");
		break;
	case V_IDLE:
		hwhy(h, "nothing running");
		break;
	default:
		hwhy(h, "no verdict yet");
		break;
	}
	if (h->known && h->x < T.headroom_unity)
		h->x = 1;
}

const char *classify_if_gone(struct judgement j)
{
	switch (j.verdict) {
	case V_IO_STARVED:
		return j.cause == C_MEMORY ? "if the memory pressure went away"
		                           : "if the I/O waits went away";
	case V_UNDERUSED:
		return "if every core worked";
	case V_CPU_BOUND:
		return j.cause == C_STEAL ? "if the hypervisor stopped stealing" : "";
	default:
		return "";
	}
}

/* "12.4 GB", "850.0 MB" (decimal units, as disks are sold). */
static const char *gbs(char *buf, size_t cap, double b)
{
	if (b >= 1e12)
		snprintf(buf, cap, "%.1f TB", b / 1e12);
	else if (b >= 1e9)
		snprintf(buf, cap, "%.1f GB", b / 1e9);
	else if (b >= 1e6)
		snprintf(buf, cap, "%.1f MB", b / 1e6);
	else
		snprintf(buf, cap, "%.0f kB", b / 1e3);
	return buf;
}

/* Memory or a faster disk, with the numbers: false when not known. */
static bool fit_advice(const struct decide_ctx *c, char *buf, size_t cap)
{
	char a[24], b[24], d[24];
	if (c->remaining_B < 0 || !c->r || !has(c->r, RP_MEM) || c->r->mem_available_B <= 0)
		return false;
	double mem = c->r->mem_available_B;
	const char *what = "available memory";
	if (c->facts && c->facts->have_mem_limit && c->facts->mem_limit_B < mem) {
		/* A job in a memory cgroup gets its limit, not MemAvailable. */
		mem = c->facts->mem_limit_B;
		what = "memory cgroup limit";
	}
	gbs(a, sizeof a, c->remaining_B);
	gbs(b, sizeof b, mem);
	if (c->remaining_B <= T.fit_share * mem) {
		snprintf(buf, cap, "the %s still to read fit in this node's %s of %s: "
		         "copy them to /dev/shm first", a, b, what);
		return true;
	}
	if (c->inputs_network && c->facts && c->facts->have_disks &&
	    c->remaining_B <= T.fit_share * c->facts->disk_free_B) {
		snprintf(buf, cap, "%s do not fit in %s of %s, but fit on this node's local disk "
		         "(%s free on %s): copy them there first", a, b, what,
		         gbs(d, sizeof d, c->facts->disk_free_B), c->facts->disk_mount);
		return true;
	}
	snprintf(buf, cap, "%s do not fit in %s of %s: move them to a local SSD", a, b, what);
	return true;
}

/* Append "; N workers on M cores: more workers would hide the latency". */
static void latency_hint(const struct decide_ctx *c, char *buf, size_t cap)
{
	const struct facts *f = c->facts;
	int cores = c->r && c->r->cores > 0 ? c->r->cores : 1;
	size_t n = strlen(buf);
	if (!f || !f->have_workers || f->w.count == 0 || n + 1 >= cap ||
	    f->w.count > T.few_workers_per_core * cores)
		return;
	snprintf(buf + n, cap - n, "%s%d worker%s on %d cores: more workers would hide the latency",
	         n ? "; " : "", f->w.count, f->w.count == 1 ? "" : "s", cores);
}

const char *classify_decide(struct judgement j, const struct decide_ctx *c, char *buf, size_t cap)
{
	const struct facts *f = c ? c->facts : NULL;
	if (!c || cap == 0)
		return classify_advice(j);
	buf[0] = 0;
	int cores = c->r && c->r->cores > 0 ? c->r->cores : 1;
	if (j.verdict == V_UNDERUSED && f && f->have_workers) {
		if (f->w.count == 0)
			snprintf(buf, cap, "no process matches --job-cmd here: is the job running on this node?");
		else if (f->w.count < cores)
			snprintf(buf, cap, "%d worker%s on %d cores: run %d (max_workers = %d)", f->w.count,
			         f->w.count == 1 ? "" : "s", cores, cores, cores);
		else
			snprintf(buf, cap, "%d workers on %d cores, yet the CPU idles with no I/O: "
			         "they wait on something else (a lock, a remote service?)", f->w.count, cores);
		return buf;
	}
	if (j.verdict == V_IO_STARVED && (j.cause == C_DISK || j.cause == C_NETWORK)) {
		bool fit = fit_advice(c, buf, cap);
		latency_hint(c, buf, cap);
		if (fit || buf[0]) {
			if (!fit) {
				size_t n = strlen(buf);
				snprintf(buf + n, cap - n, "; or %s", j.cause == C_NETWORK
				         ? "copy the inputs to local disk first"
				         : "load the data into memory (tmpfs) or a local SSD");
			}
			return buf;
		}
	}
	return classify_advice(j);
}
