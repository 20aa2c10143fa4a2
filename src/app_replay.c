/* app_replay.c — --replay: a recording through the same parser, model and
 * views as a live run, on the recording's own clock. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "app_loop.h"
#include "clock.h"
#include "facts.h"
#include "text.h"
#include "parse.h"
#include "record.h"
#include "tui.h"

/* --replay: the nodes and interval come from the file's header. */
int app_open_replay(struct app *a)
{
	const char *why = "";
	struct options *o = a->o;
	if (o->nodes.n) {
		fprintf(stderr, "doptop: --replay takes its nodes from the recording; drop --nodes\n");
		return -1;
	}
	if (!(a->rp = replay_open(o->replay, &why))) {
		fprintf(stderr, "doptop: cannot replay '%s': %s\n", o->replay, why);
		return -1;
	}
	for (int i = 0; i < replay_nnodes(a->rp); i++) {
		if (nodespec_add(&o->nodes, replay_node(a->rp, i), &why) < 0) {
			fprintf(stderr, "doptop: bad node in '%s': %s\n", o->replay, why);
			return -1;
		}
	}
	double iv = replay_interval(a->rp);
	if (!(iv >= 0.1 && iv <= 3600)) {
		fprintf(stderr, "doptop: cannot replay '%s': interval %g out of range\n", o->replay, iv);
		return -1;
	}
	o->interval = iv;
	return 0;
}

/* Replay time reached t: nodes silent for 3 intervals are stale, for 10
 * down, exactly as live (but on the recording's clock). */
static void replay_age(struct app *a, double t)
{
	double iv = a->o->interval;
	for (size_t i = 0; i < a->m.n; i++) {
		struct node *nd = &a->m.nodes[i];
		if (nd->state != CS_UP && nd->state != CS_STALE)
			continue;
		if (t - nd->last_frame >= node_dead_after(iv))
			model_set_state(&a->m, i, CS_DOWN, "no frame in the recording", t);
		else if (t - nd->last_frame >= node_stale_after(iv))
			model_set_state(&a->m, i, CS_STALE, "no frame for 3 intervals", t);
	}
}

/* Wait until wall-clock time `until` (monotonic) while serving the screen;
 * false when the user quits or a signal arrives. */
static bool replay_wait(struct app *a, double until)
{
	for (;;) {
		if (g_stop)
			return false;
		double now = clock_mono();
		if (a->screen && g_winch) {
			g_winch = 0;
			tui_resize(a->tui);
			a->dirty = true;
		}
		if (now >= until)
			return true;
		struct pollfd pf[2] = { { .fd = g_wake[0], .events = POLLIN },
		                        { .fd = STDIN_FILENO, .events = POLLIN } };
		double w = (until - now) * 1000;   /* until may be "forever" */
		int ms = w > 100 ? 100 : (int)ceil(w);
		if (poll(pf, a->screen ? 2 : 1, ms) > 0) {
			if (pf[0].revents & POLLIN)
				app_drain_wake();
			if (a->screen && pf[1].revents) {
				if (tui_input(a->tui, &a->m))
					return false;
				a->dirty = true;
			}
		}
		if (a->screen)
			app_fetch_procs(a, clock_mono());
		/* the model's clock is the recording's: "down 3m12s" and the
		 * header's time are as they were then */
		if (a->screen && a->dirty && clock_mono() - a->last_draw >= REDRAW_MIN_S)
			app_draw(a, a->replay_t, a->replay_t);
	}
}

/* One block on the recording's clock. */
static void replay_tick(struct app *a, double t)
{
	replay_age(a, t);
	if (a->job)
		job_set_replay_now(a->job, t);
	if (a->screen) {
		app_events(a, t, clock_mono());
		a->dirty = true;
		a->blocks++;
		return;
	}
	app_emit(a, t, t);
}

/* An X (node facts) or J (job figures) record. */
static void replay_extra(struct app *a, char kind, size_t idx, double t, const char *raw,
                         size_t len)
{
	const char *nl = kind == 'X' ? memchr(raw, '\n', len < 40 ? len : 40) : NULL;
	if (nl && nl - raw >= 2) {
		bool procs = raw[0] == '1', disks = raw[1] == '1';
		double t_read = t;
		if (nl - raw > 3 && raw[2] == ' ' &&
		    text_decimal(raw + 3, (size_t)(nl - raw - 3), 0, 1e15, &t_read) < 0)
			t_read = t;
		struct facts *f = &a->m.nodes[idx].facts;
		facts_parse(nl + 1, len - (size_t)(nl + 1 - raw), procs, disks, f);
		if (procs)
			facts_job_cpu(f, t_read);
		model_facts_changed(&a->m, idx);
		a->dirty = true;
		return;
	}
	if (kind != 'J' || (!a->job && job_new_replay(a->o, &a->job) < 0))
		return;
	bool up = false;
	for (size_t i = 0; i < a->m.n && !up; i++)
		up = a->m.nodes[i].state == CS_UP;
	if (job_feed(a->job, t, raw, len, up) == 0) {
		struct insize in;
		double rem;
		bool have = job_inputs(a->job, &in, &rem);
		model_set_inputs(&a->m, have ? rem : -1, have && in.network);
		a->dirty = true;
	}
}

/* Feed the recording through the same parser, model and views as live.
 * Ticks fall on the recording's clock, so --json output is deterministic. */
int app_loop_replay(struct app *a)
{
	int idx, rc = 0;
	double t, t0 = -1, start = clock_mono(), speed = a->o->speed;
	const char *raw;
	size_t len;
	struct sample s;
	char kind;
	while (!g_stop && (rc = replay_next_any(a->rp, &kind, &idx, &t, &raw, &len)) == 1) {
		if (idx < 0 || (size_t)idx >= a->m.n)
			continue;
		if (t0 < 0) {
			t0 = t;
			a->next_tick = t0 + a->o->interval;
		}
		if (speed > 0 && !replay_wait(a, start + (t - t0) / speed))
			return 0;
		/* A frame belongs to the nearest tick: live, the local frame of
		 * tick k is read at that tick, so it is shown in block k. */
		while (!g_stop && t >= a->next_tick + a->o->interval / 2) {
			replay_tick(a, a->next_tick);
			a->next_tick += a->o->interval;
			if (a->o->count && a->blocks >= a->o->count)
				return 0;
			/* A gap in the recording (doptop was not running): one
			 * block shows it, then jump, as the live loop skips
			 * missed ticks. */
			double behind = t - a->next_tick;
			if (behind > 10 * a->o->interval)
				a->next_tick += floor(behind / a->o->interval) * a->o->interval;
		}
		a->replay_t = t;
		if (kind != 'F') {
			replay_extra(a, kind, (size_t)idx, t, raw, len);
			continue;
		}
		if (parse_frame(raw, len, &s) < 0) {
			model_set_state(&a->m, (size_t)idx, CS_DOWN, "corrupt frame in the recording", t);
			continue;
		}
		model_set_state(&a->m, (size_t)idx, CS_UP, "", t);
		model_ingest(&a->m, (size_t)idx, &s, t);
		a->dirty = true;
	}
	if (rc < 0) {
		fprintf(stderr, "doptop: '%s' is corrupt after the last good frame: %s\n",
		        a->o->replay, replay_error(a->rp));
		return 1;
	}
	if (t0 >= 0 && !g_stop && !(a->o->count && a->blocks >= a->o->count))
		replay_tick(a, a->next_tick);
	if (a->screen)   /* keep the last picture until the user quits */
		replay_wait(a, 1e300);
	return 0;
}
