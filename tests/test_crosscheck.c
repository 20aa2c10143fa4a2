/* test_crosscheck.c — the frame parser against libproc2, reading the same
 * machine at the same moment: the two paths must agree on every counter
 * (within the few ticks that pass between the two reads). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "local.h"
#include "parse.h"

/* |a - b| <= slack, for counters read microseconds apart. */
static void near(uint64_t a, uint64_t b, uint64_t slack, const char *what)
{
	uint64_t d = a > b ? a - b : b - a;
	if (d > slack)
		fail_msg("%s: parser %llu vs libproc2 %llu", what, (unsigned long long)a,
		         (unsigned long long)b);
}

static void test_same_moment(void **state)
{
	(void)state;
	const char *why = NULL;
	struct local_sampler *l = local_new(&why);
	assert_non_null(l);
	char *buf = malloc(FPARSE_MAX_FRAME);
	struct sample *p = calloc(1, sizeof *p), *q = calloc(1, sizeof *q);
	assert_non_null(buf);
	int n = local_frame(buf, FPARSE_MAX_FRAME, 1, 1000.0);
	assert_true(n > 0);
	assert_int_equal(local_sample(l, q), 0);
	assert_int_equal(parse_frame(buf, (size_t)n, p), 0);

	assert_true(p->have & SP_STAT);
	assert_int_equal(p->ncpu, q->ncpu);
	assert_true(p->ncpu >= 1);
	/* a few ticks pass between the reads: 5 per CPU */
	uint64_t tick = 5u * (uint64_t)p->ncpu;
	near(p->cpu.user, q->cpu.user, tick, "user");
	near(p->cpu.system, q->cpu.system, tick, "system");
	near(p->cpu.idle, q->cpu.idle, tick, "idle");
	near(p->cpu.iowait, q->cpu.iowait, tick, "iowait");
	near(p->cpu.steal, q->cpu.steal, tick, "steal");
	for (int i = 0; i < p->ncpu; i++)
		near(p->percpu[i].idle, q->percpu[i].idle, 5, "percpu idle");
	assert_int_equal(p->btime, q->btime);
	near(p->processes, q->processes, 50, "processes");
	near(p->ctxt, q->ctxt, 100000, "ctxt");

	assert_true(p->have & q->have & SP_MEM);
	assert_int_equal(p->mem_total, q->mem_total);
	near(p->mem_available, q->mem_available, 64u << 20, "MemAvailable");
	assert_int_equal(p->swap_total, q->swap_total);

	assert_true(p->have & q->have & SP_DISK);
	assert_int_equal(p->ndisks, q->ndisks);
	for (int i = 0; i < p->ndisks; i++) {
		assert_string_equal(p->disk[i].name, q->disk[i].name);
		near(p->disk[i].rd_sectors, q->disk[i].rd_sectors, 1u << 16, "rd_sectors");
		near(p->disk[i].wr_sectors, q->disk[i].wr_sectors, 1u << 16, "wr_sectors");
	}
	assert_true(p->have & SP_LOAD);
	assert_true(p->load1 - q->load1 < 0.5 && q->load1 - p->load1 < 0.5);
	assert_int_equal(p->have & (SP_PSI_CPU | SP_PSI_IO | SP_PSI_MEM),
	                 q->have & (SP_PSI_CPU | SP_PSI_IO | SP_PSI_MEM));
	free(p);
	free(q);
	free(buf);
	local_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_moment),
	};
	return cmocka_run_group_tests_name("crosscheck", tests, NULL, NULL);
}
