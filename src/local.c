/* local.c — sample this machine through libproc2 (see local.h). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libproc2/diskstats.h>
#include <libproc2/meminfo.h>
#include <libproc2/misc.h>
#include <libproc2/stat.h>
#include "clock.h"
#include "local.h"
#include "parse.h"

/* The files read directly, kept open and re-read with pread(): /proc
 * regenerates them at offset 0, and open+close per sample was a third of
 * doptop's own syscall time (bench/local_cpu.sh). */
enum { LF_NET, LF_VM, LF_PSI_CPU, LF_PSI_IO, LF_PSI_MEM, LF_COUNT };
static const char *const lf_path[LF_COUNT] = {
	"/proc/net/dev", "/proc/vmstat", "/proc/pressure/cpu", "/proc/pressure/io",
	"/proc/pressure/memory",
};

struct local_sampler {
	struct stat_info *stat;
	struct diskstats_info *disk;
	struct meminfo_info *mem;
	int fd[LF_COUNT];      /* -1 when absent (e.g. no PSI) */
	char buf[64 * 1024];   /* scratch for the files read directly */
};

static enum stat_item stat_items[] = {
	STAT_TIC_ID, STAT_TIC_USER, STAT_TIC_NICE, STAT_TIC_SYSTEM, STAT_TIC_IDLE,
	STAT_TIC_IOWAIT, STAT_TIC_IRQ, STAT_TIC_SOFTIRQ, STAT_TIC_STOLEN,
	STAT_SYS_CTX_SWITCHES, STAT_SYS_PROC_CREATED, STAT_SYS_PROC_RUNNING,
	STAT_SYS_PROC_BLOCKED, STAT_SYS_TIME_OF_BOOT,
};
enum { SI_ID, SI_USER, SI_NICE, SI_SYSTEM, SI_IDLE, SI_IOWAIT, SI_IRQ, SI_SOFTIRQ,
       SI_STEAL, SI_CTXT, SI_PROCS, SI_RUNNING, SI_BLOCKED, SI_BTIME };
#define N_STAT_ITEMS (int)(sizeof stat_items / sizeof stat_items[0])

static enum diskstats_item disk_items[] = {
	DISKSTATS_NAME, DISKSTATS_TYPE, DISKSTATS_READS, DISKSTATS_READ_SECTORS,
	DISKSTATS_WRITES, DISKSTATS_WRITE_SECTORS, DISKSTATS_IO_TIME,
};
enum { DI_NAME, DI_TYPE, DI_READS, DI_RSECT, DI_WRITES, DI_WSECT, DI_IOTIME };

static enum meminfo_item mem_items[] = {
	MEMINFO_MEM_TOTAL, MEMINFO_MEM_AVAILABLE, MEMINFO_SWAP_TOTAL, MEMINFO_SWAP_FREE,
};

struct local_sampler *local_new(const char **why)
{
	struct local_sampler *l = calloc(1, sizeof *l);
	if (!l) {
		*why = "out of memory";
		return NULL;
	}
	for (int i = 0; i < LF_COUNT; i++)
		l->fd[i] = open(lf_path[i], O_RDONLY | O_CLOEXEC);
	if (procps_stat_new(&l->stat) < 0 || procps_diskstats_new(&l->disk) < 0 ||
	    procps_meminfo_new(&l->mem) < 0) {
		*why = "libproc2 cannot read /proc (is it mounted?)";
		local_free(l);
		return NULL;
	}
	return l;
}

void local_free(struct local_sampler *l)
{
	if (!l)
		return;
	if (l->stat)
		procps_stat_unref(&l->stat);
	if (l->disk)
		procps_diskstats_unref(&l->disk);
	if (l->mem)
		procps_meminfo_unref(&l->mem);
	for (int i = 0; i < LF_COUNT; i++)
		if (l->fd[i] >= 0)
			close(l->fd[i]);
	free(l);
}

