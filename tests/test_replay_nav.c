/* test_replay_nav.c — the replay navigation's words: speed ladder, the
 * go-to prompt, the position line (TZ=UTC, so clock times are fixed). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "replay_nav.h"

/* 2026-11-30 12:00:00 UTC to 13:40:00, at 12:03:10. */
#define T0 1796040000.0
static const struct source_pos pos = {
	.first = T0, .now = T0 + 190, .end = T0 + 6000, .speed = 4, .can_back = true,
};

static void test_speed(void **st)
{
	(void)st;
	assert_true(replay_nav_speed(1, 1) == 2);
	assert_true(replay_nav_speed(1, -1) == 0.5);
	assert_true(replay_nav_speed(0.25, -1) == 0.25);
	assert_true(replay_nav_speed(64, 1) == 0);      /* then as fast as possible */
	assert_true(replay_nav_speed(0, 1) == 0);
	assert_true(replay_nav_speed(0, -1) == 64);
	assert_true(replay_nav_speed(3, 1) == 4);       /* --speed 3: onto the ladder */
	assert_true(replay_nav_speed(3, -1) == 2);
}

static void test_parse(void **st)
{
	double t;
	const char *why = NULL;
	(void)st;
	assert_int_equal(replay_nav_parse("38%", &pos, &t, &why), 0);
	assert_true(t == T0 + 6000 * 0.38);
	assert_int_equal(replay_nav_parse(" 100% ", &pos, &t, &why), 0);
	assert_true(t == T0 + 6000);
	assert_int_equal(replay_nav_parse("12:30", &pos, &t, &why), 0);
	assert_true(t == T0 + 1800);
	assert_int_equal(replay_nav_parse("13:05:30", &pos, &t, &why), 0);
	assert_true(t == T0 + 3930);
	assert_int_equal(replay_nav_parse("11:00", &pos, &t, &why), 0);   /* the next day's */
	assert_true(t == T0 + 23 * 3600);
	assert_int_equal(replay_nav_parse("+5m", &pos, &t, &why), 0);
	assert_true(t == T0 + 490);
	assert_int_equal(replay_nav_parse("-30s", &pos, &t, &why), 0);
	assert_true(t == T0 + 160);
	assert_int_equal(replay_nav_parse("-1h", &pos, &t, &why), 0);    /* not before the start */
	assert_true(t == T0);
	assert_int_equal(replay_nav_parse("+90", &pos, &t, &why), 0);
	assert_true(t == T0 + 280);
	assert_int_equal(replay_nav_parse("start", &pos, &t, &why), 0);
	assert_true(t == T0);
	assert_int_equal(replay_nav_parse("end", &pos, &t, &why), 0);
	assert_true(t == T0 + 6000);
	const char *bad[] = { "", "101%", "x%", "25:00", "12:60", "12:3x", "5m", "+", "+5d",
	                      "12", "-%", "1:2:3:4" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why = NULL;
		assert_int_equal(replay_nav_parse(bad[i], &pos, &t, &why), -1);
		assert_non_null(why);
	}
	struct source_pos unknown = pos;
	unknown.end = -1;
	assert_int_equal(replay_nav_parse("50%", &unknown, &t, &why), -1);
	assert_non_null(strstr(why, "not known"));
}

static void test_line(void **st)
{
	char b[120];
	struct source_pos p = pos;
	(void)st;
	assert_string_equal(replay_nav_line(b, sizeof b, &p), "replay 12:03:10 / 13:40:00, 3%, x4");
	p.paused = true;
	p.now = T0 + 2280;
	assert_string_equal(replay_nav_line(b, sizeof b, &p), "replay 12:38:00 / 13:40:00, 38%, x4, paused");
	p.at_end = true;
	p.paused = false;
	p.now = p.end;
	p.speed = 0;
	assert_string_equal(replay_nav_line(b, sizeof b, &p),
	                    "replay 13:40:00 / 13:40:00, 100%, max, end of recording");
	p.end = -1;
	p.at_end = false;
	p.seeking = true;
	p.speed = 0.5;
	assert_string_equal(replay_nav_line(b, sizeof b, &p), "replay 13:40:00 / ?, x0.5, seeking");
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_speed),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
