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
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include "parse.h"
#include "rec_stream.h"
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

/* Remove the test file and any rotated files beside it. */
static void remove_all(void)
{
	char name[sizeof path + 16];

	unlink(path);
	for (int i = 1; i < 40; i++) {
		snprintf(name, sizeof name, "%s.%d", path, i);
		unlink(name);
	}
}

static int teardown(void **st)
{
	(void)st;
	remove_all();
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
	struct recorder *r;

	unlink(path);
	r = recorder_open(path, "0.1.0", 0.5, names, 2, &why);

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
	struct recorder *r;
	(void)st;
	unlink(path);
	r = recorder_open(path, "0.1.0", 1.0, names, 2, NULL);
	assert_non_null(r);
	assert_int_equal(recorder_frame(r, 0, 10.0, "frame0", 6), 0);
	assert_int_equal(recorder_facts(r, 1, 10.5, true, false, 10.25, "P 1 0 R x\n", 10), 0);
	assert_int_equal(recorder_job(r, 10.6, "done=3\n", 7), 0);
	assert_int_equal(recorder_frame(r, 1, 11.0, "frame1", 6), 0);
	assert_int_equal(recorder_facts(r, 2, 1, true, true, 1, "", 0), REC_EARG);
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
	assert_int_equal(len, 23);
	assert_memory_equal(raw, "10 10.250000\nP 1 0 R x\n", 23);
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

/* Decompress the whole test file (boundaries dropped) into buf. */
static size_t decode_file(char *buf, size_t cap)
{
	const char *why = NULL;
	struct rin *in = rin_open(open(path, O_RDONLY), &why);
	size_t n = 0;
	long got;

	assert_non_null(in);
	while ((got = rin_read(in, buf + n, cap - n)) != RIN_EOF) {
		assert_int_not_equal(got, RIN_ERR);
		if (got > 0)
			n += (size_t)got;
	}
	rin_close(in);
	buf[n] = '\0';
	return n;
}

static void test_header_text(void **st)
{
	char buf[4096], want[256];
	struct stat sb;
	FILE *f;

	(void)st;
	write_sample_recording();
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_string_equal(buf, "#doptop-zst 1\n");   /* `head -1` says what it is */
	fclose(f);
	decode_file(buf, sizeof buf - 1);
	snprintf(want, sizeof(want), "#doptop-record 2 version=0.1.0 interval=0.500000 "
	         "nodes=node-a,gpu01.example.org ticks=1\nF 0 1764133543.250000 %zu\n", strlen(frame1));
	assert_memory_equal(buf, want, strlen(want));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
}

/* Status (S) and tick (T) records: exact payloads, a part marked ticks=1,
 * and stamps that read back as the same doubles the writer had. */
static void test_status_and_ticks(void **st)
{
	const char *names[] = { "a", "b" };
	struct recorder *r;
	struct rec_item it;
	double t0 = record_stamp(1796005964.2345678), since = record_stamp(1796005960.123456);
	(void)st;
	unlink(path);
	assert_true(record_stamp(t0) == t0);
	r = recorder_open(path, "0.1.0", 0.3, names, 2, NULL);
	assert_non_null(r);
	assert_int_equal(recorder_status(r, 1, t0, "down", since, 2, true, t0 + 1.5,
	                                 "connect to 127.0.0.1 port 9: Connection refused"), 0);
	assert_int_equal(recorder_status(r, 0, t0, "up", since, 0, false, 0, NULL), 0);
	assert_int_equal(recorder_status(r, 0, t0, "bad word", 0, 0, false, 0, NULL), REC_EARG);
	assert_int_equal(recorder_tick(r, t0 - 0.01), 0);
	assert_int_equal(recorder_close(r), 0);

	struct replay *rp = replay_open(path, NULL);
	assert_non_null(rp);
	assert_true(replay_ticks(rp));
	assert_int_equal(replay_next_item(rp, &it), 1);
	assert_string_equal(it.type, "S");
	assert_int_equal(it.node, 1);
	assert_true(it.t == t0);
	const char *want = "down 1796005960.123456 2 sh 1796005965.734568\n"
	                   "connect to 127.0.0.1 port 9: Connection refused\n";
	assert_int_equal(it.len, strlen(want));
	assert_memory_equal(it.data, want, it.len);
	assert_int_equal(replay_next_item(rp, &it), 1);
	assert_int_equal(it.len, strlen("up 1796005960.123456 0 bash 0.000000\n\n"));
	assert_int_equal(replay_next_item(rp, &it), 1);
	assert_string_equal(it.type, "T");
	assert_int_equal(it.node, -1);
	assert_true(it.t == t0);    /* a stamp stepping back is moved up ... */
	assert_int_equal(it.len, 18);
	assert_memory_equal(it.data, "1796005964.224568\n", 18);   /* ... not the payload */
	assert_int_equal(replay_next_item(rp, &it), 0);
	replay_close(rp);
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
	int idx, n, rc, last = 3;

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
		assert_true(n <= last);   /* a shorter file never has more */
		last = n;
		if (cut == size)
			assert_int_equal(n, 3);
		replay_close(rp);
	}
	free(all);
}

