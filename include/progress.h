/*
 * progress.h — job progress maths from (time, count) observations: a rate
 * over a short window that adapts to the job's pace, the average since the
 * job started, percent, ETA, the job's state (waiting, running, slowing,
 * quiet, stalled, finished), count cadence, a rate history for a
 * sparkline.  Pure: no I/O, no clock reads (times are passed in, in
 * seconds on any monotonic scale), no allocation; a struct progress is
 * fixed-size and caller-owned.
 *
 * The rate is measured from a "segment" start: the last observation
 * before the count first moved, and again before it moved after a quiet
 * spell (a paused or killed job that resumes).  So idle time before the
 * job began or while it was stopped never dilutes the rate: it is right
 * within a few seconds of a start, a resume or a kill.
 */
#ifndef DOPTOP_PROGRESS_H
#define DOPTOP_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The rate window spans about PROGRESS_WIN_FILES files at the job's pace,
 * clamped to [PROGRESS_WIN_MIN_S, PROGRESS_WINDOW_S]: 5 s for a job at
 * 38 files/s (±1 file of counting jitter is < 1%), 20 s at 1 file/s,
 * 300 s for a file a minute.  A change of pace shows in one window. */
#define PROGRESS_WIN_MIN_S     5.0
#define PROGRESS_WINDOW_S      300.0
#define PROGRESS_WIN_FILES     20.0
/* The pace (time per file) behind the window, "quiet" and "stalled" is the
 * rate over the last PROGRESS_LONG_S (or the segment, when shorter). */
#define PROGRESS_LONG_S        60.0
/* Amber "slowing": the windowed rate fell under this share of the long
 * rate (a job whose pace halves shows it for ~20 s, a drop to a third
 * for ~40 s). */
#define PROGRESS_SLOW_FRAC     0.6
/* Amber "no new files": no new file for PROGRESS_QUIET_TPF x the time per
 * file, and at least PROGRESS_QUIET_MIN_S (a job at 38 files/s that makes
 * none for 10 s is not well), never later than half the stall limit. */
#define PROGRESS_QUIET_MIN_S   10.0
#define PROGRESS_QUIET_TPF     5.0
#define PROGRESS_STALL_S       120.0 /* default stall_after (issue 4) */
#define PROGRESS_STALL_TPF     10.0  /* or this many x recent time per file */
#define PROGRESS_COST_SHARE    0.02  /* counting may take 2% of wall time */
#define PROGRESS_CADENCE_MAX_S 600.0 /* never count less often than this */
#define PROGRESS_MSG_HOLD_S    300.0 /* how long a count-went-down note stays */
#define PROGRESS_OBS   512 /* observations kept for the window */
#define PROGRESS_HIST  120 /* rates kept for the sparkline */

#define PROGRESS_ERR_TIME (-1) /* observation older than the last one */

/* The job's state (a contract: the JSON "state" field uses these words). */
enum progress_state {
	PS_WAITING = 0, /* no new file since counting began (not yet stalled) */
	PS_RUNNING,     /* files are coming */
	PS_SLOWING,     /* coming, but the rate fell well under the recent pace */
	PS_QUIET,       /* no new file for a while: amber, before stalled */
	PS_STALLED,     /* no new file for stall_after while the nodes are up */
	PS_FINISHED,    /* the count reached the total: the clock stops */
};

/* "waiting", "running", "slowing", "quiet", "stalled", "finished". */
const char *progress_state_name(enum progress_state s);

struct progress_obs {
	double t;
	uint64_t n;
};

/* Caller-owned state; treat as opaque, read it through progress_get(). */
struct progress {
	double stall_after_s;
	bool has_total;
	uint64_t total;
	bool started, was_up;
	double t_last, t_quiet;     /* latest observation, count unchanged since */
	uint64_t n_last;
	double t_seg;               /* the rate is measured from here on */
	bool moved;                 /* the count went up since counting began */
	double t_start;             /* job start: the observation before the first move */
	uint64_t n_start;
	bool finished;
	double t_fin;               /* first observation at or past the total */
	uint64_t n_fin;
	double tpf;                 /* seconds per file over the long window */
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
	double window_s;     /* the span rate is measured over */
	double rate_long;    /* files/s over the last PROGRESS_LONG_S (for "slowing") */
	double rate_avg;     /* files/s from the job's start to now (or the finish) */
	bool has_eta;        /* total known and files coming (or already done) */
	double eta_s;        /* seconds to go at the windowed rate */
	enum progress_state state;
	bool stalled;        /* state == PS_STALLED */
	double quiet_s;      /* how long the count has not moved (the last file
	                      * was seen this long ago, or counting began) */
	bool started;        /* the count has moved: run_s is valid */
	double run_s;        /* job start to the last observation (or the finish) */
	bool finished;       /* state == PS_FINISHED */
	double finished_ago_s; /* how long before the last observation it finished */
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
