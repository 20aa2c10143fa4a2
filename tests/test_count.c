/* test_count.c — count real directories made here under /tmp (ext4 on the
 * build machine, so the two-thread hash split runs; on another file system
 * the same tests check the one-thread path), and run the remote counting
 * command through a local sh.  Unit tier: runs as any user (the loop-mount
 * case skips without root).  A million files is a benchmark, not a test:
 * bench/count.sh (`make bench`) counts them against find and ls. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "count.h"

static char base[64]; /* per-test scratch dir, removed in teardown */

/* Remove one path for nftw. */
static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(p);
}

/* Remove a tree; 0 on success. */
static int rm_tree(const char *path)
{
	return nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

/* Make this test's scratch directory under /tmp. */
static int setup(void **state)
{
	(void)state;
	strcpy(base, "/tmp/doptop-count-XXXXXX");
	return mkdtemp(base) ? 0 : -1;
}

/* Remove this test's scratch directory. */
static int teardown(void **state)
{
	(void)state;
	return rm_tree(base);
}

/* "base/rel" into buf. */
static const char *at(char *buf, size_t cap, const char *rel)
{
	int n = snprintf(buf, cap, "%s/%s", base, rel);

	assert_true(n > 0 && (size_t)n < cap);
	return buf;
}

/* Create n empty files named <prefix><i><suffix> in dir. */
static void make_files(const char *dir, const char *prefix, const char *suffix,
		       unsigned n)
{
	char p[4096];

	for (unsigned i = 0; i < n; i++) {
		int fd;

		snprintf(p, sizeof p, "%s/%s%u%s", dir, prefix, i, suffix);
		fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		assert_true(fd >= 0);
		close(fd);
	}
}

/* Set path's mtime 100 s into the past (so the cache may trust it). */
static void backdate(const char *path)
{
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { time(NULL) - 100, 0 } };

	assert_int_equal(utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW), 0);
}

/* Backdate for nftw. */
static int backdate_one(const char *p, const struct stat *st, int flag,
			struct FTW *f)
{
	(void)f;
	if (flag == FTW_DP && S_ISDIR(st->st_mode))
		backdate(p);
	return 0;
}

/* Count dir with a fresh counter; asserts success. */
static uint64_t count_once(const char *dir, const char *glob, bool rec)
{
	struct counter *c = counter_new(dir, glob, rec);
	const char *why = "unset";
	uint64_t n = UINT64_MAX;
	double took = -1;

	assert_non_null(c);
	assert_int_equal(counter_count(c, &n, &took, &why), 0);
	assert_null(why);
	assert_true(took >= 0 && took < 60);
	counter_free(c);
	return n;
}

/* Is path on ext4 (where flat counts of big directories use two threads)? */
static bool on_ext4(const char *path)
{
	struct statfs fs;

	assert_int_equal(statfs(path, &fs), 0);
	return fs.f_type == 0xEF53;
}

/* Count dir with a fresh counter made under DOPTOP_COUNT_THREADS=threads
 * (NULL: unset); asserts success; *split gets the dirs_split statistic. */
static uint64_t count_threads(const char *dir, const char *glob,
			      const char *threads, unsigned *split)
{
	struct counter *c;
	uint64_t n = UINT64_MAX;

	if (threads)
		assert_int_equal(setenv("DOPTOP_COUNT_THREADS", threads, 1), 0);
	c = counter_new(dir, glob, false);
	assert_int_equal(unsetenv("DOPTOP_COUNT_THREADS"), 0);
	assert_non_null(c);
	assert_int_equal(counter_count(c, &n, NULL, NULL), 0);
	*split = counter_stats(c)->dirs_split;
	assert_int_equal(counter_stats(c)->dirs_read, 1);
	counter_free(c);
	return n;
}

/* Run the remote command for dir under sh -c from cwd; parse its stdout.
 * Returns the parse result (0 or negative), count in *n. */
