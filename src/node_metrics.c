/* node_metrics.c — node_exporter metrics -> probe frame (see node_metrics.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "node_metrics.h"
#include "text.h"

/* Scalar metric names, indexed by enum nm_scalar. */
static const char *const scalar_name[NM_NSCALAR] = {
	[NM_TIME] = "node_time_seconds",
	[NM_BOOT] = "node_boot_time_seconds",
	[NM_CTXT] = "node_context_switches_total",
	[NM_FORKS] = "node_forks_total",
	[NM_RUNNING] = "node_procs_running",
	[NM_BLOCKED] = "node_procs_blocked",
	[NM_LOAD1] = "node_load1",
	[NM_LOAD5] = "node_load5",
	[NM_LOAD15] = "node_load15",
	[NM_MEM_TOTAL] = "node_memory_MemTotal_bytes",
	[NM_MEM_AVAIL] = "node_memory_MemAvailable_bytes",
	[NM_SWAP_TOTAL] = "node_memory_SwapTotal_bytes",
	[NM_SWAP_FREE] = "node_memory_SwapFree_bytes",
	[NM_PSWPIN] = "node_vmstat_pswpin",
	[NM_PSWPOUT] = "node_vmstat_pswpout",
	[NM_REFAULT_FILE] = "node_vmstat_workingset_refault_file",
	[NM_REFAULT_ANON] = "node_vmstat_workingset_refault_anon",
	[NM_REFAULT] = "node_vmstat_workingset_refault",
	[NM_PSI_CPU] = "node_pressure_cpu_waiting_seconds_total",
	[NM_PSI_IO_SOME] = "node_pressure_io_waiting_seconds_total",
	[NM_PSI_IO_FULL] = "node_pressure_io_stalled_seconds_total",
	[NM_PSI_MEM_SOME] = "node_pressure_memory_waiting_seconds_total",
	[NM_PSI_MEM_FULL] = "node_pressure_memory_stalled_seconds_total",
	[NM_CPUS] = "node_cpus",
	[NM_NET_RX] = "node_network_receive_bytes_total",
	[NM_NET_TX] = "node_network_transmit_bytes_total",
};

static const char *const mode_name[NM_NMODE] = {
	"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal",
};

/* Disk counters by metric name (offsets into struct nm_disk). */
static const struct { const char *name; size_t off; } disk_metric[] = {
	{ "node_disk_read_bytes_total", offsetof(struct nm_disk, rd_bytes) },
	{ "node_disk_written_bytes_total", offsetof(struct nm_disk, wr_bytes) },
	{ "node_disk_reads_completed_total", offsetof(struct nm_disk, rd_ios) },
	{ "node_disk_writes_completed_total", offsetof(struct nm_disk, wr_ios) },
	{ "node_disk_io_time_seconds_total", offsetof(struct nm_disk, io_s) },
};

#define BIT(k) ((uint64_t)1 << (k))
/* Largest counter written as an integer: well inside uint64_t. */
#define COUNTER_MAX 1e19

void nm_clear(struct nm_node *n)
{
	memset(n, 0, sizeof *n);
}

/* True when a device name is safe to put in a frame line (it becomes a
 * word of /proc/diskstats text): short, no blanks, no control bytes. */
static bool safe_device(const char *d)
{
	size_t i;

	for (i = 0; d[i]; i++) {
		char c = d[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
		      c == ':' || c == '!'))
			return false;
	}
	return i > 0 && i < SAMPLE_DISK_NAME;
}

/* One disk counter of device dev. */
static int add_disk(struct nm_node *n, size_t off, const char *dev, double v)
{
	int i;

	if (!dev || !safe_device(dev) || !sample_disk_is_whole(dev))
		return 0;
	for (i = 0; i < n->ndisks; i++)
		if (strcmp(n->disk[i].name, dev) == 0)
			break;
	if (i == n->ndisks) {
		if (n->ndisks >= NM_MAX_DISKS)
			return 0;
		memset(&n->disk[i], 0, sizeof n->disk[i]);
		snprintf(n->disk[i].name, sizeof n->disk[i].name, "%s", dev);
		n->ndisks++;
	}
	*(double *)((char *)&n->disk[i] + off) = v;
	return 1;
}

/* CPU seconds of one mode, for the node and (with a cpu label) one core. */
static int add_cpu(struct nm_node *n, struct nm_percpu *pc, const struct expo_sample *m)
{
	const char *mode = expo_label(m, "mode"), *cpu = expo_label(m, "cpu");
	int k;

	if (!mode)
		return 0;
	for (k = 0; k < NM_NMODE; k++)
		if (strcmp(mode, mode_name[k]) == 0)
			break;
	if (k == NM_NMODE)
		return 0;
	n->cpu[k] += m->value;
	n->cpu_have |= 1u << k;
	if (pc && cpu) {
		uint64_t c;
		if (text_u64_str(cpu, SAMPLE_MAX_CPUS - 1, &c) < 0)
			return 1;
		pc->cpu[c][k] = m->value;
		if ((int)c + 1 > pc->ncpu)
			pc->ncpu = (int)c + 1;
	}
	return 1;
}

