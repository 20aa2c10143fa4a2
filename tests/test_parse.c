/*
 * test_parse.c — parse_proc_*() on real /proc text captured from the build
 * machine plus hand-made variants, and the incremental frame parser.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/fixture.h"

#include "frame_delta.h"
#include "parse.h"
#include "sample.h"

#define FIX "tests/fixtures/proc/"

/* Read a fixture file (caller frees). */
static char *slurp(const char *name, size_t *len)
{
	return fixture_read(FIX, name, len);
}

typedef int (*proc_fn)(const char *, size_t, struct sample *);

/* Run parser fn on fixture name into s and return its code. */
static int run(proc_fn fn, const char *name, struct sample *s)
{
	size_t len;
	char *t = slurp(name, &len);
	int rc;

	sample_clear(s);
	rc = fn(t, len, s);
	free(t);
	return rc;
}

static struct sample S;

/* parse_proc_psi() for one file, shaped like the other parsers. */
static int parse_proc_psi_c(const char *t, size_t n, struct sample *s)
{
	return parse_proc_psi(t, n, 'c', s);
}

static int parse_proc_psi_i(const char *t, size_t n, struct sample *s)
{
	return parse_proc_psi(t, n, 'i', s);
}

static int parse_proc_psi_m(const char *t, size_t n, struct sample *s)
{
	return parse_proc_psi(t, n, 'm', s);
}

