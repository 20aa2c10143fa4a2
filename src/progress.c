/*
 * progress.c — rate, ETA, percent and job-state maths over (time, count)
 * observations.  Pure: no I/O, no clock, fixed memory (see progress.h).
 */
#include "progress.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

const char *progress_state_name(enum progress_state s)
{
	static const char *const names[] = {
		[PS_WAITING] = "waiting", [PS_RUNNING] = "running", [PS_SLOWING] = "slowing",
		[PS_QUIET] = "quiet", [PS_STALLED] = "stalled", [PS_FINISHED] = "finished",
	};
	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "waiting";
}

void progress_init(struct progress *p, double stall_after_s)
{
	memset(p, 0, sizeof *p);
	p->stall_after_s = stall_after_s > 0 ? stall_after_s : PROGRESS_STALL_S;
}

void progress_set_total(struct progress *p, uint64_t total)
{
	bool done = p->started && p->n_last >= total;
	p->has_total = true;
	p->total = total;
	/* A --todo recount can move the finish line either way. */
	if (done && !p->finished) {
		p->t_fin = p->t_last;
		p->n_fin = p->n_last;
	}
	p->finished = done;
}

/* The i-th kept observation, 0 = oldest. */
static const struct progress_obs *obs_at(const struct progress *p, unsigned i)
{
	return &p->obs[(p->obs_head + PROGRESS_OBS - p->obs_len + i) % PROGRESS_OBS];
}

/* Keep an observation, dropping the oldest when the ring is full. */
static void obs_push(struct progress *p, double t, uint64_t n)
{
	p->obs[p->obs_head] = (struct progress_obs){ t, n };
	p->obs_head = (p->obs_head + 1) % PROGRESS_OBS;
	if (p->obs_len < PROGRESS_OBS)
		p->obs_len++;
}

/* Files per second between the newest observation and the newest one at
 * least win older (or the oldest kept, when none is that old): with a
 * count cadence longer than the window this is the rate over the last
 * interval.  in_seg: never look before the segment start.  min_files > 0
 * (the pace): span at least that many files, measured from the
 * observation where the count first moved past the older one, so a file
 * a minute seen every second reads 1/60 s, not 2 per 62 s.  0 with fewer
 * than two observations. */
static double rate_back(const struct progress *p, double win, uint64_t min_files, bool in_seg)
{
	const struct progress_obs *ref = NULL, *newer = NULL, *o;
	double from = p->t_last - win;

	for (unsigned i = p->obs_len - 1; i-- > 0;) {
		o = obs_at(p, i);
		if (in_seg && o->t < p->t_seg)
			break;
		newer = ref;
		ref = o;
		if (o->t <= from && p->n_last - o->n >= min_files) {
			if (min_files && newer && newer->n > o->n)
				ref = newer;
			break;
		}
	}
	if (!ref || p->t_last <= ref->t || p->n_last < ref->n)
		return 0;
	return (double)(p->n_last - ref->n) / (p->t_last - ref->t);
}

/* The rate shown: over win, within the segment. */
static double rate_over(const struct progress *p, double win)
{
	return rate_back(p, win, 0, true);
}

/* The rate window: about PROGRESS_WIN_FILES files at the recent pace. */
static double window_of(const struct progress *p)
{
	double w = PROGRESS_WIN_FILES * p->tpf;

	return w < PROGRESS_WIN_MIN_S ? PROGRESS_WIN_MIN_S :
	       w > PROGRESS_WINDOW_S ? PROGRESS_WINDOW_S : w;
}

/* Quiet this long while up is a stall: stall_after, or ten of the job's
 * own file times when that is longer (a file every few minutes is not a
 * stall after two). */
static double stall_limit(const struct progress *p)
{
	double limit = p->stall_after_s;

	if (PROGRESS_STALL_TPF * p->tpf > limit)
		limit = PROGRESS_STALL_TPF * p->tpf;
	return limit;
}

/* Quiet this long is the amber "no new files", well before the stall. */
static double quiet_limit(const struct progress *p)
{
	double q = PROGRESS_QUIET_TPF * p->tpf;

	if (q < PROGRESS_QUIET_MIN_S)
		q = PROGRESS_QUIET_MIN_S;
	if (q > stall_limit(p) / 2)
		q = stall_limit(p) / 2;
	return q;
}

/* Keep a rate for the sparkline. */
static void hist_push(struct progress *p, double rate)
{
	p->hist[p->hist_head] = rate;
	p->hist_head = (p->hist_head + 1) % PROGRESS_HIST;
	if (p->hist_len < PROGRESS_HIST)
		p->hist_len++;
}

/* Start counting afresh from (t, n): first observation or a count that
 * went down. */
static void rebase(struct progress *p, double t, uint64_t n)
{
	p->started = true;
	p->t_last = p->t_quiet = p->t_seg = p->t_start = t;
	p->n_last = p->n_start = n;
	p->moved = false;
	p->tpf = 0;
	p->obs_len = 0;
	obs_push(p, t, n);
	p->finished = p->has_total && n >= p->total;
	p->t_fin = t;
	p->n_fin = n;
}

/* The count went up at t: restart the rate at the job's start and after a
 * quiet spell (a resume), mark the finish, update the pace. */
