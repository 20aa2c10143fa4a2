/*
 * sample.h — one raw reading of a node's kernel counters.
 *
 * A sample holds counters exactly as /proc reports them (monotonic totals),
 * plus the node's own clock at the time of reading.  Rates come from two
 * samples (rates.h).  Every source fills this same struct: the libproc2
 * local sampler, the frame parser for SSH nodes, and replay.
 * Pure data: no curses, no libssh2.
 */
#ifndef DOPTOP_SAMPLE_H
#define DOPTOP_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Hard caps: a hostile or huge node cannot make a sample grow. */
#define SAMPLE_MAX_CPUS  256
#define SAMPLE_MAX_DISKS 32
#define SAMPLE_DISK_NAME 32

/* Bits of sample.have: which parts of the frame were present and valid. */
enum sample_part {
	SP_STAT     = 1u << 0,  /* /proc/stat cpu lines + ctxt/processes/procs_* */
	SP_DISK     = 1u << 1,  /* /proc/diskstats */
	SP_NET      = 1u << 2,  /* /proc/net/dev */
	SP_LOAD     = 1u << 3,  /* /proc/loadavg */
	SP_MEM      = 1u << 4,  /* /proc/meminfo */
	SP_VMSTAT   = 1u << 5,  /* /proc/vmstat */
	SP_PSI_CPU  = 1u << 6,  /* /proc/pressure/cpu */
	SP_PSI_IO   = 1u << 7,  /* /proc/pressure/io */
	SP_PSI_MEM  = 1u << 8,  /* /proc/pressure/memory */
	SP_DSTATE   = 1u << 9,  /* count of D-state tasks (optional) */
	SP_REFAULT  = 1u << 10, /* /proc/vmstat had a workingset_refault line */
};

/* CPU time in USER_HZ ticks, as the fields of a /proc/stat "cpu" line. */
struct cpu_times {
	uint64_t user, nice, system, idle, iowait, irq, softirq, steal;
};

/* One CPU's ticks, kept in 32 bits: per-CPU lines only feed the per-core
 * bars, and deltas are taken modulo 2^32, so a wrap (after 497 days at
 * USER_HZ=100) costs nothing while halving the biggest array per node
 * (bench/fleet.sh: memory per node). */
struct cpu_ticks32 {
	uint32_t user, nice, system, idle, iowait, irq, softirq, steal;
};

/* One whole disk from /proc/diskstats (partitions/loop/ram never stored). */
struct disk_counters {
	char     name[SAMPLE_DISK_NAME];
	uint64_t rd_ios, rd_sectors, wr_ios, wr_sectors, io_ms;
};

struct sample {
	unsigned have;            /* enum sample_part bits */
	double   t;               /* node clock, seconds (CLOCK_REALTIME or monotonic; only deltas matter) */
	double   wall;            /* unix time of the reading (node's clock), for display */
	uint64_t seq;             /* frame sequence number (0 for local) */

	/* /proc/stat */
	struct cpu_times cpu;               /* the aggregate "cpu" line */
	int      ncpu;                      /* number of "cpuN" lines, capped */
	int      cores;                     /* a "cores N" line: the core count of a
	                                     * source without per-core lines
	                                     * (Prometheus), else 0 */
	uint64_t ctxt, processes, btime;
	uint64_t procs_running, procs_blocked;

	/* /proc/diskstats: whole disks only */
	int      ndisks;
	struct disk_counters disk[SAMPLE_MAX_DISKS];

	/* /proc/net/dev: sum over interfaces except lo */
	uint64_t net_rx_bytes, net_tx_bytes;

	/* /proc/loadavg */
	double   load1, load5, load15;

	/* /proc/meminfo, bytes */
	uint64_t mem_total, mem_available, swap_total, swap_free;

	/* /proc/vmstat */
	uint64_t pswpin, pswpout, refault;  /* refault = workingset_refault(_file+_anon) */

	/* /proc/pressure/ "total=" counters, microseconds */
	uint64_t psi_cpu_some, psi_io_some, psi_io_full, psi_mem_some, psi_mem_full;

	/* tasks in D state (uninterruptible), when the source counts them */
	uint64_t dstate;

	/* Last, so that a copy can keep just [0, ncpu) (sample_size()). */
	struct cpu_ticks32 percpu[SAMPLE_MAX_CPUS];
};

/* Bytes of a sample up to and including its ncpu per-CPU entries. */
#define sample_size(ncpu) \
	(offsetof(struct sample, percpu) + (size_t)(ncpu) * sizeof(struct cpu_ticks32))

/* Store CPU i's ticks (narrowed to 32 bits, see struct cpu_ticks32). */
void sample_set_cpu(struct sample *s, int i, const struct cpu_times *c);

/* Reset a sample to "nothing present". */
void sample_clear(struct sample *s);

/* True when a diskstats device name is a whole disk worth counting:
 * not a partition, loop, ram, zram, dm-, md or optical device, so that
 * totals never count the same bytes twice. */
bool sample_disk_is_whole(const char *name);

#endif
