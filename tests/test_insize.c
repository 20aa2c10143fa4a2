/* test_insize.c — the inputs' bytes: exact for a small directory, a
 * sample for a big one, the same figures from the remote command run by
 * sh, and garbage refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/fixture.h"
#include "insize.h"

static char dir[] = "/tmp/doptop-insize-XXXXXX";

/* n files of size i % 7 * 1000 + 1000 under dir (a few in a subdirectory). */
static double make_files(int n)
{
	char p[256];
	double total = 0;
	snprintf(p, sizeof p, "%s/sub", dir);
	mkdir(p, 0700);
	for (int i = 0; i < n; i++) {
		snprintf(p, sizeof p, "%s/%sf%d", dir, i % 10 == 0 ? "sub/" : "", i);
		FILE *f = fopen(p, "w");
		assert_non_null(f);
		long sz = (i % 7) * 1000 + 1000;
		assert_int_equal(ftruncate(fileno(f), sz), 0);
		fclose(f);
		total += (double)sz;
	}
	return total;
}

static void test_exact_and_sampled(void **state)
{
	(void)state;
	char line[128], cmd[8192], out[256];
	const char *why = NULL;
	struct insize a, b;
	assert_non_null(mkdtemp(dir));
	double total = make_files(300);
	assert_int_equal(insize_local(dir, line, sizeof line, &why), 0);
	assert_int_equal(insize_parse(line, strlen(line), &a), 0);
	assert_true(a.exact);
	assert_int_equal(a.files, 300);
	assert_float_equal(a.bytes, total, 0.5);
	assert_true(insize_command(cmd, sizeof cmd, dir) > 0);
	size_t n = fixture_sh(cmd, out, sizeof out);
	assert_int_equal(insize_parse(out, n, &b), 0);
	assert_true(b.exact);
	assert_int_equal(b.files, 300);
	assert_float_equal(b.bytes, total, 0.5);
	assert_int_equal(a.network, b.network);
	/* past the exact limit: a sample, within 10% (sizes 1000..7000) */
	total += make_files(INSIZE_EXACT_MAX + 500);
	assert_int_equal(insize_local(dir, line, sizeof line, &why), 0);
	assert_int_equal(insize_parse(line, strlen(line), &a), 0);
	assert_false(a.exact);
	assert_int_equal(a.sampled, INSIZE_SAMPLE);
	assert_true(a.bytes > total * 0.9 && a.bytes < total * 1.1);
	n = fixture_sh(cmd, out, sizeof out);
	assert_int_equal(insize_parse(out, n, &b), 0);
	assert_false(b.exact);
	assert_int_equal(b.sampled, INSIZE_SAMPLE);
	assert_true(b.bytes > total * 0.9 && b.bytes < total * 1.1);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(insize_local(dir, line, sizeof line, &why), -1);
	assert_non_null(why);
}

static void test_parse_garbage(void **state)
{
	(void)state;
	struct insize r;
	static const char *bad[] = { "", "I", "I 10 11 100 0", "I 10 0 100 0", "I -1 1 1 0",
	                             "I 1 1 1 zz", "I 1 1 1 0 extra", "X 1 1 1 0",
	                             "I 1 1 1e99 0" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(insize_parse(bad[i], strlen(bad[i]), &r), -1);
	assert_int_equal(insize_parse("I 0 0 0 65735546\n", 17, &r), 0);
	assert_true(r.network);
	assert_int_equal(insize_parse("I 4 2 100 ef53\n", 15, &r), 0);
	assert_false(r.network);
	assert_float_equal(r.bytes, 200, 0);
	assert_true(insize_network_magic(0x6969));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_and_sampled),
		cmocka_unit_test(test_parse_garbage),
	};
	return cmocka_run_group_tests_name("insize", tests, NULL, NULL);
}
