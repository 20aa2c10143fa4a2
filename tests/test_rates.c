/* test_rates.c — rate maths: shares, per-second rates, wraps, reboots. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "rates.h"

static void base(struct sample *s, double t)
{
	sample_clear(s);
	s->have = SP_STAT | SP_DISK | SP_NET | SP_PSI_CPU | SP_PSI_IO | SP_PSI_MEM | SP_VMSTAT | SP_MEM;
	s->t = t;
	s->wall = 1e9 + t;
	s->ncpu = 2;
	s->btime = 1700000000;
	s->ndisks = 1;
	strcpy(s->disk[0].name, "vda");
}

static void test_shares_and_rates(void **state)
{
	(void)state;
	struct sample a, b;
	base(&a, 100);
	base(&b, 102);   /* 2 s */
	a.cpu = (struct cpu_times){ 1000, 10, 500, 5000, 100, 5, 5, 0 };
	/* +300 user, +100 nice, +100 system, +20 irq, +80 softirq, +200 idle,
	 * +100 iowait, +100 steal: total 1000 ticks */
	b.cpu = (struct cpu_times){ 1300, 110, 600, 5200, 200, 25, 85, 100 };
	a.processes = 1000; b.processes = 1100;
	a.ctxt = 50000; b.ctxt = 70000;
	b.procs_running = 3; b.procs_blocked = 2;
	a.disk[0] = (struct disk_counters){ "vda", 10, 2048, 5, 4096, 100 };
	b.disk[0] = (struct disk_counters){ "vda", 30, 4096, 25, 8192, 1100 };
	a.net_rx_bytes = 1000; b.net_rx_bytes = 3000;
	a.net_tx_bytes = 500; b.net_tx_bytes = 700;
	a.psi_io_some = 0; b.psi_io_some = 1000000;     /* 1 s of 2 s = 50% */
	a.psi_cpu_some = 0; b.psi_cpu_some = 3000000;   /* capped at 100 */
	a.pswpin = 10; b.pswpin = 30;
	struct rates r;
	assert_int_equal(rates_compute(&a, &b, &r), 0);
	assert_true(r.have & RP_CPU);
	assert_float_equal(r.dt, 2.0, 1e-9);
	assert_float_equal(r.cpu.user, 40.0, 1e-9);    /* (300+100)/1000 */
	assert_float_equal(r.cpu.system, 20.0, 1e-9);  /* (100+20+80)/1000 */
	assert_float_equal(r.cpu.iowait, 10.0, 1e-9);
	assert_float_equal(r.cpu.steal, 10.0, 1e-9);
	assert_float_equal(r.cpu.idle, 20.0, 1e-9);
	assert_float_equal(r.cpu.user + r.cpu.system + r.cpu.iowait + r.cpu.steal + r.cpu.idle,
	                   100.0, 1e-9);
	assert_float_equal(rates_busy(&r.cpu), 70.0, 1e-9);
	assert_float_equal(r.forks_per_s, 50.0, 1e-9);
	assert_float_equal(r.ctxt_per_s, 10000.0, 1e-9);
	assert_float_equal(r.disk_read_Bps, 2048 * 512 / 2.0, 1e-6);
	assert_float_equal(r.disk_write_Bps, 4096 * 512 / 2.0, 1e-6);
	assert_float_equal(r.disk_iops, 20.0, 1e-9);
	assert_float_equal(r.disk_util, 50.0, 1e-9);    /* 1000 ms of 2000 */
	assert_float_equal(r.net_rx_Bps, 1000.0, 1e-9);
	assert_float_equal(r.net_tx_Bps, 100.0, 1e-9);
	assert_true(r.have & RP_PSI);
	assert_float_equal(r.psi_io_some, 50.0, 1e-9);
	assert_float_equal(r.psi_cpu_some, 100.0, 1e-9);
	assert_float_equal(r.swap_in_per_s, 10.0, 1e-9);
	assert_float_equal(r.procs_blocked, 2.0, 1e-9);
}