static int count_via_sh(const char *cwd, const char *dir, const char *glob,
			bool rec, uint64_t *n)
{
	static char cmd[8192], full[9000];
	char out[256];
	size_t len;
	FILE *f;
	int k = count_remote_command(cmd, sizeof cmd, dir, glob, rec);

	assert_true(k > 0 && (size_t)k == strlen(cmd));
	/* The wrapper only picks the working directory; cwd is a safe name. */
	snprintf(full, sizeof full, "cd '%s' && exec sh -c \"$DOPTOP_CMD\" 2>/dev/null", cwd);
	setenv("DOPTOP_CMD", cmd, 1);
	f = popen(full, "r");
	assert_non_null(f);
	len = fread(out, 1, sizeof out, f);
	pclose(f);
	return count_parse_remote(out, len, n);
}

/* N files exact, among subdirs, symlinks and a fifo; remote agrees. */
static void test_flat_exact(void **state)
{
	char d[256], p[300];
	uint64_t n;

	(void)state;
	at(d, sizeof d, "flat");
	assert_int_equal(mkdir(d, 0755), 0);
	make_files(d, "f", "", 1234);
	make_files(d, ".hidden", "", 3);
	snprintf(p, sizeof p, "%s/sub", d);
	assert_int_equal(mkdir(p, 0755), 0);
	make_files(p, "x", "", 5);
	snprintf(p, sizeof p, "%s/link", d);
	assert_int_equal(symlink("f1", p), 0);
	snprintf(p, sizeof p, "%s/fifo", d);
	assert_int_equal(mkfifo(p, 0644), 0);
	assert_int_equal(count_once(d, NULL, false), 1237);
	assert_int_equal(count_once(d, NULL, true), 1242);
	assert_int_equal(count_via_sh(base, d, NULL, false, &n), 0);
	assert_int_equal(n, 1237);
	assert_int_equal(count_via_sh(base, d, NULL, true, &n), 0);
	assert_int_equal(n, 1242);
}

/* Glob on the name; local and remote agree (hidden names match too). */
static void test_glob(void **state)
{
	char d[256];
	uint64_t n;

	(void)state;
	at(d, sizeof d, "glob");
	assert_int_equal(mkdir(d, 0755), 0);
	make_files(d, "img", ".jpg", 40);
	make_files(d, "img", ".jpg.tmp", 7);
	make_files(d, "log", ".txt", 9);
	make_files(d, ".", ".jpg", 2); /* ".0.jpg", ".1.jpg" */
	assert_int_equal(count_once(d, "*.jpg", false), 42);
	assert_int_equal(count_once(d, "*.txt", false), 9);
	assert_int_equal(count_once(d, "img[12]*", false), 24); /* 1,10-19,2,20-29 + 2 tmp */
	assert_int_equal(count_via_sh(base, d, "*.jpg", false, &n), 0);
	assert_int_equal(n, 42);
	assert_int_equal(count_via_sh(base, d, "img[12]*", false, &n), 0);
	assert_int_equal(n, 24);
}

/* Make the sharded layout d/a/b/c with files at the leaves and a few
 * higher up: 2 x 3 x 4 leaves of 10 files, 1 file in each a/b, 2 in d. */
static void make_sharded(const char *d)
{
	char p[512];

	assert_int_equal(mkdir(d, 0755), 0);
	make_files(d, "top", ".jpg", 2);
	for (int a = 0; a < 2; a++) {
		snprintf(p, sizeof p, "%s/%x", d, a);
		assert_int_equal(mkdir(p, 0755), 0);
		for (int b = 0; b < 3; b++) {
			snprintf(p, sizeof p, "%s/%x/%x", d, a, b);
			assert_int_equal(mkdir(p, 0755), 0);
			make_files(p, "mid", ".jpg", 1);
			for (int c = 0; c < 4; c++) {
				snprintf(p, sizeof p, "%s/%x/%x/%x", d, a, b, c);
				assert_int_equal(mkdir(p, 0755), 0);
				make_files(p, "abc", ".jpg", 10);
				make_files(p, "abc", ".json", 1);
			}
		}
	}
}

