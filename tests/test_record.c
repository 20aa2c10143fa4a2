/*
 * test_record.c — recording file round trip and damaged files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "parse.h"
#include "record.h"

static char path[] = "/tmp/doptop-record-test-XXXXXX";

static int setup(void **st)
{
	int fd = mkstemp(path);

	(void)st;
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	unlink(path);
	return 0;
}

/* Overwrite the test file with len bytes of text. */
static void write_file(const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
}

/* Size of the test file in bytes. */
static long file_size(void)
{
	FILE *f = fopen(path, "rb");
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fclose(f);
	return n;
}

static const char frame1[] = "@@DOPTOP 1 1 1764133543.5 bash\n%stat\ncpu 1 2 3 4\n"
                             "ctxt 1\nbtime 1\nprocesses 1\nprocs_running 1\n"
                             "procs_blocked 0\n@@END 1\n";
static const char frame2[] = "@@DOPTOP 1 9 1764133544.5 sh\n%stat\ncpu 5 6 7 8\n"
                             "ctxt 2\nbtime 1\nprocesses 2\nprocs_running 2\n"
                             "procs_blocked 1\n@@END 9\n";

/* Write a recording with three frames from two nodes. */
static void write_sample_recording(void)
{
	const char *names[] = { "node-a", "gpu01.example.org" };
	const char *why = NULL;
	struct recorder *r = recorder_open(path, "0.1.0", 0.5, names, 2, &why);

	assert_non_null(r);
	assert_int_equal(recorder_frame(r, 0, 1764133543.25, frame1, strlen(frame1)), 0);
	assert_int_equal(recorder_frame(r, 1, 1764133543.75, frame2, strlen(frame2)), 0);
	assert_int_equal(recorder_frame(r, 1, 1764133544.000001, "", 0), 0);
	assert_int_equal(recorder_frame(r, 2, 1.0, frame1, 3), REC_EARG);
	assert_int_equal(recorder_close(r), 0);
}

static void test_round_trip(void **st)
{
	struct replay *rp;
	const char *raw, *why = NULL;
	struct sample s;
	size_t len;
	double t;
	int idx;

	(void)st;
	write_sample_recording();
	rp = replay_open(path, &why);
	assert_non_null(rp);
	assert_int_equal(replay_nnodes(rp), 2);
	assert_string_equal(replay_node(rp, 0), "node-a");
	assert_string_equal(replay_node(rp, 1), "gpu01.example.org");
	assert_null(replay_node(rp, 2));
	assert_null(replay_node(rp, -1));
	assert_float_equal(replay_interval(rp), 0.5, 1e-9);
	assert_string_equal(replay_version(rp), "0.1.0");

	assert_int_equal(replay_next(rp, &idx, &t, &raw, &len), 1);
	assert_int_equal(idx, 0);
	assert_float_equal(t, 1764133543.25, 1e-6);
	assert_int_equal(len, strlen(frame1));
	assert_memory_equal(raw, frame1, len);
	assert_int_equal(parse_frame(raw, len, &s), 0);
	assert_int_equal(s.seq, 1);

	assert_int_equal(replay_next(rp, &idx, &t, &raw, &len), 1);
	assert_int_equal(idx, 1);
	assert_float_equal(t, 1764133543.75, 1e-6);
	assert_int_equal(len, strlen(frame2));
	assert_memory_equal(raw, frame2, len);
	assert_int_equal(parse_frame(raw, len, &s), 0);
	assert_int_equal(s.cpu.idle, 8);

	assert_int_equal(replay_next(rp, &idx, &t, &raw, &len), 1);
	assert_int_equal(len, 0);
	assert_float_equal(t, 1764133544.000001, 1e-6);
	assert_int_equal(replay_next(rp, &idx, &t, &raw, &len), 0);
	assert_int_equal(replay_next(rp, &idx, &t, &raw, &len), 0);
	replay_close(rp);
	replay_close(NULL);
	assert_int_equal(recorder_close(NULL), 0);
}

/* Facts (X) and job (J) records between frames: replay_next_any() sees
 * them all, replay_next() only the frames. */
static void test_job_records(void **st)
{
	const char *names[] = { "a", "b" };
	struct recorder *r = recorder_open(path, "0.1.0", 1.0, names, 2, NULL);
	(void)st;
	assert_non_null(r);
	assert_int_equal(recorder_frame(r, 0, 10.0, "frame0", 6), 0);
	assert_int_equal(recorder_facts(r, 1, 10.5, true, false, "P 1 0 R x\n", 10), 0);
	assert_int_equal(recorder_job(r, 10.6, "done=3\n", 7), 0);
	assert_int_equal(recorder_frame(r, 1, 11.0, "frame1", 6), 0);
	assert_int_equal(recorder_facts(r, 2, 1, true, true, "", 0), REC_EARG);
	assert_int_equal(recorder_close(r), 0);

	struct replay *rp = replay_open(path, NULL);
	char kind;
	int idx;
	double t;
	const char *raw;
	size_t len;
	assert_non_null(rp);
	assert_int_equal(replay_next_any(rp, &kind, &idx, &t, &raw, &len), 1);
	assert_int_equal(kind, 'F');
	assert_int_equal(replay_next_any(rp, &kind, &idx, &t, &raw, &len), 1);
	assert_int_equal(kind, 'X');
	assert_int_equal(idx, 1);
	assert_int_equal(len, 13);
	assert_memory_equal(raw, "10\nP 1 0 R x\n", 13);
	assert_int_equal(replay_next_any(rp, &kind, &idx, &t, &raw, &len), 1);
	assert_int_equal(kind, 'J');
	assert_int_equal(idx, 0);
	assert_memory_equal(raw, "done=3\n", 7);
	assert_int_equal(replay_next_any(rp, &kind, &idx, &t, &raw, &len), 1);
	assert_int_equal(kind, 'F');
	assert_int_equal(replay_next_any(rp, &kind, &idx, &t, &raw, &len), 0);
	replay_close(rp);
	rp = replay_open(path, NULL);
	assert_int_equal(replay_next(rp, &idx, &t, &raw, &len), 1);
	assert_int_equal(replay_next(rp, &idx, &t, &raw, &len), 1);
	assert_memory_equal(raw, "frame1", 6);
	assert_int_equal(replay_next(rp, &idx, &t, &raw, &len), 0);
	replay_close(rp);
}

