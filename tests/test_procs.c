/* test_procs.c — the remote ps parser on real, truncated, garbage and
 * hostile output, and the libproc2 reader on this machine. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <pwd.h>
#include <unistd.h>
#include <cmocka.h>
#include "procs.h"

/* Captured on this Debian 12 machine from PROCS_REMOTE_CMD. */
static const char real_ps[] =
	"26354 root     20.0  4528 R    ps\n"
	"26359 root     14.2  1764 S    head\n"
	"26356 root     11.1  1812 S    head\n"
	"26355 root     11.1  1752 S    sort\n"
	"26351 root      8.3  2248 S    bash\n"
	"26208 root      7.3  8880 S    ssh\n"
	"26349 root      7.1  3140 S    bash\n"
	"26241 root      2.8 10180 Ss   sshd\n"
	"  412 systemd+  0.0  6016 Ss   systemd-timesyn\n"
	"   77 root      0.0     0 D    kworker/u4:2+flush-8:0\n";

static void test_real(void **state)
{
	(void)state;
	struct proc_row r[PROCS_MAX];
	int n = procs_parse_ps(real_ps, sizeof real_ps - 1, r, PROCS_MAX);
	assert_int_equal(n, 10);
	assert_int_equal(r[0].pid, 26354);
	assert_string_equal(r[0].user, "root");
	assert_true(r[0].cpu > 19.9 && r[0].cpu < 20.1);
	assert_int_equal(r[0].rss_kb, 4528);
	assert_string_equal(r[0].state, "R");
	assert_string_equal(r[0].cmd, "ps");
	assert_string_equal(r[7].state, "Ss");
	assert_string_equal(r[8].user, "systemd+");
	assert_int_equal(r[8].pid, 412);
	assert_string_equal(r[9].state, "D");
	assert_string_equal(r[9].cmd, "kworker/u4:2+flush-8:0");
	/* the cap on rows holds */
	assert_int_equal(procs_parse_ps(real_ps, sizeof real_ps - 1, r, 3), 3);
	assert_int_equal(r[2].pid, 26356);
	/* truncated mid-line: the partial last line is dropped, not guessed */
	assert_int_equal(procs_parse_ps(real_ps, 60, r, PROCS_MAX), 1);
	assert_int_equal(procs_parse_ps("", 0, r, PROCS_MAX), 0);
	assert_int_equal(procs_parse_ps(NULL, 10, r, PROCS_MAX), 0);
}

static void test_garbage(void **state)
{
	(void)state;
	struct proc_row r[PROCS_MAX];
	static const char *const bad[] = {
		"abc root 1.0 100 S x\n",          /* pid not a number */
		"-5 root 1.0 100 S x\n",           /* negative pid */
		"12.5 root 1.0 100 S x\n",         /* fractional pid */
		"12 root nan 100 S x\n",           /* cpu not a number */
		"12 root 1.0 -1 S x\n",            /* negative rss */
		"12 root 1.0 100 S\n",             /* no command */
		"12 root 1.0\n",                   /* short */
		"\n\n\n",
		"99999999999 root 1.0 100 S x\n",  /* pid out of range */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(procs_parse_ps(bad[i], strlen(bad[i]), r, PROCS_MAX), 0);
	/* a NUL inside a line makes that line garbage */
	static const char nul[] = "12 root 1.0 100 S x\0y\n13 root 1.0 100 S ok\n";
	assert_int_equal(procs_parse_ps(nul, sizeof nul - 1, r, PROCS_MAX), 1);
	assert_int_equal(r[0].pid, 13);
}

/* Escape sequences and overlong fields from a hostile node are
 * neutralised and capped. */
static void test_hostile(void **state)
{
	(void)state;
	struct proc_row r[PROCS_MAX];
	char buf[2048];
	int len = snprintf(buf, sizeof buf,
		"7 \033]0;pwn\007 1.0 100 S\033[2J \033[31mevil \033[0mcmd\n"
		"8 averyveryveryverylongusernamethatgoesonandon 2.0 5 R %0200d\n", 1);
	int n = procs_parse_ps(buf, (size_t)len, r, PROCS_MAX);
	assert_int_equal(n, 2);
	for (int i = 0; i < n; i++) {
		for (const char *p = r[i].user; *p; p++)
			assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
		for (const char *p = r[i].cmd; *p; p++)
			assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
		for (const char *p = r[i].state; *p; p++)
			assert_true((unsigned char)*p >= 0x20);
		assert_true(strlen(r[i].cmd) < PROCS_CMD_MAX);
		assert_true(strlen(r[i].user) < PROCS_USER_MAX);
	}
	assert_non_null(strstr(r[0].cmd, "?[31mevil"));
	assert_int_equal(strlen(r[1].user), PROCS_USER_MAX - 1);
	assert_int_equal(strlen(r[1].cmd), PROCS_CMD_MAX - 1);
}

/* Seconds on clock id. */
static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Burn ms milliseconds of this process's CPU time (at most 5 s of wall
 * time: a loaded machine may give it little). */
static void spin(int ms)
{
	double cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), wall0 = clock_s(CLOCK_MONOTONIC);
	volatile unsigned long x = 0;
	do {
		for (int i = 0; i < 100000; i++)
			x += (unsigned long)i;
	} while (clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0 < ms / 1e3 &&
		 clock_s(CLOCK_MONOTONIC) - wall0 < 5);
}

/* The libproc2 reader sees this test process, busy, with its own name, and
 * its CPU % is the share of a core this process really got between the two
 * reads (this process's own CPU clock over the wall clock: independent of
 * /proc, and right however busy the machine is). */
static void test_local(void **state)
{
	(void)state;
	struct proc_row r[PROCS_MAX];
	struct procs_local *p = procs_local_new();
	assert_non_null(p);
	double cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), wall0 = clock_s(CLOCK_MONOTONIC);
	assert_true(procs_local_read(p, r, PROCS_MAX) > 0);
	spin(400);
	int n = procs_local_read(p, r, PROCS_MAX);
	double want = 100 * (clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0) /
		      (clock_s(CLOCK_MONOTONIC) - wall0);
	assert_true(n > 0 && n <= PROCS_MAX);
	int me = -1;
	for (int i = 0; i < n; i++)
		if (r[i].pid == getpid())
			me = i;
	assert_true(me >= 0);                        /* busy: among the top */
	assert_string_equal(r[me].cmd, "test_procs");
	print_message("cpu %.1f%%, this process's own clocks say %.1f%%\n", r[me].cpu, want);
	/* 10 ms ticks over ~0.4-5 s, and the reads' own time: 10 points */
	assert_true(r[me].cpu > want - 10 && r[me].cpu < want + 10);
	assert_true(r[me].rss_kb > 100);
	assert_string_equal(r[me].state, "R");
	struct passwd *pw = getpwuid(geteuid());
	assert_non_null(pw);
	assert_string_equal(r[me].user, pw->pw_name);
	for (int i = 1; i < n; i++)
		assert_true(r[i - 1].cpu >= r[i].cpu);
	procs_local_free(p);
	procs_local_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_local),
	};
	return cmocka_run_group_tests_name("procs", tests, NULL, NULL);
}
