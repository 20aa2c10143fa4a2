/*
 * progress.h — job progress maths from (time, count) observations: windowed
 * and average rate, percent, ETA, stall detection, count cadence, a rate
 * history for a sparkline.  Pure: no I/O, no clock reads (times are passed
 * in, in seconds on any monotonic scale), no allocation; a struct progress
 * is fixed-size and caller-owned.
 */
#ifndef DOPTOP_PROGRESS_H
#define DOPTOP_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROGRESS_WINDOW_S      60.0  /* windowed rate span */
#define PROGRESS_STALL_S       120.0 /* default stall_after (issue 4) */
#define PROGRESS_STALL_TPF     10.0  /* or this many x recent time per file */
#define PROGRESS_COST_SHARE    0.02  /* counting may take 2% of wall time */
#define PROGRESS_CADENCE_MAX_S 600.0 /* never count less often than this */
#define PROGRESS_MSG_HOLD_S    300.0 /* how long a count-went-down note stays */
#define PROGRESS_OBS   256 /* observations kept for the window */
#define PROGRESS_HIST  120 /* rates kept for the sparkline */

#define PROGRESS_ERR_TIME (-1) /* observation older than the last one */

struct progress_obs {
	double t;
	uint64_t n;
};

/* Caller-owned state; treat as opaque, read it through progress_get(). */
struct progress {
	double window_s, stall_after_s;
	bool has_total;
	uint64_t total;
	bool started, was_up;
	double t0, t_last, t_quiet; /* baseline, latest, count unchanged since */
	uint64_t n0, n_last;
	double tpf;                 /* seconds per file when the count last moved */
	struct progress_obs obs[PROGRESS_OBS];
	unsigned obs_head, obs_len;
	double hist[PROGRESS_HIST];
	unsigned hist_head, hist_len;
	double msg_t;
	char msg[128];
};

/* Everything a view or the JSON line needs, computed by progress_get(). */
struct progress_view {
	uint64_t done;       /* latest count */
	bool has_total;
	uint64_t total;
	double percent;      /* 0..100, valid if has_total */
	double rate;         /* files/s over the last window_s */
	double rate_avg;     /* files/s since the baseline (start or reset) */
	bool has_eta;        /* total known and rate > 0 (or already done) */
	double eta_s;        /* seconds to go at the windowed rate */
	bool stalled;
	double quiet_s;      /* how long the count has not moved */
	const char *msg;     /* NULL, or a note (borrowed from the progress) */
};

/* Reset p.  stall_after_s <= 0 means PROGRESS_STALL_S. */
void progress_init(struct progress *p, double stall_after_s);

/* Set the denominator (from --total or a --todo count). */
void progress_set_total(struct progress *p, uint64_t total);

/* Feed the count n observed at time t; nodes_up says whether the workers'
 * nodes are up (a stall is only called while they are: the quiet timer
 * restarts when they come back).  A count lower than the last one resets
 * the baseline and sets a message instead of giving a negative rate.
 * Returns 0, or PROGRESS_ERR_TIME (ignored) if t is before the last t. */
int progress_observe(struct progress *p, double t, uint64_t n, bool nodes_up);

/* Compute the current figures into *v (as of the last observation). */
void progress_get(const struct progress *p, struct progress_view *v);

/* Copy the rate history, oldest first, into out (up to cap values);
 * returns how many were copied. */
size_t progress_history(const struct progress *p, double *out, size_t cap);

/* When the next count should start, given when the last one started, the
 * configured interval and how long it took: counting stays under
 * PROGRESS_COST_SHARE of wall time, and is at most PROGRESS_CADENCE_MAX_S
 * apart (or interval_s, if that is longer). */
double progress_next_due(double last_start, double interval_s, double took_s);

#endif