int nm_add(struct nm_node *n, struct nm_percpu *pc, const struct expo_sample *m)
{
	const char *name = m->name;
	size_t i;
	bool bad;

	if (strncmp(name, "node_", 5) != 0)
		return 0;
	/* every metric doptop reads is a counter or a non-negative gauge;
	 * others (node_time_zone_offset_seconds, ...) may be anything */
	bad = !isfinite(m->value) || m->value < 0 || m->value > COUNTER_MAX;
	if (strcmp(name, "node_cpu_seconds_total") == 0)
		return bad ? -1 : add_cpu(n, pc, m);
	for (i = 0; i < sizeof disk_metric / sizeof disk_metric[0]; i++)
		if (strcmp(name, disk_metric[i].name) == 0)
			return bad ? -1 : add_disk(n, disk_metric[i].off, expo_label(m, "device"), m->value);
	for (i = 0; i < NM_NSCALAR; i++) {
		if (strcmp(name, scalar_name[i]) != 0)
			continue;
		if (bad)
			return -1;
		if (i == NM_NET_RX || i == NM_NET_TX) {
			const char *dev = expo_label(m, "device");
			if (dev && strcmp(dev, "lo") == 0)
				return 0;
			n->v[i] += m->value;     /* per device (a scrape) or summed (a query) */
		} else {
			n->v[i] = m->value;
		}
		n->have |= BIT(i);
		return 1;
	}
	return 0;
}

/* A bounded writer over buf. */
struct out {
	char *p;
	size_t len, cap;
	bool full;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (o->full)
		return;
	va_start(ap, fmt);
	k = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= o->cap - o->len)
		o->full = true;
	else
		o->len += (size_t)k;
}

/* A counter as an unsigned integer (values were checked in nm_add). */
static unsigned long long u(double v)
{
	return (unsigned long long)llround(v);
}

/* Seconds -> USER_HZ ticks (100 per second on every Linux /proc/stat). */
static unsigned long long ticks(double s)
{
	return u(s * 100.0);
}

static bool has(const struct nm_node *n, uint64_t bits)
{
	return (n->have & bits) == bits;
}

/* The %stat section; false when the node lacks what parse_proc_stat needs. */
static bool put_stat(struct out *o, const struct nm_node *n, const struct nm_percpu *pc)
{
	const double *c = n->cpu;

	if (!has(n, BIT(NM_CTXT) | BIT(NM_FORKS) | BIT(NM_BOOT) | BIT(NM_RUNNING) |
	            BIT(NM_BLOCKED)) ||
	    !(n->cpu_have & (1u << NM_IDLE)))
		return false;
	put(o, "%%stat\ncpu  %llu %llu %llu %llu %llu %llu %llu %llu 0 0\n",
	    ticks(c[NM_USER]), ticks(c[NM_NICE]), ticks(c[NM_SYSTEM]), ticks(c[NM_IDLE]),
	    ticks(c[NM_IOWAIT]), ticks(c[NM_IRQ]), ticks(c[NM_SOFTIRQ]), ticks(c[NM_STEAL]));
	for (int i = 0; pc && i < pc->ncpu; i++) {
		const double *k = pc->cpu[i];
		put(o, "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu 0 0\n", i,
		    ticks(k[NM_USER]), ticks(k[NM_NICE]), ticks(k[NM_SYSTEM]), ticks(k[NM_IDLE]),
		    ticks(k[NM_IOWAIT]), ticks(k[NM_IRQ]), ticks(k[NM_SOFTIRQ]), ticks(k[NM_STEAL]));
	}
	/* Without per-core lines the core count still matters (thresholds
	 * are per core): "cores N" carries it (parse_proc_stat). */
	if ((!pc || pc->ncpu == 0) && has(n, BIT(NM_CPUS)))
		put(o, "cores %llu\n", u(n->v[NM_CPUS]));
	put(o, "ctxt %llu\nbtime %llu\nprocesses %llu\nprocs_running %llu\nprocs_blocked %llu\n",
	    u(n->v[NM_CTXT]), u(n->v[NM_BOOT]), u(n->v[NM_FORKS]), u(n->v[NM_RUNNING]),
	    u(n->v[NM_BLOCKED]));
	return true;
}

