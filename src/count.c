/*
 * count.c — count the regular files in a directory (tree), cheaply.
 *
 * Reading: getdents64 straight into a reused buffer, entries classified by
 * d_type; fstatat only for DT_UNKNOWN entries (some network and old file
 * systems), and for those only after the glob matched (unless the entry
 * could be a directory we must descend into).
 *
 * Skipping unchanged directories: a directory's mtime changes whenever an
 * entry is created, removed or renamed in it, so an unchanged mtime means an
 * unchanged list of names.  We keep a small cache keyed by (st_dev, st_ino)
 * holding each directory's mtime and its count of matching files directly in
 * it.  What we chose, honestly:
 *  - Non-recursive mode: the one directory is skipped when its mtime is
 *    unchanged.
 *  - Recursive mode: a subdirectory's changes do not touch its parent's
 *    mtime, so every directory is still stat'ed on every count.  Only
 *    directories without subdirectories (the leaves, which hold the files in
 *    a sharded a/b/c layout) are skipped; directories that have
 *    subdirectories are re-read, because we do not store child names (no
 *    per-name allocation).  The cache holds at most CACHE_SLOTS / 2
 *    directories; beyond that directories are simply read every time.
 *  - "Racily clean" (the same trap git's index has): timestamps are coarse
 *    (kernel tick, 1 s over SFTP/sshfs, 2 s on FAT), so a file created just
 *    after our read can leave the mtime unchanged.  A cached entry is trusted
 *    only if the mtime was already RACY_NS older than the clock when we read
 *    the directory; otherwise the next count reads it again.  A file server
 *    whose clock runs behind ours by more than RACY_NS defeats this; so does
 *    client-side attribute caching on network mounts (sshfs caches
 *    attributes and listings for seconds), which no local reader can see
 *    through.
 */
#include "count.h"
#include "probe.h"
#include "text.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/magic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* getdents64 buffer sizes: the top directory (often the one huge flat one)
 * gets 1 MiB; each deeper level its own smaller buffer, because the parent's
 * buffer is still being walked while a child is read. */
#define BUF_TOP (1u << 20)
#define BUF_SUB (256u << 10)

/* Directory cache slots per table (open addressing, filled to half). */
#define CACHE_SLOTS (1u << 14)
/* Trust a cached mtime only if it was this much older than our clock at
 * read time (see the header comment). */
#define RACY_NS 2000000000LL

/* The kernel's getdents64 record (linux/dirent.h), declared here because
 * glibc only exposes it as struct dirent64 under a different contract. */
