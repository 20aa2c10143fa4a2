/*
 * test_expo.c — the exposition format parser on a real node_exporter 1.5.0
 * /metrics capture plus broken variants, the writer, and node_metrics:
 * a scrape becomes a probe frame that parse_frame() reads back.
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

#include "expo.h"
#include "node_metrics.h"
#include "parse.h"
#include "rates.h"
#include "source_prom.h"

#define FIX "tests/fixtures/prom/"

/* Read a fixture file (caller frees). */
static char *slurp(const char *name, size_t *len)
{
	return fixture_read(FIX, name, len);
}

struct seen {
	int n;
	double load1, vda_read;
	int cpu_series;
	char last_label[64];
};

static int count_cb(void *arg, const struct expo_sample *s)
{
	struct seen *z = arg;
	const char *d;

	z->n++;
	if (strcmp(s->name, "node_load1") == 0)
		z->load1 = s->value;
	if (strcmp(s->name, "node_disk_read_bytes_total") == 0 &&
	    (d = expo_label(s, "device")) && strcmp(d, "vda") == 0)
		z->vda_read = s->value;
	if (strcmp(s->name, "node_cpu_seconds_total") == 0)
		z->cpu_series++;
	if (s->nlabels > 0)
		snprintf(z->last_label, sizeof z->last_label, "%s", s->label[0].value);
	return 0;
}

static void test_real_scrape(void **state)
{
	struct seen z = { 0 };
	size_t len, line = 0;
	char *t = slurp("node_exporter.metrics", &len);

	(void)state;
	assert_int_equal(expo_parse(t, len, count_cb, &z, &line), 0);
	assert_true(z.n > 500);
	assert_true(z.load1 >= 0);
	assert_true(z.vda_read == 1.067734016e+09);
	assert_int_equal(z.cpu_series % 8, 0);
	assert_true(z.cpu_series >= 8);
	free(t);
}

static int stop_cb(void *arg, const struct expo_sample *s)
{
	(void)arg;
	(void)s;
	return 1;
}

static void test_values_and_escapes(void **state)
{
	const char *t =
		"# HELP x a\n# TYPE x gauge\n"
		"x{a=\"q\\\"b\\\\c\\nd\"} +Inf\n"
		"y -Inf 1700000000000\n"
		"z NaN\n"
		"w{ a = \"1\" , b=\"2\", } 1.5e3\r\n"
		"\n   \n";
	struct seen z = { 0 };
	size_t line = 0;

	(void)state;
	assert_int_equal(expo_parse(t, strlen(t), count_cb, &z, &line), 0);
	assert_int_equal(z.n, 4);
	assert_string_equal(z.last_label, "1");
	assert_int_equal(expo_parse(t, strlen(t), stop_cb, NULL, &line), EXPO_ESTOP);
}

/* Every line here must fail with its line number. */
static void test_garbage(void **state)
{
	static const char *const bad[] = {
		"x{a=\"1\"\n",              /* unclosed labels */
		"x{a=1} 2\n",               /* unquoted value */
		"x{a=\"\\q\"} 1\n",         /* bad escape */
		"1x 2\n",                   /* bad name */
		"x 0x10\n",                 /* hex is not a Go float here */
		"x 1 2 3\n",                /* trailing junk */
		"x\n",                      /* no value */
		"x 1 12a\n",                /* bad timestamp */
		"x{:a=\"1\"} 1\n",          /* colon in label name */
		"x -NaN\n",
		"x 1e99999\n",              /* overflow is refused: strtod says inf */
	};
	struct seen z = { 0 };
	size_t line;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char buf[128];
		snprintf(buf, sizeof buf, "ok 1\n%s", bad[i]);
		line = 0;
		int rc = expo_parse(buf, strlen(buf), count_cb, &z, &line);
		if (rc != EXPO_EFORMAT || line != 2)
			fail_msg("accepted: %s (rc %d line %zu)", bad[i], rc, line);
	}
	/* too many labels */
	char many[1024] = "x{";
	for (int i = 0; i < EXPO_MAX_LABELS + 1; i++)
		snprintf(many + strlen(many), sizeof many - strlen(many), "l%d=\"v\",", i);
	strcat(many, "} 1\n");
	assert_int_equal(expo_parse(many, strlen(many), count_cb, &z, NULL), EXPO_EFORMAT);
	/* an over-long line */
	size_t n = EXPO_MAX_LINE + 10;
	char *lng = malloc(n + 1);
	assert_non_null(lng);
	memset(lng, 'a', n);
	lng[n] = '\0';
	assert_int_equal(expo_parse(lng, n, count_cb, &z, NULL), EXPO_EFORMAT);
	free(lng);
	/* a NUL in a line */
	assert_int_equal(expo_parse("x 1\0\n", 5, count_cb, &z, NULL), EXPO_EFORMAT);
}

