/*
 * test_probe.c — run the real probe command locally (as an SSH exec channel
 * would, through "$SHELL -c"), parse what it prints, and check that the bash
 * loop forks nothing per sample and stops when its stdin closes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "parse.h"
#include "probe.h"

/* A running probe: its pid and both ends of its pipes. */
struct run {
	pid_t pid;
	int in;    /* write end of the probe's stdin */
	int out;   /* read end of the probe's stdout */
};

/* What the frames looked like. */
struct got {
	int frames;
	uint64_t last_seq;
	int seq_ok;       /* every seq was last + 1, starting at 1 */
	double first_t, last_t;
	double last_arrival;  /* this process's clock when the last frame came */
	struct sample last;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Start `shell -c cmd`, optionally under strace writing to trace. */
static void start(struct run *r, const char *shell, const char *cmd,
                  int force_sh, const char *trace)
{
	int in[2], out[2];

	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	r->pid = fork();
	assert_true(r->pid >= 0);
	if (r->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]); close(in[1]); close(out[0]); close(out[1]);
		if (force_sh)
			setenv("DOPTOP_PROBE_SH", "1", 1);
		else
			unsetenv("DOPTOP_PROBE_SH");
		if (trace)
			execlp("strace", "strace", "-f", "-qq", "-e",
			       "trace=fork,vfork,clone,clone3", "-o", trace,
			       shell, "-c", cmd, (char *)NULL);
		else
			execlp(shell, shell, "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	r->in = in[1];
	r->out = out[0];
}

static void on_frame(void *arg, const struct sample *s, const char *raw,
                     size_t rawlen)
{
	struct got *g = arg;

	(void)raw;
	(void)rawlen;
	if (s->seq != g->last_seq + 1)
		g->seq_ok = 0;
	if (g->frames == 0)
		g->first_t = s->t;
	g->last_seq = s->seq;
	g->last_t = s->t;
	g->last_arrival = now();
	g->last = *s;
	g->frames++;
}

/* Number of children of pid right now (-1 if it is gone). */
static int nchildren(pid_t pid)
{
	char path[64], buf[256];
	ssize_t n;
	int fd, i, c = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	for (i = 0; i < n; i++)
		c += buf[i] == ' ';
	return c;
}

/* Read frames until want arrived or timeout; returns the largest child
 * count seen while polling the probe's children. */
static int collect(struct run *r, struct fparse *p, struct got *g, int want,
                   double timeout)
{
	double end = now() + timeout;
	struct pollfd pfd = { .fd = r->out, .events = POLLIN };
	char buf[8192];
	int maxkids = 0, k;
	ssize_t n;

	while (g->frames < want && now() < end) {
		k = nchildren(r->pid);
		if (k > maxkids)
			maxkids = k;
		if (poll(&pfd, 1, 5) <= 0)
			continue;
		n = read(r->out, buf, sizeof(buf));
		if (n <= 0)
			break;
		assert_int_equal(fparse_feed(p, buf, (size_t)n, on_frame, g), 0);
	}
	return maxkids;
}

/* Close stdin and return how long the probe took to exit (s); kills it
 * and fails after 5 s. */
static double stop(struct run *r)
{
	double t0 = now();
	int status;

	close(r->in);
	while (waitpid(r->pid, &status, WNOHANG) == 0) {
		if (now() - t0 > 5) {
			kill(r->pid, SIGKILL);
			waitpid(r->pid, &status, 0);
			close(r->out);
			fail_msg("probe did not exit after stdin EOF");
		}
		usleep(10000);
	}
	close(r->out);
	return now() - t0;
}

/* MemTotal of this machine in bytes, read directly. */
static uint64_t local_memtotal(void)
{
	unsigned long long kb = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	assert_non_null(f);
	assert_int_equal(fscanf(f, "MemTotal: %llu kB", &kb), 1);
	fclose(f);
	return kb * 1024;
}

/* Run the probe with shell at interval; check frames and exit. */
static void check_probe(const char *shell, int force_sh, double interval,
                        const char *flags)
{
	char cmd[8192];
	struct run r;
	struct got g = { .seq_ok = 1 };
	struct fparse *p = fparse_new();
	double took, started;
	int kids;

	assert_true(probe_command(cmd, sizeof(cmd), interval) > 0);
	started = now();
	start(&r, shell, cmd, force_sh, NULL);
	kids = collect(&r, p, &g, 4, 10);
	assert_true(g.frames >= 4);
	assert_true(g.seq_ok);
	assert_string_equal(fparse_flags(p), flags);
	assert_true(g.last.have & SP_STAT);
	assert_true(g.last.have & SP_MEM);
	assert_true(g.last.have & SP_NET);
	assert_true(g.last.have & SP_VMSTAT);
	assert_true(g.last.have & SP_LOAD);
	assert_true(g.last.have & SP_DISK);
	assert_int_equal(g.last.ncpu, sysconf(_SC_NPROCESSORS_ONLN));
	assert_int_equal(g.last.mem_total, local_memtotal());
	assert_true(g.last.cpu.idle > 0);
	assert_true(g.last.processes > 0);
	if (access("/proc/pressure/io", R_OK) == 0)
		assert_true(g.last.have & SP_PSI_IO);
	/* Node clock: at least 3 intervals between frame 1 and frame 4, and
	 * no more than the time this process saw pass from starting the
	 * probe to receiving frame 4 (however slow a busy machine makes the
	 * shell, its clock is real time). */
	assert_true(g.last_t - g.first_t > 2.5 * interval);
	assert_true(g.last_t - g.first_t < g.last_arrival - started + 0.05);
	if (force_sh)
		assert_true(kids > 0);   /* the fallback forks cat/sleep... */
	else
		assert_int_equal(kids, 0);   /* ...the bash loop never does */
	took = stop(&r);
	assert_true(took < 3.0);
	fparse_free(p);
}

static void test_probe_bash(void **st)
{
	(void)st;
	check_probe("sh", 0, 0.2, "bash");
	check_probe("bash", 0, 0.2, "bash");
}

static void test_probe_sh_fallback(void **st)
{
	(void)st;
	check_probe("sh", 1, 0.2, "sh");
	check_probe("bash", 1, 0.2, "sh");
}

/* EOF on stdin ends the bash loop at once, even mid-way through a long
 * interval (it waits with read -t, not sleep). */
static void test_probe_exits_on_eof(void **st)
{
	char cmd[8192];
	struct run r;
	struct got g = { .seq_ok = 1 };
	struct fparse *p = fparse_new();

	(void)st;
	assert_true(probe_command(cmd, sizeof(cmd), 30.0) > 0);
	start(&r, "sh", cmd, 0, NULL);
	collect(&r, p, &g, 1, 10);
	assert_int_equal(g.frames, 1);
	assert_true(stop(&r) < 3.0);   /* a tenth of the interval */
	fparse_free(p);
}

/* Write a new-interval line (or any text) to the probe's stdin. */
static void say(struct run *r, const char *text)
{
	assert_int_equal(write(r->in, text, strlen(text)), (ssize_t)strlen(text));
}

/* A running bash loop takes a new interval from its stdin at once: started
 * at 30 s, told 0.1 s, its next frames come 0.1 s apart on the node's clock;
 * told 30 s again, it goes quiet; lines that are no interval (text, 0, a
 * leading zero, too short or too long) change nothing. */
static void test_probe_new_interval(void **st)
{
	char cmd[8192], line[32];
	struct run r;
	struct got g = { .seq_ok = 1 };
	struct fparse *p = fparse_new();

	(void)st;
	assert_int_equal(probe_interval_line(line, sizeof line, 0.1), 7);
	assert_string_equal(line, "100000\n");
	assert_int_equal(probe_interval_line(line, 7, 0.1), -1);
	assert_true(probe_command(cmd, sizeof(cmd), 30.0) > 0);
	start(&r, "sh", cmd, 0, NULL);
	collect(&r, p, &g, 1, 10);
	assert_int_equal(g.frames, 1);
	double told = now();
	probe_interval_line(line, sizeof line, 0.1);
	say(&r, line);
	collect(&r, p, &g, 2, 5);
	assert_int_equal(g.frames, 2);
	assert_true(now() - told < 3.0);      /* not the 30 s it was started with */
	double t2 = g.last_t;
	collect(&r, p, &g, 12, 10);
	assert_int_equal(g.frames, 12);
	double mean = (g.last_t - t2) / 10;
	print_message("mean gap after the new interval: %.3f s\n", mean);
	assert_true(mean > 0.09 && mean < 0.5);
	/* not an interval: ignored (a 0 or 1 ms interval would spin) */
	say(&r, "abc\n0\n0100000\n1000\n1234567890123\n\n");
	g.frames = 0;
	double t0 = now();
	collect(&r, p, &g, 1000, 1.0);
	print_message("frames in %.2f s after junk lines: %d\n", now() - t0, g.frames);
	assert_true(g.frames >= 4 && g.frames <= 15);
	assert_true(g.seq_ok);
	/* back to 30 s: quiet */
	probe_interval_line(line, sizeof line, 30.0);
	say(&r, line);
	collect(&r, p, &g, g.frames + 1, 0.3);   /* one may be on its way */
	int before = g.frames;
	collect(&r, p, &g, 1000, 1.5);
	assert_int_equal(g.frames, before);
	assert_true(stop(&r) < 3.0);
	fparse_free(p);
}

/* The sh fallback ignores interval lines and keeps going. */
static void test_probe_sh_keeps_interval(void **st)
{
	char cmd[8192], line[32];
	struct run r;
	struct got g = { .seq_ok = 1 };
	struct fparse *p = fparse_new();

	(void)st;
	assert_true(probe_command(cmd, sizeof(cmd), 0.3) > 0);
	start(&r, "sh", cmd, 1, NULL);
	collect(&r, p, &g, 1, 10);
	probe_interval_line(line, sizeof line, 30.0);
	say(&r, line);
	collect(&r, p, &g, 4, 10);
	assert_int_equal(g.frames, 4);
	assert_string_equal(fparse_flags(p), "sh");
	assert_true(stop(&r) < 3.0);
	fparse_free(p);
}

/* Count fork/clone lines in an strace output file. */
static int count_forks(const char *path)
{
	char line[1024];
	int n = 0;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "clone(") || strstr(line, "clone3(") ||
		    strstr(line, "fork("))
			n++;
	fclose(f);
	return n;
}