struct ldirent {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

struct dent {
	uint64_t dev, ino;
	int64_t mtime_ns;
	uint64_t files;      /* matching regular files directly in the dir */
	unsigned char used, trusted, has_subdirs;
};

struct counter {
	char *dir, *glob;
	bool recursive;
	char *bufs[COUNT_MAX_DEPTH + 1]; /* one per depth, allocated lazily */
	struct dent *old, *cur;          /* last count's cache, this count's */
	unsigned slots, fill;
	char *split_buf;                 /* the second thread's buffer */
	int threads;                     /* DOPTOP_COUNT_THREADS: 0 auto, 1, 2 */
	struct count_stats st;
	unsigned unreadable, too_deep;   /* subdirectories left out this count */
	char why[TEXT_LINE_MAX];
};

/* Nanoseconds of a clock. */
static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* A stat's mtime in nanoseconds. */
static int64_t mtime_ns(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
}

/* Slot index where (dev, ino) starts probing. */
static unsigned slot_of(const struct counter *c, uint64_t dev, uint64_t ino)
{
	uint64_t h = (ino ^ (dev << 32 | dev >> 32)) * 0x9E3779B97F4A7C15ULL;

	return (unsigned)(h >> 40) & (c->slots - 1);
}

/* The entry for (dev, ino) in table t, or NULL. */
static const struct dent *cache_find(const struct counter *c,
				     const struct dent *t, uint64_t dev,
				     uint64_t ino)
{
	unsigned i = slot_of(c, dev, ino);

	for (unsigned n = 0; n < c->slots && t[i].used; n++) {
		if (t[i].dev == dev && t[i].ino == ino)
			return &t[i];
		i = (i + 1) & (c->slots - 1);
	}
	return NULL;
}

/* Put e into this count's table; 0, or -1 when the table is full. */
static int cache_put(struct counter *c, const struct dent *e)
{
	unsigned i = slot_of(c, e->dev, e->ino);

	if (c->fill >= c->slots / 2)
		return -1;
	while (c->cur[i].used) {
		if (c->cur[i].dev == e->dev && c->cur[i].ino == e->ino) {
			c->cur[i] = *e; /* same dir reached twice (bind mount) */
			return 0;
		}
		i = (i + 1) & (c->slots - 1);
	}
	c->cur[i] = *e;
	c->fill++;
	return 0;
}

/* Map an errno from opening the counted directory to a COUNT_ERR_* code. */
static int err_of(int e)
{
	if (e == ENOENT)
		return COUNT_ERR_MISSING;
	if (e == ENOTDIR)
		return COUNT_ERR_NOTDIR;
	if (e == ENOMEM)
		return COUNT_ERR_NOMEM;
	return COUNT_ERR_READ;
}

/* Set c->why from a code and errno text; returns code. */
static int fail(struct counter *c, int code, int e)
{
	/* "directory does not exist" says all that ENOENT would. */
	if (e && code != COUNT_ERR_MISSING && code != COUNT_ERR_NOTDIR)
		snprintf(c->why, sizeof c->why, "%s: %s", err_text(code),
			 strerror(e));
	else
		snprintf(c->why, sizeof c->why, "%s", err_text(code));
	return code;
}

/* DOPTOP_COUNT_THREADS as 1 (never split), 2 (always split), 0 (auto). */
static int threads_env(void)
{
	const char *v = getenv("DOPTOP_COUNT_THREADS");

	if (v && strcmp(v, "1") == 0)
		return 1;
	if (v && strcmp(v, "2") == 0)
		return 2;
	return 0;
}

struct counter *counter_new(const char *dir, const char *glob, bool recursive)
{
	struct counter *c;

	if (!dir || !*dir)
		return NULL;
	c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->dir = strdup(dir);
	c->glob = glob && *glob ? strdup(glob) : NULL;
	c->recursive = recursive;
	c->threads = threads_env();
	c->slots = recursive ? CACHE_SLOTS : 2;
	c->old = calloc(c->slots, sizeof *c->old);
	c->cur = calloc(c->slots, sizeof *c->cur);
	if (!c->dir || (glob && *glob && !c->glob) || !c->old || !c->cur) {
		counter_free(c);
		return NULL;
	}
	return c;
}

void counter_free(struct counter *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i <= COUNT_MAX_DEPTH; i++)
		free(c->bufs[i]);
	free(c->split_buf);
	free(c->old);
	free(c->cur);
	free(c->glob);
	free(c->dir);
	free(c);
}

/* Does name match the glob (or is there none)? */
static bool name_matches(const struct counter *c, const char *name)
{
	return !c->glob || fnmatch(c->glob, name, 0) == 0;
}

static int visit(struct counter *c, int pfd, const char *name, unsigned depth,
		 uint64_t *total);

/* The type of one entry of the directory open at fd: DT_REG for a matching
 * regular file, DT_DIR, or 0 for anything to ignore.  Touches nothing in c
 * (both split threads call it); fstatat calls are added to *stats. */
static unsigned char entry_type(const struct counter *c, int fd,
				const struct ldirent *d, uint64_t *stats)
{
	const char *name = d->d_name;
	unsigned char type = d->d_type;
	struct stat st;

	if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
		return 0;
	if (type == DT_UNKNOWN) {
		/* Only a directory or a matching name can change the answer. */
		if (!c->recursive && !name_matches(c, name))
			return 0;
		(*stats)++;
		if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return 0; /* removed since the listing: not there */
		type = S_ISREG(st.st_mode) ? DT_REG
		     : S_ISDIR(st.st_mode) ? DT_DIR : DT_LNK;
	}
	if (type == DT_REG)
		return name_matches(c, name) ? DT_REG : 0;
	return type == DT_DIR ? DT_DIR : 0;
}

/* Classify one entry of the directory open at fd: count a matching file
 * into *own, descend into a subdirectory (recursive mode). */
