/*
 * procs.h — a node's top processes for the detail view.
 *
 * Local nodes are read through libproc2 (CPU % measured between two reads);
 * remote nodes run PROCS_REMOTE_CMD on an extra exec channel and its output
 * goes through procs_parse_ps().  Every string is sanitised and capped:
 * nothing from a node reaches the terminal raw.
 */
#ifndef DOPTOP_PROCS_H
#define DOPTOP_PROCS_H

#include <stddef.h>

#define PROCS_MAX      32      /* rows kept per node */
#define PROCS_USER_MAX 16
#define PROCS_CMD_MAX  64
#define PROCS_OUT_MAX  (16 * 1024)   /* cap for the remote command's stdout */

/* The remote command: POSIX-ish ps, sorted by CPU, at most 30 rows.  Note:
 * ps's pcpu is the average over the process's whole lifetime, not the last
 * interval (a long-lived idle daemon may show a few %). */
#define PROCS_REMOTE_CMD \
	"LC_ALL=C ps -eo pid=,user=,pcpu=,rss=,stat=,comm= 2>/dev/null | sort -k3,3 -rn | head -n 30"

struct proc_row {
	int    pid;
	char   user[PROCS_USER_MAX];
	double cpu;                    /* percent of one core */
	unsigned long long rss_kb;
	char   state[8];               /* "R", "S", "D", "Ss", ... */
	char   cmd[PROCS_CMD_MAX];
};

/* Parse PROCS_REMOTE_CMD output (pid user pcpu rss stat comm per line) into
 * rows[0..max).  Malformed lines are skipped; strings are sanitised and
 * truncated.  Returns the number of rows filled (0..max). */
int procs_parse_ps(const char *out, size_t len, struct proc_row *rows, int max);

struct procs_local;

/* A libproc2 reader for this machine.  NULL on failure.  Caller frees. */
struct procs_local *procs_local_new(void);
void procs_local_free(struct procs_local *p);
/* The top max processes by CPU since the previous call (the first call
 * measures from process start).  Returns rows filled, or negative. */
int procs_local_read(struct procs_local *p, struct proc_row *rows, int max);

#endif