/* Under strace: zero forks over many bash samples; the sh fallback, as a
 * control that the method sees forks, has some. */
static void test_probe_zero_forks(void **st)
{
	char cmd[8192], trace[] = "/tmp/doptop-probe-strace-XXXXXX";
	struct run r;
	int fd, mode;

	(void)st;
	if (system("command -v strace >/dev/null 2>&1") != 0)
		fail_msg("strace is needed for this test (apt-get install strace)");
	fd = mkstemp(trace);
	assert_true(fd >= 0);
	close(fd);
	assert_true(probe_command(cmd, sizeof(cmd), 0.05) > 0);
	for (mode = 0; mode < 2; mode++) {
		struct got g = { .seq_ok = 1 };
		struct fparse *p = fparse_new();

		start(&r, "sh", cmd, mode, trace);
		collect(&r, p, &g, mode ? 3 : 10, 20);
		if (!mode) {   /* taking a new interval forks nothing either */
			char line[32];
			probe_interval_line(line, sizeof line, 0.06);
			say(&r, line);
		}
		collect(&r, p, &g, mode ? 3 : 20, 20);
		stop(&r);
		assert_true(g.frames >= (mode ? 3 : 20));
		if (mode)
			assert_true(count_forks(trace) >= 3);
		else
			assert_int_equal(count_forks(trace), 0);
		fparse_free(p);
	}
	unlink(trace);
}

