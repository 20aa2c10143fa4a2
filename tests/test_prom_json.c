/*
 * test_prom_json.c — Prometheus API answers captured from a real
 * Prometheus 2.42 scraping node_exporter 1.5.0, plus truncated, garbage
 * and hostile variants.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/fixture.h"

#include "prom_json.h"

#define FIX "tests/fixtures/prom/"

/* Read a fixture file (caller frees). */
static char *slurp(const char *name, size_t *len)
{
	return fixture_read(FIX, name, len);
}

struct seen {
	int n, modes;
	double boot, idle;
	char instance[64], label[64];
};

static int cb(void *arg, const struct expo_sample *s)
{
	struct seen *z = arg;
	const char *v;

	z->n++;
	if ((v = expo_label(s, "instance")))
		snprintf(z->instance, sizeof z->instance, "%s", v);
	if ((v = expo_label(s, "l")))
		snprintf(z->label, sizeof z->label, "%s", v);
	if (strcmp(s->name, "node_boot_time_seconds") == 0)
		z->boot = s->value;
	if ((v = expo_label(s, "mode"))) {
		z->modes++;
		if (strcmp(v, "idle") == 0)
			z->idle = s->value;
	}
	return 0;
}

/* Parse a string answer; the code. */
static int run(const char *body, struct seen *z, char *why, size_t cap)
{
	memset(z, 0, sizeof *z);
	return prom_json_vector(body, strlen(body), cb, z, why, cap);
}

static void test_real_answers(void **state)
{
	struct seen z;
	size_t len;
	char why[128];
	char *t;

	(void)state;
	t = slurp("q_scalars.json", &len);
	memset(&z, 0, sizeof z);
	assert_int_equal(prom_json_vector(t, len, cb, &z, why, sizeof why), 0);
	assert_int_equal(z.n, 18);
	assert_true(z.boot == 1795994313.0);
	assert_string_equal(z.instance, "127.0.0.1:45753");
	free(t);

	t = slurp("q_cpu.json", &len);
	memset(&z, 0, sizeof z);
	assert_int_equal(prom_json_vector(t, len, cb, &z, why, sizeof why), 0);
	assert_int_equal(z.modes, 8);
	assert_true(z.idle > 0);
	free(t);

	t = slurp("q_error.json", &len);
	memset(&z, 0, sizeof z);
	assert_int_equal(prom_json_vector(t, len, cb, &z, why, sizeof why), PROMJ_ESERVER);
	assert_non_null(strstr(why, "unclosed left parenthesis"));
	free(t);

	double iv = 0;
	t = slurp("status_config.json", &len);
	assert_int_equal(prom_json_scrape_interval(t, len, &iv), 0);
	assert_true(iv == 1.0);
	free(t);
}

/* Every prefix of a real answer fails cleanly (never a crash, never 0). */
static void test_truncations(void **state)
{
	struct seen z;
	size_t len, cut;
	char *t = slurp("q_scalars.json", &len);

	(void)state;
	for (cut = 0; cut < len; cut++) {
		char *c = malloc(cut ? cut : 1);
		assert_non_null(c);
		memcpy(c, t, cut);
		memset(&z, 0, sizeof z);
		int rc = prom_json_vector(c, cut, cb, &z, NULL, 0);
		if (rc >= 0)
			fail_msg("prefix of %zu bytes accepted", cut);
		free(c);
	}
	free(t);
}

