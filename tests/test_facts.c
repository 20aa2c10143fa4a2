/* test_facts.c — the facts line protocol (workers, memory cgroup, disks),
 * this machine's facts against the remote command run by sh, and the
 * advice they decide. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/fixture.h"
#include "classify.h"
#include "facts.h"

static void test_parse(void **state)
{
	(void)state;
	static const char txt[] =
		"P 10 1 R python3 prep.py\n"
		"P 11 10 S python3 prep.py --worker\n"
		"P 12 10 D python3 prep.py --worker\n"
		"P 13 10 Sl python3 prep.py --worker\n"
		"P 14 10 Z [python3] <defunct>\n"
		"P x 10 R garbage\n"
		"P 15 -3 R negative parent\n"
		"M 2147483648 1048576\n"
		"D 1000000000 /\n"
		"D 50000000000 /scratch\n"
		"D notanumber /x\n"
		"Q what is this\n";
	struct facts f;
	memset(&f, 0, sizeof f);
	int used = facts_parse(txt, sizeof txt - 1, true, true, &f);
	assert_int_equal(used, 8);
	assert_true(f.have_workers);
	/* pid 10 is the pool's manager (its children match): not a worker */
	assert_int_equal(f.w.count, 4);
	assert_int_equal(f.w.running, 0);
	assert_int_equal(f.w.sleeping, 2);
	assert_int_equal(f.w.blocked, 1);
	assert_int_equal(f.w.other, 1);
	assert_true(f.have_mem_limit);
	assert_float_equal(f.mem_limit_B, 2147483648.0, 0);
	assert_true(f.have_disks);
	assert_float_equal(f.disk_free_B, 5e10, 0);
	assert_string_equal(f.disk_mount, "/scratch");
	/* a procs-only read keeps the disks; "max" and v1's huge number are no limit */
	static const char t2[] = "M max 123\n";
	facts_parse(t2, sizeof t2 - 1, true, false, &f);
	assert_int_equal(f.w.count, 0);
	assert_false(f.have_mem_limit);
	assert_true(f.have_disks);
	static const char t3[] = "M 9223372036854771712 5\n";
	facts_parse(t3, sizeof t3 - 1, true, false, &f);
	assert_false(f.have_mem_limit);
	/* hostile: no newline at the end, overlong line, NULs */
	static const char t4[] = "P 1 0 R a\0b\nP 2 0 R c";
	facts_parse(t4, sizeof t4 - 1, true, false, &f);
	assert_int_equal(f.w.count, 1);    /* the line with a NUL is garbage */
	char big[5000];
	memset(big, 'P', sizeof big);
	facts_parse(big, sizeof big, true, true, &f);
	assert_int_equal(f.w.count, 0);
}

/* Three sleepers with a unique name: both readers see exactly them. */
static void test_local_and_remote_agree(void **state)
{
	(void)state;
	char pat[64];
	snprintf(pat, sizeof pat, "doptop-facts-%d", (int)getpid());
	pid_t kids[3];
	for (int i = 0; i < 3; i++) {
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			execl("/bin/sleep", pat, "30", (char *)NULL);
			_exit(127);
		}
	}
	/* wait until the three exec'd (their command line is the pattern) */
	static char buf[FACTS_OUT_MAX], cmd[FACTS_CMD_MAX];
	struct facts a, b;
	/* (a condition wait of up to 30 s: under ASan on a loaded machine a
	 * fork + exec can take seconds) */
	for (int tries = 0; tries < 600; tries++) {
		memset(&a, 0, sizeof a);
		size_t n = facts_local(buf, sizeof buf, pat, getpid(), true);
		facts_parse(buf, n, true, true, &a);
		if (a.w.count == 3 && a.w.sleeping == 3)
			break;         /* exec'd, and past their start-up */
		usleep(50000);
	}
	if (a.w.count != 3 || a.w.sleeping != 3) {
		print_message("local reader saw:\n%s\n", buf);
		for (int i = 0; i < 3; i++)
			kill(kids[i], SIGKILL);
	}
	assert_int_equal(a.w.count, 3);
	assert_int_equal(a.w.sleeping, 3);
	assert_true(facts_command(cmd, sizeof cmd, pat, true) > 0);
	memset(&b, 0, sizeof b);
	size_t n = fixture_sh(cmd, buf, sizeof buf);
	facts_parse(buf, n, true, true, &b);
	assert_int_equal(b.w.count, 3);
	assert_int_equal(b.w.sleeping, 3);
	assert_int_equal(a.have_disks, b.have_disks);
	assert_string_equal(a.disk_mount, b.disk_mount);
	for (int i = 0; i < 3; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	/* A quote in the pattern stays data: one sleeper named with a quote
	 * (unique to this run, so nothing else on the machine matches) is
	 * found, and nothing runs. */
	char qpat[96];
	snprintf(qpat, sizeof qpat, "doptop-facts-%d-it's $(touch x)", (int)getpid());
	pid_t q = fork();
	assert_true(q >= 0);
	if (q == 0) {
		execl("/bin/sleep", qpat, "30", (char *)NULL);
		_exit(127);
	}
	assert_true(facts_command(cmd, sizeof cmd, qpat, false) > 0);
	for (int tries = 0; tries < 600; tries++) {
		n = fixture_sh(cmd, buf, sizeof buf);
		memset(&b, 0, sizeof b);
		facts_parse(buf, n, true, false, &b);
		if (b.w.count == 1 && b.w.sleeping == 1)
			break;
		usleep(50000);
	}
	kill(q, SIGKILL);
	waitpid(q, NULL, 0);
	if (b.w.count != 1)
		print_message("remote reader saw:\n%s\n", buf);
	assert_int_equal(b.w.count, 1);
}

