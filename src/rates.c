/* rates.c — rates and shares between two samples (see rates.h). */
#include <math.h>
#include <string.h>
#include "rates.h"

/* /proc/diskstats sectors are always 512 bytes, whatever the device's
 * logical block size (Documentation/admin-guide/iostats.rst). */
#define SECTOR_BYTES 512.0

/* Delta of a monotonic counter; false when it went backwards. */
static bool delta(uint64_t a, uint64_t b, double *d)
{
	if (b < a)
		return false;
	*d = (double)(b - a);
	return true;
}

static uint64_t cpu_total(const struct cpu_times *c)
{
	return c->user + c->nice + c->system + c->idle + c->iowait +
	       c->irq + c->softirq + c->steal;
}

/* Split one cpu line's delta into shares; false if it went backwards. */
static bool cpu_split_of(const struct cpu_times *a, const struct cpu_times *b,
                         struct cpu_split *out)
{
	double u, n, s, i, w, q, sq, st;
	if (!delta(a->user, b->user, &u) || !delta(a->nice, b->nice, &n) ||
	    !delta(a->system, b->system, &s) || !delta(a->idle, b->idle, &i) ||
	    !delta(a->iowait, b->iowait, &w) || !delta(a->irq, b->irq, &q) ||
	    !delta(a->softirq, b->softirq, &sq) || !delta(a->steal, b->steal, &st))
		return false;
	/* Linux can report iowait going backwards by a tick on a per-cpu line
	 * (kernel/sched/cputime.c: iowait is sampled, not accounted); the
	 * check above rejects that interval instead of inventing numbers. */
	double tot = u + n + s + i + w + q + sq + st;
	if (tot <= 0)
		return false;
	out->user = 100.0 * (u + n) / tot;
	out->system = 100.0 * (s + q + sq) / tot;
	out->iowait = 100.0 * w / tot;
	out->steal = 100.0 * st / tot;
	out->idle = 100.0 * i / tot;
	return true;
}

/* A core's split from 32-bit ticks: deltas modulo 2^32 (see sample.h). */
static void core_split(const struct cpu_ticks32 *a, const struct cpu_ticks32 *b,
                       struct cpu_splitf *out)
{
	uint32_t u = (b->user - a->user) + (b->nice - a->nice);
	uint32_t s = (b->system - a->system) + (b->irq - a->irq) + (b->softirq - a->softirq);
	uint32_t w = b->iowait - a->iowait, st = b->steal - a->steal, i = b->idle - a->idle;
	double tot = (double)u + s + w + st + i;
	/* an idle tick count that "wraps" by going back a little (a per-cpu
	 * iowait quirk) gives a huge delta: show nothing rather than nonsense */
	if (tot <= 0 || tot > 1e8) {
		memset(out, 0, sizeof *out);
		return;
	}
	out->user = (uint8_t)lround(200.0 * u / tot);
	out->system = (uint8_t)lround(200.0 * s / tot);
	out->iowait = (uint8_t)lround(200.0 * w / tot);
	out->steal = (uint8_t)lround(200.0 * st / tot);
	out->idle = (uint8_t)lround(200.0 * i / tot);
}

struct cpu_split rates_core(const struct rates *r, int i)
{
	const struct cpu_splitf *f = &r->percpu[i];
	struct cpu_split c = { f->user / 2.0, f->system / 2.0, f->iowait / 2.0,
	                       f->steal / 2.0, f->idle / 2.0 };
	return c;
}

double rates_busy(const struct cpu_split *c)
{
	double b = 100.0 - c->idle - c->iowait;
	return b < 0 ? 0 : b;
}

/* Disk rates summed over whole disks present in both samples. */
static void disk_rates(const struct sample *a, const struct sample *b, double dt,
                       struct rates *r)
{
	double rd = 0, wr = 0, ios = 0, util = 0;
	for (int j = 0; j < b->ndisks; j++) {
		const struct disk_counters *d = &b->disk[j];
		for (int k = 0; k < a->ndisks; k++) {
			const struct disk_counters *p = &a->disk[k];
			double x1, x2, x3, x4, x5;
			if (strcmp(p->name, d->name) != 0)
				continue;
			if (!delta(p->rd_sectors, d->rd_sectors, &x1) ||
			    !delta(p->wr_sectors, d->wr_sectors, &x2) ||
			    !delta(p->rd_ios, d->rd_ios, &x3) ||
			    !delta(p->wr_ios, d->wr_ios, &x4) ||
			    !delta(p->io_ms, d->io_ms, &x5))
				break;
			rd += x1 * SECTOR_BYTES;
			wr += x2 * SECTOR_BYTES;
			ios += x3 + x4;
			double u = x5 / (dt * 10.0);   /* ms busy / (dt*1000) * 100 */
			if (u > util)
				util = u;
			break;
		}
	}
	r->disk_read_Bps = rd / dt;
	r->disk_write_Bps = wr / dt;
	r->disk_iops = ios / dt;
	r->disk_util = util > 100 ? 100 : util;
	r->have |= RP_DISK;
}