/* Run `shell -c "printf %s <quoted>"` and compare the output with s. */
static void check_quote(const char *shell, const char *s)
{
	char q[1024], cmd[1200], out[1024];
	size_t n;
	FILE *f;
	int len;

	len = probe_shell_quote(q, sizeof(q), s);
	assert_true(len > 0);
	assert_int_equal((size_t)len, strlen(q));
	/* The inner command is itself quoted once more for popen's shell. */
	snprintf(cmd, sizeof(cmd), "printf %%s %s", q);
	len = probe_shell_quote(out, sizeof(out), cmd);
	assert_true(len > 0);
	snprintf(cmd, sizeof(cmd), "%s -c %s", shell, out);
	f = popen(cmd, "r");
	assert_non_null(f);
	n = fread(out, 1, sizeof(out), f);
	assert_int_equal(pclose(f), 0);
	assert_int_equal(n, strlen(s));
	assert_memory_equal(out, s, n);
}

static void test_shell_quote(void **st)
{
	static const char *const cases[] = {
		"plain", "with space", "it's", "''", "'", "$(touch /tmp/doptop-pwned)",
		"`id`", "a\nb\n", "back\\slash \\n", "\"dq\" $HOME * ?", "!bang",
		"tab\there", ";;&&||<>",
	};
	char small[8];
	size_t i;

	(void)st;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		check_quote("sh", cases[i]);
		check_quote("bash", cases[i]);
	}
	assert_int_equal(access("/tmp/doptop-pwned", F_OK), -1);
	assert_int_equal(probe_shell_quote(small, sizeof(small), "abcde"), 7);
	assert_string_equal(small, "'abcde'");
	assert_int_equal(probe_shell_quote(small, sizeof(small), "abcdef"), -1);
	assert_int_equal(probe_shell_quote(small, sizeof(small), "a'b"), -1);
	assert_int_equal(probe_shell_quote(small, sizeof(small), ""), 2);
	assert_string_equal(small, "''");
}