/* Recursive over a/b/c: exact, glob, symlinked dirs not followed. */
static void test_recursive_sharded(void **state)
{
	char d[256], p[300];
	uint64_t n;

	(void)state;
	at(d, sizeof d, "shard");
	make_sharded(d);
	snprintf(p, sizeof p, "%s/loop", d);
	assert_int_equal(symlink(".", p), 0); /* would count twice if followed */
	assert_int_equal(count_once(d, "*.jpg", true), 2 + 6 + 24 * 10);
	assert_int_equal(count_once(d, NULL, true), 2 + 6 + 24 * 11);
	assert_int_equal(count_once(d, NULL, false), 2);
	assert_int_equal(count_via_sh(base, d, "*.jpg", true, &n), 0);
	assert_int_equal(n, 2 + 6 + 24 * 10);
	/* The counted directory itself may be a symlink. */
	at(p, sizeof p, "shard-link");
	assert_int_equal(symlink(d, p), 0);
	assert_int_equal(count_once(p, "*.jpg", true), 248);
}

/* Unchanged mtime: the count is skipped and the same; a new file shows. */
static void test_mtime_skip_flat(void **state)
{
	char d[256], p[300];
	struct counter *c;
	uint64_t n = 0;
	double took;

	(void)state;
	at(d, sizeof d, "skip");
	assert_int_equal(mkdir(d, 0755), 0);
	make_files(d, "f", "", 500);
	c = counter_new(d, NULL, false);
	assert_non_null(c);
	/* Just written: the mtime is too fresh to trust, so it is re-read. */
	assert_int_equal(counter_count(c, &n, &took, NULL), 0);
	assert_int_equal(n, 500);
	assert_int_equal(counter_count(c, &n, &took, NULL), 0);
	assert_int_equal(counter_stats(c)->dirs_read, 1);
	assert_int_equal(counter_stats(c)->dirs_skipped, 0);
	backdate(d);
	assert_int_equal(counter_count(c, &n, &took, NULL), 0);
	assert_int_equal(counter_stats(c)->dirs_read, 1);
	n = 0;
	assert_int_equal(counter_count(c, &n, &took, NULL), 0);
	assert_int_equal(n, 500);
	assert_int_equal(counter_stats(c)->dirs_read, 0);
	assert_int_equal(counter_stats(c)->dirs_skipped, 1);
	make_files(d, "new", "", 1);
	assert_int_equal(counter_count(c, &n, &took, NULL), 0);
	assert_int_equal(n, 501);
	assert_int_equal(counter_stats(c)->dirs_read, 1);
	/* Deleting shows as well (the count goes down). */
	snprintf(p, sizeof p, "%s/f7", d);
	assert_int_equal(unlink(p), 0);
	backdate(d);
	assert_int_equal(counter_count(c, &n, &took, NULL), 0);
	assert_int_equal(n, 500);
	counter_free(c);
}

/* Recursive: leaves are skipped, dirs with subdirs re-read. */
static void test_mtime_skip_recursive(void **state)
{
	char d[256];
	struct counter *c;
	uint64_t n = 0;

	(void)state;
	at(d, sizeof d, "rskip");
	make_sharded(d);
	assert_int_equal(nftw(d, backdate_one, 16, FTW_DEPTH | FTW_PHYS), 0);
	c = counter_new(d, "*.jpg", true);
	assert_non_null(c);
	assert_int_equal(counter_count(c, &n, NULL, NULL), 0);
	assert_int_equal(n, 248);
	assert_int_equal(counter_stats(c)->dirs_read, 1 + 2 + 6 + 24);
	assert_int_equal(counter_count(c, &n, NULL, NULL), 0);
	assert_int_equal(n, 248);
	assert_int_equal(counter_stats(c)->dirs_skipped, 24);
	assert_int_equal(counter_stats(c)->dirs_read, 1 + 2 + 6);
	make_files(d, "/1/2/3/new", ".jpg", 3);
	assert_int_equal(counter_count(c, &n, NULL, NULL), 0);
	assert_int_equal(n, 251);
	assert_int_equal(counter_stats(c)->dirs_read, 1 + 2 + 6 + 1);
	assert_int_equal(counter_stats(c)->dirs_skipped, 23);
	counter_free(c);
}