/* A counter that goes backwards never gives a negative rate. */
static void test_wraps(void **state)
{
	(void)state;
	struct sample a, b;
	struct rates r;
	base(&a, 1);
	base(&b, 2);
	a.cpu = (struct cpu_times){ 100, 0, 100, 100, 0, 0, 0, 0 };
	b.cpu = (struct cpu_times){ 200, 0, 150, 150, 0, 0, 0, 0 };
	a.net_rx_bytes = 5000; b.net_rx_bytes = 100;   /* interface reset */
	a.disk[0].rd_sectors = 500; b.disk[0].rd_sectors = 10;
	assert_int_equal(rates_compute(&a, &b, &r), 0);
	assert_false(r.have & RP_NET);
	assert_float_equal(r.disk_read_Bps, 0.0, 1e-9);
	/* CPU counters going back: the whole interval is unusable */
	b.cpu.user = 50;
	assert_int_equal(rates_compute(&a, &b, &r), -1);
	/* no time passed, or the clock went back */
	b.cpu.user = 200;
	b.t = a.t;
	assert_int_equal(rates_compute(&a, &b, &r), -1);
	b.t = a.t - 5;
	assert_int_equal(rates_compute(&a, &b, &r), -1);
}

/* A new boot time means the node restarted: flagged, no rates. */
static void test_reboot(void **state)
{
	(void)state;
	struct sample a, b;
	struct rates r;
	base(&a, 1);
	base(&b, 2);
	a.cpu = (struct cpu_times){ 100000, 0, 100, 100, 0, 0, 0, 0 };
	b.cpu = (struct cpu_times){ 10, 0, 10, 10, 0, 0, 0, 0 };
	b.btime = a.btime + 3600;
	assert_int_equal(rates_compute(&a, &b, &r), -1);
	assert_true(r.restarted);
}

/* A first sample alone, or one without /proc/stat, gives nothing. */
static void test_first_sample(void **state)
{
	(void)state;
	struct sample a, b;
	struct rates r;
	sample_clear(&a);
	base(&b, 2);
	assert_int_equal(rates_compute(&a, &b, &r), -1);
	assert_int_equal(r.have, 0);
}

/* Disks are matched by name: a disk that appears is not a spike. */
static void test_disk_appears(void **state)
{
	(void)state;
	struct sample a, b;
	struct rates r;
	base(&a, 1);
	base(&b, 2);
	a.cpu = (struct cpu_times){ 100, 0, 100, 100, 0, 0, 0, 0 };
	b.cpu = (struct cpu_times){ 200, 0, 150, 150, 0, 0, 0, 0 };
	b.ndisks = 2;
	b.disk[1] = (struct disk_counters){ "nvme0n1", 1000000, 999999999, 0, 0, 0 };
	assert_int_equal(rates_compute(&a, &b, &r), 0);
	assert_float_equal(r.disk_read_Bps, 0.0, 1e-9);
	/* no PSI files: no pressure figures, not zeros */
	a.have &= ~(unsigned)(SP_PSI_CPU | SP_PSI_IO | SP_PSI_MEM);
	assert_int_equal(rates_compute(&a, &b, &r), 0);
	assert_false(r.have & RP_PSI);
}

/* Per-core ticks are 32-bit: a wrap is just modular arithmetic. */
static void test_core_wrap(void **state)
{
	(void)state;
	struct sample a, b;
	struct rates r;
	base(&a, 1);
	base(&b, 2);
	a.cpu = (struct cpu_times){ 100, 0, 100, 100, 0, 0, 0, 0 };
	b.cpu = (struct cpu_times){ 400, 0, 150, 150, 0, 0, 0, 0 };
	struct cpu_times c0 = { 0xffffff00u, 0, 10, 500, 0, 0, 0, 0 };
	struct cpu_times c1 = { 0x100u, 0, 10, 500, 0, 0, 0, 0 };   /* +512 user */
	struct cpu_times c1b = { 0x100u, 0, 10, 1012, 0, 0, 0, 0 }; /* +512 idle */
	sample_set_cpu(&a, 0, &c0);
	sample_set_cpu(&b, 0, &c1);
	sample_set_cpu(&a, 1, &c1);
	sample_set_cpu(&b, 1, &c1b);
	assert_int_equal(rates_compute(&a, &b, &r), 0);
	assert_int_equal(r.ncpu, 2);
	struct cpu_split c = rates_core(&r, 0);
	assert_float_equal(c.user, 100.0, 0.5);
	c = rates_core(&r, 1);
	assert_float_equal(c.idle, 100.0, 0.5);
	assert_float_equal(c.user, 0.0, 0.5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shares_and_rates),
		cmocka_unit_test(test_wraps),
		cmocka_unit_test(test_reboot),
		cmocka_unit_test(test_first_sample),
		cmocka_unit_test(test_disk_appears),
		cmocka_unit_test(test_core_wrap),
	};
	return cmocka_run_group_tests_name("rates", tests, NULL, NULL);
}
