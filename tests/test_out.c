/* test_out.c — JSON output: strings are always valid JSON and UTF-8;
 * a node with no data has null metrics, never zeros. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "out_batch.h"

static char *json_of(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	out_json_string(f, s);
	fclose(f);
	return buf;
}

static void test_strings(void **state)
{
	(void)state;
	char *j = json_of("a\"b\\c\n\033[2J");
	assert_string_equal(j, "\"a\\\"b\\\\c\\u000a\\u001b[2J\"");
	free(j);
	j = json_of("ok \xc3\xa9 \xe2\x82\xac bad \xff \xc2\x9b x\xe2\x82");
	assert_string_equal(j, "\"ok \xc3\xa9 \xe2\x82\xac bad \\ufffd \\ufffd\\ufffd x\\ufffd\\ufffd\"");
	free(j);
}

static void test_node_without_data(void **state)
{
	(void)state;
	struct node_spec spec = { .name = "n1", .host = "n1" };
	struct model m;
	assert_int_equal(model_init(&m, &spec, 1), 0);
	model_set_state(&m, 0, CS_DOWN, "connection refused", 1.0);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	out_json_block(f, &m, 100.0, 2.0);
	fclose(f);
	assert_non_null(strstr(buf, "\"state\":\"down\",\"cpu\":null,\"load1\":null"));
	assert_non_null(strstr(buf, "\"disk\":null,\"net\":null,\"mem\":null,\"psi\":null,"
	                            "\"verdict\":\"unknown\""));
	assert_non_null(strstr(buf, "\"why\":\"connection refused\""));
	assert_non_null(strstr(buf, "{\"type\":\"cluster\",\"t\":100.000,\"nodes\":1,\"up\":0"));
	assert_null(strstr(buf, "nan"));
	free(buf);
	model_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_node_without_data),
	};
	return cmocka_run_group_tests_name("out", tests, NULL, NULL);
}
