/* test_format.c — human-readable numbers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>
#include "format.h"

static void test_bytes(void **state)
{
	(void)state;
	char b[16];
	assert_string_equal(fmt_bytes(b, sizeof b, 0), "0");
	assert_string_equal(fmt_bytes(b, sizeof b, 999), "999");
	assert_string_equal(fmt_bytes(b, sizeof b, 1000), "1.0K");
	assert_string_equal(fmt_bytes(b, sizeof b, 1536), "1.5K");
	assert_string_equal(fmt_bytes(b, sizeof b, 34.0 * 1024 * 1024), "34M");
	assert_string_equal(fmt_bytes(b, sizeof b, 1024.0 * 1024 * 1024), "1.0G");
	assert_string_equal(fmt_bytes(b, sizeof b, -5), "0");
	assert_string_equal(fmt_bytes(b, sizeof b, NAN), "0");
	assert_true(strlen(fmt_bytes(b, sizeof b, 1e30)) <= 5);
	assert_string_equal(fmt_bytes(b, sizeof b, 1e40), ">999Y");
}

static void test_count(void **state)
{
	(void)state;
	char b[16];
	assert_string_equal(fmt_count(b, sizeof b, 12), "12");
	assert_string_equal(fmt_count(b, sizeof b, 12345), "12k");
	assert_string_equal(fmt_count(b, sizeof b, 3900), "3.9k");
	assert_string_equal(fmt_count(b, sizeof b, 4.5e6), "4.5M");
}

static void test_duration(void **state)
{
	(void)state;
	char b[16];
	assert_string_equal(fmt_duration(b, sizeof b, 45), "45s");
	assert_string_equal(fmt_duration(b, sizeof b, 192), "3m12s");
	assert_string_equal(fmt_duration(b, sizeof b, 7500), "2h05m");
	assert_string_equal(fmt_duration(b, sizeof b, 273600), "3d04h");
	assert_string_equal(fmt_duration(b, sizeof b, -1), "-");
	assert_string_equal(fmt_duration(b, sizeof b, INFINITY), "-");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_duration),
	};
	return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