static int take_entry(struct counter *c, int fd, const struct ldirent *d,
		      unsigned depth, uint64_t *own, uint64_t *total,
		      bool *subdirs)
{
	unsigned char type = entry_type(c, fd, d, &c->st.stat_calls);

	if (type == DT_REG) {
		(*own)++;
		return 0;
	}
	if (type != DT_DIR)
		return 0;
	*subdirs = true;
	if (!c->recursive)
		return 0;
	if (depth + 1 > COUNT_MAX_DEPTH) {
		c->too_deep++;
		return 0;
	}
	return visit(c, fd, d->d_name, depth + 1, total);
}

/* The getdents64 buffer for a depth (allocated on first use), its size. */
static char *level_buf(struct counter *c, unsigned depth, size_t *cap)
{
	*cap = depth ? BUF_SUB : BUF_TOP;
	if (!c->bufs[depth])
		c->bufs[depth] = malloc(*cap);
	return c->bufs[depth];
}

/* Read every entry of the directory open at fd.  Matching files directly in
 * it go to *own; files found below it are added to *total. */
static int read_dir(struct counter *c, int fd, unsigned depth, uint64_t *own,
		    uint64_t *total, bool *subdirs)
{
	size_t cap;
	char *buf = level_buf(c, depth, &cap);

	if (!buf)
		return fail(c, COUNT_ERR_NOMEM, 0);
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf, cap);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_of(errno == ENOTDIR ? EIO : errno);
		if (n == 0)
			return 0;
		for (long off = 0; off < n;) {
			const struct ldirent *d = (const void *)(buf + off);
			int rc;

			if (d->d_reclen == 0 || off + d->d_reclen > n)
				return COUNT_ERR_READ; /* never from a sane kernel */
			off += d->d_reclen;
			rc = take_entry(c, fd, d, depth, own, total, subdirs);
			if (rc < 0)
				return rc;
		}
	}
}

/*
 * Two threads over one big flat ext4 directory.  perf showed 95% of a flat
 * count inside ext4's readdir, so the only way to go faster is a second
 * reader.  ext4 reads a directory in hash order (htree, and since the
 * hash-ordered readdir also a one-block directory), and its position (the
 * lseek offset, and each entry's d_off) is then not a byte offset but a hash:
 * pos = ((major_hash >> 1) << 32) | minor_hash, end EXT4_HTREE_EOF_64BIT =
 * 0x7fffffffffffffff (fs/ext4/dir.c: hash2pos, ext4_dir_llseek), and an
 * entry's d_off is the position of the next one.  So an entry's own position
 * is the previous entry's d_off (0 for the first), and ext4_dir_llseek takes
 * any hash as a position.  The main thread reads from 0 and counts entries
 * below SPLIT_MID; a second thread opens the directory again, seeks to
 * SPLIT_MID and counts to the end.  The hash is uniform, so the halves are
 * about equal.  Checked on this kernel (6.18, ext4 with dir_index): the sum
 * equals the single-thread count on 0, 1, 2, 10, 1000, 50,000 and 1,000,000
 * entries (tests/test_count.c).
 * We trust nothing we did not check: positions must never go down and the
 * second half must start at or after SPLIT_MID, else (another file system
 * reporting 0xEF53, such as the ext2 driver, or a directory without hash
 * order, whose positions are byte offsets) the directory is read again by
 * one thread.  Both readers take only the shared inode lock
 * (iterate_shared), so they really run in parallel.
 * Measured (bench/count.sh, 1,000,000 empty files, 2 cores, warm cache):
 * two threads 102-105 ms, one thread 179-186 ms (1.7-1.8x), ls -f | wc -l
 * 332-341 ms (3.2x), find | wc -l 942-948 ms; halves of 498,944 and
 * 501,058 entries.  With the second core busy (another process spinning)
 * both took about 195 ms: the split costs nothing measurable when it cannot
 * help.
 */
/* Below this many bytes of directory (st_size) a thread is not worth it:
 * 256 KiB is about 8,000 entries, a few milliseconds of readdir, against
 * some tens of microseconds to start and join a thread. */
#define SPLIT_MIN_BYTES (256 << 10)
#define SPLIT_MID ((int64_t)0x40000000 << 32) /* half of the hash positions */
#define SPLIT_ODD 1 /* positions did not behave like ext4 hashes */
/* getdents64 batch of a half: the first half reads up to one batch past
 * SPLIT_MID for nothing, so smaller than BUF_TOP (8,000 names a call). */
