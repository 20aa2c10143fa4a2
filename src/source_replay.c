/* source_replay.c — --replay: a recording as a source (source.h), on the
 * recording's own clock, through the same parser, model and sinks as a
 * live run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "node_state.h"
#include "nodespec.h"
#include "parse.h"
#include "record.h"
#include "source.h"
#include "text.h"

struct source_replay {
	struct source base;
	struct replay *rp;
	char   why[TEXT_LINE_MAX + 300];
	const char *path;
	double iv, speed;
	double start;          /* monotonic time the first frame was due */
	double t0;             /* the first frame's time; < 0 before it */
	double last;           /* the last frame delivered (its time) */
	bool   have_pending, eof;
	char   p_kind;         /* the next record, read ahead: F, X or J */
	int    p_idx;
	double p_t;
	const char *p_raw;     /* borrowed from rp until the next replay_next */
	size_t p_len;
	size_t n;              /* nodes */
	double *seen;          /* per node: the time of its last frame, or -1 */
	enum conn_state *st;   /* per node: the state last handed on */
	struct sample s;
};

/* Read ahead the next frame.  0, or SOURCE_EFORMAT with why set. */
static int read_ahead(struct source_replay *r, const char **why)
{
	int idx, rc;
	double t;
	const char *raw;
	size_t len;
	char kind;
	while ((rc = replay_next_any(r->rp, &kind, &idx, &t, &raw, &len)) == 1) {
		if (kind != 'J' && (idx < 0 || (size_t)idx >= r->n))
			continue;
		/* Stamps of different nodes may step back a little (record.h):
		 * the replay's clock never does. */
		if (r->t0 >= 0 && t < r->last)
			t = r->last;
		r->have_pending = true;
		r->p_kind = kind;
		r->p_idx = idx;
		r->p_t = t;
		r->p_raw = raw;
		r->p_len = len;
		return 0;
	}
	r->have_pending = false;
	r->eof = true;
	if (rc < 0) {
		snprintf(r->why, sizeof r->why, "'%s' is corrupt after the last good frame: %s",
		         r->path, replay_error(r->rp));
		*why = r->why;
		return SOURCE_EFORMAT;
	}
	return 0;
}

/* Monotonic time the pending frame is due at --speed. */
static double due(const struct source_replay *r)
{
	if (r->speed <= 0 || r->t0 < 0)
		return 0;
	return r->start + (r->p_t - r->t0) / r->speed;
}

/* A frame belongs to the nearest tick (live, the local frame of tick k is
 * read at that tick and shown in block k): the clock runs half an
 * interval behind the next due frame; after the end, half an interval
 * past the last. */
static double replay_now(const struct source *s, double loop_now)
{
	const struct source_replay *r = (const struct source_replay *)s;
	double t;
	if (r->t0 < 0 && !r->have_pending)
		return 0;
	if (r->eof)
		t = r->last + r->iv / 2;
	else if (r->t0 < 0)
		t = r->p_t;
	else
		t = (loop_now >= due(r) ? r->p_t : r->last) - r->iv / 2;
	double first = r->t0 >= 0 ? r->t0 : r->p_t;
	return t > first ? t : first;
}

static size_t replay_fill(struct source *s, struct pollfd *pf, size_t cap, double *deadline)
{
	struct source_replay *r = (struct source_replay *)s;
	(void)pf;
	(void)cap;
	if (r->have_pending && due(r) < *deadline)
		*deadline = due(r);
	return 0;
}

/* Hand on a node's state when it changed. */
static void tell(struct source_replay *r, size_t i, enum conn_state st, const char *why,
                 double t)
{
	if (r->st[i] == st && st != CS_DOWN)
		return;
	r->st[i] = st;
	struct source_status ss = { .state = st, .why = why, .since = t };
	r->base.feed->status(r->base.feed->arg, i, &ss);
}

/* An X record: "<p><d>[ <read time>]\n" then the facts text (record.h). */
static void replay_facts(struct source_replay *r, size_t i, double t)
{
	const char *raw = r->p_raw;
	size_t len = r->p_len;
	const char *nl = memchr(raw, '\n', len < 40 ? len : 40);
	double t_read = t;
	if (!nl || nl - raw < 2)
		return;
	if (nl - raw > 3 && raw[2] == ' ' &&
	    text_decimal(raw + 3, (size_t)(nl - raw - 3), 0, RECORD_MAX_TIME, &t_read) < 0)
		t_read = t;
	r->base.feed->facts(r->base.feed->arg, i, t_read, nl + 1, len - (size_t)(nl + 1 - raw),
	                    raw[0] == '1', raw[1] == '1');
}

/* Deliver the pending frame when it is due (one per step, so the loop
 * ticks between frames exactly where the recording's clock says). */