static void test_disk_is_whole(void **st)
{
	const char *yes[] = { "sda", "sdaa", "vda", "xvda", "hdb", "nvme0n1",
	                      "nvme12n3", "mmcblk0", "vdz" };
	const char *no[] = { "sda1", "sdaa12", "vda2", "xvda1", "hda3", "nvme0n1p1",
	                     "nvme0c0n1", "mmcblk0p1", "mmcblk0boot0", "loop0",
	                     "ram0", "zram0", "dm-0", "md127", "sr0", "fd0",
	                     "nbd3", "rbd0p1", "", "sd",
	                     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
	size_t i;

	(void)st;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(sample_disk_is_whole(yes[i]));
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(sample_disk_is_whole(no[i]));
	assert_false(sample_disk_is_whole(NULL));
}

static void test_stat_real(void **st)
{
	(void)st;
	assert_int_equal(run(parse_proc_stat, "stat", &S), 0);
	assert_true(S.have & SP_STAT);
	assert_int_equal(S.cpu.user, 3248);
	assert_int_equal(S.cpu.nice, 0);
	assert_int_equal(S.cpu.system, 4030);
	assert_int_equal(S.cpu.idle, 67087);
	assert_int_equal(S.cpu.iowait, 298);
	assert_int_equal(S.cpu.softirq, 110);
	assert_int_equal(S.cpu.steal, 0);
	assert_int_equal(S.ncpu, 2);
	assert_int_equal(S.percpu[0].user, 1184);
	assert_int_equal(S.percpu[0].idle, 34510);
	assert_int_equal(S.percpu[1].system, 2394);
	assert_int_equal(S.percpu[1].iowait, 284);
	assert_int_equal(S.ctxt, 255752);
	assert_int_equal(S.btime, 1795673095);
	assert_int_equal(S.processes, 5028);
	assert_int_equal(S.procs_running, 2);
	assert_int_equal(S.procs_blocked, 0);
}

static void test_stat_variants(void **st)
{
	(void)st;
	assert_int_equal(run(parse_proc_stat, "stat_truncated", &S), PARSE_EFORMAT);
	assert_false(S.have & SP_STAT);
	assert_int_equal(run(parse_proc_stat, "stat_garbage", &S), PARSE_EFORMAT);
	assert_false(S.have & SP_STAT);
	assert_int_equal(run(parse_proc_stat, "stat_huge", &S), PARSE_ERANGE);
	assert_false(S.have & SP_STAT);
	assert_int_equal(run(parse_proc_stat, "stat_negative", &S), PARSE_ERANGE);
	assert_false(S.have & SP_STAT);

	assert_int_equal(run(parse_proc_stat, "stat_old", &S), 0);
	assert_int_equal(S.cpu.user, 100);
	assert_int_equal(S.cpu.softirq, 7);
	assert_int_equal(S.cpu.steal, 0);
	assert_int_equal(S.ncpu, 1);
	assert_int_equal(S.ctxt, 1000);
	assert_int_equal(S.procs_blocked, 3);

	assert_int_equal(run(parse_proc_stat, "stat_64cpu", &S), 0);
	assert_int_equal(S.ncpu, 64);
	assert_int_equal(S.cpu.idle, 640000);
	assert_int_equal(S.percpu[63].user, 163);
	assert_int_equal(S.percpu[63].system, 263);
	assert_int_equal(S.percpu[0].steal, 3);
	assert_int_equal(S.processes, 99999);
	assert_int_equal(S.procs_running, 64);
}

static void test_stat_inline(void **st)
{
	const char few[] = "cpu 1 2 3\nctxt 1\nbtime 1\nprocesses 1\n"
	                   "procs_running 1\nprocs_blocked 1\n";
	const char max[] = "cpu 18446744073709551615 0 0 0\nctxt 1\nbtime 1\n"
	                   "processes 1\nprocs_running 1\nprocs_blocked 1\n";
	const char over[] = "cpu 18446744073709551616 0 0 0\nctxt 1\nbtime 1\n"
	                    "processes 1\nprocs_running 1\nprocs_blocked 1\n";
	const char plus[] = "cpu +1 0 0 0\nctxt 1\nbtime 1\n"
	                    "processes 1\nprocs_running 1\nprocs_blocked 1\n";
	char *many;
	size_t n = 0, i;

	(void)st;
	sample_clear(&S);
	assert_int_equal(parse_proc_stat(few, strlen(few), &S), PARSE_EFORMAT);
	assert_int_equal(parse_proc_stat(max, strlen(max), &S), 0);
	assert_true(S.cpu.user == UINT64_MAX);
	assert_int_equal(parse_proc_stat(over, strlen(over), &S), PARSE_ERANGE);
	assert_int_equal(parse_proc_stat(plus, strlen(plus), &S), PARSE_EFORMAT);
	/* Reading stops at len: the same text one byte short loses the
	 * final newline, so procs_blocked is treated as cut off. */
	assert_int_equal(parse_proc_stat(max, strlen(max) - 1, &S), PARSE_EFORMAT);

	/* More cpuN lines than SAMPLE_MAX_CPUS: capped, not overflowing. */
	many = malloc(64 * 400);
	assert_non_null(many);
	n += (size_t)sprintf(many, "cpu 1 1 1 1\n");
	for (i = 0; i < 300; i++)
		n += (size_t)sprintf(many + n, "cpu%zu %zu 1 1 1\n", i, i);
	n += (size_t)sprintf(many + n, "ctxt 1\nbtime 1\nprocesses 1\n"
	                     "procs_running 1\nprocs_blocked 1\n");
	assert_int_equal(parse_proc_stat(many, n, &S), 0);
	assert_int_equal(S.ncpu, SAMPLE_MAX_CPUS);
	assert_int_equal(S.percpu[SAMPLE_MAX_CPUS - 1].user, SAMPLE_MAX_CPUS - 1);
	free(many);
}

static void test_diskstats(void **st)
{
	char big[SAMPLE_MAX_DISKS * 2 * 64];
	size_t n = 0;
	int i;

	(void)st;
	assert_int_equal(run(parse_proc_diskstats, "diskstats", &S), 0);
	assert_true(S.have & SP_DISK);
	assert_int_equal(S.ndisks, 1);   /* vda; loop* and zram0 skipped */
	assert_string_equal(S.disk[0].name, "vda");
	assert_int_equal(S.disk[0].rd_ios, 28871);
	assert_int_equal(S.disk[0].rd_sectors, 2103306);
	assert_int_equal(S.disk[0].wr_ios, 5976);
	assert_int_equal(S.disk[0].wr_sectors, 474960);
	assert_int_equal(S.disk[0].io_ms, 4908);

	assert_int_equal(run(parse_proc_diskstats, "diskstats_mixed", &S), 0);
	assert_int_equal(S.ndisks, 4);
	assert_string_equal(S.disk[0].name, "sda");
	assert_int_equal(S.disk[0].wr_sectors, 4000);
	assert_int_equal(S.disk[0].io_ms, 30);
	assert_string_equal(S.disk[1].name, "nvme0n1");
	assert_int_equal(S.disk[1].io_ms, 55);
	assert_string_equal(S.disk[2].name, "mmcblk0");
	assert_string_equal(S.disk[3].name, "xvda");
	assert_int_equal(S.disk[3].rd_sectors, 3);

	assert_int_equal(run(parse_proc_diskstats, "stat_garbage", &S), PARSE_EFORMAT);
	assert_false(S.have & SP_DISK);

	for (i = 0; i < SAMPLE_MAX_DISKS * 2; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n,
		                      "8 %d sd%c%c 1 0 2 0 3 0 4 0 0 5 6\n",
		                      i, 'a' + i / 26, 'a' + i % 26);
	sample_clear(&S);
	assert_int_equal(parse_proc_diskstats(big, n, &S), 0);
	assert_int_equal(S.ndisks, SAMPLE_MAX_DISKS);
	/* A whole disk with too few columns is corrupt. */
	assert_int_equal(parse_proc_diskstats("8 0 sda 1 2 3\n", 14, &S), PARSE_EFORMAT);
}

static void test_netdev(void **st)
{
	(void)st;
	assert_int_equal(run(parse_proc_netdev, "net_dev", &S), 0);
	assert_true(S.have & SP_NET);
	assert_int_equal(S.net_rx_bytes, 23817796);
	assert_int_equal(S.net_tx_bytes, 54721);
	assert_int_equal(run(parse_proc_netdev, "net_dev_old", &S), 0);
	assert_int_equal(S.net_rx_bytes, 4294967296ULL + 5);
	assert_int_equal(S.net_tx_bytes, 123 + 7);
	assert_int_equal(run(parse_proc_netdev, "stat", &S), PARSE_EFORMAT);
	assert_false(S.have & SP_NET);
}

static void test_loadavg(void **st)
{
	(void)st;
	assert_int_equal(run(parse_proc_loadavg, "loadavg", &S), 0);
	assert_true(S.have & SP_LOAD);
	assert_float_equal(S.load1, 0.30, 1e-9);
	assert_float_equal(S.load5, 0.17, 1e-9);
	assert_float_equal(S.load15, 0.06, 1e-9);
	assert_int_equal(run(parse_proc_loadavg, "loadavg_nonl", &S), PARSE_EFORMAT);
	assert_int_equal(run(parse_proc_loadavg, "loadavg_garbage", &S), PARSE_EFORMAT);
	assert_false(S.have & SP_LOAD);
	assert_int_equal(parse_proc_loadavg("-1.00 0 0\n", 10, &S), PARSE_ERANGE);
}

static void test_meminfo(void **st)
{
	(void)st;
	assert_int_equal(run(parse_proc_meminfo, "meminfo", &S), 0);
	assert_true(S.have & SP_MEM);
	assert_int_equal(S.mem_total, 24683620ULL * 1024);
	assert_int_equal(S.mem_available, 24294840ULL * 1024);
	assert_int_equal(S.swap_total, 0);
	assert_int_equal(S.swap_free, 0);
	assert_int_equal(run(parse_proc_meminfo, "meminfo_old", &S), 0);
	assert_int_equal(S.mem_total, 1000 * 1024);
	assert_int_equal(S.mem_available, (100 + 20 + 300) * 1024);
	assert_int_equal(S.swap_free, 400 * 1024);
	assert_int_equal(run(parse_proc_meminfo, "meminfo_huge", &S), PARSE_ERANGE);
	assert_int_equal(run(parse_proc_meminfo, "stat", &S), PARSE_EFORMAT);
	assert_false(S.have & SP_MEM);
}

static void test_vmstat(void **st)
{
	(void)st;
	assert_int_equal(run(parse_proc_vmstat, "vmstat", &S), 0);
	assert_true(S.have & SP_VMSTAT);
	assert_int_equal(S.pswpin, 0);
	assert_int_equal(S.pswpout, 0);
	assert_int_equal(S.refault, 32209);
	assert_int_equal(run(parse_proc_vmstat, "vmstat_old", &S), 0);
	assert_int_equal(S.pswpin, 11);
	assert_int_equal(S.pswpout, 22);
	assert_int_equal(S.refault, 333);
	assert_int_equal(run(parse_proc_vmstat, "stat_garbage", &S), PARSE_EFORMAT);
	assert_false(S.have & SP_VMSTAT);
}

static void test_psi(void **st)
{
	size_t len;
	char *t;

	(void)st;
	assert_int_equal(run(parse_proc_psi_c, "pressure_cpu", &S), 0);
	assert_int_equal(S.psi_cpu_some, 8475371);
	assert_true(S.have & SP_PSI_CPU);
	assert_int_equal(run(parse_proc_psi_c, "pressure_cpu_old", &S), 0);
	assert_int_equal(S.psi_cpu_some, 12345);
	assert_int_equal(run(parse_proc_psi_i, "pressure_io", &S), 0);
	assert_int_equal(S.psi_io_some, 2734190);
	assert_int_equal(S.psi_io_full, 2552966);
	assert_true(S.have & SP_PSI_IO);
	assert_int_equal(run(parse_proc_psi_m, "pressure_memory", &S), 0);
	assert_int_equal(S.psi_mem_some, 0);
	assert_true(S.have & SP_PSI_MEM);
	/* io and memory always have a "full" line: its absence is a cut. */
	assert_int_equal(run(parse_proc_psi_i, "pressure_cpu_old", &S), PARSE_EFORMAT);
	assert_false(S.have & SP_PSI_IO);
	assert_int_equal(run(parse_proc_psi_m, "stat", &S), PARSE_EFORMAT);
	t = slurp("pressure_io", &len);
	assert_int_equal(parse_proc_psi(t, len, 'x', &S), PARSE_EFORMAT);
	free(t);
}

/* ---- frames ---------------------------------------------------------- */

/* Growable string for building frames. */
struct buf {
	char *p;
	size_t n;
};

/* Append len bytes to b. */
static void buf_add(struct buf *b, const char *s, size_t len)
{
	b->p = realloc(b->p, b->n + len + 1);
	assert_non_null(b->p);
	memcpy(b->p + b->n, s, len);
	b->n += len;
	b->p[b->n] = '\0';
}

/* Append a NUL-terminated string to b. */
static void buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* Append a frame built from the real fixtures to b. */
static void add_frame(struct buf *b, unsigned seq, const char *flags)
{
	static const char *const part[][2] = {
		{ "%stat\n", "stat" }, { "%disk\n", "diskstats" },
		{ "%net\n", "net_dev" }, { "%load\n", "loadavg" },
		{ "%mem\n", "meminfo" }, { "%vm\n", "vmstat" },
		{ "%psi-cpu\n", "pressure_cpu" }, { "%psi-io\n", "pressure_io" },
		{ "%psi-mem\n", "pressure_memory" },
	};
	char line[128];
	size_t i, len;
	char *t;

	snprintf(line, sizeof(line), "@@DOPTOP 1 %u 1764133543.%06u %s\n",
	         seq, 250000 + seq, flags);
	buf_str(b, line);
	for (i = 0; i < sizeof(part) / sizeof(part[0]); i++) {
		buf_str(b, part[i][0]);
		t = slurp(part[i][1], &len);
		buf_add(b, t, len);
		free(t);
	}
	snprintf(line, sizeof(line), "@@END %u\n", seq);
	buf_str(b, line);
}

/* What the frame callback saw. */
struct seen {
	int frames;
	uint64_t seq[8];
	struct sample last;
	struct buf raw;
};

static void on_frame(void *arg, const struct sample *s, const char *raw,
                     size_t rawlen)
{
	struct seen *sn = arg;

	if (sn->frames < 8)
		sn->seq[sn->frames] = s->seq;
	sn->frames++;
	sn->last = *s;
	buf_add(&sn->raw, raw, rawlen);
}

/* Check a sample against the values of the fixture files. */
static void check_fixture_sample(const struct sample *s, uint64_t seq)
{
	unsigned all = SP_STAT | SP_DISK | SP_NET | SP_LOAD | SP_MEM | SP_VMSTAT |
	               SP_PSI_CPU | SP_PSI_IO | SP_PSI_MEM | SP_REFAULT;

	assert_int_equal(s->have, all);
	assert_int_equal(s->seq, seq);
	assert_float_equal(s->t, 1764133543.25 + (double)seq * 1e-6, 1e-5);
	assert_float_equal(s->wall, s->t, 1e-9);
	assert_int_equal(s->cpu.user, 3248);
	assert_int_equal(s->ncpu, 2);
	assert_int_equal(s->ctxt, 255752);
	assert_int_equal(s->ndisks, 1);
	assert_int_equal(s->disk[0].rd_ios, 28871);
	assert_int_equal(s->net_rx_bytes, 23817796);
	assert_float_equal(s->load5, 0.17, 1e-9);
	assert_int_equal(s->mem_total, 24683620ULL * 1024);
	assert_int_equal(s->refault, 32209);
	assert_int_equal(s->psi_cpu_some, 8475371);
	assert_int_equal(s->psi_io_full, 2552966);
}

static void test_frame_oneshot(void **st)
{
	struct buf b = { 0 };

	(void)st;
	add_frame(&b, 7, "bash");
	assert_int_equal(parse_frame(b.p, b.n, &S), 0);
	check_fixture_sample(&S, 7);
	/* Without its END line the frame is incomplete. */
	assert_int_equal(parse_frame(b.p, b.n - strlen("@@END 7\n"), &S), PARSE_EPROTO);
	free(b.p);
}

static void test_frame_bytewise(void **st)
{
	struct fparse *p = fparse_new();
	struct seen sn = { 0 };
	struct buf b = { 0 };
	size_t i;

	(void)st;
	assert_non_null(p);
	assert_string_equal(fparse_flags(p), "");
	add_frame(&b, 1, "bash");
	for (i = 0; i < b.n; i++)
		assert_int_equal(fparse_feed(p, b.p + i, 1, on_frame, &sn), 0);
	assert_int_equal(sn.frames, 1);
	check_fixture_sample(&sn.last, 1);
	assert_int_equal(sn.raw.n, b.n);
	assert_memory_equal(sn.raw.p, b.p, b.n);
	assert_string_equal(fparse_flags(p), "bash");
	fparse_free(p);
	free(b.p);
	free(sn.raw.p);
}

static void test_frame_chunks(void **st)
{
	struct buf b = { 0 };
	unsigned seed;
	size_t off, n;

	(void)st;
	buf_str(&b, "Last login: Wed Nov 26\n\033[1;31mWelcome to node7\033[0m\n");
	buf_str(&b, "motd without newline ");
	add_frame(&b, 1, "bash");
	add_frame(&b, 2, "bash");
	add_frame(&b, 3, "sh");
	for (seed = 1; seed <= 20; seed++) {
		struct fparse *p = fparse_new();
		struct seen sn = { 0 };

		srand(seed);
		for (off = 0; off < b.n; off += n) {
			n = 1 + (size_t)rand() % 700;
			if (n > b.n - off)
				n = b.n - off;
			assert_int_equal(fparse_feed(p, b.p + off, n, on_frame, &sn), 0);
		}
		assert_int_equal(sn.frames, 3);
		assert_int_equal(sn.seq[0], 1);
		assert_int_equal(sn.seq[1], 2);
		assert_int_equal(sn.seq[2], 3);
		check_fixture_sample(&sn.last, 3);
		assert_string_equal(fparse_flags(p), "sh");
		fparse_free(p);
		free(sn.raw.p);
	}
	free(b.p);
}

static void test_frame_two_in_one(void **st)
{
	struct fparse *p = fparse_new();
	struct seen sn = { 0 };
	struct buf b = { 0 };

	(void)st;
	add_frame(&b, 41, "bash");
	add_frame(&b, 42, "bash");
	assert_int_equal(fparse_feed(p, b.p, b.n, on_frame, &sn), 0);
	assert_int_equal(sn.frames, 2);
	assert_int_equal(sn.seq[0], 41);
	assert_int_equal(sn.seq[1], 42);
	assert_int_equal(sn.raw.n, b.n);   /* raw texts concatenate to the input */
	fparse_free(p);
	free(b.p);
	free(sn.raw.p);
}

/* Feed chunks of 'A' until an error; return the error and bytes fed. */
static int feed_long_line(struct fparse *p, size_t *fed)
{
	static char chunk[1000];
	int rc = 0;

	memset(chunk, 'A', sizeof(chunk));
	for (*fed = 0; *fed < 100u * 1024 * 1024 && rc == 0; *fed += sizeof(chunk))
		rc = fparse_feed(p, chunk, sizeof(chunk), NULL, NULL);
	return rc;
}

static void test_frame_long_line(void **st)
{
	struct fparse *p = fparse_new();
	const char *start = "@@DOPTOP 1 1 1764133543.5 bash\n%stat\ncpu ";
	size_t fed;

	(void)st;
	assert_int_equal(feed_long_line(p, &fed), PARSE_ELINE);
	assert_true(fed <= 2 * FPARSE_MAX_LINE);
	/* Sticky until reset. */
	assert_int_equal(fparse_feed(p, "\n", 1, NULL, NULL), PARSE_ELINE);
	fparse_reset(p);
	assert_int_equal(fparse_feed(p, start, strlen(start), NULL, NULL), 0);
	assert_int_equal(feed_long_line(p, &fed), PARSE_ELINE);
	assert_true(fed <= 2 * FPARSE_MAX_LINE);
	fparse_free(p);
}

/* Feed text to a fresh parser and return the code. */
static int feed_text(const char *text, size_t len)
{
	struct fparse *p = fparse_new();
	int rc = fparse_feed(p, text, len, NULL, NULL);

	fparse_free(p);
	return rc;
}

static void test_frame_errors(void **st)
{
	struct buf b = { 0 }, bad = { 0 };
	char *esc;

	(void)st;
	add_frame(&b, 5, "bash");
	assert_int_equal(feed_text(b.p, b.n), 0);

	/* ESC inside a frame (a terminal escape sequence in a disk name). */
	buf_add(&bad, b.p, b.n);
	esc = strstr(bad.p, "vda");
	esc[0] = '\033';
	assert_int_equal(feed_text(bad.p, bad.n), PARSE_ECONTROL);
	assert_int_equal(parse_frame(bad.p, bad.n, &S), PARSE_ECONTROL);
	/* Tabs are fine. */
	esc[0] = '\t';
	assert_int_equal(feed_text(bad.p, bad.n), 0);

	/* Wrong protocol version; a delta (version 2) with no frame before it. */
	memcpy(bad.p, b.p, b.n);
	bad.p[9] = '3';
	assert_int_equal(feed_text(bad.p, bad.n), PARSE_EPROTO);
	bad.p[9] = '2';
	assert_int_equal(feed_text(bad.p, bad.n), PARSE_EDELTA);
	assert_int_equal(parse_frame(bad.p, bad.n, &S), PARSE_EPROTO);

	/* END without a start, END with another seq, a start inside a frame. */
	assert_int_equal(feed_text("banner\n@@END 5\n", 15), PARSE_EPROTO);
	memcpy(bad.p, b.p, b.n);
	bad.p[bad.n - 2] = '6';
	assert_int_equal(feed_text(bad.p, bad.n), PARSE_EPROTO);
	free(bad.p);
	bad.p = NULL;
	bad.n = 0;
	buf_add(&bad, b.p, b.n - strlen("@@END 5\n"));
	add_frame(&bad, 6, "bash");
	assert_int_equal(feed_text(bad.p, bad.n), PARSE_EPROTO);

	/* Garbage between two frames. */
	free(bad.p);
	bad.p = NULL;
	bad.n = 0;
	add_frame(&bad, 1, "bash");
	buf_str(&bad, "oops\n");
	add_frame(&bad, 2, "bash");
	assert_int_equal(feed_text(bad.p, bad.n), PARSE_EPROTO);
	free(bad.p);
	free(b.p);
}

static void test_frame_sections(void **st)
{
	const char *bad_stat = "@@DOPTOP 1 3 10.5 bash\n%stat\nnot stat\n%load\n"
	                       "0.1 0.2 0.3 1/2 3\n@@END 3\n";
	const char *bad_mem = "@@DOPTOP 1 3 10 sh\n%stat\ncpu 1 2 3 4\nctxt 1\n"
	                      "btime 1\nprocesses 1\nprocs_running 1\nprocs_blocked 1\n"
	                      "%mem\ngarbage\n%future\nwhatever 1\n@@END 3\n";
	const char *no_stat = "@@DOPTOP 1 3 10 sh\n%load\n0.1 0.2 0.3 1/2 3\n@@END 3\n";

	(void)st;
	assert_int_equal(parse_frame(bad_stat, strlen(bad_stat), &S), PARSE_EFORMAT);
	assert_int_equal(feed_text(bad_stat, strlen(bad_stat)), PARSE_EFORMAT);
	/* A broken optional section only clears its bit; unknown ones are skipped. */
	assert_int_equal(parse_frame(bad_mem, strlen(bad_mem), &S), 0);
	assert_int_equal(S.have, SP_STAT);
	assert_float_equal(S.t, 10.0, 1e-9);
	assert_int_equal(S.cpu.idle, 4);
	assert_int_equal(parse_frame(no_stat, strlen(no_stat), &S), PARSE_EFORMAT);
}

static void test_frame_too_big(void **st)
{
	struct fparse *p = fparse_new();
	const char *start = "@@DOPTOP 1 1 1764133543.5 bash\n%stat\n";
	const char *line = "cpu0 1 2 3 4 5 6 7 8 9 10\n";
	size_t fed = 0, n = strlen(line);
	int rc;

	(void)st;
	assert_int_equal(fparse_feed(p, start, strlen(start), NULL, NULL), 0);
	do {
		rc = fparse_feed(p, line, n, NULL, NULL);
		fed += n;
	} while (rc == 0 && fed < 4u * FPARSE_MAX_FRAME);
	assert_int_equal(rc, PARSE_EFRAME);
	assert_true(fed <= FPARSE_MAX_FRAME + FPARSE_MAX_LINE);
	fparse_free(p);
}

static void test_frame_no_marker(void **st)
{
	struct fparse *p = fparse_new();
	const char *line = "Welcome to the cluster, please behave yourself.\n";
	size_t fed = 0;
	int rc;

	(void)st;
	do {
		rc = fparse_feed(p, line, strlen(line), NULL, NULL);
		fed += strlen(line);
	} while (rc == 0 && fed < 10 * FPARSE_MAX_PREAMBLE);
	assert_int_equal(rc, PARSE_ENOFRAME);
	assert_true(fed > FPARSE_MAX_PREAMBLE);
	assert_true(fed <= FPARSE_MAX_PREAMBLE + FPARSE_MAX_LINE);
	assert_string_equal(err_text(rc), "no frame marker");
	fparse_free(p);
}

static void test_frame_corpus(void **st)
{
	static const char *const files[] = { "../corpus/frame_bash",
	                                     "../corpus/frames_sh",
	                                     "../corpus/banner_frame" };
	static const int nframes[] = { 1, 2, 1 };
	size_t i, len;
	char *t;

	(void)st;
	for (i = 0; i < 3; i++) {
		struct fparse *p = fparse_new();
		struct seen sn = { 0 };

		t = slurp(files[i], &len);
		assert_int_equal(fparse_feed(p, t, len, on_frame, &sn), 0);
		assert_int_equal(sn.frames, nframes[i]);
		assert_true(sn.last.have & SP_STAT);
		assert_true(sn.last.have & SP_VMSTAT);
		assert_true(sn.last.ncpu >= 1);
		assert_true(sn.last.mem_total > 0);
		assert_true(sn.last.t > 1.7e9);
		assert_int_equal(sn.seq[0], 1);
		free(t);
		free(sn.raw.p);
		fparse_free(p);
	}
}

/* A whole frame and deltas after it, as the bash loop writes them. */
#define D_FULL \
	"@@DOPTOP 1 1 100.5 bash\n%stat\n" \
	"cpu  10 0 20 300 0 0 0 0 0 0\ncpu0 10 0 20 300 0 0 0 0 0 0\n" \
	"ctxt 1000\nbtime 5\nprocesses 70\nprocs_running 1\nprocs_blocked 0\n" \
	"%disk\n   8       0 sda 1 0 8 0 2 0 16 0 0 5 0\n" \
	"%net\nInter-| a\n face |b\n    lo: 1 2 0 0 0 0 0 0 1 2 0 0 0 0 0 0\n" \
	"%load\n0.52 0.58 0.59 1/234 5678\n" \
	"%mem\nMemTotal:       1000 kB\nMemAvailable:     500 kB\n" \
	"SwapTotal:         0 kB\nSwapFree:          0 kB\n@@END 1\n"

/* Apply delta text d (between a header and an end line) to D_FULL. */
static int apply(const char *body, char **out, size_t *outlen)
{
	char d[4096];
	int n = snprintf(d, sizeof(d), "@@DOPTOP 2 2 101.5 bash\n%s@@END 2\n", body);

	return frame_delta_apply(D_FULL, strlen(D_FULL), d, (size_t)n, out, outlen);
}

/* Deltas rebuild the frame they stand for, word by word. */
static void test_delta_apply(void **st)
{
	char *out;
	size_t len;

	(void)st;
	assert_int_equal(apply("=1\n~ 5  7 -3\n~ 5  7 -3\n~ 12\n=17\n", &out, &len), 0);
	assert_string_equal(out,
		"@@DOPTOP 1 2 101.5 bash\n%stat\n"
		"cpu 15 0 27 297 0 0 0 0 0 0\ncpu0 15 0 27 297 0 0 0 0 0 0\n"
		"ctxt 1012\nbtime 5\nprocesses 70\nprocs_running 1\nprocs_blocked 0\n"
		"%disk\n   8       0 sda 1 0 8 0 2 0 16 0 0 5 0\n"
		"%net\nInter-| a\n face |b\n    lo: 1 2 0 0 0 0 0 0 1 2 0 0 0 0 0 0\n"
		"%load\n0.52 0.58 0.59 1/234 5678\n"
		"%mem\nMemTotal:       1000 kB\nMemAvailable:     500 kB\n"
		"SwapTotal:         0 kB\nSwapFree:          0 kB\n@@END 2\n");
	assert_int_equal(len, strlen(out));
	assert_int_equal(parse_frame(out, len, &S), 0);
	assert_int_equal(S.ctxt, 1012);
	assert_int_equal(S.seq, 2);
	free(out);
	/* literal words and lines; a shorter frame; a line past the old end */
	assert_int_equal(apply("=15\n~'0.60  '0.61 '2/240 1\n+%mem\n+MemTotal: 1 kB\n"
	                       "~ 1\n=2\n+SwapFree: 0 kB\n", &out, &len), 0);
	assert_non_null(strstr(out, "%load\n0.60 0.58 0.61 2/240 5679\n%mem\nMemTotal: 1 kB\n"
	                           "MemAvailable: 501 kB\nSwapTotal:         0 kB\n"
	                           "SwapFree:          0 kB\nSwapFree: 0 kB\n@@END 2\n"));
	free(out);
	assert_int_equal(apply("=5\n", &out, &len), 0);
	assert_string_equal(out, "@@DOPTOP 1 2 101.5 bash\n%stat\ncpu  10 0 20 300 0 0 0 0 0 0\n"
	                         "cpu0 10 0 20 300 0 0 0 0 0 0\nctxt 1000\nbtime 5\n@@END 2\n");
	free(out);
	/* the number a word ends in, after the same text */
	assert_int_equal(apply("=15\n~8  2 6 1\n=5\n", &out, &len), 0);
	assert_non_null(strstr(out, "%load\n0.60 0.58 0.61 1/240 5679\n%mem\n"));
	free(out);
	/* 18 digits at most, up and down */
	assert_int_equal(apply("=4\n~ 999999999999999000\n", &out, &len), 0);
	assert_non_null(strstr(out, "\nbtime 999999999999999005\n"));
	free(out);
	assert_int_equal(apply("=4\n~ -5\n", &out, &len), 0);
	assert_non_null(strstr(out, "\nbtime 0\n"));
	free(out);
}

/* A delta that does not fit the frame before it is an error, never a guess. */
static void test_delta_hostile(void **st)
{
	static const char *const bad[] = {
		"=0\n", "=22\n", "=99999999999999999999\n", "=x\n", "=\n", "\n", "x\n",
		"+\n", "+@@END 2\n", "=1\n~ 1 1 1 1 1 1 1 1 1 1 1\n",
		"=1\n~ 1 1 1 1 1 1 1 1 1 1 \n", "=1\n~5\n", "=1\n~ -11\n",
		"=3\n~ 1000000000000000000\n", "=3\n~ 999999999999999995\n",
		"=1\n~ '\n", "=1\n~ 1x\n", "=1\n~ --1\n", "=21\n~\n", "=20\n=2\n",
		"=12\n~ 1\n", "=3\n~'@@END 2\n", "=15\n~-53\n", "=15\n~ 1 -53 1 1 1 1\n",
	};
	char *out = (char *)1, d[64];
	size_t i, len;

	(void)st;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (apply(bad[i], &out, &len) != PARSE_EDELTA)
			fail_msg("delta '%s' was taken", bad[i]);
		assert_null(out);
	}
	/* no end line, not a delta, no frame before it, a bad previous frame */
	snprintf(d, sizeof(d), "@@DOPTOP 2 2 101.5 bash\n=1\n");
	assert_int_equal(frame_delta_apply(D_FULL, strlen(D_FULL), d, strlen(d), &out, &len),
	                 PARSE_EPROTO);
	snprintf(d, sizeof(d), "@@DOPTOP 1 2 101.5 bash\n=1\n@@END 2\n");
	assert_int_equal(frame_delta_apply(D_FULL, strlen(D_FULL), d, strlen(d), &out, &len),
	                 PARSE_EPROTO);
	snprintf(d, sizeof(d), "@@DOPTOP 2 2 101.5 bash\n=1\n@@END 2\n");
	assert_int_equal(frame_delta_apply(NULL, 0, d, strlen(d), &out, &len), PARSE_EDELTA);
	assert_int_equal(frame_delta_apply("cpu 1\n", 6, d, strlen(d), &out, &len), PARSE_EDELTA);
	assert_null(out);
}

