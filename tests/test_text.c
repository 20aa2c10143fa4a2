/* test_text.c — the checked number parsers and the display sanitiser. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
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

/* Prometheus and JSON floats: every digit counts, words for the rest. */
static void test_float(void **state)
{
	(void)state;
	double d = -1;
	assert_int_equal(text_float("1.7641335431234567e+09", 22, &d), 0);
	assert_true(d == 1764133543.1234567);   /* node_time_seconds: microseconds kept */
	assert_int_equal(text_float("-0.5", 4, &d), 0);
	assert_true(d == -0.5);
	assert_int_equal(text_float("+3", 2, &d), 0);
	assert_true(d == 3);
	assert_int_equal(text_float(".5e1", 4, &d), 0);
	assert_true(d == 5);
	assert_int_equal(text_float("5.", 2, &d), 0);
	assert_int_equal(text_float("1e-999", 6, &d), 0);       /* underflow: 0 */
	assert_true(d == 0);
	assert_int_equal(text_float("+Inf", 4, &d), 0);
	assert_true(isinf(d) && d > 0);
	assert_int_equal(text_float("-inf", 4, &d), 0);
	assert_true(isinf(d) && d < 0);
	assert_int_equal(text_float("Infinity", 8, &d), 0);
	assert_true(isinf(d));
	assert_int_equal(text_float("NaN", 3, &d), 0);
	assert_true(isnan(d));
	assert_int_equal(text_float("123456", 3, &d), 0);        /* exactly n bytes */
	assert_true(d == 123);
	d = 42;
	assert_int_equal(text_float("1e999", 5, &d), TEXT_ERANGE);
	assert_int_equal(text_float("-1e999", 6, &d), TEXT_ERANGE);
	const char *bad[] = { "", ".", "-", "e5", "1e", "1e+", "-NaN", "+nan", "0x10",
	                      "0x1p3", "1..2", "1,5", " 1", "1 ", "infx", "nan(1)", "--1",
	                      "1e5.5", "١",
	                      "1234567890123456789012345678901234567890123456789012345678901234" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (text_float(bad[i], strlen(bad[i]), &d) != TEXT_EFORMAT)
			fail_msg("accepted: '%s'", bad[i]);
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

/* Strict UTF-8: overlong forms, surrogates and code points past U+10FFFF
 * never reach the terminal or JSON; valid ones at each edge pass. */
static void test_utf8_strict(void **state)
{
	(void)state;
	assert_int_equal(text_utf8_len("\xe0\x82\x9b"), 0);      /* overlong C1 CSI */
	assert_int_equal(text_utf8_len("\xe0\x80\xaf"), 0);      /* overlong '/' */
	assert_int_equal(text_utf8_len("\xf0\x80\x80\xaf"), 0);  /* overlong, 4 bytes */
	assert_int_equal(text_utf8_len("\xc0\xaf"), 0);
	assert_int_equal(text_utf8_len("\xed\xa0\x80"), 0);      /* U+D800 */
	assert_int_equal(text_utf8_len("\xed\xbf\xbf"), 0);      /* U+DFFF */
	assert_int_equal(text_utf8_len("\xf4\x90\x80\x80"), 0);  /* U+110000 */
	assert_int_equal(text_utf8_len("\xe0\xa0\x80"), 3);      /* U+0800 */
	assert_int_equal(text_utf8_len("\xed\x9f\xbf"), 3);      /* U+D7FF */
	assert_int_equal(text_utf8_len("\xee\x80\x80"), 3);      /* U+E000 */
	assert_int_equal(text_utf8_len("\xf0\x90\x80\x80"), 4);  /* U+10000 */
	assert_int_equal(text_utf8_len("\xf4\x8f\xbf\xbf"), 4);  /* U+10FFFF */
	char out[32];
	assert_string_equal(text_sanitize(out, sizeof(out), "a\xe0\x82\x9b[2Jb"), "a???[2Jb");
	assert_string_equal(text_sanitize(out, sizeof(out), "\xed\xa0\x80x"), "???x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_decimal),
		cmocka_unit_test(test_float),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_utf8_strict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
