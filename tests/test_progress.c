/* test_progress.c — progress maths on synthetic (time, count) sequences. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "progress.h"

/* Feed n = rate * t at every step seconds from t0 to t1 inclusive. */
static void feed_const(struct progress *p, double t0, double t1, double step,
		       double rate, uint64_t base)
{
	for (double t = t0; t <= t1 + 1e-9; t += step)
		assert_int_equal(progress_observe(p, t, base + (uint64_t)(rate * (t - t0) + 0.5), true), 0);
}

/* Constant 5 files/s: exact windowed and average rate, percent, ETA. */
static void test_constant_rate(void **state)
{
	struct progress p;
	struct progress_view v;

	(void)state;
	progress_init(&p, 0);
	progress_set_total(&p, 10000);
	feed_const(&p, 0, 300, 1, 5.0, 0);
	progress_get(&p, &v);
	assert_int_equal(v.done, 1500);
	assert_float_equal(v.rate, 5.0, 1e-9);
	assert_float_equal(v.rate_avg, 5.0, 1e-9);
	assert_true(v.has_total);
	assert_float_equal(v.percent, 15.0, 1e-9);
	assert_true(v.has_eta);
	assert_float_equal(v.eta_s, (10000 - 1500) / 5.0, 1e-6);
	assert_false(v.stalled);
	assert_null(v.msg);
}

/* The window follows a rate change; the average does not. */
static void test_window_follows_change(void **state)
{
	struct progress p;
	struct progress_view v;

	(void)state;
	progress_init(&p, 0);
	feed_const(&p, 0, 600, 2, 10.0, 0);      /* 6000 files */
	feed_const(&p, 602, 900, 2, 1.0, 6002);  /* then 1/s */
	progress_get(&p, &v);
	assert_float_equal(v.rate, 1.0, 1e-9);
	assert_float_equal(v.rate_avg, (double)v.done / 900.0, 1e-9);
	assert_true(v.rate_avg > 6.0);
	assert_false(v.has_total);
	assert_false(v.has_eta);
}

/* Counts every 5 minutes (adaptive cadence): rate over the last interval. */
static void test_sparse_observations(void **state)
{
	struct progress p;
	struct progress_view v;

	(void)state;
	progress_init(&p, 0);
	progress_observe(&p, 0, 0, true);
	progress_observe(&p, 300, 600, true);
	progress_observe(&p, 600, 1500, true);
	progress_get(&p, &v);
	assert_float_equal(v.rate, 3.0, 1e-9);
	assert_float_equal(v.rate_avg, 2.5, 1e-9);
}

/* No total: count and rate, no percent, no ETA. */
static void test_no_total(void **state)
{
	struct progress p;
	struct progress_view v;

	(void)state;
	progress_init(&p, 0);
	feed_const(&p, 0, 100, 1, 2.0, 0);
	progress_get(&p, &v);
	assert_false(v.has_total);
	assert_false(v.has_eta);
	assert_float_equal(v.percent, 0.0, 0);
	assert_float_equal(v.rate, 2.0, 1e-9);
}

/* A count that goes down resets the baseline, never a negative rate. */
static void test_count_goes_down(void **state)
{
	struct progress p;
	struct progress_view v;

	(void)state;
	progress_init(&p, 0);
	progress_set_total(&p, 1000);
	feed_const(&p, 0, 100, 1, 4.0, 0);       /* 400 */
	assert_int_equal(progress_observe(&p, 101, 50, true), 0);
	progress_get(&p, &v);
	assert_int_equal(v.done, 50);
	assert_true(v.rate >= 0);
	assert_float_equal(v.rate, 0.0, 0);
	assert_float_equal(v.rate_avg, 0.0, 0);
	assert_false(v.has_eta);
	assert_non_null(v.msg);
	assert_string_equal(v.msg, "count went down from 400 to 50: outputs deleted or a new run?");
	/* Rate from the new baseline only. */
	feed_const(&p, 101, 161, 1, 3.0, 50);
	progress_get(&p, &v);
	assert_float_equal(v.rate, 3.0, 1e-9);
	assert_float_equal(v.rate_avg, 3.0, 1e-9);
	assert_non_null(v.msg);
	/* The note expires. */
	feed_const(&p, 161, 161 + PROGRESS_MSG_HOLD_S, 10, 1.0, 50 + 180);
	progress_get(&p, &v);
	assert_null(v.msg);
}