/* Copy one stat stack's tick counters. */
static void ticks_of(struct stat_stack *st, struct cpu_times *c)
{
	c->user = STAT_VAL(SI_USER, ull_int, st, 0);
	c->nice = STAT_VAL(SI_NICE, ull_int, st, 0);
	c->system = STAT_VAL(SI_SYSTEM, ull_int, st, 0);
	c->idle = STAT_VAL(SI_IDLE, ull_int, st, 0);
	c->iowait = STAT_VAL(SI_IOWAIT, ull_int, st, 0);
	c->irq = STAT_VAL(SI_IRQ, ull_int, st, 0);
	c->softirq = STAT_VAL(SI_SOFTIRQ, ull_int, st, 0);
	c->steal = STAT_VAL(SI_STEAL, ull_int, st, 0);
}

/* /proc/stat through procps_stat_reap (a fresh read every call). */
static int sample_stat(struct local_sampler *l, struct sample *s)
{
	struct stat_reaped *r = procps_stat_reap(l->stat, STAT_REAP_CPUS_ONLY,
	                                         stat_items, N_STAT_ITEMS);
	if (!r || !r->summary)
		return -1;
	ticks_of(r->summary, &s->cpu);
	s->ctxt = STAT_VAL(SI_CTXT, ul_int, r->summary, 0);
	s->processes = STAT_VAL(SI_PROCS, ul_int, r->summary, 0);
	s->procs_running = STAT_VAL(SI_RUNNING, ul_int, r->summary, 0);
	s->procs_blocked = STAT_VAL(SI_BLOCKED, ul_int, r->summary, 0);
	s->btime = STAT_VAL(SI_BTIME, ul_int, r->summary, 0);
	s->ncpu = 0;
	for (int i = 0; r->cpus && i < r->cpus->total && s->ncpu < SAMPLE_MAX_CPUS; i++) {
		struct stat_stack *st = r->cpus->stacks[i];
		int id = STAT_VAL(SI_ID, s_int, st, 0);
		if (id < 0 || id >= SAMPLE_MAX_CPUS)
			continue;
		struct cpu_times ct;
		ticks_of(st, &ct);
		sample_set_cpu(s, id, &ct);
		if (id + 1 > s->ncpu)
			s->ncpu = id + 1;
	}
	s->have |= SP_STAT;
	return 0;
}

/* /proc/diskstats through procps_diskstats_reap, whole disks only. */
static void sample_disks(struct local_sampler *l, struct sample *s)
{
	struct diskstats_reaped *r = procps_diskstats_reap(l->disk, disk_items,
		(int)(sizeof disk_items / sizeof disk_items[0]));
	if (!r)
		return;
	s->ndisks = 0;
	for (int i = 0; i < r->total && s->ndisks < SAMPLE_MAX_DISKS; i++) {
		struct diskstats_stack *st = r->stacks[i];
		const char *name = DISKSTATS_VAL(DI_NAME, str, st, 0);
		if (!name || DISKSTATS_VAL(DI_TYPE, s_int, st, 0) != DISKSTATS_TYPE_DISK ||
		    !sample_disk_is_whole(name))
			continue;
		struct disk_counters *d = &s->disk[s->ndisks++];
		snprintf(d->name, sizeof d->name, "%s", name);
		d->rd_ios = DISKSTATS_VAL(DI_READS, ul_int, st, 0);
		d->rd_sectors = DISKSTATS_VAL(DI_RSECT, ul_int, st, 0);
		d->wr_ios = DISKSTATS_VAL(DI_WRITES, ul_int, st, 0);
		d->wr_sectors = DISKSTATS_VAL(DI_WSECT, ul_int, st, 0);
		d->io_ms = DISKSTATS_VAL(DI_IOTIME, ul_int, st, 0);
	}
	s->have |= SP_DISK;
}

/* /proc/meminfo through procps_meminfo_select (fresh read). */
static void sample_mem(struct local_sampler *l, struct sample *s)
{
	struct meminfo_stack *st = procps_meminfo_select(l->mem, mem_items,
		(int)(sizeof mem_items / sizeof mem_items[0]));
	if (!st)
		return;
	s->mem_total = (uint64_t)MEMINFO_VAL(0, ul_int, st, 0) * 1024;
	s->mem_available = (uint64_t)MEMINFO_VAL(1, ul_int, st, 0) * 1024;
	s->swap_total = (uint64_t)MEMINFO_VAL(2, ul_int, st, 0) * 1024;
	s->swap_free = (uint64_t)MEMINFO_VAL(3, ul_int, st, 0) * 1024;
	s->have |= SP_MEM;
}