#define SPLIT_BUF BUF_SUB

/* One half of a split read. */
struct half {
	const struct counter *c;
	int fd;
	char *buf;
	int64_t lo, hi;      /* count entries whose position is in [lo, hi) */
	uint64_t files, stat_calls;
	bool subdirs;
	int rc, err;         /* 0, SPLIT_ODD or a COUNT_ERR_* code; errno */
};

/* Count the entries of one half; result in h (a thread body). */
static void *half_read(void *arg)
{
	struct half *h = arg;
	int64_t pos = h->lo;

	if (h->lo && lseek(h->fd, h->lo, SEEK_SET) != h->lo) {
		h->rc = SPLIT_ODD; /* positions are not hashes here */
		return NULL;
	}
	for (;;) {
		long n = syscall(SYS_getdents64, h->fd, h->buf, SPLIT_BUF);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			h->err = errno;
			h->rc = n < 0 ? err_of(h->err == ENOTDIR ? EIO : h->err) : 0;
			return NULL;
		}
		for (long off = 0; off < n;) {
			const struct ldirent *d = (const void *)(h->buf + off);
			unsigned char type;

			if (d->d_reclen == 0 || off + d->d_reclen > n) {
				h->rc = COUNT_ERR_READ;
				return NULL;
			}
			off += d->d_reclen;
			if (pos >= h->hi)
				return NULL;
			if (d->d_off < pos) {
				h->rc = SPLIT_ODD;
				return NULL;
			}
			pos = d->d_off;
			type = entry_type(h->c, h->fd, d, &h->stat_calls);
			h->files += type == DT_REG;
			h->subdirs |= type == DT_DIR;
		}
	}
}

/* Should the directory open at fd (stat st) be read by two threads? */
static bool split_wanted(const struct counter *c, int fd, const struct stat *st)
{
	struct statfs fs;

	if (c->recursive || c->threads == 1)
		return false;
	if (c->threads != 2 && st->st_size < SPLIT_MIN_BYTES)
		return false;
	return fstatfs(fd, &fs) == 0 && fs.f_type == EXT4_SUPER_MAGIC;
}

/* Read the flat directory open at fd with two threads over its hash halves;
 * matching files go to *own.  Falls back to one thread (read_dir) when the
 * positions do not behave like ext4 hashes or a thread cannot be had. */
static int read_split(struct counter *c, int fd, uint64_t *own, bool *subdirs)
{
	struct half a = { .c = c, .fd = fd, .lo = 0, .hi = SPLIT_MID };
	struct half b = { .c = c, .lo = SPLIT_MID, .hi = INT64_MAX };
	uint64_t below = 0; /* read_dir's count of deeper files: none (flat) */
	pthread_t tid;
	size_t cap;
	int started;

	a.buf = level_buf(c, 0, &cap);
	if (!c->split_buf)
		c->split_buf = malloc(SPLIT_BUF);
	b.buf = c->split_buf;
	if (!a.buf || !b.buf)
		return fail(c, COUNT_ERR_NOMEM, 0);
	/* "." names the same directory: a second open file, its own position. */
	b.fd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (b.fd < 0)
		return read_dir(c, fd, 0, own, &below, subdirs);
	started = pthread_create(&tid, NULL, half_read, &b) == 0;
	half_read(&a);
	if (started)
		pthread_join(tid, NULL);
	else
		half_read(&b);
	close(b.fd);
	c->st.stat_calls += a.stat_calls + b.stat_calls;
	if (a.rc == SPLIT_ODD || b.rc == SPLIT_ODD) {
		if (lseek(fd, 0, SEEK_SET) != 0)
			return err_of(errno);
		return read_dir(c, fd, 0, own, &below, subdirs);
	}
	if (a.rc < 0 || b.rc < 0) {
		errno = a.rc < 0 ? a.err : b.err;
		return a.rc < 0 ? a.rc : b.rc;
	}
	*own = a.files + b.files;
	*subdirs = a.subdirs || b.subdirs;
	c->st.dirs_split++;
	return 0;
}