/* Stall on after stall_after of no movement while up, off on movement. */
static void test_stall(void **state)
{
	struct progress p;
	struct progress_view v;
	double t;

	(void)state;
	progress_init(&p, 30);
	feed_const(&p, 0, 60, 1, 10.0, 0);       /* 600 files, 0.1 s each */
	for (t = 61; t < 90; t++) {
		progress_observe(&p, t, 600, true);
		progress_get(&p, &v);
		assert_false(v.stalled);
	}
	progress_observe(&p, 90, 600, true);     /* quiet since t=60: 30 s */
	progress_get(&p, &v);
	assert_true(v.stalled);
	assert_float_equal(v.quiet_s, 30.0, 1e-9);
	assert_float_equal(v.rate, 0.0, 0);      /* the short window is all quiet */
	assert_int_equal(v.state, PS_STALLED);
	assert_false(v.has_eta);
	progress_observe(&p, 91, 601, true);
	progress_get(&p, &v);
	assert_false(v.stalled);
	assert_int_equal(v.state, PS_RUNNING);
}

/* Default stall_after is 120 s; slow jobs get 10 x their time per file. */
static void test_stall_default_and_slow_job(void **state)
{
	struct progress p;
	struct progress_view v;

	(void)state;
	progress_init(&p, 0);
	progress_observe(&p, 0, 0, true);
	progress_observe(&p, 119, 0, true);
	progress_get(&p, &v);
	assert_false(v.stalled);
	progress_observe(&p, 120, 0, true);
	progress_get(&p, &v);
	assert_true(v.stalled);

	/* One file every 60 s: stall only after 600 s of quiet. */
	progress_init(&p, 0);
	for (int i = 0; i <= 10; i++)
		progress_observe(&p, 60.0 * i, (uint64_t)i, true);
	progress_observe(&p, 600 + 599, 10, true);
	progress_get(&p, &v);
	assert_false(v.stalled);
	progress_observe(&p, 600 + 600, 10, true);
	progress_get(&p, &v);
	assert_true(v.stalled);
}

/* Nodes down: no stall; the quiet timer restarts when they come back. */
static void test_stall_needs_nodes_up(void **state)
{
	struct progress p;
	struct progress_view v;

	(void)state;
	progress_init(&p, 100);
	progress_observe(&p, 0, 5, true);
	progress_observe(&p, 50, 5, false);
	progress_observe(&p, 500, 5, false);
	progress_get(&p, &v);
	assert_false(v.stalled);
	progress_observe(&p, 510, 5, true);
	progress_observe(&p, 609, 5, true);
	progress_get(&p, &v);
	assert_false(v.stalled);
	progress_observe(&p, 610, 5, true);
	progress_get(&p, &v);
	assert_true(v.stalled);
}

/* A finished job is not stalled; ETA 0; more than total is noted. */
static void test_finished(void **state)
{
	struct progress p;
	struct progress_view v;

	(void)state;
	progress_init(&p, 10);
	progress_set_total(&p, 100);
	progress_observe(&p, 0, 90, true);
	progress_observe(&p, 10, 100, true);
	progress_observe(&p, 100, 100, true);
	progress_get(&p, &v);
	assert_false(v.stalled);
	assert_true(v.has_eta);
	assert_float_equal(v.eta_s, 0.0, 0);
	assert_float_equal(v.percent, 100.0, 0);
	assert_null(v.msg);
	progress_observe(&p, 101, 120, true);
	progress_get(&p, &v);
	assert_float_equal(v.percent, 100.0, 0);
	assert_non_null(v.msg);
}

/* Time going backwards is refused and changes nothing. */
static void test_time_backwards(void **state)
{
	struct progress p;
	struct progress_view v;

	(void)state;
	progress_init(&p, 0);
	progress_observe(&p, 10, 10, true);
	progress_observe(&p, 20, 30, true);
	assert_int_equal(progress_observe(&p, 15, 99, true), PROGRESS_ERR_TIME);
	progress_get(&p, &v);
	assert_int_equal(v.done, 30);
	assert_float_equal(v.rate, 2.0, 1e-9);
}

/* Cadence: interval when counting is cheap, took/0.02 when not, capped. */
static void test_cadence(void **state)
{
	(void)state;
	assert_float_equal(progress_next_due(100, 2, 0.001), 102, 1e-9);
	assert_float_equal(progress_next_due(100, 2, 0.04), 102, 1e-9);
	assert_float_equal(progress_next_due(100, 2, 0.5), 125, 1e-9);
	assert_float_equal(progress_next_due(100, 2, 3.0), 250, 1e-9);
	assert_float_equal(progress_next_due(100, 2, 60), 100 + PROGRESS_CADENCE_MAX_S, 1e-9);
	assert_float_equal(progress_next_due(0, 900, 1), 900, 1e-9);
	assert_float_equal(progress_next_due(0, 1, -1), 1, 1e-9);
}

