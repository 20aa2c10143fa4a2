/*
 * insize.h — how many bytes the job's inputs hold (--inputs DIR, or the
 * --todo DIR): exactly while that is cheap (up to INSIZE_EXACT_MAX files:
 * one stat each), else from a random sample of INSIZE_SAMPLE file sizes
 * times the file count, with the sample size kept so it can be shown.  And
 * whether the directory is on a network file system (sshfs/FUSE, NFS,
 * SMB...), where a local copy is the cure.
 *
 * One line of text carries a measurement, written by the remote shell
 * command (insize_command(), for an SSH exec channel) or by insize_local()
 * for a directory here, read by insize_parse():
 *
 *   I <files> <sizes read> <bytes of the sizes read> <fs magic, hex>
 *
 * No curses, no libssh2.
 */
#ifndef DOPTOP_INSIZE_H
#define DOPTOP_INSIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INSIZE_EXACT_MAX 20000   /* files stat'ed one by one at most */
#define INSIZE_SAMPLE    1000    /* sizes read beyond that */
#define INSIZE_MAX_DEPTH 16      /* subdirectory levels read */

struct insize {
	uint64_t files;        /* regular files under the directory */
	uint64_t sampled;      /* sizes read (== files when exact) */
	double   bytes;        /* total, exact or estimated */
	bool     exact;
	bool     network;      /* on a network file system */
};

/* The shell command measuring dir on a node (POSIX sh + GNU find).
 * Length, or -1 when it does not fit. */
int insize_command(char *buf, size_t cap, const char *dir);
/* Measure dir here and write the same line into buf.  0, or -1 with a
 * reason in *why (static). */
int insize_local(const char *dir, char *buf, size_t cap, const char **why);
/* Parse the line.  0, or -1 for anything malformed. */
int insize_parse(const char *out, size_t len, struct insize *r);
/* True for a network file system's statfs magic (FUSE, NFS, SMB, 9p...). */
bool insize_network_magic(unsigned long magic);

#endif