static void test_command_size(void **st)
{
	char cmd[8192];
	int n;

	(void)st;
	n = probe_command(cmd, sizeof(cmd), 1.0);
	assert_true(n > 0 && n < 3072);   /* sent on every connect: keep it small */
	assert_int_equal((size_t)n, strlen(cmd));
	assert_null(strchr(cmd, '\n'));   /* one line, for any login shell */
	assert_int_equal(probe_command(cmd, (size_t)n, 1.0), -1);
	assert_int_equal(probe_command(cmd, (size_t)n + 1, 1.0), n);
}

/* The files the bash loop reads, in its order. */
static const char *const proc_files[] = {
	"stat", "diskstats", "net/dev", "loadavg", "meminfo", "vmstat",
	"pressure/cpu", "pressure/io", "pressure/memory",
};
#define NPROC_FILES (sizeof(proc_files) / sizeof(proc_files[0]))
static const char *const proc_sections[NPROC_FILES] = {
	"%stat", "%disk", "%net", "%load", "%mem", "%vm",
	"%psi-cpu", "%psi-io", "%psi-mem",
};

/* Whole text of a real /proc file ("" when the kernel lacks it). */
static void read_real(const char *name, char *out, size_t cap)
{
	char path[128];
	size_t n = 0;
	ssize_t k;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s", name);
	out[0] = '\0';
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	while (n + 1 < cap && (k = read(fd, out + n, cap - 1 - n)) > 0)
		n += (size_t)k;
	close(fd);
	out[n] = '\0';
}

/* Open FIFO path for writing once its reader (the loop) opened it; fails
 * after 10 s. */
static int open_fifo(const char *path)
{
	double end = now() + 10;
	int fd;

	while ((fd = open(path, O_WRONLY | O_NONBLOCK)) < 0) {
		assert_true(errno == ENXIO && now() < end);
		usleep(1000);
	}
	assert_int_equal(fcntl(fd, F_SETFL, 0), 0);
	return fd;
}

/* Close the loop's stdin and let it end: it may already wait in opening
 * its next FIFO, where it cannot see the EOF, so every FIFO is opened
 * (and closed: an empty file) until the loop has exited; fails after 10 s. */
static void fifo_stop(struct run *r, const char *dir)
{
	double end = now() + 10;
	char path[256];
	int status, fd;
	size_t i;

	close(r->in);
	while (waitpid(r->pid, &status, WNOHANG) == 0) {
		if (now() > end) {
			kill(r->pid, SIGKILL);
			waitpid(r->pid, &status, 0);
			fail_msg("probe did not exit after stdin EOF");
		}
		for (i = 0; i < NPROC_FILES; i++) {
			snprintf(path, sizeof(path), "%s/%s", dir, proc_files[i]);
			if ((fd = open(path, O_WRONLY | O_NONBLOCK)) >= 0)
				close(fd);
		}
		usleep(1000);
	}
	close(r->out);
}

/* Frames the delta test got: the last sample and raw text. */
struct dgot {
	int frames;
	struct sample s;
	char raw[65536];
	size_t rawlen;
};

static void on_dframe(void *arg, const struct sample *s, const char *raw,
                      size_t rawlen)
{
	struct dgot *g = arg;

	assert_true(rawlen < sizeof(g->raw));
	g->frames++;
	g->s = *s;
	memcpy(g->raw, raw, rawlen);
	g->rawlen = rawlen;
}

/* Changes to real /proc text that the loop meets now and then: a disk
 * that comes and goes (lines move), a number past 18 digits, a leading 0,
 * words that change, whitespace that changes. */
static void mutate(int k, char *text, size_t cap, const char *name)
{
	size_t n = strlen(text);

	if (strcmp(name, "diskstats") == 0 && (k == 2 || k == 3 || k == 5))
		snprintf(text + n, cap - n, "   8      16 sdz %d 0 %d 0 7 0 99999999999999999%d 0 0 %d %s\n",
		         k, k * 8, k, k * 3, k == 3 ? "x1" : "001");
	if (strcmp(name, "diskstats") == 0 && k == 4)
		snprintf(text + n, cap - n, "   8      16 sdz 4 0 %s 0 7 0 1 0 0 12  13\n",
		         "1000000000000000000");
}

/*
 * The real bash loop against real /proc text, sample by sample: each file
 * it reads is a FIFO the test fills with the real file's text of that
 * moment (plus the changes of mutate()), so the test knows exactly what
 * every frame saw.  Every frame doptop rebuilds from the deltas must parse
 * to the same sample as the whole text does.
 */
