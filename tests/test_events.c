/* test_events.c — events from model and progress changes: each change is
 * reported once, the first look is only a baseline. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "events.h"

static struct node_spec specs[2] = { { .name = "n1" }, { .name = "n2" } };

static int scan(struct events *e, struct model *m, const struct progress_view *pv,
                struct event *out)
{
	return events_scan(e, m, pv, 1000, out, EVENTS_MAX);
}

static void test_node_events(void **state)
{
	(void)state;
	struct model m;
	struct event ev[EVENTS_MAX];
	assert_int_equal(model_init(&m, specs, 2), 0);
	struct events *e = events_new(2);
	assert_non_null(e);
	m.nodes[1].state = CS_DOWN;           /* down from the start: no event */
	assert_int_equal(scan(e, &m, NULL, ev), 0);
	m.nodes[0].state = CS_UP;
	assert_int_equal(scan(e, &m, NULL, ev), 0);   /* first up: not news */
	m.nodes[0].state = CS_STALE;
	assert_int_equal(scan(e, &m, NULL, ev), 0);
	m.nodes[0].state = CS_DOWN;
	snprintf(m.nodes[0].why, sizeof m.nodes[0].why, "connection lost");
	assert_int_equal(scan(e, &m, NULL, ev), 1);
	assert_int_equal(ev[0].kind, EV_DOWN);
	assert_string_equal(ev[0].node, "n1");
	assert_non_null(strstr(ev[0].detail, "connection lost"));
	assert_int_equal(scan(e, &m, NULL, ev), 0);   /* once */
	m.nodes[0].state = CS_CONNECTING;
	assert_int_equal(scan(e, &m, NULL, ev), 0);
	m.nodes[0].state = CS_UP;
	assert_int_equal(scan(e, &m, NULL, ev), 1);
	assert_int_equal(ev[0].kind, EV_UP);
	/* a new boot time */
	m.nodes[0].btime = 1000;
	assert_int_equal(scan(e, &m, NULL, ev), 0);
	m.nodes[0].btime = 5000;
	m.nodes[0].restarted = true;
	assert_int_equal(scan(e, &m, NULL, ev), 1);
	assert_int_equal(ev[0].kind, EV_RESTARTED);
	/* a stable verdict change */
	m.nodes[0].have_rates = true;
	m.nodes[0].j = (struct judgement){ V_CPU_BOUND, C_NONE };
	assert_int_equal(scan(e, &m, NULL, ev), 0);
	m.nodes[0].j = (struct judgement){ V_IO_STARVED, C_DISK };
	assert_int_equal(scan(e, &m, NULL, ev), 1);
	assert_int_equal(ev[0].kind, EV_VERDICT);
	assert_int_equal(ev[0].from, V_CPU_BOUND);
	assert_int_equal(ev[0].to, V_IO_STARVED);
	char buf[512];
	FILE *f = fmemopen(buf, sizeof buf, "w");
	events_json(f, &ev[0]);
	fclose(f);
	assert_non_null(strstr(buf, "{\"type\":\"event\",\"t\":1000.000,\"event\":\"verdict\",\"node\":\"n1\""));
	assert_non_null(strstr(buf, "\"from\":\"cpu-bound\",\"verdict\":\"io-starved\",\"cause\":\"disk\""));
	events_remember(e, &ev[0]);
	events_recent_line(e, buf, sizeof buf);
	assert_non_null(strstr(buf, "n1 cpu-bound->io-starved"));
	events_free(e);
	model_free(&m);
}

static void test_job_events(void **state)
{
	(void)state;
	struct model m;
	struct event ev[EVENTS_MAX];
	assert_int_equal(model_init(&m, specs, 1), 0);
	struct events *e = events_new(1);
	struct progress_view v = { .done = 5, .has_total = true, .total = 10 };
	assert_int_equal(scan(e, &m, &v, ev), 0);
	v.stalled = true;
	assert_int_equal(scan(e, &m, &v, ev), 1);
	assert_int_equal(ev[0].kind, EV_STALLED);
	assert_int_equal(scan(e, &m, &v, ev), 0);
	v.stalled = false;
	v.done = 6;
	assert_int_equal(scan(e, &m, &v, ev), 1);
	assert_int_equal(ev[0].kind, EV_RESUMED);
	assert_int_equal(ev[0].done, 6);
	v.done = 10;
	assert_int_equal(scan(e, &m, &v, ev), 1);
	assert_int_equal(ev[0].kind, EV_DONE);
	assert_true(events_done(e));
	v.done = 11;
	assert_int_equal(scan(e, &m, &v, ev), 0);  /* done once */
	/* more events than room: the rest are dropped, never overflow */
	assert_int_equal(events_scan(e, &m, &v, 1, ev, 0), 0);
	events_free(e);
	model_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_node_events),
		cmocka_unit_test(test_job_events),
	};
	return cmocka_run_group_tests_name("events", tests, NULL, NULL);
}