static void on_move(struct progress *p, double t, uint64_t n)
{
	double t_prev = p->t_last;

	if (!p->moved) {
		p->moved = true;
		p->t_start = t_prev;
		p->n_start = p->n_last;
		p->t_seg = t_prev;
	} else if (t_prev - p->t_quiet >= quiet_limit(p)) {
		p->t_seg = t_prev;
	}
	p->t_last = t;
	p->n_last = n;
	p->t_quiet = t;
	obs_push(p, t, n);
	if (p->has_total && n >= p->total && !p->finished) {
		p->finished = true;
		p->t_fin = t;
		p->n_fin = n;
	}
	/* The pace looks past the segment start and spans two files at
	 * least: one file just after a resume is no measure of a job that
	 * makes a file a minute. */
	double r = rate_back(p, PROGRESS_LONG_S, 2, false);
	p->tpf = r > 0 ? 1.0 / r : 0;
}

int progress_observe(struct progress *p, double t, uint64_t n, bool nodes_up)
{
	if (p->started && t < p->t_last)
		return PROGRESS_ERR_TIME;
	if (!p->started) {
		rebase(p, t, n);
	} else if (n < p->n_last) {
		snprintf(p->msg, sizeof p->msg,
			 "count went down from %" PRIu64 " to %" PRIu64
			 ": outputs deleted or a new run?", p->n_last, n);
		p->msg_t = t;
		rebase(p, t, n);
	} else if (n > p->n_last) {
		on_move(p, t, n);
	} else {
		p->t_last = t;
		obs_push(p, t, n);
	}
	/* Time with the nodes down is not a stall: restart the quiet timer
	 * when they come back, giving the workers their grace period again. */
	if (nodes_up && !p->was_up)
		p->t_quiet = t;
	p->was_up = nodes_up;
	hist_push(p, rate_over(p, window_of(p)));
	return 0;
}

/* Fill percent and ETA into v from the total and the windowed rate. */
static void get_eta(const struct progress *p, struct progress_view *v)
{
	if (!p->has_total)
		return;
	v->has_total = true;
	v->total = p->total;
	if (p->n_last >= p->total) {
		v->percent = 100.0;
		v->has_eta = true;
		v->eta_s = 0;
		return;
	}
	v->percent = 100.0 * (double)p->n_last / (double)p->total;
	/* No ETA for a job that makes no files: "1h46m" for a dead job is a
	 * number nobody should plan by. */
	if (v->rate > 0 && (v->state == PS_RUNNING || v->state == PS_SLOWING)) {
		v->has_eta = true;
		v->eta_s = (double)(p->total - p->n_last) / v->rate;
	}
}

/* The job's state from the figures already in v. */
static enum progress_state state_of(const struct progress *p, const struct progress_view *v)
{
	if (p->finished)
		return PS_FINISHED;
	if (p->was_up && v->quiet_s >= stall_limit(p))
		return PS_STALLED;
	if (!p->moved)
		return PS_WAITING;
	if (v->quiet_s >= quiet_limit(p))
		return PS_QUIET;
	if (v->rate < PROGRESS_SLOW_FRAC * v->rate_long)
		return PS_SLOWING;
	return PS_RUNNING;
}

void progress_get(const struct progress *p, struct progress_view *v)
{
	memset(v, 0, sizeof *v);
	/* The total is known before any count succeeds (a directory that
	 * cannot be read yet still has its --total). */
	v->has_total = p->has_total;
	v->total = p->total;
	if (!p->started)
		return;
	v->done = p->n_last;
	v->window_s = window_of(p);
	v->rate = rate_over(p, v->window_s);
	v->rate_long = rate_over(p, PROGRESS_LONG_S);
	v->quiet_s = p->t_last - p->t_quiet;
	v->started = p->moved;
	if (p->moved) {
		double end = p->finished ? p->t_fin : p->t_last;
		uint64_t n_end = p->finished ? p->n_fin : p->n_last;

		v->run_s = end - p->t_start;
		if (v->run_s > 0)
			v->rate_avg = (double)(n_end - p->n_start) / v->run_s;
	}
	v->state = state_of(p, v);
	v->stalled = v->state == PS_STALLED;
	v->finished = v->state == PS_FINISHED;
	if (v->finished)
		v->finished_ago_s = p->t_last - p->t_fin;
	get_eta(p, v);
	if (p->msg[0] && p->t_last - p->msg_t < PROGRESS_MSG_HOLD_S)
		v->msg = p->msg;
	else if (p->has_total && p->n_last > p->total)
		v->msg = "more files than the total: wrong --total or extra files?";
}

size_t progress_history(const struct progress *p, double *out, size_t cap)
{
	size_t n = p->hist_len < cap ? p->hist_len : cap;
	size_t first = p->hist_len - n; /* drop the oldest if out is short */

	for (size_t i = 0; i < n; i++)
		out[i] = p->hist[(p->hist_head + PROGRESS_HIST - p->hist_len +
				  first + i) % PROGRESS_HIST];
	return n;
}

double progress_next_due(double last_start, double interval_s, double took_s)
{
	double delay = interval_s > 0 ? interval_s : 0;
	double cap = interval_s > PROGRESS_CADENCE_MAX_S ? interval_s
						       : PROGRESS_CADENCE_MAX_S;

	/* took/delay <= 2%: a 12 s count over sshfs runs every 10 min, not
	 * every second (the "counting would be the bottleneck"). */
	if (took_s > 0 && took_s / PROGRESS_COST_SHARE > delay)
		delay = took_s / PROGRESS_COST_SHARE;
	if (delay > cap)
		delay = cap;
	return last_start + delay;
}
