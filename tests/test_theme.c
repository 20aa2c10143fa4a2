/* test_theme.c — theme files (the shipped ones, bad ones, the search
 * path) and the config file parser. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "config.h"
#include "theme.h"

/* Parse a string; returns theme_parse's result. */
static int parse(struct theme *t, const char *text, int *bad, const char **why)
{
	return theme_parse(t, "x", text, strlen(text), bad, why);
}

static void test_colors(void **state)
{
	(void)state;
	short c;
	assert_int_equal(theme_color("red", &c), 0);
	assert_int_equal(c, 1);
	assert_int_equal(theme_color("bright-blue", &c), 0);
	assert_int_equal(c, 12);
	assert_int_equal(theme_color("default", &c), 0);
	assert_int_equal(c, -1);
	assert_int_equal(theme_color("208", &c), 0);
	assert_int_equal(c, 208);
	assert_int_equal(theme_color("256", &c), -1);
	assert_int_equal(theme_color("12x", &c), -1);
	assert_int_equal(theme_color("purple", &c), -1);
	assert_int_equal(theme_map8(-1), -1);
	assert_int_equal(theme_map8(3), 3);
	assert_int_equal(theme_map8(9), 1);      /* bright red -> red */
	assert_int_equal(theme_map8(196), 1);    /* 256-colour red */
	assert_int_equal(theme_map8(28), 2);     /* dark green */
	assert_int_equal(theme_map8(25), 4);     /* blue */
	assert_int_equal(theme_map8(255), 7);    /* grey ramp, light */
	assert_int_equal(theme_map8(232), 0);    /* grey ramp, dark */
}

static void test_parse_good(void **state)
{
	(void)state;
	struct theme t;
	int bad;
	const char *why = NULL;
	assert_int_equal(parse(&t, "# comment\n\ncpu_user = 40 \ncpu_system= bright-red black bold\n"
	                       "header = reverse # trailing comment\r\n", &bad, &why), 0);
	assert_false(t.mono);
	assert_int_equal(t.s[TE_CPU_USER].fg, 40);
	assert_int_equal(t.s[TE_CPU_USER].bg, -1);
	assert_int_equal(t.s[TE_CPU_SYSTEM].fg, 9);
	assert_int_equal(t.s[TE_CPU_SYSTEM].bg, 0);
	assert_int_equal(t.s[TE_CPU_SYSTEM].attrs, THEME_BOLD);
	assert_int_equal(t.s[TE_HEADER].attrs, THEME_REVERSE);
	/* untouched elements keep the built-in default */
	struct theme d;
	theme_builtin(&d, "default");
	assert_memory_equal(&t.s[TE_CPU_STEAL], &d.s[TE_CPU_STEAL], sizeof d.s[0]);
	assert_int_equal(parse(&t, "colors = none\nheader = bold\n", &bad, &why), 0);
	assert_true(t.mono);
	assert_int_equal(t.s[TE_HEADER].attrs, THEME_BOLD);
	assert_int_equal(t.s[TE_CPU_USER].fg, -1);
}

static void test_parse_bad(void **state)
{
	(void)state;
	static const struct { const char *text; int line; } cases[] = {
		{ "cpu_user = green\nno equals sign\n", 2 },
		{ "nosuch_element = red\n", 1 },
		{ "cpu_user = purple\n", 1 },
		{ "cpu_user = red blue green\n", 1 },
		{ "cpu_user =\n", 1 },
		{ "cpu_user = 300\n", 1 },
		{ "\n\ncolors = some\n", 3 },
		{ "cpu_user = red \033[31m\n", 1 },
	};
	struct theme t, d;
	theme_builtin(&d, "default");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int bad = 0;
		const char *why = NULL;
		assert_int_equal(parse(&t, cases[i].text, &bad, &why), -1);
		assert_int_equal(bad, cases[i].line);
		assert_non_null(why);
		/* a bad file leaves the default, never a half-applied theme */
		assert_memory_equal(t.s, d.s, sizeof d.s);
	}
	char big[400];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = 0;
	int bad;
	const char *why;
	assert_int_equal(parse(&t, big, &bad, &why), -1);
	const char nul[] = "cpu_user = red\0blue\n";
	assert_int_equal(theme_parse(&t, "x", nul, sizeof nul - 1, &bad, &why), -1);
}

