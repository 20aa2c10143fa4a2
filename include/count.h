/*
 * count.h — count a job's finished items: the regular files in a directory.
 *
 * Local counting reads the directory with getdents64 into a reused buffer and
 * counts entries by d_type (no stat per file, no sorting, no allocation per
 * name; fstatat only where the file system reports DT_UNKNOWN).  A directory
 * whose mtime has not changed since it was last read is not read again.
 * Remote counting builds one shell command for an SSH exec channel and parses
 * its output.  No curses, no libssh2.
 *
 * What counts: regular files (not symlinks, not directories), including
 * names starting with '.', whose name matches the optional glob (fnmatch with
 * no flags, the same rule as find -name).  Recursive mode descends into
 * subdirectories (never through symlinks) down to COUNT_MAX_DEPTH levels.
 *
 * Threads: a big flat (non-recursive) directory on ext4 is read by two
 * threads, each over half of ext4's directory hash space (see count.c).
 * The environment variable DOPTOP_COUNT_THREADS, read by counter_new(), is
 * for tests and benchmarks: "1" never splits, "2" splits every flat ext4
 * directory whatever its size; unset or anything else: automatic.
 */
#ifndef DOPTOP_COUNT_H
#define DOPTOP_COUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"

/* Subdirectory levels below the counted directory that recursive mode reads;
 * deeper ones are skipped and reported as a note. */
#define COUNT_MAX_DEPTH 64

/* Error codes (negative returns). */
#define COUNT_ERR_NOMEM   (ERR_COUNT_BASE - 1) /* out of memory */
#define COUNT_ERR_MISSING (ERR_COUNT_BASE - 2) /* directory does not exist */
#define COUNT_ERR_NOTDIR  (ERR_COUNT_BASE - 3) /* path is not a directory */
#define COUNT_ERR_READ    (ERR_COUNT_BASE - 4) /* directory cannot be opened or read */
#define COUNT_ERR_ARG     (ERR_COUNT_BASE - 5) /* bad argument (NULL, empty, bad output) */
#define COUNT_ERR_SPACE   (ERR_COUNT_BASE - 6) /* caller's buffer too small */

struct counter;

/* What the last counter_count() did; for tests, benchmarks and the debug log. */
struct count_stats {
	unsigned dirs_read;     /* directories whose entries were read */
	unsigned dirs_skipped;  /* directories whose cached count was reused */
	unsigned dirs_uncached; /* read dirs that did not fit in the cache */
	uint64_t stat_calls;    /* fstatat calls for DT_UNKNOWN entries */
	unsigned dirs_split;    /* dirs read by two threads (ext4 hash split) */
};

/* A counter for dir (copied).  glob may be NULL (every regular file).
 * Reads DOPTOP_COUNT_THREADS (see above) once, here.
 * Allocates no directory buffer until the first count.  Returns NULL when
 * out of memory or dir is NULL/empty.  Caller frees with counter_free(). */
struct counter *counter_new(const char *dir, const char *glob, bool recursive);

/* Count the matching files now.  On success returns 0 and stores the count
 * in *out and the wall time the count took (monotonic clock) in *took_s;
 * *why (optional) is then NULL, or a note about what was left out
 * (unreadable or too-deep subdirectories).  On failure returns a negative
 * COUNT_ERR_* code, leaves *out unchanged and sets *why to a one-line reason.
 * *why is a static string or borrowed from c until the next call. */
int counter_count(struct counter *c, uint64_t *out, double *took_s,
		  const char **why);

/* Statistics of the last counter_count() call (borrowed). */
const struct count_stats *counter_stats(const struct counter *c);

/* Free a counter; NULL is a no-op. */
void counter_free(struct counter *c);

/* Write the shell command (POSIX sh syntax, for an SSH exec channel) that
 * prints the count for dir on a stock Linux node as one decimal number on
 * stdout, and on failure prints nothing on stdout, a reason on stderr and
 * exits non-zero.  dir and glob (may be NULL) are shell-quoted.
 * Returns the length, or COUNT_ERR_SPACE / COUNT_ERR_ARG. */
int count_remote_command(char *buf, size_t cap, const char *dir,
			 const char *glob, bool recursive);

/* Parse the remote command's stdout (len bytes, need not be terminated):
 * one decimal number, optional surrounding blanks/newline.  Returns 0 or
 * COUNT_ERR_ARG (empty, garbage, overflow). */
int count_parse_remote(const char *out, size_t len, uint64_t *n);


#endif