/* Rate history: bounded, oldest first, last value is the current rate. */
static void test_history(void **state)
{
	struct progress p;
	double h[PROGRESS_HIST + 10], few[3];
	size_t n;

	(void)state;
	progress_init(&p, 0);
	assert_int_equal(progress_history(&p, h, PROGRESS_HIST), 0);
	feed_const(&p, 0, 60, 1, 1.0, 0);
	feed_const(&p, 61, 400, 1, 2.0, 61);
	n = progress_history(&p, h, sizeof h / sizeof h[0]);
	assert_int_equal(n, PROGRESS_HIST);
	assert_float_equal(h[n - 1], 2.0, 1e-9);
	assert_int_equal(progress_history(&p, few, 3), 3);
	assert_memory_equal(few, h + n - 3, sizeof few);
}

/* A piecewise-constant job: files at rate[k] from start[k] on, observed
 * every step seconds (offset so changes fall between observations, as
 * they do in life).  Checks the promise: from 10 s after each
 * change until the next one, the rate is within 15% of the truth (exactly
 * 0 when the job makes no files), and the state is what a user expects. */
struct phase {
	double start, rate;
	enum progress_state want, alt; /* state expected from start + 10 s on */
};

static void run_phases(const struct phase *ph, int nph, double end, uint64_t total)
{
	struct progress p;
	struct progress_view v;
	double files = 0, t_prev = 0;
	int k = 0;

	progress_init(&p, 0);
	if (total)
		progress_set_total(&p, total);
	for (double t = 0.3; t <= end; t += 1.0) {
		/* integrate the true rate from t_prev to t */
		for (int i = 0; i < nph; i++) {
			double a = ph[i].start, b = i + 1 < nph ? ph[i + 1].start : end + 1;
			double lo = t_prev > a ? t_prev : a, hi = t < b ? t : b;
			if (hi > lo)
				files += ph[i].rate * (hi - lo);
		}
		t_prev = t;
		uint64_t n = (uint64_t)files;
		if (total && n > total)
			n = total;
		assert_int_equal(progress_observe(&p, t, n, true), 0);
		while (k + 1 < nph && t >= ph[k + 1].start)
			k++;
		if (t < ph[k].start + 10 || (k + 1 < nph && t >= ph[k + 1].start))
			continue;
		progress_get(&p, &v);
		double truth = ph[k].rate;
		if (ph[k].want == PS_FINISHED || truth == 0)
			assert_true(v.rate <= 0.15 * 40);
		else if (fabs(v.rate - truth) > 0.15 * truth)
			fail_msg("t=%.1f rate %.2f truth %.2f", t, v.rate, truth);
		if (v.state != ph[k].want && v.state != ph[k].alt)
			fail_msg("t=%.1f state %s want %s", t, progress_state_name(v.state),
			         progress_state_name(ph[k].want));
	}
}

/* Idle before the job, start, pause (a kill), resume, change of pace. */
static void test_start_pause_resume(void **state)
{
	static const struct phase ph[] = {
		{ 0, 0, PS_WAITING, PS_WAITING },      /* the job has not started */
		{ 30.7, 38, PS_RUNNING, PS_RUNNING },  /* starts between two counts */
		{ 90.2, 0, PS_QUIET, PS_QUIET },     /* killed: rate 0, amber, no ETA */
		{ 150.5, 38, PS_RUNNING, PS_RUNNING }, /* resumed: right at once */
		{ 200.5, 12, PS_SLOWING, PS_RUNNING }, /* slower: amber, then the new pace */
		{ 260.5, 38, PS_RUNNING, PS_RUNNING },
	};
	(void)state;
	run_phases(ph, 6, 320, 0);
}

/* The first seconds: the idle time before the start never counts. */
static void test_first_seconds(void **state)
{
	struct progress p;
	struct progress_view v;

	(void)state;
	progress_init(&p, 0);
	progress_set_total(&p, 2000);
	for (int t = 0; t <= 60; t++)
		progress_observe(&p, t, 0, true);
	progress_get(&p, &v);
	assert_int_equal(v.state, PS_WAITING);
	assert_false(v.has_eta);
	assert_false(v.started);
	for (int t = 61; t <= 66; t++)
		progress_observe(&p, t, (uint64_t)(38 * (t - 60)), true);
	progress_get(&p, &v);
	assert_float_equal(v.rate, 38.0, 1e-9);
	assert_float_equal(v.rate_avg, 38.0, 1e-9);
	assert_float_equal(v.run_s, 6.0, 1e-9);
	assert_true(v.has_eta);
	assert_float_equal(v.eta_s, (2000 - 228) / 38.0, 1e-6);
}