/* Every shipped theme file parses, and the four required ones exist. */
static void test_shipped(void **state)
{
	(void)state;
	static const char *const names[] = { "default", "light", "high-contrast", "mono" };
	char why[256];
	struct theme t;
	setenv("XDG_CONFIG_HOME", "/nonexistent", 1);
	for (size_t i = 0; i < 4; i++) {
		char path[128];
		snprintf(path, sizeof path, "themes/%s.theme", names[i]);
		assert_int_equal(access(path, R_OK), 0);
		assert_int_equal(theme_load(&t, names[i], why, sizeof why), 0);
		assert_string_equal(t.name, names[i]);
		assert_int_equal(t.mono, strcmp(names[i], "mono") == 0);
	}
	char list[THEME_MAX_THEMES][THEME_NAME_MAX];
	int n = theme_list(list, THEME_MAX_THEMES);
	assert_true(n >= 4);
	assert_string_equal(list[0], "default");
	int found = 0;
	for (int i = 0; i < n; i++)
		for (size_t k = 0; k < 4; k++)
			found += strcmp(list[i], names[k]) == 0;
	assert_int_equal(found, 4);
	/* the light theme really differs from the default */
	struct theme d;
	theme_load(&t, "light", why, sizeof why);
	theme_builtin(&d, "default");
	assert_int_not_equal(t.s[TE_HEADER].bg, d.s[TE_HEADER].bg);
}

/* A user theme in $XDG_CONFIG_HOME wins; a bad one warns and falls back. */
static void test_search_path(void **state)
{
	(void)state;
	char dir[] = "/tmp/doptop-theme-XXXXXX", path[256], why[256];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/doptop", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/doptop/themes", dir);
	mkdir(path, 0700);
	setenv("XDG_CONFIG_HOME", dir, 1);
	snprintf(path, sizeof path, "%s/doptop/themes/mine.theme", dir);
	FILE *f = fopen(path, "w");
	fputs("cpu_user = 201\n", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/doptop/themes/broken.theme", dir);
	f = fopen(path, "w");
	fputs("cpu_user = 201\ncpu_system = nope\n", f);
	fclose(f);
	struct theme t;
	assert_int_equal(theme_load(&t, "mine", why, sizeof why), 0);
	assert_int_equal(t.s[TE_CPU_USER].fg, 201);
	assert_int_equal(theme_load(&t, "broken", why, sizeof why), -1);
	assert_non_null(strstr(why, "line 2"));
	assert_non_null(strstr(why, "using default"));
	assert_string_equal(t.name, "default");
	assert_int_equal(t.s[TE_CPU_USER].fg, 2);
	assert_int_equal(theme_load(&t, "absent", why, sizeof why), -1);
	assert_non_null(strstr(why, "not found"));
	assert_int_equal(theme_load(&t, "../../etc/passwd", why, sizeof why), -1);
	assert_string_equal(t.name, "default");
	/* built-ins work without any file */
	assert_int_equal(theme_load(&t, "mono", why, sizeof why), 0);
	assert_true(t.mono);
	unlink(path);
	snprintf(path, sizeof path, "%s/doptop/themes/mine.theme", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/doptop/themes", dir);
	rmdir(path);
	snprintf(path, sizeof path, "%s/doptop", dir);
	rmdir(path);
	rmdir(dir);
}

static void test_config(void **state)
{
	(void)state;
	struct config c;
	int bad;
	const char *why = NULL;
	const char *ok = "# mine\ntheme = light\nnodes = adhoc-000..003, local\n"
	                 "interval = 2.5\ncolumns = name,state,cpu\nno-color = yes\n";
	assert_int_equal(config_parse(&c, ok, strlen(ok), &bad, &why), 0);
	assert_string_equal(c.theme, "light");
	assert_string_equal(c.nodes, "adhoc-000..003, local");
	assert_true(c.interval > 2.49 && c.interval < 2.51);
	assert_string_equal(c.columns, "name,state,cpu");
	assert_true(c.no_color);
	static const struct { const char *text; int line; } badc[] = {
		{ "theme = light\ninterval = 0\n", 2 },
		{ "interval = fast\n", 1 },
		{ "colour = red\n", 1 },
		{ "theme\n", 1 },
		{ "theme = \n", 1 },
		{ "no-color = maybe\n", 1 },
		{ "theme = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", 1 },
	};
	for (size_t i = 0; i < sizeof badc / sizeof badc[0]; i++) {
		assert_int_equal(config_parse(&c, badc[i].text, strlen(badc[i].text), &bad, &why), -1);
		assert_int_equal(bad, badc[i].line);
	}
	char why2[256], path[64];
	setenv("XDG_CONFIG_HOME", "/nonexistent-doptop", 1);
	assert_int_equal(config_path(path, sizeof path), 0);
	assert_string_equal(path, "/nonexistent-doptop/doptop/config");
	assert_int_equal(config_load(&c, NULL, why2, sizeof why2), 1);
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", "/home/x", 1);
	assert_int_equal(config_path(path, sizeof path), 0);
	assert_string_equal(path, "/home/x/.config/doptop/config");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_colors),
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_search_path),
		cmocka_unit_test(test_config),
	};
	return cmocka_run_group_tests_name("theme", tests, NULL, NULL);
}
