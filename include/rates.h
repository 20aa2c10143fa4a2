/*
 * rates.h — per-second rates and shares between two samples of one node.
 *
 * Deltas use the node's own clock (sample.t).  A counter that goes
 * backwards (reboot, wrap, an interface or disk vanishing) makes that part
 * invalid for this interval instead of yielding a negative or absurd rate;
 * the caller then keeps the new sample as the next baseline.
 * Pure: no curses, no libssh2.
 */
#ifndef DOPTOP_RATES_H
#define DOPTOP_RATES_H

#include <stdbool.h>
#include "sample.h"

/* Bits of rates.have: which figures are valid this interval. */
enum rates_part {
	RP_CPU   = 1u << 0,
	RP_PROCS = 1u << 1,  /* forks/ctxt rates, procs_running/blocked */
	RP_DISK  = 1u << 2,
	RP_NET   = 1u << 3,
	RP_LOAD  = 1u << 4,
	RP_MEM   = 1u << 5,
	RP_SWAP  = 1u << 6,  /* from vmstat */
	RP_PSI   = 1u << 7,  /* at least cpu+io+memory pressure */
	RP_DSTATE = 1u << 8,
	RP_REFAULT = 1u << 9, /* refault_per_s: the source counts refaults */
};

struct cpu_split {
	double user, system, iowait, steal, idle;  /* percent, sum 100 */
};

/* One core's split in half-percent steps (0..200): it only draws the
 * per-core bars, and 5 bytes a core instead of 40 keep a 256-core slot
 * affordable for every node (bench/fleet.sh: memory per node). */
struct cpu_splitf {
	uint8_t user, system, iowait, steal, idle;
};

struct rates {
	unsigned have;
	double   dt;                 /* seconds between the samples */
	double   t;                  /* the newer sample's wall time */
	int      cores;
	struct cpu_split cpu;        /* shares of all cores' time */
	int      ncpu;               /* per-core splits valid for [0, ncpu) */
	struct cpu_splitf percpu[SAMPLE_MAX_CPUS];
	double   forks_per_s, ctxt_per_s;
	double   procs_running, procs_blocked, dstate;
	double   load1;
	double   disk_read_Bps, disk_write_Bps, disk_iops, disk_util; /* util: busiest disk, % */
	double   net_rx_Bps, net_tx_Bps;
	double   mem_total_B, mem_available_B;
	double   swap_in_per_s, swap_out_per_s, refault_per_s;  /* pages/s */
	double   psi_cpu_some, psi_io_some, psi_io_full, psi_mem_some, psi_mem_full; /* % of dt */
	bool     restarted;          /* btime changed: the node rebooted */
};

/* Compute rates from prev to cur.  Returns 0 when at least the CPU split is
 * valid, -1 when the interval is unusable (no time passed, clock went back,
 * or the CPU counters went backwards: restart the baseline). */
int rates_compute(const struct sample *prev, const struct sample *cur, struct rates *out);

/* Core i's split (i < ncpu). */
struct cpu_split rates_core(const struct rates *r, int i);

/* Percent busy = 100 - idle - iowait. */
double rates_busy(const struct cpu_split *c);

#endif
