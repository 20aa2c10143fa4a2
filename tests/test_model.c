/* test_model.c — the model: ingest, states, restarts, history, cluster. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "model.h"

static struct node_spec specs[2] = {
	{ .name = "a", .host = "a" }, { .name = "b", .host = "b" },
};

static void mk(struct sample *s, double t, uint64_t busy, uint64_t idle, uint64_t btime)
{
	sample_clear(s);
	s->have = SP_STAT;
	s->t = t;
	s->wall = t;
	s->ncpu = 2;
	s->btime = btime;
	s->cpu.user = busy;
	s->cpu.idle = idle;
}

static void test_ingest_and_states(void **state)
{
	(void)state;
	struct model m;
	struct sample s;
	assert_int_equal(model_init(&m, specs, 2), 0);
	assert_int_equal(m.nodes[0].state, CS_CONNECTING);
	model_set_state(&m, 0, CS_UP, "", 1.0);
	mk(&s, 1, 100, 100, 1000);
	assert_false(model_ingest(&m, 0, &s, 1.0));      /* first sample: baseline */
	mk(&s, 2, 300, 100, 1000);
	assert_true(model_ingest(&m, 0, &s, 2.0));
	assert_true(m.nodes[0].have_rates);
	assert_float_equal(m.nodes[0].r.cpu.user, 100.0, 1e-9);
	float v;
	assert_true(model_hist(&m.nodes[0], H_USER, 0, &v));
	assert_float_equal(v, 100.0, 0.05);   /* log-encoded: 0.04% steps */
	assert_false(model_hist(&m.nodes[0], H_USER, 1, &v));
	/* going down drops the numbers, keeps "since" while the state holds */
	model_set_state(&m, 0, CS_DOWN, "connection lost", 3.0);
	model_set_state(&m, 0, CS_DOWN, "connection lost", 9.0);
	assert_false(m.nodes[0].have_rates);
	assert_float_equal(m.nodes[0].since, 3.0, 1e-9);
	assert_string_equal(m.nodes[0].why, "connection lost");
	/* back with a new boot time: restarted, even though the baseline was
	 * dropped while down */
	model_set_state(&m, 0, CS_UP, "", 10.0);
	mk(&s, 10, 5, 5, 2000);
	model_ingest(&m, 0, &s, 10.0);
	assert_true(m.nodes[0].restarted);
	assert_false(m.nodes[1].restarted);
	model_free(&m);
}

static void test_cluster(void **state)
{
	(void)state;
	struct model m;
	struct sample s;
	struct cluster c;
	assert_int_equal(model_init(&m, specs, 2), 0);
	for (size_t i = 0; i < 2; i++) {
		model_set_state(&m, i, CS_UP, "", 1.0);
		mk(&s, 1, 0, 0, 1);
		model_ingest(&m, i, &s, 1.0);
		mk(&s, 2, i == 0 ? 200 : 0, i == 0 ? 0 : 200, 1);   /* a: busy, b: idle */
		model_ingest(&m, i, &s, 2.0);
	}
	model_cluster(&m, &c);
	assert_int_equal(c.nodes, 2);
	assert_int_equal(c.up, 2);
	assert_int_equal(c.cores, 4);
	assert_float_equal(c.cpu.user, 50.0, 1e-9);
	assert_float_equal(c.cpu.idle, 50.0, 1e-9);
	assert_int_equal(c.count[V_CPU_BOUND] + c.count[V_UNDERUSED] + c.count[V_IDLE], 2);
	model_set_state(&m, 1, CS_STALE, "no frame", 3.0);
	model_cluster(&m, &c);
	assert_int_equal(c.stale, 1);
	assert_int_equal(c.cores, 2);     /* stale nodes do not count */
	model_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ingest_and_states),
		cmocka_unit_test(test_cluster),
	};
	return cmocka_run_group_tests_name("model", tests, NULL, NULL);
}