/* Handle a subdirectory that could not be read: note it, or fail if it is
 * the counted directory itself (depth 0). */
static int sub_failed(struct counter *c, unsigned depth, int code, int e)
{
	if (depth == 0 || code == COUNT_ERR_NOMEM)
		return fail(c, code, e);
	if (e != ENOENT) /* vanished since the listing: nothing to count */
		c->unreadable++;
	return 0;
}

/* Count the directory `name` (relative to pfd) and, when recursive, below
 * it; add the result to *total. */
static int visit(struct counter *c, int pfd, const char *name, unsigned depth,
		 uint64_t *total)
{
	int nofollow = depth ? AT_SYMLINK_NOFOLLOW : 0;
	const struct dent *e;
	struct dent ne = { .used = 1 };
	struct stat st;
	bool subdirs = false;
	int fd, rc, err;

	if (fstatat(pfd, name, &st, nofollow) < 0)
		return sub_failed(c, depth, err_of(errno), errno);
	if (!S_ISDIR(st.st_mode))
		return sub_failed(c, depth, COUNT_ERR_NOTDIR, 0);
	e = cache_find(c, c->old, st.st_dev, st.st_ino);
	if (e && e->trusted && e->mtime_ns == mtime_ns(&st) &&
	    (!e->has_subdirs || !c->recursive)) {
		*total += e->files;
		c->st.dirs_skipped++;
		if (cache_put(c, e) < 0)
			c->st.dirs_uncached++;
		return 0;
	}
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
		    (depth ? O_NOFOLLOW : 0));
	if (fd < 0)
		return sub_failed(c, depth, err_of(errno), errno);
	/* The mtime we record must predate the read: a change during the read
	 * then shows up as a different mtime next time. */
	if (fstat(fd, &st) < 0) {
		err = errno;
		close(fd);
		return sub_failed(c, depth, COUNT_ERR_READ, err);
	}
	ne.dev = st.st_dev;
	ne.ino = st.st_ino;
	ne.mtime_ns = mtime_ns(&st);
	ne.trusted = ne.mtime_ns + RACY_NS < clock_ns(CLOCK_REALTIME);
	if (depth == 0 && split_wanted(c, fd, &st))
		rc = read_split(c, fd, &ne.files, &subdirs);
	else
		rc = read_dir(c, fd, depth, &ne.files, total, &subdirs);
	err = errno;
	close(fd);
	if (rc < 0)
		return sub_failed(c, depth, rc, rc == COUNT_ERR_NOMEM ? 0 : err);
	ne.has_subdirs = subdirs;
	*total += ne.files;
	c->st.dirs_read++;
	if (cache_put(c, &ne) < 0)
		c->st.dirs_uncached++;
	return 0;
}

int counter_count(struct counter *c, uint64_t *out, double *took_s,
		  const char **why)
{
	int64_t t0 = clock_ns(CLOCK_MONOTONIC);
	uint64_t total = 0;
	struct dent *t;
	int rc;

	if (why)
		*why = NULL;
	if (!c || !out) {
		if (why)
			*why = err_text(COUNT_ERR_ARG);
		return COUNT_ERR_ARG;
	}
	memset(&c->st, 0, sizeof c->st);
	c->why[0] = '\0';
	c->unreadable = c->too_deep = 0;
	c->fill = 0;
	memset(c->cur, 0, c->slots * sizeof *c->cur);
	rc = visit(c, AT_FDCWD, c->dir, 0, &total);
	if (took_s)
		*took_s = (double)(clock_ns(CLOCK_MONOTONIC) - t0) / 1e9;
	if (rc < 0) {
		if (!c->why[0]) /* fail() was not reached on this path */
			fail(c, rc, 0);
		if (why)
			*why = c->why;
		return rc;
	}
	t = c->old; /* this count's table becomes the reference */
	c->old = c->cur;
	c->cur = t;
	*out = total;
	if (c->unreadable || c->too_deep) {
		snprintf(c->why, sizeof c->why,
			 "not counted: %u unreadable subdirectories, %u deeper than %d levels",
			 c->unreadable, c->too_deep, COUNT_MAX_DEPTH);
		if (why)
			*why = c->why;
	}
	return 0;
}

const struct count_stats *counter_stats(const struct counter *c)
{
	return &c->st;
}