/* Missing, not a directory, a symlink loop: negative code and a reason. */
static void test_errors(void **state)
{
	char d[256], p[300];
	struct counter *c;
	const char *why = NULL;
	uint64_t n = 77;
	int rc;

	(void)state;
	c = counter_new(at(d, sizeof d, "nope"), NULL, false);
	assert_int_equal(counter_count(c, &n, NULL, &why), COUNT_ERR_MISSING);
	assert_non_null(why);
	assert_non_null(strstr(why, "does not exist"));
	assert_int_equal(n, 77);
	counter_free(c);

	make_files(base, "plain", "", 1);
	c = counter_new(at(d, sizeof d, "plain0"), NULL, true);
	assert_int_equal(counter_count(c, &n, NULL, &why), COUNT_ERR_NOTDIR);
	assert_string_equal(why, "not a directory");
	counter_free(c);
	c = counter_new(at(d, sizeof d, "plain0/below"), NULL, false);
	assert_int_equal(counter_count(c, &n, NULL, &why), COUNT_ERR_NOTDIR);
	counter_free(c);

	at(d, sizeof d, "loopy");
	assert_int_equal(symlink("loopy", d), 0);
	c = counter_new(d, NULL, false);
	rc = counter_count(c, &n, NULL, &why);
	assert_int_equal(rc, COUNT_ERR_READ);
	assert_non_null(strstr(why, "symbolic links"));
	counter_free(c);
	assert_int_equal(n, 77);

	/* Remote: failure is an empty stdout, which does not parse. */
	assert_true(count_via_sh(base, at(p, sizeof p, "nope"), NULL, false, &n) < 0);
	assert_true(count_via_sh(base, at(p, sizeof p, "plain0"), NULL, false, &n) < 0);
	assert_null(counter_new("", NULL, false));
	assert_null(counter_new(NULL, NULL, false));
}

/* Unreadable directories.  As root (for whom everything is readable) the
 * tree is closed to others (0700) and counted in a child that drops to
 * nobody; as any other user it is closed to its owner too (0000) and
 * counted as is, then reopened so the teardown can remove it. */