static struct rates mem_rates(int cores, double avail)
{
	struct rates r;
	memset(&r, 0, sizeof r);
	r.have = RP_CPU | RP_MEM;
	r.cores = cores;
	r.mem_available_B = avail;
	r.mem_total_B = avail * 1.2;
	return r;
}

static void test_decide(void **state)
{
	(void)state;
	char buf[240];
	struct facts f;
	memset(&f, 0, sizeof f);
	struct rates r = mem_rates(64, 48e9);
	struct decide_ctx c = { .r = &r, .facts = &f, .remaining_B = 12.4e9 };
	struct judgement io = { V_IO_STARVED, C_DISK }, net = { V_IO_STARVED, C_NETWORK };
	assert_string_equal(classify_decide(io, &c, buf, sizeof buf),
	                    "the 12.4 GB still to read fit in this node's 48.0 GB of available "
	                    "memory: copy them to /dev/shm first");
	c.remaining_B = 410e9;
	assert_string_equal(classify_decide(io, &c, buf, sizeof buf),
	                    "410.0 GB do not fit in 48.0 GB of available memory: move them to a local SSD");
	/* a memory cgroup: its limit, not MemAvailable */
	f.have_mem_limit = true;
	f.mem_limit_B = 2e9;
	c.remaining_B = 3e9;
	assert_non_null(strstr(classify_decide(io, &c, buf, sizeof buf),
	                       "3.0 GB do not fit in 2.0 GB of memory cgroup limit"));
	/* on the network, fits on the local disk */
	f.have_disks = true;
	f.disk_free_B = 80e9;
	snprintf(f.disk_mount, sizeof f.disk_mount, "/");
	c.inputs_network = true;
	assert_non_null(strstr(classify_decide(net, &c, buf, sizeof buf),
	                       "but fit on this node's local disk (80.0 GB free on /): copy them there first"));
	/* workers */
	f.have_workers = true;
	f.w.count = 16;
	struct judgement under = { V_UNDERUSED, C_NONE };
	assert_string_equal(classify_decide(under, &c, buf, sizeof buf),
	                    "16 workers on 64 cores: run 64 (max_workers = 64)");
	f.w.count = 4;
	c.remaining_B = -1;
	assert_string_equal(classify_decide(net, &c, buf, sizeof buf),
	                    "4 workers on 64 cores: more workers would hide the latency; "
	                    "or copy the inputs to local disk first");
	/* nothing learnt: the plain advice */
	struct decide_ctx none = { .r = &r, .remaining_B = -1 };
	assert_string_equal(classify_decide(io, &none, buf, sizeof buf), classify_advice(io));
	struct judgement cpu = { V_CPU_BOUND, C_NONE };
	assert_string_equal(classify_decide(cpu, &c, buf, sizeof buf), classify_advice(cpu));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_local_and_remote_agree),
		cmocka_unit_test(test_decide),
	};
	return cmocka_run_group_tests_name("facts", tests, NULL, NULL);
}