/* Every truncation of the real scrape parses or fails cleanly. */
static void test_truncations(void **state)
{
	size_t len;
	char *t = slurp("node_exporter.metrics", &len);
	struct seen z = { 0 };

	(void)state;
	for (size_t cut = 0; cut < len; cut += 997) {
		char *c = malloc(cut ? cut : 1);
		assert_non_null(c);
		memcpy(c, t, cut);
		int rc = expo_parse(c, cut, count_cb, &z, NULL);
		assert_true(rc == 0 || rc == EXPO_EFORMAT);
		free(c);
	}
	free(t);
}

static int reparse_cb(void *arg, const struct expo_sample *s)
{
	struct expo_buf *b = arg;
	const char *l[4] = { NULL, NULL, NULL, NULL };

	for (int i = 0; i < s->nlabels && i < 2; i++) {
		l[2 * i] = s->label[i].name;
		l[2 * i + 1] = s->label[i].value;
	}
	expo_write_sample(b, s->name, l, s->nlabels < 2 ? s->nlabels : 2, s->value);
	return 0;
}

static void test_writer_roundtrip(void **state)
{
	struct expo_buf b = { 0 }, b2 = { 0 };
	const char *l[] = { "node", "a\"b\\c\nd", "verdict", "cpu-bound" };

	(void)state;
	expo_write_family(&b, "doptop_x", "gauge", "A test.");
	expo_write_sample(&b, "doptop_x", l, 2, 1);
	expo_write_sample(&b, "doptop_y", NULL, 0, 0.25);
	expo_write_sample(&b, "doptop_z", NULL, 0, NAN);
	expo_write_sample(&b, "doptop_w", NULL, 0, -INFINITY);
	assert_false(b.oom);
	assert_non_null(strstr(b.p, "doptop_x{node=\"a\\\"b\\\\c\\nd\",verdict=\"cpu-bound\"} 1\n"));
	assert_non_null(strstr(b.p, "doptop_y 0.25\n"));
	assert_non_null(strstr(b.p, "doptop_z NaN\n"));
	assert_non_null(strstr(b.p, "doptop_w -Inf\n"));
	/* what we write, we read back the same */
	assert_int_equal(expo_parse(b.p, b.len, reparse_cb, &b2, NULL), 0);
	assert_non_null(strstr(b2.p, "doptop_x{node=\"a\\\"b\\\\c\\nd\",verdict=\"cpu-bound\"} 1\n"));
	expo_buf_free(&b);
	expo_buf_free(&b2);
}

struct fold {
	struct nm_node n;
	struct nm_percpu pc;
};

static int fold_cb(void *arg, const struct expo_sample *s)
{
	struct fold *f = arg;
	return nm_add(&f->n, &f->pc, s) < 0 ? 1 : 0;
}

/* A real scrape becomes a frame that the SSH path reads back. */
static void test_scrape_to_frame(void **state)
{
	size_t len;
	char *t = slurp("node_exporter.metrics", &len);
	static struct fold f;
	static struct sample s;
	char *frame = malloc(NM_FRAME_MAX), miss[128];
	int n;

	(void)state;
	assert_non_null(frame);
	nm_clear(&f.n);
	memset(&f.pc, 0, sizeof f.pc);
	assert_int_equal(expo_parse(t, len, fold_cb, &f, NULL), 0);
	n = nm_frame(&f.n, &f.pc, 7, "exporter", 0, frame, NM_FRAME_MAX);
	assert_true(n > 0);
	int rc = parse_frame(frame, (size_t)n, &s);
	if (rc != 0)
		fail_msg("%s: %.*s", err_text(rc), n, frame);
	assert_true(s.have & SP_STAT);
	assert_true(s.have & SP_DISK);
	assert_true(s.have & SP_NET);
	assert_true(s.have & SP_MEM);
	assert_true(s.have & SP_VMSTAT);
	assert_false(s.have & SP_REFAULT);   /* default vmstat filter */
	assert_int_equal(s.ncpu, f.pc.ncpu);
	assert_int_equal(s.ndisks, 1);       /* vda; zram0 is not a disk */
	assert_string_equal(s.disk[0].name, "vda");
	assert_int_equal(s.disk[0].rd_sectors, 1067734016 / 512);
	assert_int_equal(s.net_tx_bytes, 218269);
	assert_true(s.t > 1.7e9);
	nm_missing(&f.n, &f.pc, miss, sizeof miss);
	assert_string_equal(miss, "refaults");
	free(frame);
	free(t);
}

