/*
 * node_metrics.h — node_exporter metrics -> one node's probe frame.
 *
 * The Prometheus source (API answers) and the node_exporter source
 * (/metrics text) both see node_exporter's metric names; nm_add() folds
 * each series into a small per-node accumulator, and nm_frame() writes the
 * accumulated counters as a probe frame (protocol in probe.h) in /proc's
 * own units: CPU seconds as USER_HZ ticks, disk bytes as 512-byte sectors,
 * memory in kB, pressure in microseconds.  From there the frame takes the
 * SSH path: parse_frame(), rates, classifier, recorder -- so a recording
 * of a Prometheus fleet replays like any other.
 *
 * A metric the exporter does not serve leaves its section (or line) out
 * of the frame, so that signal is null downstream, never zero: no PSI on
 * old kernels, no refaults with node_exporter's default vmstat filter.
 * Series are recognised by name and labels:
 *
 *   node_cpu_seconds_total{mode[,cpu]}   per mode; with cpu= also per core
 *   node_cpus                            core count (doptop's own query)
 *   node_disk_*_total{device}            whole disks only (sample.h)
 *   node_network_*_bytes_total[{device}] every device but lo, summed
 *   everything else                      one number per node (table in .c)
 *
 * Pure: no curses, no libssh2, no curl.
 */
#ifndef DOPTOP_NODE_METRICS_H
#define DOPTOP_NODE_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include "expo.h"
#include "sample.h"

#define NM_MAX_DISKS 4          /* per node (each costs 72 B at 10,000 nodes); more whole disks are dropped */
#define NM_FRAME_MAX (64 * 1024 + SAMPLE_MAX_CPUS * 96)

/* Scalar metrics, one number per node. */
enum nm_scalar {
	NM_TIME, NM_BOOT, NM_CTXT, NM_FORKS, NM_RUNNING, NM_BLOCKED,
	NM_LOAD1, NM_LOAD5, NM_LOAD15,
	NM_MEM_TOTAL, NM_MEM_AVAIL, NM_SWAP_TOTAL, NM_SWAP_FREE,
	NM_PSWPIN, NM_PSWPOUT, NM_REFAULT_FILE, NM_REFAULT_ANON, NM_REFAULT,
	NM_PSI_CPU, NM_PSI_IO_SOME, NM_PSI_IO_FULL, NM_PSI_MEM_SOME, NM_PSI_MEM_FULL,
	NM_CPUS, NM_NET_RX, NM_NET_TX, NM_NSCALAR
};

/* CPU modes, in /proc/stat's column order. */
enum nm_mode { NM_USER, NM_NICE, NM_SYSTEM, NM_IDLE, NM_IOWAIT, NM_IRQ,
               NM_SOFTIRQ, NM_STEAL, NM_NMODE };

struct nm_disk {
	char   name[SAMPLE_DISK_NAME];
	double rd_bytes, wr_bytes, rd_ios, wr_ios, io_s;
};

/* One node's accumulated series; zero it (nm_clear) before each round. */
struct nm_node {
	uint64_t have;                  /* bit k: scalar k seen */
	unsigned cpu_have;              /* bit m: aggregate mode m seen */
	double   v[NM_NSCALAR];
	double   cpu[NM_NMODE];         /* seconds, summed over cores */
	int      ndisks;
	struct nm_disk disk[NM_MAX_DISKS];
};

/* Per-core seconds, only when the series carry a cpu label (a scrape of
 * /metrics).  Zero it before each round. */
struct nm_percpu {
	int    ncpu;                    /* highest cpu index seen + 1 */
	double cpu[SAMPLE_MAX_CPUS][NM_NMODE];
};

void nm_clear(struct nm_node *n);
/* Fold one series into n (and pc, if not NULL).  1 used, 0 not a metric
 * doptop reads (or a device it skips), -1 a value that cannot be a
 * counter (negative, NaN, infinite). */
int nm_add(struct nm_node *n, struct nm_percpu *pc, const struct expo_sample *m);
/* Write n as one frame: seq, flags ("prom" or "exporter"), fallback_clock
 * for the header when the node's own clock (node_time_seconds) is
 * missing.  Returns the length, or -1 when the node lacks the /proc/stat
 * part (then there is nothing to rate) or buf is too small. */
int nm_frame(const struct nm_node *n, const struct nm_percpu *pc, uint64_t seq,
             const char *flags, double fallback_clock, char *buf, size_t cap);
/* Which signals n lacks, as words ("psi refaults per-core"), into buf;
 * "" when nothing is missing.  Returns buf. */
char *nm_missing(const struct nm_node *n, const struct nm_percpu *pc, char *buf,
                 size_t cap);

#endif