static void test_garbage(void **state)
{
	static const struct { const char *body; int rc; } bad[] = {
		{ "", PROMJ_ESYNTAX },
		{ "<html>502 Bad Gateway</html>", PROMJ_ESYNTAX },
		{ "[]", PROMJ_ESYNTAX },
		{ "{}", PROMJ_ESHAPE },
		{ "{\"status\":\"success\"}", PROMJ_ESHAPE },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}", PROMJ_ESHAPE },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":"
		  "[{\"metric\":{},\"values\":[[1,\"1\"]]}]}}", PROMJ_ESHAPE },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":"
		  "[{\"metric\":{\"a\":1},\"value\":[1,\"1\"]}]}}", PROMJ_ESHAPE },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":"
		  "[{\"metric\":{},\"value\":[1,\"abc\"]}]}}", PROMJ_ENUMBER },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":"
		  "[{\"metric\":{},\"value\":[1,1]}]}}", PROMJ_ESHAPE },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":"
		  "[{\"metric\":{}}]}}", PROMJ_ESHAPE },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":"
		  "[{\"metric\":{\"a\":\"\\u0000\"},\"value\":[1,\"1\"]}]}}", PROMJ_ESHAPE },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}} x",
		  PROMJ_ESYNTAX },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}",
		  PROMJ_ESYNTAX },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":"
		  "[{\"metric\":{},\"value\":[1,\"1\"]}]},\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
		  "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}", PROMJ_ETOOBIG },
		{ "{\"status\":\"error\"}", PROMJ_ESERVER },
		{ "{\"status\":\"pending\"}", PROMJ_ESHAPE },
	};
	struct seen z;
	char why[128];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = run(bad[i].body, &z, why, sizeof why);
		if (rc != bad[i].rc)
			fail_msg("%s: got %d want %d (%s)", bad[i].body, rc, bad[i].rc, why);
	}
}

static void test_escapes_and_caps(void **state)
{
	struct seen z;
	char why[128];
	char *big;
	size_t n;

	(void)state;
	assert_int_equal(run("{\"status\":\"success\",\"data\":{\"result\":"
	                     "[{\"value\":[1.5,\"+Inf\"],\"metric\":{\"l\":\"a\\\"\\u00e9\\ud83d\\ude00\\n\"}}],"
	                     "\"resultType\":\"vector\"},\"warnings\":[\"x\",null,true,false,-1.5e3]}",
	                     &z, why, sizeof why), 0);
	assert_int_equal(z.n, 1);
	assert_string_equal(z.label, "a\"\xc3\xa9\xf0\x9f\x98\x80\n");

	/* a label value past the cap */
	n = PROM_JSON_MAX_LABEL + 100;
	big = malloc(n + 200);
	assert_non_null(big);
	strcpy(big, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":"
	            "[{\"metric\":{\"l\":\"");
	memset(big + strlen(big), 'x', n);
	big[strlen("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":"
	           "[{\"metric\":{\"l\":\"") + n] = '\0';
	strcat(big, "\"},\"value\":[1,\"1\"]}]}}");
	assert_int_equal(run(big, &z, why, sizeof why), PROMJ_ETOOBIG);
	free(big);

	/* more labels than EXPO_MAX_LABELS */
	char many[2048] = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":"
	                  "[{\"metric\":{";
	for (int i = 0; i <= EXPO_MAX_LABELS; i++)
		snprintf(many + strlen(many), sizeof many - strlen(many), "%s\"l%d\":\"v\"",
		         i ? "," : "", i);
	strcat(many, "},\"value\":[1,\"1\"]}]}}");
	assert_int_equal(run(many, &z, why, sizeof why), PROMJ_ETOOBIG);
}

static int stop(void *arg, const struct expo_sample *s)
{
	(void)arg;
	(void)s;
	return 1;
}

static void test_stop_and_durations(void **state)
{
	size_t len;
	char *t = slurp("q_cpu.json", &len);
	double d;

	(void)state;
	assert_int_equal(prom_json_vector(t, len, stop, NULL, NULL, 0), PROMJ_ESTOP);
	free(t);
	assert_int_equal(prom_duration("1m30s", 5, &d), 0);
	assert_true(d == 90);
	assert_int_equal(prom_duration("500ms", 5, &d), 0);
	assert_true(fabs(d - 0.5) < 1e-9);
	assert_int_equal(prom_duration("15s", 3, &d), 0);
	assert_true(d == 15);
	assert_int_equal(prom_duration("1h", 2, &d), 0);
	assert_true(d == 3600);
	assert_int_equal(prom_duration("1x", 2, &d), -1);
	assert_int_equal(prom_duration("", 0, &d), -1);
	assert_int_equal(prom_duration("s", 1, &d), -1);
	assert_int_equal(prom_duration("99999999999999s", 15, &d), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_answers),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_escapes_and_caps),
		cmocka_unit_test(test_stop_and_durations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