/* The sections other than %stat, each only when its metrics are there. */
static void put_rest(struct out *o, const struct nm_node *n)
{
	const double *v = n->v;

	if (n->ndisks > 0) {
		put(o, "%%disk\n");
		for (int i = 0; i < n->ndisks; i++) {
			const struct nm_disk *d = &n->disk[i];
			put(o, "0 0 %s %llu 0 %llu 0 %llu 0 %llu 0 0 %llu 0\n", d->name,
			    u(d->rd_ios), u(d->rd_bytes / 512.0), u(d->wr_ios),
			    u(d->wr_bytes / 512.0), u(d->io_s * 1000.0));
		}
	}
	if (has(n, BIT(NM_NET_RX) | BIT(NM_NET_TX)))
		put(o, "%%net\nInter-|Receive|Transmit\nall: %llu 0 0 0 0 0 0 0 %llu 0 0 0 0 0 0 0\n",
		    u(v[NM_NET_RX]), u(v[NM_NET_TX]));
	if (has(n, BIT(NM_LOAD1)))
		put(o, "%%load\n%.2f %.2f %.2f 0/0 0\n", v[NM_LOAD1], v[NM_LOAD5], v[NM_LOAD15]);
	if (has(n, BIT(NM_MEM_TOTAL) | BIT(NM_MEM_AVAIL) | BIT(NM_SWAP_TOTAL) | BIT(NM_SWAP_FREE)))
		put(o, "%%mem\nMemTotal: %llu kB\nMemAvailable: %llu kB\nSwapTotal: %llu kB\n"
		    "SwapFree: %llu kB\n", u(v[NM_MEM_TOTAL] / 1024), u(v[NM_MEM_AVAIL] / 1024),
		    u(v[NM_SWAP_TOTAL] / 1024), u(v[NM_SWAP_FREE] / 1024));
	if (has(n, BIT(NM_PSWPIN) | BIT(NM_PSWPOUT))) {
		put(o, "%%vm\npswpin %llu\npswpout %llu\n", u(v[NM_PSWPIN]), u(v[NM_PSWPOUT]));
		for (int k = NM_REFAULT_FILE; k <= NM_REFAULT; k++)
			if (has(n, BIT(k)))
				put(o, "%s %llu\n", scalar_name[k] + strlen("node_vmstat_"), u(v[k]));
	}
	/* PSI totals are microseconds in /proc/pressure. */
	if (has(n, BIT(NM_PSI_CPU) | BIT(NM_PSI_IO_SOME) | BIT(NM_PSI_IO_FULL) |
	           BIT(NM_PSI_MEM_SOME) | BIT(NM_PSI_MEM_FULL))) {
		put(o, "%%psi-cpu\nsome avg10=0.00 avg60=0.00 avg300=0.00 total=%llu\n",
		    u(v[NM_PSI_CPU] * 1e6));
		put(o, "%%psi-io\nsome avg10=0.00 avg60=0.00 avg300=0.00 total=%llu\n"
		    "full avg10=0.00 avg60=0.00 avg300=0.00 total=%llu\n",
		    u(v[NM_PSI_IO_SOME] * 1e6), u(v[NM_PSI_IO_FULL] * 1e6));
		put(o, "%%psi-mem\nsome avg10=0.00 avg60=0.00 avg300=0.00 total=%llu\n"
		    "full avg10=0.00 avg60=0.00 avg300=0.00 total=%llu\n",
		    u(v[NM_PSI_MEM_SOME] * 1e6), u(v[NM_PSI_MEM_FULL] * 1e6));
	}
}

int nm_frame(const struct nm_node *n, const struct nm_percpu *pc, uint64_t seq,
             const char *flags, double fallback_clock, char *buf, size_t cap)
{
	struct out o = { buf, 0, cap, false };
	double clock = has(n, BIT(NM_TIME)) ? n->v[NM_TIME] : fallback_clock;

	if (cap == 0)
		return -1;
	put(&o, "@@DOPTOP 1 %llu %.6f %s\n", (unsigned long long)seq, clock, flags);
	if (!put_stat(&o, n, pc))
		return -1;
	put_rest(&o, n);
	put(&o, "@@END %llu\n", (unsigned long long)seq);
	if (o.full)
		return -1;
	/* The frame is parsed as C-locale text: a locale's decimal comma in
	 * "%.6f" would break it, so turn any into points. */
	for (size_t i = 0; i < o.len; i++)
		if (buf[i] == ',')
			buf[i] = '.';
	return (int)o.len;
}

char *nm_missing(const struct nm_node *n, const struct nm_percpu *pc, char *buf,
                 size_t cap)
{
	struct out o = { buf, 0, cap, false };

	if (cap == 0)
		return buf;
	buf[0] = '\0';
	if (!has(n, BIT(NM_TIME)))
		put(&o, "node-clock ");
	if (n->ndisks == 0)
		put(&o, "disk ");
	if (!has(n, BIT(NM_NET_RX) | BIT(NM_NET_TX)))
		put(&o, "network ");
	if (!has(n, BIT(NM_PSWPIN) | BIT(NM_PSWPOUT)))
		put(&o, "swap ");
	if (!(n->have & (BIT(NM_REFAULT_FILE) | BIT(NM_REFAULT_ANON) | BIT(NM_REFAULT))))
		put(&o, "refaults ");
	if (!has(n, BIT(NM_PSI_CPU) | BIT(NM_PSI_IO_SOME) | BIT(NM_PSI_MEM_SOME)))
		put(&o, "psi ");
	if (!has(n, BIT(NM_MEM_TOTAL) | BIT(NM_MEM_AVAIL)))
		put(&o, "memory ");
	if (!pc || pc->ncpu == 0)
		put(&o, "per-core ");
	if (o.len > 0)
		buf[o.len - 1] = '\0';
	return buf;
}