/* The stream: a whole frame, then deltas; the callback sees whole frames,
 * and a reset forgets the frame a delta would need. */
static void test_delta_stream(void **st)
{
	static const char delta[] = "@@DOPTOP 2 2 101.5 bash\n=4\n~ 3\n=16\n@@END 2\n"
	                            "@@DOPTOP 2 3 102.5 bash\n=4\n~ 4\n=16\n@@END 3\n";
	struct fparse *p = fparse_new();
	struct seen sn = { 0 };
	size_t i;

	(void)st;
	assert_non_null(p);
	assert_int_equal(fparse_feed(p, D_FULL, strlen(D_FULL), on_frame, &sn), 0);
	for (i = 0; i < sizeof(delta) - 1; i++)
		assert_int_equal(fparse_feed(p, delta + i, 1, on_frame, &sn), 0);
	assert_int_equal(sn.frames, 3);
	assert_int_equal(sn.last.btime, 12);
	assert_int_equal(sn.last.seq, 3);
	assert_non_null(strstr(sn.raw.p, "@@DOPTOP 1 3 102.5 bash\n%stat\n"));
	assert_non_null(strstr(sn.raw.p, "\nbtime 12\n"));
	fparse_reset(p);
	assert_int_equal(fparse_feed(p, delta, sizeof(delta) - 1, on_frame, &sn), PARSE_EDELTA);
	assert_int_equal(sn.frames, 3);
	fparse_free(p);
	free(sn.raw.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disk_is_whole),
		cmocka_unit_test(test_stat_real),
		cmocka_unit_test(test_stat_variants),
		cmocka_unit_test(test_stat_inline),
		cmocka_unit_test(test_diskstats),
		cmocka_unit_test(test_netdev),
		cmocka_unit_test(test_loadavg),
		cmocka_unit_test(test_meminfo),
		cmocka_unit_test(test_vmstat),
		cmocka_unit_test(test_psi),
		cmocka_unit_test(test_frame_oneshot),
		cmocka_unit_test(test_frame_bytewise),
		cmocka_unit_test(test_frame_chunks),
		cmocka_unit_test(test_frame_two_in_one),
		cmocka_unit_test(test_frame_long_line),
		cmocka_unit_test(test_frame_errors),
		cmocka_unit_test(test_frame_sections),
		cmocka_unit_test(test_frame_too_big),
		cmocka_unit_test(test_frame_no_marker),
		cmocka_unit_test(test_frame_corpus),
		cmocka_unit_test(test_delta_apply),
		cmocka_unit_test(test_delta_hostile),
		cmocka_unit_test(test_delta_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