/* Re-read a kept-open /proc file from the start (NUL-terminated). */
static ssize_t reread(int fd, char *buf, size_t cap)
{
	if (fd < 0)
		return -1;
	size_t len = 0;
	while (len + 1 < cap) {
		ssize_t n = pread(fd, buf + len, cap - 1 - len, (off_t)len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = 0;
	return (ssize_t)len;
}

/* Read a whole small file into buf (NUL-terminated); length or -1. */
static ssize_t slurp(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = reread(fd, buf, cap);
	if (fd >= 0)
		close(fd);
	return n;
}

int local_sample(struct local_sampler *l, struct sample *s)
{
	sample_clear(s);
	s->t = clock_mono();
	s->wall = clock_wall();
	if (sample_stat(l, s) < 0)
		return -1;
	sample_disks(l, s);
	sample_mem(l, s);
	if (procps_loadavg(&s->load1, &s->load5, &s->load15) >= 0)
		s->have |= SP_LOAD;
	ssize_t n;
	if ((n = reread(l->fd[LF_NET], l->buf, sizeof l->buf)) > 0)
		parse_proc_netdev(l->buf, (size_t)n, s);
	if ((n = reread(l->fd[LF_VM], l->buf, sizeof l->buf)) > 0)
		parse_proc_vmstat(l->buf, (size_t)n, s);
	static const char which[3] = { 'c', 'i', 'm' };
	for (int i = 0; i < 3; i++)
		if ((n = reread(l->fd[LF_PSI_CPU + i], l->buf, sizeof l->buf)) > 0)
			parse_proc_psi(l->buf, (size_t)n, which[i], s);
	return 0;
}

/* Remove /proc/stat's "intr" line in place (it can pass the parser's
 * line cap on machines with many IRQs, and nothing uses it; the probe
 * drops it too).  Returns the new length. */
static size_t drop_intr(char *t, size_t n)
{
	for (size_t i = 0; i < n; ) {
		char *nl = memchr(t + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - t) + 1 : n;
		if (end - i >= 5 && memcmp(t + i, "intr ", 5) == 0) {
			memmove(t + i, t + end, n - end);
			return n - (end - i);
		}
		i = end;
	}
	return n;
}

/* Append "%tag\n" and a file's text to buf; false when it does not fit. */
static bool frame_part(char *buf, size_t cap, size_t *len, const char *tag, const char *path)
{
	int n = snprintf(buf + *len, cap - *len, "%%%s\n", tag);
	if (n < 0 || (size_t)n >= cap - *len)
		return false;
	*len += (size_t)n;
	ssize_t m = slurp(path, buf + *len, cap - *len);
	if (m < 0) {
		*len -= (size_t)n;   /* absent (e.g. no PSI): drop the section */
		return true;
	}
	if (strcmp(tag, "stat") == 0)
		m = drop_intr(buf + *len, (size_t)m);
	*len += (size_t)m;
	if (*len + 1 >= cap)
		return false;
	if (m > 0 && buf[*len - 1] != '\n')
		buf[(*len)++] = '\n';
	return true;
}

int local_frame(char *buf, size_t cap, unsigned long long seq, double t)
{
	static const struct { const char *tag, *path; } parts[] = {
		{ "stat", "/proc/stat" }, { "disk", "/proc/diskstats" },
		{ "net", "/proc/net/dev" }, { "load", "/proc/loadavg" },
		{ "mem", "/proc/meminfo" }, { "vm", "/proc/vmstat" },
		{ "psi-cpu", "/proc/pressure/cpu" }, { "psi-io", "/proc/pressure/io" },
		{ "psi-mem", "/proc/pressure/memory" },
	};
	int n = snprintf(buf, cap, "@@DOPTOP %d %llu %.6f local\n", 1, seq, t);
	if (n < 0 || (size_t)n >= cap)
		return -1;
	size_t len = (size_t)n;
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		if (!frame_part(buf, cap, &len, parts[i].tag, parts[i].path))
			return -1;
	n = snprintf(buf + len, cap - len, "@@END %llu\n", seq);
	if (n < 0 || (size_t)n >= cap - len)
		return -1;
	return (int)(len + (size_t)n);
}
