/* sink_events.c — events as a sink: lines, the screen's panel, --on-event,
 * --exit-when-done (see sink_events.h). */
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "events.h"
#include "hook.h"
#include "job.h"
#include "sink_events.h"

struct sink_events {
	struct sink base;          /* first: a struct sink_events is a sink */
	struct events *ev;
	size_t nodes;
	struct hook *hook;
	FILE  *out;
	bool   json, exit_when_done, quit;
};

/* Scan for events, report each; SINK_QUIT once done with --exit-when-done. */
static int ev_tick(struct sink *k, const struct sink_view *v, const char **why)
{
	struct sink_events *s = (struct sink_events *)k;
	struct event evs[EVENTS_MAX];
	struct progress_view pv;
	bool have = v->job && job_view(v->job, &pv);
	(void)why;
	int n = events_scan(s->ev, v->m, have ? &pv : NULL, v->wall, evs, EVENTS_MAX);
	for (int i = 0; i < n; i++) {
		events_remember(s->ev, &evs[i]);
		if (v->seeking)    /* a replay's seek: remembered, not told again */
			continue;
		if (s->out && s->json)
			events_json(s->out, &evs[i]);
		else if (s->out)
			events_text(s->out, &evs[i]);
		if (s->hook)
			hook_event(s->hook, &evs[i], clock_mono());
	}
	if (!v->seeking && s->exit_when_done && events_done(s->ev)) {
		s->quit = true;
		return SINK_QUIT;
	}
	return 0;
}

/* No descriptors: only the hook runs' next check. */
static size_t ev_fill(struct sink *k, struct pollfd *pf, size_t cap, double *deadline)
{
	struct sink_events *s = (struct sink_events *)k;
	(void)pf;
	(void)cap;
	if (s->hook) {
		double d = hook_deadline(s->hook);
		if (d < *deadline)
			*deadline = d;
	}
	return 0;
}

/* Reap finished hook runs, stop overdue ones, start queued ones. */
static int ev_step(struct sink *k, const struct sink_view *v, const struct pollfd *pf,
                   size_t n, double now, const char **why)
{
	struct sink_events *s = (struct sink_events *)k;
	(void)v;
	(void)pf;
	(void)n;
	(void)why;
	if (s->hook)
		hook_step(s->hook, now);
	return 0;
}

/* A replay went back to its start: no event was seen yet. */
static void ev_rewind(struct sink *k)
{
	struct sink_events *s = (struct sink_events *)k;
	struct events *e = events_new(s->nodes);
	if (!e)
		return;    /* out of memory: keep the old memory of events */
	events_free(s->ev);
	s->ev = e;
}

static void ev_free(struct sink *k)
{
	struct sink_events *s = (struct sink_events *)k;
	if (!s)
		return;
	/* --exit-when-done: let the "done" hook finish (bounded). */
	hook_free(s->hook, s->quit ? HOOK_TIMEOUT_S + HOOK_KILL_S : 0);
	events_free(s->ev);
	free(s);
}

static const struct sink_ops ev_ops = {
	.name = "events",
	.tick = ev_tick,
	.fill_pollfds = ev_fill,
	.step = ev_step,
	.rewind = ev_rewind,
	.free = ev_free,
};

struct sink *sink_events_new(const struct sink_events_opts *o)
{
	struct sink_events *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->base.ops = &ev_ops;
	s->out = o->out;
	s->json = o->json;
	s->exit_when_done = o->exit_when_done;
	s->nodes = o->nodes;
	if (!(s->ev = events_new(o->nodes)) || (o->on_event && !(s->hook = hook_new(o->on_event)))) {
		ev_free(&s->base);
		return NULL;
	}
	return &s->base;
}

void sink_events_recent(const struct sink *k, char *buf, size_t cap)
{
	const struct sink_events *s = (const struct sink_events *)k;
	events_recent_line(s->ev, buf, cap);
}

bool sink_events_done(const struct sink *k)
{
	return ((const struct sink_events *)k)->quit;
}