/* Counters from two rounds rate like /proc: 1 s of one busy core. */
static void test_rates_from_metrics(void **state)
{
	static struct sample a, b;
	struct nm_node n;
	struct rates r;
	char frame[4096], miss[128];
	const char *names[] = { "node_time_seconds", "node_boot_time_seconds",
	                        "node_context_switches_total", "node_forks_total",
	                        "node_procs_running", "node_procs_blocked", "node_cpus" };
	double vals[2][7] = { { 1000, 10, 500, 50, 1, 0, 2 }, { 1001, 10, 700, 60, 2, 0, 2 } };
	double user[2] = { 100, 101 }, idle[2] = { 300, 301 };
	struct sample *out[2] = { &a, &b };

	(void)state;
	for (int k = 0; k < 2; k++) {
		struct expo_sample m = { 0 };
		nm_clear(&n);
		for (int i = 0; i < 7; i++) {
			m.name = names[i];
			m.value = vals[k][i];
			assert_int_equal(nm_add(&n, NULL, &m), 1);
		}
		m.name = "node_cpu_seconds_total";
		m.nlabels = 1;
		m.label[0].name = "mode";
		m.label[0].value = "user";
		m.value = user[k];
		assert_int_equal(nm_add(&n, NULL, &m), 1);
		m.label[0].value = "idle";
		m.value = idle[k];
		assert_int_equal(nm_add(&n, NULL, &m), 1);
		int len = nm_frame(&n, NULL, (uint64_t)k + 1, "prom", 0, frame, sizeof frame);
		assert_true(len > 0);
		assert_int_equal(parse_frame(frame, (size_t)len, out[k]), 0);
	}
	assert_int_equal(rates_compute(&a, &b, &r), 0);
	assert_int_equal(r.cores, 2);
	assert_true(fabs(r.cpu.user - 50) < 0.1);
	assert_true(fabs(r.ctxt_per_s - 200) < 0.1);
	assert_false(r.have & RP_PSI);       /* never zero: missing */
	assert_false(r.have & RP_DISK);
	nm_missing(&n, NULL, miss, sizeof miss);
	assert_non_null(strstr(miss, "psi"));
	assert_non_null(strstr(miss, "per-core"));
	/* a negative or NaN counter is refused; so is a hostile device */
	struct expo_sample bad = { .name = "node_forks_total", .value = -1 };
	assert_int_equal(nm_add(&n, NULL, &bad), -1);
	bad.value = NAN;
	assert_int_equal(nm_add(&n, NULL, &bad), -1);
	struct expo_sample dev = { .name = "node_disk_read_bytes_total", .nlabels = 1, .value = 1 };
	dev.label[0].name = "device";
	dev.label[0].value = "sda 1 2\n%stat";
	assert_int_equal(nm_add(&n, NULL, &dev), 0);
	/* without the /proc/stat part there is no frame */
	nm_clear(&n);
	assert_int_equal(nm_frame(&n, NULL, 1, "prom", 0, frame, sizeof frame), -1);
}

/* Node specs -> the /metrics URL scraped. */
static void test_exporter_urls(void **state)
{
	static const char *const c[][2] = {
		{ "http://h:9100", "http://h:9100/metrics" },
		{ "http://h:9100/", "http://h:9100/metrics" },
		{ "https://h/x/metrics", "https://h/x/metrics" },
		{ "host", "http://host:9100/metrics" },
		{ "host:1234", "http://host:1234/metrics" },
	};
	char buf[128];

	(void)state;
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		assert_true(prom_exporter_url(c[i][0], buf, sizeof buf) > 0);
		assert_string_equal(buf, c[i][1]);
	}
	assert_int_equal(prom_exporter_url("http://h:9100", buf, 8), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_scrape),
		cmocka_unit_test(test_values_and_escapes),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_writer_roundtrip),
		cmocka_unit_test(test_scrape_to_frame),
		cmocka_unit_test(test_rates_from_metrics),
		cmocka_unit_test(test_exporter_urls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