/* Percent of dt a PSI total (microseconds) grew by, capped at 100. */
static bool psi_pct(uint64_t a, uint64_t b, double dt, double *out)
{
	double d;
	if (!delta(a, b, &d))
		return false;
	*out = d / (dt * 1e4);
	if (*out > 100)
		*out = 100;
	return true;
}

/* Pressure shares; all three files must be present in both samples. */
static void psi_rates(const struct sample *a, const struct sample *b, double dt,
                      struct rates *r)
{
	unsigned need = SP_PSI_CPU | SP_PSI_IO | SP_PSI_MEM;
	if ((a->have & need) != need || (b->have & need) != need)
		return;
	if (psi_pct(a->psi_cpu_some, b->psi_cpu_some, dt, &r->psi_cpu_some) &&
	    psi_pct(a->psi_io_some, b->psi_io_some, dt, &r->psi_io_some) &&
	    psi_pct(a->psi_io_full, b->psi_io_full, dt, &r->psi_io_full) &&
	    psi_pct(a->psi_mem_some, b->psi_mem_some, dt, &r->psi_mem_some) &&
	    psi_pct(a->psi_mem_full, b->psi_mem_full, dt, &r->psi_mem_full))
		r->have |= RP_PSI;
}

/* Everything that does not come from /proc/stat. */
static void other_rates(const struct sample *a, const struct sample *b, double dt,
                        struct rates *r)
{
	double x, y;
	if ((a->have & b->have & SP_DISK))
		disk_rates(a, b, dt, r);
	if ((a->have & b->have & SP_NET) &&
	    delta(a->net_rx_bytes, b->net_rx_bytes, &x) &&
	    delta(a->net_tx_bytes, b->net_tx_bytes, &y)) {
		r->net_rx_Bps = x / dt;
		r->net_tx_Bps = y / dt;
		r->have |= RP_NET;
	}
	if (b->have & SP_LOAD) {
		r->load1 = b->load1;
		r->have |= RP_LOAD;
	}
	if (b->have & SP_MEM) {
		r->mem_total_B = (double)b->mem_total;
		r->mem_available_B = (double)b->mem_available;
		r->have |= RP_MEM;
	}
	double z;
	if ((a->have & b->have & SP_VMSTAT) &&
	    delta(a->pswpin, b->pswpin, &x) && delta(a->pswpout, b->pswpout, &y)) {
		r->swap_in_per_s = x / dt;
		r->swap_out_per_s = y / dt;
		r->have |= RP_SWAP;
		/* node_exporter's default vmstat filter has no refaults: then
		 * the figure is missing, not zero */
		if ((a->have & b->have & SP_REFAULT) && delta(a->refault, b->refault, &z)) {
			r->refault_per_s = z / dt;
			r->have |= RP_REFAULT;
		}
	}
	if (b->have & SP_DSTATE) {
		r->dstate = (double)b->dstate;
		r->have |= RP_DSTATE;
	}
	psi_rates(a, b, dt, r);
}

int rates_compute(const struct sample *a, const struct sample *b, struct rates *r)
{
	memset(r, 0, sizeof *r);
	if (!(a->have & SP_STAT) || !(b->have & SP_STAT))
		return -1;
	r->dt = b->t - a->t;
	r->t = b->wall;
	if (!(r->dt > 0.001))
		return -1;
	/* btime is derived from the wall clock and moves by a second or so
	 * when the clock is stepped: only a real jump is a reboot. */
	if (a->btime && b->btime && (a->btime > b->btime + 60 || b->btime > a->btime + 60)) {
		r->restarted = true;
		return -1;
	}
	if (cpu_total(&b->cpu) <= cpu_total(&a->cpu) || !cpu_split_of(&a->cpu, &b->cpu, &r->cpu))
		return -1;
	r->have |= RP_CPU;
	r->cores = b->ncpu > 0 ? b->ncpu : b->cores > 0 ? b->cores : 1;
	if (a->ncpu == b->ncpu) {
		r->ncpu = b->ncpu;
		for (int i = 0; i < b->ncpu; i++)
			core_split(&a->percpu[i], &b->percpu[i], &r->percpu[i]);
	}
	double f, c;
	if (delta(a->processes, b->processes, &f) && delta(a->ctxt, b->ctxt, &c)) {
		r->forks_per_s = f / r->dt;
		r->ctxt_per_s = c / r->dt;
		r->procs_running = (double)b->procs_running;
		r->procs_blocked = (double)b->procs_blocked;
		r->have |= RP_PROCS;
	}
	other_rates(a, b, r->dt, r);
	return 0;
}