static void test_probe_delta_frames(void **st)
{
	char dir[] = "/tmp/doptop_delta_XXXXXX", path[256], cmd[16384], *buf;
	char *text[NPROC_FILES], hdr[128], *full;
	static char raw_cmd[16384];
	struct dgot *g = calloc(1, sizeof(*g));
	struct fparse *p = fparse_new();
	struct sample *want = malloc(sizeof(*want));
	size_t i, off, fl, wire = 0, wire_first = 0, cap = 65536;
	struct pollfd pfd;
	struct run r;
	int k, fd, deltas = 0;
	ssize_t n;

	(void)st;
	assert_non_null(g);
	assert_non_null(want);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/net", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/pressure", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	for (i = 0; i < NPROC_FILES; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, proc_files[i]);
		assert_int_equal(mkfifo(path, 0600), 0);
		text[i] = malloc(cap);
		assert_non_null(text[i]);
	}
	/* the real command, reading dir/ instead of /proc/ */
	assert_true(probe_command(raw_cmd, sizeof(raw_cmd), 0.01) > 0);
	for (off = 0, buf = raw_cmd; *buf; ) {
		if (strncmp(buf, "/proc/", 6) == 0) {
			off += (size_t)snprintf(cmd + off, sizeof(cmd) - off, "%s/", dir);
			buf += 6;
		} else {
			cmd[off++] = *buf++;
		}
		assert_true(off < sizeof(cmd) - 64);
	}
	cmd[off] = '\0';
	start(&r, "sh", cmd, 0, NULL);
	full = malloc(NPROC_FILES * 65536 + 256);
	assert_non_null(full);
	for (k = 0; k < 8; k++) {
		for (i = 0; i < NPROC_FILES; i++) {
			read_real(proc_files[i], text[i], cap - 256);
			mutate(k, text[i], cap, proc_files[i]);
			snprintf(path, sizeof(path), "%s/%s", dir, proc_files[i]);
			fd = open_fifo(path);
			assert_int_equal(write(fd, text[i], strlen(text[i])), (ssize_t)strlen(text[i]));
			close(fd);
		}
		pfd.fd = r.out;
		pfd.events = POLLIN;
		while (g->frames <= k) {
			char rb[8192];
			assert_true(poll(&pfd, 1, 10000) == 1);
			n = read(r.out, rb, sizeof(rb));
			assert_true(n > 0);
			if (k == 0)
				wire_first += (size_t)n;
			else
				wire += (size_t)n;
			deltas += k > 0 && memmem(rb, (size_t)n, "@@DOPTOP 2 ", 11) != NULL;
			assert_int_equal(fparse_feed(p, rb, (size_t)n, on_dframe, g), 0);
		}
		/* the whole text this frame saw, under the rebuilt frame's header */
		memcpy(hdr, g->raw, sizeof(hdr));
		*strchr(hdr, '\n') = '\0';
		fl = (size_t)snprintf(full, 256, "%s\n", hdr);
		for (i = 0; i < NPROC_FILES; i++)
			if (text[i][0])
				fl += (size_t)sprintf(full + fl, "%s\n%s", proc_sections[i], text[i]);
		fl += (size_t)sprintf(full + fl, "@@END %llu\n", (unsigned long long)g->s.seq);
		assert_int_equal(parse_frame(full, fl, want), 0);
		assert_memory_equal(want, &g->s, sizeof(*want));
		assert_int_equal(g->s.seq, (uint64_t)k + 1);
	}
	printf("whole frame: %zu B on the wire, then %zu B per delta frame\n",
	       wire_first, wire / 7);
	assert_true(deltas >= 6);
	assert_true(wire / 7 * 4 < wire_first);
	fifo_stop(&r, dir);
	for (i = 0; i < NPROC_FILES; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, proc_files[i]);
		unlink(path);
		free(text[i]);
	}
	snprintf(path, sizeof(path), "%s/net", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/pressure", dir);
	rmdir(path);
	rmdir(dir);
	free(full);
	free(want);
	free(g);
	fparse_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_command_size),
		cmocka_unit_test(test_shell_quote),
		cmocka_unit_test(test_probe_bash),
		cmocka_unit_test(test_probe_sh_fallback),
		cmocka_unit_test(test_probe_exits_on_eof),
		cmocka_unit_test(test_probe_new_interval),
		cmocka_unit_test(test_probe_sh_keeps_interval),
		cmocka_unit_test(test_probe_zero_forks),
		cmocka_unit_test(test_probe_delta_frames),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