static void test_unreadable(void **state)
{
	char d[256], p[300];
	bool root = geteuid() == 0;
	mode_t closed = root ? 0700 : 0;
	pid_t pid;
	int st;

	(void)state;
	assert_int_equal(chmod(base, 0755), 0);
	at(d, sizeof d, "ro");
	make_sharded(d);
	snprintf(p, sizeof p, "%s/1", d);
	assert_int_equal(chmod(p, closed), 0); /* half the tree hidden */
	at(p, sizeof p, "closed");
	assert_int_equal(mkdir(p, 0700), 0);
	make_files(p, "f", "", 3);
	assert_int_equal(chmod(p, closed), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct counter *c;
		const char *why = NULL;
		uint64_t n = 0;

		if (root && (setgid(65534) < 0 || setuid(65534) < 0))
			_exit(10);
		c = counter_new(p, NULL, false);
		if (counter_count(c, &n, NULL, &why) != COUNT_ERR_READ ||
		    !strstr(why, "Permission denied"))
			_exit(11);
		counter_free(c);
		c = counter_new(d, "*.jpg", true);
		/* Readable half: 2 at top + 3 mid + 12 leaves x 10. */
		if (counter_count(c, &n, NULL, &why) != 0 || n != 2 + 3 + 120)
			_exit(12);
		if (!why || !strstr(why, "1 unreadable"))
			_exit(13);
		counter_free(c);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(chmod(p, 0700), 0);
	snprintf(p, sizeof p, "%s/1", d);
	assert_int_equal(chmod(p, 0700), 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* Deeper than COUNT_MAX_DEPTH: counted down to the cap, noted; find agrees. */
static void test_depth_cap(void **state)
{
	char d[256];
	static char p[8192];
	size_t len;
	const char *why = NULL;
	struct counter *c;
	uint64_t n = 0;

	(void)state;
	at(d, sizeof d, "deep");
	len = (size_t)snprintf(p, sizeof p, "%s", d);
	for (int i = 0; i <= COUNT_MAX_DEPTH + 2; i++) {
		assert_int_equal(mkdir(p, 0755), 0);
		make_files(p, "f", "", 1);
		len += (size_t)snprintf(p + len, sizeof p - len, "/d");
	}
	c = counter_new(d, NULL, true);
	assert_int_equal(counter_count(c, &n, NULL, &why), 0);
	assert_int_equal(n, COUNT_MAX_DEPTH + 1);
	assert_non_null(why);
	assert_non_null(strstr(why, "1 deeper than 64"));
	counter_free(c);
	assert_int_equal(count_via_sh(base, d, NULL, true, &n), 0);
	assert_int_equal(n, COUNT_MAX_DEPTH + 1);
}

/* A path with spaces, quotes, $(...), backticks and ';' is quoted, not run. */
static void test_remote_hostile_path(void **state)
{
	static const char *names[] = {
		"it's a \"dir\" $(touch pwned1) `touch pwned2`; touch pwned3 & x",
		"-n",
		"-",
		"new\nline $HOME '' \\",
	};
	char d[512], safe[300], p[700];
	uint64_t n;

	(void)state;
	at(safe, sizeof safe, "cwd");
	assert_int_equal(mkdir(safe, 0755), 0);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(d, sizeof d, "%s/%s", base, names[i]);
		assert_int_equal(mkdir(d, 0755), 0);
		make_files(d, "o", ".jpg", 17 + (unsigned)i);
		make_files(d, "o", ".txt", 2);
		assert_int_equal(count_via_sh(safe, d, "*.jpg", false, &n), 0);
		assert_int_equal(n, 17 + i);
		assert_int_equal(count_once(d, "*.jpg", false), 17 + i);
		/* Relative paths too (cd from the base dir). */
		assert_int_equal(count_via_sh(base, names[i], "*'.jpg", false, &n), 0);
		assert_int_equal(n, 0);
		assert_int_equal(count_via_sh(base, names[i], NULL, true, &n), 0);
		assert_int_equal(n, 19 + i);
	}
	/* Nothing injected ran: no pwned file anywhere we could have been. */
	for (int k = 1; k <= 3; k++) {
		const char *dirs[] = { safe, base, d };

		for (size_t j = 0; j < 3; j++) {
			snprintf(p, sizeof p, "%s/pwned%d", dirs[j], k);
			assert_int_equal(access(p, F_OK), -1);
		}
	}
	snprintf(d, sizeof d, "%s/%s", base, names[0]);
	snprintf(p, sizeof p, "%s/pwned1", d);
	assert_int_equal(access(p, F_OK), -1);
}

/* The command fits exactly or reports no space; never overflows. */
static void test_remote_command_space(void **state)
{
	char full[1024], small[1024];
	int k = count_remote_command(full, sizeof full, "/a b/it's", "*.jpg", true);

	(void)state;
	assert_true(k > 0);
	assert_non_null(strstr(full, "cd -- '/a b/it'\\''s'"));
	assert_non_null(strstr(full, "-maxdepth 65 -type f -name '*.jpg' -printf x) || exit 2"));
	for (int cap = 0; cap <= k; cap++) {
		memset(small, 'Z', sizeof small);
		assert_int_equal(count_remote_command(small, (size_t)cap, "/a b/it's", "*.jpg", true),
				 COUNT_ERR_SPACE);
		assert_int_equal(small[cap], 'Z');
	}
	assert_int_equal(count_remote_command(small, (size_t)k + 1, "/a b/it's", "*.jpg", true), k);
	assert_string_equal(small, full);
	assert_int_equal(count_remote_command(small, sizeof small, "", NULL, false), COUNT_ERR_ARG);
	k = count_remote_command(full, sizeof full, "-x", NULL, false);
	assert_non_null(strstr(full, "cd -- ./'-x' ||"));
	assert_non_null(strstr(full, "-maxdepth 1 -type f -printf x"));
}

/* Remote output parsing: one number, blanks allowed, nothing else. */
static void test_parse_remote(void **state)
{
	uint64_t n = 5;
	const char nl[] = "42\n";

	(void)state;
	assert_int_equal(count_parse_remote(nl, 3, &n), 0);
	assert_int_equal(n, 42);
	assert_int_equal(count_parse_remote("  1000000\r\n", 11, &n), 0);
	assert_int_equal(n, 1000000);
	assert_int_equal(count_parse_remote("18446744073709551615", 20, &n), 0);
	assert_int_equal(n, UINT64_MAX);
	assert_int_equal(count_parse_remote("0", 1, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(count_parse_remote("123456", 3, &n), 0); /* length rules */
	assert_int_equal(n, 123);
	n = 9;
	assert_int_equal(count_parse_remote("18446744073709551616", 20, &n), COUNT_ERR_ARG);
	assert_int_equal(count_parse_remote("", 0, &n), COUNT_ERR_ARG);
	assert_int_equal(count_parse_remote("\n", 1, &n), COUNT_ERR_ARG);
	assert_int_equal(count_parse_remote("12 13\n", 6, &n), COUNT_ERR_ARG);
	assert_int_equal(count_parse_remote("-1", 2, &n), COUNT_ERR_ARG);
	assert_int_equal(count_parse_remote("12a", 3, &n), COUNT_ERR_ARG);
	assert_int_equal(count_parse_remote("find: x\n3\n", 10, &n), COUNT_ERR_ARG);
	assert_int_equal(count_parse_remote("4\0", 2, &n), COUNT_ERR_ARG);
	assert_int_equal(n, 9);
}

static char loop_mnt[128];

/* Mount an ext4 image without the filetype feature (d_type is then always
 * DT_UNKNOWN); skips when mkfs or mount is not possible here. */
static int setup_loop(void **state)
{
	char cmd[1024];

	if (setup(state) < 0)
		return -1;
	snprintf(loop_mnt, sizeof loop_mnt, "%s/mnt", base);
	snprintf(cmd, sizeof cmd,
		 "truncate -s 16M %s/img && mkfs.ext4 -q -F -O ^filetype,^has_journal %s/img "
		 ">/dev/null 2>&1 && mkdir %s && mount -o loop %s/img %s 2>/dev/null",
		 base, base, loop_mnt, base, loop_mnt);
	if (system(cmd) != 0)
		loop_mnt[0] = '\0';
	return 0;
}

/* Unmount the image (if mounted) and remove the scratch directory. */
static int teardown_loop(void **state)
{
	char cmd[256];

	if (loop_mnt[0]) {
		snprintf(cmd, sizeof cmd, "umount %s", loop_mnt);
		if (system(cmd) != 0)
			return -1;
	}
	return teardown(state);
}

/* DT_UNKNOWN entries: fstatat only where needed; same counts. */
static void test_dt_unknown(void **state)
{
	char p[300];
	struct counter *c;
	uint64_t n = 0;

	(void)state;
	if (!loop_mnt[0]) {
		print_message("no loop mount here: DT_UNKNOWN path not exercised\n");
		skip();
	}
	make_files(loop_mnt, "a", ".jpg", 30);
	make_files(loop_mnt, "b", ".txt", 5);
	snprintf(p, sizeof p, "%s/sub", loop_mnt);
	assert_int_equal(mkdir(p, 0755), 0);
	make_files(p, "c", ".jpg", 4);
	snprintf(p, sizeof p, "%s/ln.jpg", loop_mnt);
	assert_int_equal(symlink("a1.jpg", p), 0);

	c = counter_new(loop_mnt, "*.jpg", false);
	assert_int_equal(counter_count(c, &n, NULL, NULL), 0);
	assert_int_equal(n, 30);
	/* Only names matching the glob were stat'ed: 30 + ln.jpg. */
	assert_int_equal(counter_stats(c)->stat_calls, 31);
	counter_free(c);
	c = counter_new(loop_mnt, "*.jpg", true);
	assert_int_equal(counter_count(c, &n, NULL, NULL), 0);
	assert_int_equal(n, 34);
	/* Recursive must stat everything to find directories (lost+found too). */
	assert_int_equal(counter_stats(c)->stat_calls, 30 + 5 + 1 + 1 + 1 + 4);
	counter_free(c);
	assert_int_equal(count_once(loop_mnt, NULL, false), 35);
}

/* Split (forced by DOPTOP_COUNT_THREADS=2) and one thread agree on tiny
 * to mid-size directories, with subdirectories, symlinks, a fifo and a glob
 * in the mix; recursive mode never splits. */
static void test_split_small(void **state)
{
	static const unsigned sizes[] = { 0, 1, 2, 10, 1000 };
	bool ext4 = on_ext4(base);
	char d[256], p[300];
	unsigned s1, s2;

	(void)state;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		snprintf(d, sizeof d, "%s/s%u", base, sizes[i]);
		assert_int_equal(mkdir(d, 0755), 0);
		make_files(d, "f", ".jpg", sizes[i]);
		assert_int_equal(count_threads(d, NULL, "2", &s2), sizes[i]);
		assert_int_equal(s2, ext4 ? 1 : 0);
		assert_int_equal(count_threads(d, NULL, "1", &s1), sizes[i]);
		assert_int_equal(s1, 0);
		/* Small: automatic mode keeps to one thread. */
		assert_int_equal(count_threads(d, NULL, NULL, &s1), sizes[i]);
		assert_int_equal(s1, 0);
	}
	/* d is the 1000-file one: add things that must not count. */
	for (int k = 0; k < 20; k++) {
		snprintf(p, sizeof p, "%s/sub%d", d, k);
		assert_int_equal(mkdir(p, 0755), 0);
		snprintf(p, sizeof p, "%s/ln%d.jpg", d, k);
		assert_int_equal(symlink("f1.jpg", p), 0);
	}
	snprintf(p, sizeof p, "%s/sub0", d);
	make_files(p, "deep", ".jpg", 7);
	snprintf(p, sizeof p, "%s/fifo.jpg", d);
	assert_int_equal(mkfifo(p, 0644), 0);
	make_files(d, "g", ".txt", 333);
	assert_int_equal(count_threads(d, NULL, "2", &s2), 1333);
	assert_int_equal(s2, ext4 ? 1 : 0);
	assert_int_equal(count_threads(d, "*.jpg", "2", &s2), 1000);
	assert_int_equal(count_threads(d, "*.txt", "2", &s2), 333);
	assert_int_equal(count_threads(d, "f1*", "2", &s2), 1 + 10 + 100);
	assert_int_equal(count_threads(d, "*.jpg", "1", &s1), 1000);
	assert_int_equal(count_once(d, NULL, true), 1340);
}

/* 50,000 files (directory > 256 KiB): automatic mode splits on ext4 and
 * agrees with one thread; the mtime skip still works after a split read. */
static void test_split_medium(void **state)
{
	const unsigned N = 50000;
	char d[256];
	struct counter *c;
	struct stat st;
	uint64_t n = 0;
	unsigned s1, s2;

	(void)state;
	at(d, sizeof d, "medium");
	assert_int_equal(mkdir(d, 0755), 0);
	make_files(d, "medium-file-", ".out", N);
	assert_int_equal(stat(d, &st), 0);
	print_message("50,000 files: directory st_size %lld bytes, ext4 %d\n",
		      (long long)st.st_size, on_ext4(d));
	assert_int_equal(count_threads(d, NULL, "1", &s1), N);
	assert_int_equal(s1, 0);
	assert_int_equal(count_threads(d, NULL, NULL, &s2), N);
	assert_int_equal(s2, on_ext4(d) && st.st_size >= (256 << 10) ? 1 : 0);
	assert_int_equal(count_threads(d, "*1.out", NULL, &s2), N / 10);
	backdate(d);
	c = counter_new(d, NULL, false);
	assert_non_null(c);
	assert_int_equal(counter_count(c, &n, NULL, NULL), 0);
	assert_int_equal(n, N);
	assert_int_equal(counter_stats(c)->dirs_split, s2);
	n = 0;
	assert_int_equal(counter_count(c, &n, NULL, NULL), 0);
	assert_int_equal(n, N);
	assert_int_equal(counter_stats(c)->dirs_skipped, 1);
	assert_int_equal(counter_stats(c)->dirs_split, 0);
	make_files(d, "late", "", 2);
	assert_int_equal(counter_count(c, &n, NULL, NULL), 0);
	assert_int_equal(n, N + 2);
	assert_int_equal(counter_stats(c)->dirs_read, 1);
	counter_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_flat_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_glob, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recursive_sharded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mtime_skip_flat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mtime_skip_recursive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_depth_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remote_hostile_path, setup, teardown),
		cmocka_unit_test(test_remote_command_space),
		cmocka_unit_test(test_parse_remote),
		cmocka_unit_test_setup_teardown(test_dt_unknown, setup_loop, teardown_loop),
		cmocka_unit_test_setup_teardown(test_split_small, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_medium, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