/* Append s quoted for a POSIX shell; 0, or -1 when it does not fit. */
static int quote_append(char *buf, size_t cap, size_t *len, const char *s)
{
	int k = probe_shell_quote(buf + *len, cap - *len, s);

	if (k < 0)
		return -1;
	*len += (size_t)k;
	return 0;
}

/* Append the literal text s; 0, or -1 when it does not fit. */
static int text_append(char *buf, size_t cap, size_t *len, const char *s)
{
	size_t k = strlen(s);

	if (*len + k >= cap)
		return -1;
	memcpy(buf + *len, s, k + 1);
	*len += k;
	return 0;
}

/*
 * Which remote command: measured on this machine (Debian 12, ext4, GNU find
 * 4.9.0, coreutils 9.1), one directory of 1,000,000 empty files, warm cache,
 * best of 5 runs:
 *   find . -maxdepth 1 -type f -printf x | wc -c        0.81 s
 *   find . -maxdepth 1 -type f -printf '\n' | wc -l     0.85 s
 *   find . -maxdepth 1 -type f | wc -l                  0.90 s
 *   find ... -type f -name 'f*' -printf x | wc -c       0.95 s
 *   ls -f | wc -l                                       0.33 s
 * ls -f is 2.5x faster but counts '.', '..', subdirectories and symlinks,
 * counts a name holding a newline twice and cannot apply a glob, so it
 * answers a different question.  find -printf x is the cheapest exact one:
 * one byte per regular file whatever the name, no stat (GNU find uses
 * d_type), and its length has nothing to parse.  LC_ALL=C keeps -name out of
 * multibyte locale rules.  -maxdepth bounds recursion like COUNT_MAX_DEPTH.
 * The exec channel runs the user's login shell; like the probe, this
 * assumes a POSIX-compatible one.
 */
int count_remote_command(char *buf, size_t cap, const char *dir,
			 const char *glob, bool recursive)
{
	char depth[32];
	size_t len = 0;

	if (!buf || !dir || !*dir)
		return COUNT_ERR_ARG;
	if (cap == 0)
		return COUNT_ERR_SPACE;
	buf[0] = '\0';
	/* CDPATH could make cd print a path onto our stdout; "./" keeps a
	 * name starting with '-' (or "-" itself) from being an option. */
	if (text_append(buf, cap, &len, "unset CDPATH; cd -- ") < 0 ||
	    (dir[0] == '-' && text_append(buf, cap, &len, "./") < 0) ||
	    quote_append(buf, cap, &len, dir) < 0 ||
	    text_append(buf, cap, &len, " || exit 1; if [ ! -r . ]; then "
			"echo 'doptop: directory not readable' >&2; exit 1; fi; "
			"n=$(LC_ALL=C find . -maxdepth ") < 0)
		return COUNT_ERR_SPACE;
	snprintf(depth, sizeof depth, "%d", recursive ? COUNT_MAX_DEPTH + 1 : 1);
	if (text_append(buf, cap, &len, depth) < 0 ||
	    text_append(buf, cap, &len, " -type f") < 0)
		return COUNT_ERR_SPACE;
	if (glob && *glob &&
	    (text_append(buf, cap, &len, " -name ") < 0 ||
	     quote_append(buf, cap, &len, glob) < 0))
		return COUNT_ERR_SPACE;
	/* Not "| wc -c": a pipeline's status is wc's, so a find that failed
	 * half way (an sshfs error, a find without -printf) would pass as a
	 * short count; ${#n} is POSIX and n holds one byte per file. */
	if (text_append(buf, cap, &len, " -printf x) || exit 2; printf '%s\\n' \"${#n}\"") < 0)
		return COUNT_ERR_SPACE;
	return (int)len;
}

/* Is ch blank space that may surround the number? */
static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

int count_parse_remote(const char *out, size_t len, uint64_t *n)
{
	size_t i = 0;

	if (!out || !n)
		return COUNT_ERR_ARG;
	while (i < len && is_blank(out[i]))
		i++;
	while (len > i && is_blank(out[len - 1]))
		len--;
	return text_u64(out + i, len - i, UINT64_MAX, n) < 0 ? COUNT_ERR_ARG : 0;
}
