/*
 * classify.h — why is this node not going faster?  One verdict per node and
 * interval, from its rates, with hysteresis so a noisy second does not flip
 * the label.  Every threshold lives in one table in classify.c.
 * Pure: no curses, no libssh2.
 */
#ifndef DOPTOP_CLASSIFY_H
#define DOPTOP_CLASSIFY_H

#include <stddef.h>
#include "facts.h"
#include "rates.h"

/* Contract words: "cpu-bound", "syscall-heavy", "io-starved", "underused",
 * "idle", "unknown". */
enum verdict { V_UNKNOWN = 0, V_CPU_BOUND, V_SYSCALL_HEAVY, V_IO_STARVED,
               V_UNDERUSED, V_IDLE, V_COUNT };
/* Contract words: "none", "steal", "syscall", "fork", "ipc", "disk",
 * "network", "memory". */
enum cause { C_NONE = 0, C_STEAL, C_SYSCALL, C_FORK, C_IPC, C_DISK, C_NETWORK,
             C_MEMORY, C_COUNT };

struct judgement {
	enum verdict verdict;
	enum cause   cause;
};

/* Per-node classifier memory (hysteresis).  Zero-initialise. */
struct classifier {
	struct judgement stable;     /* what is shown */
	struct judgement pending;    /* a different raw judgement waiting to hold */
	int              pending_n;  /* how many intervals it has held */
};

const char *verdict_name(enum verdict v);
const char *cause_name(enum cause c);
/* Short, concrete advice for a verdict and cause (static string). */
const char *classify_advice(struct judgement j);

/* One interval's judgement with no memory; cur biases the thresholds toward
 * the current verdict (exit thresholds are looser than enter ones). */
struct judgement classify_raw(const struct rates *r, struct judgement cur);
/* Feed one interval; returns the (stable) judgement to show. */
struct judgement classify_step(struct classifier *c, const struct rates *r);
/* Forget history (node reconnected or restarted). */
void classify_reset(struct classifier *c);

/* Every threshold of the rules, one per line: "name value unit meaning"
 * (what `doptop --thresholds` prints).  Returns the length written
 * (whole lines only, at most cap - 1). */
size_t classify_thresholds(char *buf, size_t cap);

/* Write "why this verdict": the signals that decided it, with their values
 * and thresholds, one per line.  Returns the length written (truncated to cap). */
size_t classify_explain(const struct rates *r, struct judgement j, char *buf, size_t cap);

/* Headroom: an upper bound on how much faster the node's work could go if
 * the cause named by its verdict went away, from what is measured (the
 * CPU cannot do more than all of its cores).  Not every cause can be
 * bounded honestly: then known is false and why says so. */
struct headroom {
	bool   known;
	double x;              /* >= 1 when known */
	double work_cores;     /* cores doing user+system work (the weight) */
	char   why[160];       /* one line: the figures behind x, or why none */
};
/* job_cores: the CPU the job's own processes used (--job-cmd), or < 0
 * when unknown; then the node's busy cores stand in for it (work that is
 * not the job's lowers that ceiling). */
void classify_headroom(const struct rates *r, struct judgement j, double job_cores,
                       struct headroom *h);
/* "if the I/O waits went away" and the like, for "ETA ... at best ..." (static). */
const char *classify_if_gone(struct judgement j);

/* What the advice can use beyond the verdict (issue 9): the node's
 * workers, memory cgroup and local disks, and the job's inputs. */
struct decide_ctx {
	const struct rates *r;        /* the node's latest rates (NULL: none) */
	const struct facts *facts;    /* NULL: nothing learnt */
	double remaining_B;           /* input bytes still to read; < 0 unknown */
	bool   inputs_network;        /* the inputs are on a network file system */
};
/* The advice with the numbers that decide it ("the 12.4 GB still to read
 * fit in this node's 48.0 GB of available memory: copy them to /dev/shm
 * first", "16 workers on 64 cores: run 64 (max_workers = 64)"), written to
 * buf; or classify_advice(j) when nothing more is known.  Returns buf or a
 * static string. */
const char *classify_decide(struct judgement j, const struct decide_ctx *c, char *buf, size_t cap);

#endif
