/*
 * facts.h — what doptop learns about a node besides its 1 s frame, at a
 * slow cadence: the job's processes (--job-cmd PATTERN: how many workers,
 * running, sleeping, blocked), the memory cgroup limit of the first worker
 * (a job in a memory cgroup has that limit, not MemAvailable), and the free
 * space of the node's local disks (for "copy the inputs to local disk").
 *
 * One line protocol, written by a remote shell command (facts_command(),
 * run over an extra channel of the node's SSH session, never from the
 * per-second probe) or for this machine by facts_local(), read by
 * facts_parse(), and stored as is in recordings:
 *
 *   P <pid> <ppid> <stat> <command line>   one per matching process
 *   C <CPU ticks> <ticks per second>       the matches' CPU time so far (user
 *                                          + system, their reaped children's
 *                                          too)
 *   M <limit|max> <usage>                  the first worker's memory cgroup
 *   D <available bytes> <mount point>      one per local disk file system
 *
 * Pure but for facts_local() (reads /proc and statvfs).  No curses, no
 * libssh2.  Every number parsed is checked; lines past the caps are ignored.
 */
#ifndef DOPTOP_FACTS_H
#define DOPTOP_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* How often a node's processes are read, and its disks' free space (the
 * issue: "at most every few seconds", "at most once a minute"). */
#define FACTS_PROCS_EVERY_S 5.0
#define FACTS_DISKS_EVERY_S 60.0
#define FACTS_OUT_MAX  (64 * 1024)   /* cap on the command's output */
#define FACTS_CMD_MAX  2048          /* cap on the command line we keep */

/* A v1 "no limit" (PAGE_COUNTER_MAX pages) is ~2^63; anything this big is
 * no limit. */
#define FACTS_NO_LIMIT_B 1e18

struct workers {
	int count, running, sleeping, blocked, other;
};

struct facts {
	bool   have_workers;          /* a process list was read */
	struct workers w;
	bool   have_mem_limit;        /* the first worker is in a limited memory cgroup */
	double mem_limit_B, mem_usage_B;
	bool   have_cpu;              /* this read's C line */
	double cpu_ticks, hz;
	bool   have_job_cores;        /* the job's CPU between the last two reads */
	double job_cores;
	bool   have_prev;
	double prev_ticks, prev_t;
	bool   have_disks;
	double disk_free_B;           /* the local file system with the most room */
	char   disk_mount[64];        /* its mount point (sanitised) */
};

/* Write the shell command that prints the facts for pattern (NULL: no
 * process list) and, when disks is true, the D lines.  The pattern is
 * passed through the environment, so neither the command's own ps/awk nor
 * anything but the shell itself (excluded by pid) matches it.  Returns the
 * length, or -1 when it does not fit. */
int facts_command(char *buf, size_t cap, const char *pattern, bool disks);

/* The same text for this machine, from /proc and statvfs: processes whose
 * command line contains pattern (NULL: none), except the process self;
 * disks when asked.  Returns the length written (truncated to cap). */
size_t facts_local(char *buf, size_t cap, const char *pattern, pid_t self, bool disks);

/* Parse the text into *f.  Process counts and the cgroup replace what *f
 * held when procs is true, the disks when disks is true (a slow D read
 * keeps its figure between reads).  Malformed lines are skipped.  Returns
 * the number of lines used. */
int facts_parse(const char *text, size_t len, bool procs, bool disks, struct facts *f);

/* After a parse with procs, at unix time t (when the text was read):
 * the job's CPU in cores since the previous read (have_job_cores). */
void facts_job_cpu(struct facts *f, double t);

#endif