static void test_header_text(void **st)
{
	char buf[256], want[64];
	FILE *f;

	(void)st;
	write_sample_recording();
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_string_equal(buf, "#doptop-record 1 version=0.1.0 interval=0.500000 "
	                         "nodes=node-a,gpu01.example.org\n");
	assert_non_null(fgets(buf, sizeof(buf), f));
	snprintf(want, sizeof(want), "F 0 1764133543.250000 %zu\n", strlen(frame1));
	assert_string_equal(buf, want);
	fclose(f);
}

static void test_bad_names(void **st)
{
	const char *comma[] = { "a,b" }, *space[] = { "a b" }, *empty[] = { "" };
	const char *why = NULL;

	(void)st;
	assert_null(recorder_open(path, "0.1.0", 1, comma, 1, &why));
	assert_non_null(why);
	assert_null(recorder_open(path, "0.1.0", 1, space, 1, NULL));
	assert_null(recorder_open(path, "0.1.0", 1, empty, 1, NULL));
	assert_null(recorder_open("/nonexistent-dir/x", "0.1.0", 1, NULL, 0, &why));
}

/* Every prefix of a good file replays its whole records, then ends. */
static void test_truncated(void **st)
{
	struct replay *rp;
	const char *raw;
	char *all;
	long size, cut;
	size_t len;
	double t;
	int idx, n, rc;

	(void)st;
	write_sample_recording();
	size = file_size();
	all = malloc((size_t)size);
	assert_non_null(all);
	{
		FILE *f = fopen(path, "rb");

		assert_int_equal(fread(all, 1, (size_t)size, f), (size_t)size);
		fclose(f);
	}
	for (cut = size; cut > 0; cut--) {
		write_file(all, (size_t)cut);
		rp = replay_open(path, NULL);
		if (!rp)
			continue;   /* the header itself was cut */
		n = 0;
		while ((rc = replay_next(rp, &idx, &t, &raw, &len)) == 1)
			n++;
		assert_int_equal(rc, 0);
		assert_true(n <= 3);
		if (cut == size)
			assert_int_equal(n, 3);
		if (cut < size - 30)
			assert_true(n < 3);
		replay_close(rp);
	}
	free(all);
}

static void test_corrupt(void **st)
{
	static const char *const bad_headers[] = {
		"",
		"hello\n",
		"#doptop-record 2 version=0.1.0 interval=1 nodes=a\n",
		"#doptop-record 1 version=0.1.0 interval=-1 nodes=a\n",
		"#doptop-record 1 version=0.1.0 nodes=a\n",
		"#doptop-record 1 version=0.1.0 interval=1 nodes=a,,b\n",
		"#doptop-record 1 version=0.1.0 interval=1 nodes=a",
	};
	static const char *const bad_records[] = {
		"G 0 1.0 3\nabc",
		"F 1 1.0 3\nabc",          /* node index out of range */
		"F -1 1.0 3\nabc",
		"F 0 x 3\nabc",
		"F 0 1.0 99999999999\nabc", /* huge declared length */
		"F 0 1.0 1048577\nabc",     /* FPARSE_MAX_FRAME + 1 */
		"F 0 1.0 3 extra\nabc",
	};
	const char *head = "#doptop-record 1 version=0.1.0 interval=1 nodes=a\n";
	char text[256];
	struct replay *rp;
	const char *raw, *why;
	size_t i, len;
	double t;
	int idx;

	(void)st;
	for (i = 0; i < sizeof(bad_headers) / sizeof(bad_headers[0]); i++) {
		write_file(bad_headers[i], strlen(bad_headers[i]));
		why = NULL;
		assert_null(replay_open(path, &why));
		assert_non_null(why);
	}
	for (i = 0; i < sizeof(bad_records) / sizeof(bad_records[0]); i++) {
		snprintf(text, sizeof(text), "%sF 0 2.5 2\nok%s", head, bad_records[i]);
		write_file(text, strlen(text));
		rp = replay_open(path, NULL);
		assert_non_null(rp);
		assert_int_equal(replay_next(rp, &idx, &t, &raw, &len), 1);
		assert_int_equal(len, 2);
		assert_memory_equal(raw, "ok", 2);
		assert_int_equal(replay_next(rp, &idx, &t, &raw, &len), REC_EFORMAT);
		replay_close(rp);
	}
	/* A declared length at the cap but a short file is just the end. */
	snprintf(text, sizeof(text), "%sF 0 1.0 %d\nabc", head, FPARSE_MAX_FRAME);
	write_file(text, strlen(text));
	rp = replay_open(path, NULL);
	assert_non_null(rp);
	assert_int_equal(replay_next(rp, &idx, &t, &raw, &len), 0);
	replay_close(rp);
	assert_null(replay_open("/nonexistent-dir/x", &why));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_header_text),
		cmocka_unit_test(test_job_records),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupt),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
