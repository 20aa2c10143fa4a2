/* test_err.c — one function names every error code of every family. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "count.h"
#include "err.h"
#include "expo.h"
#include "parse.h"
#include "prom_json.h"
#include "record.h"
#include "sink.h"
#include "source.h"
#include "text.h"

static void test_every_code_named(void **state)
{
	(void)state;
	const int codes[] = {
		PARSE_EFORMAT, PARSE_ERANGE, PARSE_ELINE, PARSE_EFRAME, PARSE_EPROTO,
		PARSE_ENOFRAME, PARSE_ECONTROL, REC_EIO, REC_EFORMAT, REC_ENOMEM, REC_EARG,
		COUNT_ERR_NOMEM, COUNT_ERR_MISSING, COUNT_ERR_NOTDIR, COUNT_ERR_READ,
		COUNT_ERR_ARG, COUNT_ERR_SPACE, TEXT_EFORMAT, TEXT_ERANGE, SOURCE_ENOMEM,
		SOURCE_EIO, SOURCE_EFORMAT, SINK_ENOMEM, SINK_EIO, EXPO_EFORMAT, EXPO_ENOMEM,
		EXPO_ESTOP, PROMJ_ESYNTAX, PROMJ_ESHAPE, PROMJ_ESERVER, PROMJ_ENUMBER,
		PROMJ_ETOOBIG, PROMJ_ESTOP,
	};
	for (size_t i = 0; i < sizeof codes / sizeof *codes; i++) {
		assert_true(codes[i] < 0);
		assert_null(strstr(err_text(codes[i]), "unknown"));
		for (size_t j = 0; j < i; j++)
			assert_int_not_equal(codes[i], codes[j]);   /* one meaning each */
	}
	assert_string_equal(err_text(0), "ok");
	assert_string_equal(err_text(PARSE_ENOFRAME), "no frame marker");
	assert_string_equal(err_text(-19), "unknown parse error");
	assert_string_equal(err_text(-1000), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_code_named),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