/* Killed: amber "quiet" well before the red stall, no ETA, rate 0. */
static void test_quiet_before_stall(void **state)
{
	struct progress p;
	struct progress_view v;

	(void)state;
	progress_init(&p, 0);
	progress_set_total(&p, 100000);
	feed_const(&p, 0, 60, 1, 38.0, 0);
	progress_observe(&p, 69, 38 * 60, true);
	progress_get(&p, &v);
	assert_int_equal(v.state, PS_SLOWING);   /* the window is quiet, the pace not */
	assert_float_equal(v.rate, 0.0, 0);
	assert_false(v.has_eta);
	progress_observe(&p, 70, 38 * 60, true);
	progress_get(&p, &v);
	assert_int_equal(v.state, PS_QUIET);
	assert_float_equal(v.quiet_s, 10.0, 1e-9);
	assert_false(v.has_eta);
	assert_false(v.stalled);
	progress_observe(&p, 180, 38 * 60, true);
	progress_get(&p, &v);
	assert_int_equal(v.state, PS_STALLED);
	assert_true(v.stalled);
	assert_string_equal(progress_state_name(v.state), "stalled");
}

/* A slower pace shows as "slowing" for a while, then as the new pace. */
static void test_slowing(void **state)
{
	struct progress p;
	struct progress_view v;

	(void)state;
	progress_init(&p, 0);
	feed_const(&p, 0, 120, 1, 30.0, 0);
	feed_const(&p, 121, 130, 1, 5.0, 3605);
	progress_get(&p, &v);
	assert_int_equal(v.state, PS_SLOWING);
	assert_float_equal(v.rate, 5.0, 1e-9);
	feed_const(&p, 131, 250, 1, 5.0, 3655);
	progress_get(&p, &v);
	assert_int_equal(v.state, PS_RUNNING);
}

/* Finished: the clock stops at the finish, the average is start to finish. */
static void test_finish_stops_clock(void **state)
{
	struct progress p;
	struct progress_view v;

	(void)state;
	progress_init(&p, 0);
	progress_set_total(&p, 2000);
	progress_observe(&p, 0, 0, true);
	progress_observe(&p, 10, 0, true);
	feed_const(&p, 11, 70, 1, 2000.0 / 60, 33);   /* reaches 2000 at t=70 */
	progress_get(&p, &v);
	assert_int_equal(v.state, PS_FINISHED);
	assert_true(v.finished);
	assert_float_equal(v.run_s, 60.0, 1e-9);
	assert_float_equal(v.rate_avg, 2000.0 / 60, 1e-6);
	for (int t = 71; t < 400; t += 7)
		progress_observe(&p, t, 2000, true);
	progress_get(&p, &v);
	assert_int_equal(v.state, PS_FINISHED);
	assert_float_equal(v.run_s, 60.0, 1e-9);
	assert_float_equal(v.rate_avg, 2000.0 / 60, 1e-6);
	assert_float_equal(v.finished_ago_s, 393 - 70, 1e-9);
	assert_true(v.has_eta);
	assert_float_equal(v.eta_s, 0, 0);
	/* A --todo recount that grows the total reopens the job. */
	progress_set_total(&p, 3000);
	progress_get(&p, &v);
	assert_false(v.finished);
}

/* A slow job (a file a minute): a long window, no amber between files. */
static void test_slow_job_window(void **state)
{
	struct progress p;
	struct progress_view v;

	(void)state;
	progress_init(&p, 0);
	for (int t = 0; t <= 1800; t += 2)
		progress_observe(&p, t, (uint64_t)(t / 60), true);
	progress_get(&p, &v);
	assert_int_equal(v.state, PS_RUNNING);
	assert_float_equal(v.window_s, PROGRESS_WINDOW_S, 1e-9);
	assert_float_equal(v.rate, 1.0 / 60, 0.15 / 60);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_constant_rate),
		cmocka_unit_test(test_window_follows_change),
		cmocka_unit_test(test_sparse_observations),
		cmocka_unit_test(test_no_total),
		cmocka_unit_test(test_count_goes_down),
		cmocka_unit_test(test_stall),
		cmocka_unit_test(test_stall_default_and_slow_job),
		cmocka_unit_test(test_stall_needs_nodes_up),
		cmocka_unit_test(test_finished),
		cmocka_unit_test(test_time_backwards),
		cmocka_unit_test(test_cadence),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_start_pause_resume),
		cmocka_unit_test(test_first_seconds),
		cmocka_unit_test(test_quiet_before_stall),
		cmocka_unit_test(test_slowing),
		cmocka_unit_test(test_finish_stops_clock),
		cmocka_unit_test(test_slow_job_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
