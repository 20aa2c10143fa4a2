/*
 * progress.c — rate, ETA, percent and stall maths over (time, count)
 * observations.  Pure: no I/O, no clock, fixed memory (see progress.h).
 */
#include "progress.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void progress_init(struct progress *p, double stall_after_s)
{
	memset(p, 0, sizeof *p);
	p->window_s = PROGRESS_WINDOW_S;
	p->stall_after_s = stall_after_s > 0 ? stall_after_s : PROGRESS_STALL_S;
}

void progress_set_total(struct progress *p, uint64_t total)
{
	p->has_total = true;
	p->total = total;
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
 * least window_s older (or the oldest kept, when none is that old): with a
 * count cadence longer than the window this is the rate over the last
 * interval.  0 with fewer than two observations. */
static double window_rate(const struct progress *p)
{
	const struct progress_obs *ref, *o;
	double from = p->t_last - p->window_s;

	if (p->obs_len < 2)
		return 0;
	ref = obs_at(p, 0);
	for (unsigned i = 1; i < p->obs_len - 1; i++) {
		o = obs_at(p, i);
		if (o->t > from)
			break;
		ref = o;
	}
	if (p->t_last <= ref->t || p->n_last < ref->n)
		return 0;
	return (double)(p->n_last - ref->n) / (p->t_last - ref->t);
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
	p->t0 = p->t_last = p->t_quiet = t;
	p->n0 = p->n_last = n;
	p->tpf = 0;
	p->obs_len = 0;
	obs_push(p, t, n);
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
	} else {
		bool moved = n > p->n_last;
		double r;

		p->t_last = t;
		p->n_last = n;
		obs_push(p, t, n);
		if (moved) {
			p->t_quiet = t;
			r = window_rate(p);
			p->tpf = r > 0 ? 1.0 / r : 0;
		}
	}
	/* Time with the nodes down is not a stall: restart the quiet timer
	 * when they come back, giving the workers their grace period again. */
	if (nodes_up && !p->was_up)
		p->t_quiet = t;
	p->was_up = nodes_up;
	hist_push(p, window_rate(p));
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
	if (v->rate > 0) {
		v->has_eta = true;
		v->eta_s = (double)(p->total - p->n_last) / v->rate;
	}
}

void progress_get(const struct progress *p, struct progress_view *v)
{
	double limit = p->stall_after_s;
	bool finished = p->has_total && p->n_last >= p->total;

	memset(v, 0, sizeof *v);
	if (!p->started)
		return;
	v->done = p->n_last;
	v->rate = window_rate(p);
	if (p->t_last > p->t0)
		v->rate_avg = (double)(p->n_last - p->n0) / (p->t_last - p->t0);
	get_eta(p, v);
	v->quiet_s = p->t_last - p->t_quiet;
	/* A job that makes one file every few minutes is not stalled after
	 * two: wait ten of its own file times when that is longer. */
	if (PROGRESS_STALL_TPF * p->tpf > limit)
		limit = PROGRESS_STALL_TPF * p->tpf;
	v->stalled = p->was_up && !finished && v->quiet_s >= limit;
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