static int replay_step(struct source *s, const struct pollfd *pf, size_t n, double now,
                       const char **why)
{
	struct source_replay *r = (struct source_replay *)s;
	(void)pf;
	(void)n;
	if (!r->have_pending)
		return r->eof ? SOURCE_END : SOURCE_MORE;
	if (r->t0 < 0) {
		r->t0 = r->p_t;
		r->start = now;
	}
	if (now < due(r))
		return SOURCE_MORE;
	size_t i = (size_t)r->p_idx;
	double t = r->p_t;
	const struct source_feed *f = r->base.feed;
	r->last = t;
	if (r->p_kind == 'J') {
		f->job(f->arg, t, r->p_raw, r->p_len);
	} else if (r->p_kind == 'X') {
		replay_facts(r, i, t);
	} else if (parse_frame(r->p_raw, r->p_len, &r->s) < 0) {
		r->seen[i] = t;
		tell(r, i, CS_DOWN, "corrupt frame in the recording", t);
	} else {
		r->seen[i] = t;
		tell(r, i, CS_UP, "", t);
		r->base.feed->frame(r->base.feed->arg, i, t, &r->s, r->p_raw, r->p_len);
	}
	if (read_ahead(r, why) < 0)
		return SOURCE_EFORMAT;
	return r->eof ? SOURCE_END : SOURCE_MORE;
}

/* Replay time reached t: nodes silent for 3 intervals are stale, for 10
 * down, exactly as live (node_state.h), on the recording's clock. */
static int replay_tick(struct source *s, double t, const char **why)
{
	struct source_replay *r = (struct source_replay *)s;
	(void)why;
	for (size_t i = 0; i < r->n; i++) {
		if ((r->st[i] != CS_UP && r->st[i] != CS_STALE) || r->seen[i] < 0)
			continue;
		if (t - r->seen[i] >= node_dead_after(r->iv))
			tell(r, i, CS_DOWN, "no frame in the recording", t);
		else if (t - r->seen[i] >= node_stale_after(r->iv) && r->st[i] != CS_STALE)
			tell(r, i, CS_STALE, "no frame for 3 intervals", t);
	}
	return 0;
}

static int replay_procs(struct source *s, size_t node, source_procs_fn fn, void *arg)
{
	(void)s;
	(void)node;
	(void)fn;
	(void)arg;
	return -1;   /* a recording holds no processes */
}

static void replay_close_src(struct source *s)
{
	struct source_replay *r = (struct source_replay *)s;
	if (!r)
		return;
	replay_close(r->rp);
	free(r->seen);
	free(r->st);
	free(r);
}

static const struct source_ops replay_ops = {
	.name = "replay", .clock = SOURCE_CLOCK_OWN, .now = replay_now,
	.fill_pollfds = replay_fill, .step = replay_step, .tick = replay_tick,
	.procs = replay_procs, .close = replay_close_src,
};

struct source *source_replay_new(const struct source_feed *feed, const char *path,
                                 double speed, struct node_list *nodes,
                                 double *interval, const char **why)
{
	struct source_replay *r = calloc(1, sizeof *r);
	if (!r) {
		*why = "out of memory";
		return NULL;
	}
	r->base = (struct source){ &replay_ops, feed };
	r->path = path;
	r->speed = speed;
	r->t0 = -1;
	const char *w = "";
	if (!(r->rp = replay_open(path, &w))) {
		snprintf(r->why, sizeof r->why, "cannot replay '%s': %s", path, w);
		goto fail;
	}
	for (int i = 0; i < replay_nnodes(r->rp); i++) {
		if (nodespec_add(nodes, replay_node(r->rp, i), &w) < 0) {
			snprintf(r->why, sizeof r->why, "bad node in '%s': %s", path, w);
			goto fail;
		}
	}
	r->iv = replay_interval(r->rp);
	if (!(r->iv >= INTERVAL_MIN_S && r->iv <= INTERVAL_MAX_S)) {
		snprintf(r->why, sizeof r->why, "cannot replay '%s': interval %g out of range",
		         path, r->iv);
		goto fail;
	}
	*interval = r->iv;
	r->n = (size_t)replay_nnodes(r->rp);
	r->seen = malloc((r->n ? r->n : 1) * sizeof *r->seen);
	r->st = malloc((r->n ? r->n : 1) * sizeof *r->st);
	if (!r->seen || !r->st) {
		snprintf(r->why, sizeof r->why, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < r->n; i++) {
		r->seen[i] = -1;
		r->st[i] = CS_CONNECTING;
	}
	if (read_ahead(r, why) < 0)
		goto fail;
	return &r->base;
fail:
	/* why must outlive r: copy it to static storage */
	{
		static char msg[TEXT_LINE_MAX + 300];
		snprintf(msg, sizeof msg, "%s", r->why);
		*why = msg;
	}
	replay_close_src(&r->base);
	return NULL;
}
