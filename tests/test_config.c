/* test_config.c — the config file: the view keys, the columns check, and
 * config_save_view() keeping every other line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"

/* Parse text; returns the rc, with the reason in *why. */
static int parse(struct config *c, const char *text, const char **why)
{
	int bad;
	return config_parse(c, text, strlen(text), &bad, why);
}

/* View keys parse; bad columns and sort fail with a reason. */
static void test_view_keys(void **state)
{
	struct config c;
	const char *why = NULL;

	(void)state;
	assert_int_equal(parse(&c, "sort = state\nreverse = yes\ngroup = true\nfilter = n01\n", &why), 0);
	assert_string_equal(c.sort, "state");
	assert_true(c.reverse);
	assert_true(c.group);
	assert_string_equal(c.filter, "n01");
	assert_int_equal(parse(&c, "columns = name,foo\n", &why), -1);
	assert_non_null(strstr(why, "column 'foo'"));
	assert_int_equal(parse(&c, "columns = user, DSK_R, net-rx\n", &why), 0);
	assert_int_equal(parse(&c, "sort = bogus\n", &why), -1);
	assert_int_equal(parse(&c, "group = maybe\n", &why), -1);
}

/* W: the view replaces its keys in place, appends the others, keeps the
 * rest; the result parses back to the same view. */
static void test_save_view(void **state)
{
	char path[] = "/tmp/doptop-test-config-XXXXXX", text[2048];
	struct config c;
	const char *why = NULL;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("# mine\nnodes = a,b\nsort = name\ntheme = light\ninterval = 2\n", f);
	fclose(f);
	struct config_view v = { .sort = "state", .reverse = true, .group = false,
	                         .filter = "", .columns = "name,state,verdict", .theme = "mono" };
	assert_int_equal(config_save_view(path, &v, &why), 0);
	f = fopen(path, "r");
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = 0;
	assert_non_null(strstr(text, "# mine\nnodes = a,b\nsort = state\ntheme = mono\ninterval = 2\n"));
	assert_null(strstr(text, "filter"));
	assert_int_equal(parse(&c, text, &why), 0);
	assert_string_equal(c.sort, "state");
	assert_true(c.reverse);
	assert_false(c.group);
	assert_string_equal(c.columns, "name,state,verdict");
	assert_string_equal(c.nodes, "a,b");
	assert_float_equal(c.interval, 2.0, 0);
	unlink(path);
}

/* Save v's filter to a fresh file and read the file back into c. */
static void save_and_load(const char *filter, struct config *c, char *text, size_t cap)
{
	char path[] = "/tmp/doptop-test-config-XXXXXX";
	const char *why = NULL;
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	struct config_view v = { .sort = "order", .filter = filter, .columns = "name,verdict" };
	assert_int_equal(config_save_view(path, &v, &why), 0);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(text, 1, cap - 1, f);
	fclose(f);
	text[n] = 0;
	assert_int_equal(parse(c, text, &why), 0);
	unlink(path);
}

/* A filter with '#', quotes, backslashes or edge blanks comes back as it
 * was typed: W quotes it, the reader unquotes it ('#' inside quotes is no
 * comment). */
static void test_filter_round_trip(void **state)
{
	static const char *const filters[] = { "a#b", "#1", "x\"y", "back\\slash\\",
	                                       " lead", "trail ", "\"", "plain-01" };
	char text[2048];
	struct config c;
	(void)state;
	for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++) {
		save_and_load(filters[i], &c, text, sizeof text);
		assert_string_equal(c.filter, filters[i]);
	}
	/* a plain value is still written plain */
	assert_non_null(strstr(text, "\nfilter = plain-01\n"));
}

/* Quoted values by hand: a comment may follow; a bad quote is an error. */
static void test_quoted_values(void **state)
{
	struct config c;
	const char *why = NULL;
	(void)state;
	assert_int_equal(parse(&c, "filter = \"n#1\"  # the first rack\n", &why), 0);
	assert_string_equal(c.filter, "n#1");
	assert_int_equal(parse(&c, "filter = n01 # a comment\n", &why), 0);
	assert_string_equal(c.filter, "n01");
	assert_int_equal(parse(&c, "theme = \"light\"\n", &why), 0);
	assert_string_equal(c.theme, "light");
	assert_int_equal(parse(&c, "filter = \"open\n", &why), -1);
	assert_non_null(strstr(why, "quote"));
	assert_int_equal(parse(&c, "filter = \"a\"b\n", &why), -1);
	assert_non_null(strstr(why, "quote"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_view_keys),
		cmocka_unit_test(test_save_view),
		cmocka_unit_test(test_filter_round_trip),
		cmocka_unit_test(test_quoted_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
