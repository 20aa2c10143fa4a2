/* test_text.c — the one checked number parser and the display sanitiser. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "text.h"

static void test_u64(void **state)
{
	(void)state;
	uint64_t v = 7;
	assert_int_equal(text_u64_str("0", 10, &v), 0);
	assert_true(v == 0);
	assert_int_equal(text_u64_str("18446744073709551615", UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(text_u64_str("18446744073709551616", UINT64_MAX, &v), TEXT_ERANGE);
	assert_int_equal(text_u64_str("99999999999999999999999", UINT64_MAX, &v), TEXT_ERANGE);
	assert_int_equal(text_u64_str("11", 10, &v), TEXT_ERANGE);
	assert_true(v == UINT64_MAX);           /* untouched on failure */
	assert_int_equal(text_u64_str("", 10, &v), TEXT_EFORMAT);
	assert_int_equal(text_u64_str(NULL, 10, &v), TEXT_EFORMAT);
	assert_int_equal(text_u64_str("-1", 10, &v), TEXT_EFORMAT);
	assert_int_equal(text_u64_str("+1", 10, &v), TEXT_EFORMAT);
	assert_int_equal(text_u64_str(" 1", 10, &v), TEXT_EFORMAT);
	assert_int_equal(text_u64_str("1 ", 10, &v), TEXT_EFORMAT);
	assert_int_equal(text_u64_str("99999999999999999999x", UINT64_MAX, &v), TEXT_EFORMAT);
	assert_int_equal(text_u64("123456", 3, 1000, &v), 0);   /* exactly n bytes */
	assert_true(v == 123);
}

static void test_decimal(void **state)
{
	(void)state;
	double d = -1;
	assert_int_equal(text_decimal_str("0.5", 0.1, 3600, &d), 0);
	assert_true(d == 0.5);
	assert_int_equal(text_decimal_str("0,5", 0.1, 3600, &d), 0);   /* any locale */
	assert_true(d == 0.5);
	assert_int_equal(text_decimal_str("1764133543.123456", 0, 1e10, &d), 0);
	assert_true(d > 1764133543.123455 && d < 1764133543.123457);
	assert_int_equal(text_decimal_str("1e6", 0, 1e9, &d), 0);
	assert_true(d == 1e6);
	assert_int_equal(text_decimal_str("2.5E-1", 0, 1, &d), 0);
	assert_true(d == 0.25);
	assert_int_equal(text_decimal_str(".5", 0, 1, &d), 0);
	assert_int_equal(text_decimal_str("5.", 0, 10, &d), 0);
	assert_true(d == 5);
	/* fraction digits past the ninth are checked, not counted */
	assert_int_equal(text_decimal_str("1.0000000001", 0, 10, &d), 0);
	assert_true(d == 1);
	assert_int_equal(text_decimal_str("1.00000000019x", 0, 10, &d), TEXT_EFORMAT);
	d = 42;
	assert_int_equal(text_decimal_str("0.05", 0.1, 3600, &d), TEXT_ERANGE);
	assert_int_equal(text_decimal_str("3601", 0.1, 3600, &d), TEXT_ERANGE);
	assert_int_equal(text_decimal_str("1e999", 0, 1e300, &d), TEXT_ERANGE);
	assert_int_equal(text_decimal_str("1e9999", 0, 1e300, &d), TEXT_EFORMAT);
	assert_int_equal(text_decimal_str("1e20", 0, 1e10, &d), TEXT_ERANGE);
	assert_true(d == 42);
	const char *bad[] = { "", ".", ",", "e5", "1e", "1e+", "-1", "+1", "inf", "nan",
	                      "0x10", "1..2", "1.2.3", " 1", "1 ", "1,5,", "١" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(text_decimal_str(bad[i], 0, 1e300, &d), TEXT_EFORMAT);
	assert_true(d == 42);
}

static void test_sanitize(void **state)
{
	(void)state;
	char out[32];
	text_sanitize(out, sizeof out, "a\033]0;x\007b\x9b" "2Jc\n");
	assert_string_equal(out, "a?]0;x?b?2Jc?");
	text_sanitize(out, 4, "abcdef");
	assert_string_equal(out, "abc");
	text_sanitize(out, sizeof out, "né €");   /* whole UTF-8 characters pass */
	assert_string_equal(out, "né €");
	text_sanitize(out, sizeof out, "x\xc2\x9b" "1mx\xe2\x82");   /* C1 CSI, cut */
	assert_string_equal(out, "x??1mx??");
	text_sanitize(out, 3, "é€");   /* a character that does not fit is not cut */
	assert_string_equal(out, "é");
	text_sanitize(out, sizeof out, NULL);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_decimal),
		cmocka_unit_test(test_sanitize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