static void test_corrupt(void **st)
{
	static const char *const bad_headers[] = {
		"",
		"hello\n",
		"#doptop-record 3 version=0.1.0 interval=1 nodes=a\n",
		"#doptop-record 1 version=0.1.0 interval=-1 nodes=a\n",
		"#doptop-record 1 version=0.1.0 nodes=a\n",
		"#doptop-record 1 version=0.1.0 interval=1 nodes=a,,b\n",
		"#doptop-record 1 version=0.1.0 interval=1 nodes=a",
	};
	static const char *const bad_records[] = {
		"9G 0 1.0 3\nabc",         /* not a type word */
		"Gabcdefghijklmnop 0 1.0 3\nabc",  /* type too long */
		"F - 1.0 3\nabc",          /* a frame is from one node */
		"F 0 253402300800.0 3\nabc",  /* after the year 9999 */
		"F 0 1e20 3\nabc",
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

/* Types a reader does not know are skipped; "-" is the whole fleet; a
 * stamp earlier than the one before reads as the one before. */
static void test_types_and_time(void **st)
{
	const char *names[] = { "a", "b" };
	struct recorder *r;
	struct replay *rp;
	struct rec_item it;
	const char *raw;
	size_t len;
	double t;
	int idx;

	(void)st;
	unlink(path);
	r = recorder_open(path, "0.2.0", 1, names, 2, NULL);
	assert_non_null(r);
	assert_int_equal(recorder_put(r, "JobProgress", -1, 100.5, "done=3", 6), 0);
	assert_int_equal(recorder_frame(r, 1, 101, frame1, strlen(frame1)), 0);
	assert_int_equal(recorder_put(r, "P", 0, 99, "x", 1), 0);     /* clock stepped back */
	assert_int_equal(recorder_frame(r, 0, 102, frame2, strlen(frame2)), 0);
	assert_int_equal(recorder_put(r, "bad type", 0, 1, "", 0), REC_EARG);
	assert_int_equal(recorder_put(r, "F", -1, 1, "", 0), REC_EARG);
	assert_int_equal(recorder_put(r, "X", 2, 1, "", 0), REC_EARG);
	assert_int_equal(recorder_close(r), 0);

	rp = replay_open(path, NULL);
	assert_non_null(rp);
	assert_int_equal(replay_next_item(rp, &it), 1);
	assert_string_equal(it.type, "JobProgress");
	assert_int_equal(it.node, -1);
	assert_int_equal(it.len, 6);
	assert_memory_equal(it.data, "done=3", 6);
	assert_int_equal(replay_next_item(rp, &it), 1);
	assert_string_equal(it.type, "F");
	assert_int_equal(replay_next_item(rp, &it), 1);
	assert_string_equal(it.type, "P");
	assert_float_equal(it.t, 101, 1e-9);
	replay_close(rp);

	rp = replay_open(path, NULL);   /* frames only */
	assert_int_equal(replay_next(rp, &idx, &t, &raw, &len), 1);
	assert_int_equal(idx, 1);
	assert_int_equal(replay_next(rp, &idx, &t, &raw, &len), 1);
	assert_int_equal(idx, 0);
	assert_int_equal(len, strlen(frame2));
	assert_int_equal(replay_next(rp, &idx, &t, &raw, &len), 0);
	assert_int_equal(replay_rewind(rp), 0);
	assert_int_equal(replay_next(rp, &idx, &t, &raw, &len), 1);
	assert_int_equal(idx, 1);
	replay_close(rp);
}

/* Never through a link, never another file type, 0600, and an existing
 * recording is continued only with the same nodes and interval. */
static void test_open_safety(void **st)
{
	const char *names[] = { "a", "b" }, *other[] = { "a", "c" }, *why = NULL;
	char link[sizeof path + 8], target[sizeof path + 8];
	struct recorder *r;
	struct replay *rp;
	struct stat sb;
	const char *raw;
	size_t len;
	double t;
	int idx, n = 0;

	(void)st;
	unlink(path);
	snprintf(link, sizeof link, "%s.lnk", path);
	snprintf(target, sizeof target, "%s.tgt", path);
	unlink(target);
	assert_int_equal(symlink(target, link), 0);
	assert_null(recorder_open(link, "0.2.0", 1, names, 2, &why));
	assert_non_null(strstr(why, "symbolic link"));
	assert_int_equal(lstat(target, &sb), -1);     /* nothing created */
	unlink(link);
	assert_null(recorder_open("/tmp", "0.2.0", 1, names, 2, &why));

	r = recorder_open(path, "0.2.0", 1, names, 2, NULL);
	assert_int_equal(recorder_frame(r, 0, 10, frame1, strlen(frame1)), 0);
	assert_int_equal(recorder_close(r), 0);
	assert_null(recorder_open(path, "0.2.0", 1, other, 2, &why));
	assert_non_null(strstr(why, "other nodes"));
	assert_null(recorder_open(path, "0.2.0", 2, names, 2, &why));
	r = recorder_open(path, "0.2.0", 1, names, 2, NULL);   /* append */
	assert_non_null(r);
	assert_int_equal(recorder_frame(r, 1, 20, frame2, strlen(frame2)), 0);
	assert_int_equal(recorder_close(r), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	rp = replay_open(path, NULL);
	while (replay_next(rp, &idx, &t, &raw, &len) == 1)
		assert_int_equal(idx, n++);
	assert_int_equal(n, 2);
	replay_close(rp);

	write_file("#doptop-record 1 version=0.1.0 interval=1 nodes=a,b\n", 52);
	assert_null(recorder_open(path, "0.2.0", 1, names, 2, &why));
	assert_non_null(strstr(why, "not a compressed"));
}

/* A run killed in the middle of a record, then a run appended: the first
 * run's whole records and all of the second's replay. */
static void test_kill_then_append(void **st)
{
	const char *names[] = { "a" };
	struct recorder *r;
	struct replay *rp;
	const char *raw;
	size_t len;
	double t;
	int idx, n = 0;

	(void)st;
	unlink(path);
	pid_t pid = fork();
	if (pid == 0) {   /* a run killed while writing its sixth frame */
		r = recorder_open(path, "0.2.0", 1, names, 1, NULL);
		for (int i = 0; i < 6; i++)
			if (!r || recorder_frame(r, 0, 10 + i, frame1, strlen(frame1)) < 0)
				_exit(1);
		_exit(0);
	}
	assert_true(pid > 0);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(truncate(path, file_size() - 5), 0);
	r = recorder_open(path, "0.2.0", 1, names, 1, NULL);
	assert_non_null(r);
	for (int i = 0; i < 3; i++)
		assert_int_equal(recorder_frame(r, 0, 20 + i, frame2, strlen(frame2)), 0);
	recorder_close(r);
	rp = replay_open(path, NULL);
	while (replay_next(rp, &idx, &t, &raw, &len) == 1) {
		assert_int_equal(parse_frame(raw, len, &(struct sample){0}), 0);
		n++;
	}
	assert_int_equal(n, 5 + 3);
	assert_float_equal(t, 22, 1e-9);
	replay_close(rp);
}

/* Fill a buffer with a frame that compresses badly (a counter per line). */
static size_t noisy_frame(char *buf, size_t cap, unsigned *seed)
{
	size_t n = (size_t)snprintf(buf, cap, "@@DOPTOP 1 1 1.0 sh\n%%stat\n");
	while (n + 64 < cap) {
		*seed = *seed * 1103515245u + 12345u;
		n += (size_t)snprintf(buf + n, cap - n, "x %u\n", *seed);
	}
	n += (size_t)snprintf(buf + n, cap - n, "@@END 1\n");
	return n;
}

/* --record-max: the set stays within the cap, rotated files replay in
 * order, and the newest record is the last one replayed. */
static void test_rotation(void **st)
{
	const char *names[] = { "a" };
	static char buf[16384];
	char name[sizeof path + 16];
	unsigned long long total = 0;
	unsigned seed = 1;
	struct recorder *r;
	struct replay *rp;
	const char *raw;
	size_t len;
	double t, prev = 0;
	int idx, n = 0, i;

	(void)st;
	remove_all();
	r = recorder_open(path, "0.2.0", 1, names, 1, NULL);
	assert_int_equal(recorder_limit(r, 1000), REC_EARG);
	assert_int_equal(recorder_limit(r, RECORD_MIN_CAP), 0);
	for (i = 0; i < 600; i++) {   /* ~6 MB into a 1 MB cap */
		len = noisy_frame(buf, sizeof buf, &seed);
		assert_int_equal(recorder_frame(r, 0, 1000 + i, buf, len), 0);
	}
	assert_int_equal(recorder_close(r), 0);
	total = (unsigned long long)file_size();
	for (i = 1; i < 40; i++) {
		struct stat sb;
		snprintf(name, sizeof name, "%s.%d", path, i);
		if (stat(name, &sb) < 0)
			break;
		total += (unsigned long long)sb.st_size;
	}
	assert_true(i >= 5);            /* rotated several times */
	assert_true(total <= RECORD_MIN_CAP);
	assert_true(total >= RECORD_MIN_CAP / 2);
	rp = replay_open(path, NULL);
	assert_non_null(rp);
	while (replay_next(rp, &idx, &t, &raw, &len) == 1) {
		assert_true(t > prev);
		prev = t;
		n++;
	}
	assert_float_equal(prev, 1599, 1e-9);
	assert_true(n >= 40);
	replay_close(rp);
	remove_all();
}

/* A gzip of a format-1 text file reads like the text. */
static void test_gzip(void **st)
{
	const char *text = "#doptop-record 1 version=0.1.0 interval=1 nodes=a\n"
	                   "F 0 2.5 2\nokF 0 3.5 2\nok";
	gzFile g;
	struct replay *rp;
	const char *raw;
	size_t len;
	double t;
	int idx, n = 0;

	(void)st;
	g = gzopen(path, "wb");
	assert_non_null(g);
	assert_int_equal(gzwrite(g, text, (unsigned)strlen(text)), (int)strlen(text));
	gzclose(g);
	rp = replay_open(path, NULL);
	assert_non_null(rp);
	while (replay_next(rp, &idx, &t, &raw, &len) == 1)
		n++;
	assert_int_equal(n, 2);
	replay_close(rp);
	write_file("\x1f\x8bgarbage-garbage", 17);
	rp = replay_open(path, NULL);
	assert_null(rp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_header_text),
		cmocka_unit_test(test_job_records),
		cmocka_unit_test(test_status_and_ticks),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_types_and_time),
		cmocka_unit_test(test_open_safety),
		cmocka_unit_test(test_kill_then_append),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_gzip),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
