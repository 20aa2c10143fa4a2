/* source_replay.c — --replay: a recording as a source (source.h), on the
 * recording's own clock, through the same parser, model and sinks as a
 * live run.  It hands the loop the recording's ticks, and goes back and
 * forth in it (pause, step, seek, speed) for the screen. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "config.h"
#include "node_state.h"
#include "nodespec.h"
#include "parse.h"
#include "record.h"
#include "source.h"
#include "text.h"

/* A recording's gap longer than this many intervals is jumped after one
 * block, as a live loop skips the ticks it missed while stalled (older
 * recordings: those with their ticks hold exactly the live ones). */
#define GAP_TICKS 10
/* Records handed on in one step when they are due at once (--speed 0, a
 * seek): enough to be quick, few enough that keys are read in between. */
#define STEP_BATCH 512
/* Records the end-finder reads in one step. */
#define SCAN_BATCH 4096

enum seek_kind { SEEK_NONE, SEEK_TICK, SEEK_TIME };

struct source_replay {
	struct source base;
	struct replay *rp;
	struct replay *scan;   /* finds the end in the background, or NULL */
	char   why[TEXT_LINE_MAX + 300];
	const char *path;
	double iv, speed;
	bool   navigate;
	/* the next record, read ahead; its data is borrowed from rp */
	bool   have_pending, eof, eof_done;
	struct rec_item p;
	bool   p_ticks;        /* its part holds ticks (T) and states (S) */
	/* the recording's clock */
	double first;          /* the first record's time */
	double clock;          /* the last record or tick handed on */
	double last_rec;       /* the last record handed on */
	double next_tick;      /* parts without ticks: the next one */
	double last_tick;      /* the last tick handed on, < 0 none */
	long   ticks_done;     /* ticks handed on since the start */
	double end;            /* the last record's time, < 0 not known yet */
	/* pacing: the record at anchor_t was due at monotonic anchor_mono */
	double anchor_t, anchor_mono;
	bool   anchored, paused;
	/* navigation */
	enum seek_kind seek;
	long   seek_tick;
	double seek_t;
	bool   rewind, pause_after;
	size_t n;              /* nodes */
	double *seen;          /* per node: the time of its last frame, or -1 */
	enum conn_state *st;   /* per node: the state last handed on */
	struct sample s;
};

/* Read ahead the next record of a known kind.  0, or SOURCE_EFORMAT. */
static int read_ahead(struct source_replay *r, const char **why)
{
	int rc;
	while ((rc = replay_next_item(r->rp, &r->p)) == 1) {
		if (r->p.type[1] || !strchr("FXJST", r->p.type[0]))
			continue;
		if (r->p.type[0] != 'J' && r->p.type[0] != 'T' &&
		    (r->p.node < 0 || (size_t)r->p.node >= r->n))
			continue;
		bool ticks = replay_ticks(r->rp);
		if (!ticks && r->p_ticks)   /* an older run's part follows */
			r->next_tick = (r->last_tick >= 0 ? r->last_tick : r->p.t) + r->iv;
		r->p_ticks = ticks;
		r->have_pending = true;
		return 0;
	}
	r->have_pending = false;
	r->eof = true;
	if (r->end < 0)
		r->end = r->last_rec;
	if (rc < 0) {
		snprintf(r->why, sizeof r->why, "'%s' is corrupt after the last good frame: %s",
		         r->path, replay_error(r->rp));
		*why = r->why;
		return SOURCE_EFORMAT;
	}
	return 0;
}

/* Monotonic time the record at t is due at the current speed. */
static double due(const struct source_replay *r, double t)
{
	if (r->seek != SEEK_NONE || r->rewind)
		return 0;
	if (r->paused)
		return 1e300;
	if (r->speed <= 0 || !r->anchored)
		return 0;
	return r->anchor_mono + (t - r->anchor_t) / r->speed;
}

/* From now on, the clock runs at the speed from where it stands. */
static void anchor(struct source_replay *r, double mono)
{
	r->anchor_t = r->clock;
	r->anchor_mono = mono;
	r->anchored = true;
}

/* The clock: the last record or tick handed on. */
static double replay_now(const struct source *s, double loop_now)
{
	(void)loop_now;
	return ((const struct source_replay *)s)->clock;
}

/* The time at which step() has something to do. */
static double next_due(const struct source_replay *r)
{
	if (r->rewind || r->seek != SEEK_NONE || r->scan)
		return 0;
	if (!r->have_pending)   /* the end is due at once, once */
		return r->eof_done ? 1e300 : 0;
	double t = r->p.t;
	if (!r->p_ticks && t - r->iv / 2 >= r->next_tick)
		t = r->next_tick + r->iv / 2;
	return due(r, t);
}

static size_t replay_fill(struct source *s, struct pollfd *pf, size_t cap, double *deadline)
{
	struct source_replay *r = (struct source_replay *)s;
	(void)pf;
	(void)cap;
	double d = next_due(r);
	if (d < *deadline)
		*deadline = d;
	return 0;
}

/* Hand on a node's state when it changed (parts without states). */
static void tell(struct source_replay *r, size_t i, enum conn_state st, const char *why,
                 double t)
{
	if (r->st[i] == st && st != CS_DOWN)
		return;
	r->st[i] = st;
	struct source_status ss = { .state = st, .why = why, .since = t };
	r->base.feed->status(r->base.feed->arg, i, &ss);
}

/* A seek is over: stay paused or go on at the speed from here. */
static void seek_done(struct source_replay *r)
{
	r->seek = SEEK_NONE;
	if (r->pause_after)
		r->paused = true;
	anchor(r, clock_mono());
}

/* A tick at t: in parts without states, nodes silent for 3 intervals are
 * stale, for 10 down, exactly as live (node_state.h); then the loop
 * writes the block. */
static void tick(struct source_replay *r, double t)
{
	for (size_t i = 0; !r->p_ticks && i < r->n; i++) {
		if ((r->st[i] != CS_UP && r->st[i] != CS_STALE) || r->seen[i] < 0)
			continue;
		if (t - r->seen[i] >= node_dead_after(r->iv))
			tell(r, i, CS_DOWN, "no frame in the recording", t);
		else if (t - r->seen[i] >= node_stale_after(r->iv) && r->st[i] != CS_STALE)
			tell(r, i, CS_STALE, "no frame for 3 intervals", t);
	}
	r->clock = t;
	r->last_tick = t;
	r->ticks_done++;
	bool quiet = r->seek != SEEK_NONE;
	if ((r->seek == SEEK_TICK && r->ticks_done >= r->seek_tick) ||
	    (r->seek == SEEK_TIME && t + r->iv * 0.999 > r->seek_t))
		seek_done(r);
	r->base.feed->tick(r->base.feed->arg, t, quiet);
}

/* The next tick of a part without ticks (one per interval), the gap
 * rule applied: t is where the clock stands. */
static void clock_tick(struct source_replay *r, double t)
{
	double at = r->next_tick;
	r->next_tick += r->iv;
	double behind = t - r->next_tick;
	if (behind > GAP_TICKS * r->iv)
		r->next_tick += floor(behind / r->iv) * r->iv;
	tick(r, at);
}

/* An X record: "<p><d>[ <read time>]\n" then the facts text (record.h). */
static void replay_facts(struct source_replay *r, size_t i, double t)
{
	const char *raw = r->p.data;
	size_t len = r->p.len;
	const char *nl = memchr(raw, '\n', len < 40 ? len : 40);
	double t_read = t;
	if (!nl || nl - raw < 2)
		return;
	if (nl - raw > 3 && raw[2] == ' ' &&
	    text_decimal(raw + 3, (size_t)(nl - raw - 3), 0, RECORD_MAX_TIME, &t_read) < 0)
		t_read = t;
	r->base.feed->facts(r->base.feed->arg, i, record_stamp(t_read), nl + 1,
	                    len - (size_t)(nl + 1 - raw), raw[0] == '1', raw[1] == '1');
}

/* An S record (record.h): the node's status as the live model had it.
 * A bad one is skipped. */
static void replay_status(struct source_replay *r, size_t i)
{
	struct rec_status rs;
	char why[2048];          /* a node's why is at most 1200 bytes (model.h) */
	int k;
	if (replay_parse_status(r->p.data, r->p.len, &rs) < 0)
		return;
	for (k = 0; k <= CS_LOCAL_ERROR; k++)
		if (strcmp(rs.state, conn_state_name((enum conn_state)k)) == 0)
			break;
	if (k > CS_LOCAL_ERROR)
		return;
	size_t wl = rs.why_len < sizeof why ? rs.why_len : sizeof why - 1;
	memcpy(why, rs.why, wl);
	why[wl] = 0;
	struct source_status ss = {
		.state = (enum conn_state)k, .why = why, .since = rs.since,
		.reconnects = rs.reconnects, .retry_at = rs.retry_at, .fallback_sh = rs.fallback_sh,
	};
	r->st[i] = ss.state;
	r->base.feed->status(r->base.feed->arg, i, &ss);
}

/* Hand on the pending record and read the next one.  0 or an error. */
static int deliver(struct source_replay *r, const char **why)
{
	size_t i = r->p.node < 0 ? 0 : (size_t)r->p.node;
	double t = r->p.t;
	const struct source_feed *f = r->base.feed;
	char kind = r->p.type[0];
	r->clock = r->last_rec = t;
	if (kind == 'T') {
		tick(r, replay_tick_time(r->p.data, r->p.len, t));
	} else if (kind == 'S') {
		replay_status(r, i);
	} else if (kind == 'J') {
		f->job(f->arg, t, r->p.data, r->p.len);
	} else if (kind == 'X') {
		replay_facts(r, i, t);
	} else if (parse_frame(r->p.data, r->p.len, &r->s) < 0) {
		r->seen[i] = t;
		tell(r, i, CS_DOWN, "corrupt frame in the recording", t);
	} else {
		r->seen[i] = t;
		if (!r->p_ticks)
			tell(r, i, CS_UP, "", t);
		f->frame(f->arg, i, t, &r->s, r->p.data, r->p.len);
	}
	return read_ahead(r, why);
}

/* Back to the first record; the loop forgets everything. */
static int do_rewind(struct source_replay *r, const char **why)
{
	r->rewind = false;
	if (replay_rewind(r->rp) < 0) {
		snprintf(r->why, sizeof r->why, "cannot go back in '%s': %s", r->path,
		         replay_error(r->rp));
		*why = r->why;
		return SOURCE_EIO;
	}
	r->eof = r->eof_done = r->have_pending = false;
	r->p_ticks = replay_ticks(r->rp);
	r->clock = r->last_rec = r->first;
	r->next_tick = r->first + r->iv;
	r->last_tick = -1;
	r->ticks_done = 0;
	for (size_t i = 0; i < r->n; i++) {
		r->seen[i] = -1;
		r->st[i] = CS_CONNECTING;
	}
	r->base.feed->rewind(r->base.feed->arg);
	return read_ahead(r, why) < 0 ? SOURCE_EFORMAT : 0;
}

/* Read on in the end-finder: the last record's time is the end. */
static void scan_some(struct source_replay *r)
{
	struct rec_item it;
	int rc = 1;
	for (int k = 0; k < SCAN_BATCH && (rc = replay_next_item(r->scan, &it)) == 1; k++)
		if (it.t > r->end)
			r->end = it.t;
	if (rc == 1)
		return;
	if (rc < 0)
		r->end = -1;   /* corrupt: the reader says so when it gets there */
	replay_close(r->scan);
	r->scan = NULL;
}

/* One thing due: a tick of a part without ticks, or the pending record.
 * 1 when one was handed on, 0 when none is due, or an error. */
static int one(struct source_replay *r, double now, const char **why)
{
	if (!r->have_pending) {
		/* after the last record, the ticks up to half an interval on */
		while (!r->eof_done && !r->p_ticks && r->next_tick <= r->last_rec + r->iv / 2)
			clock_tick(r, r->last_rec + r->iv / 2);
		r->eof_done = true;
		if (r->seek != SEEK_NONE)
			seek_done(r);
		return 0;
	}
	if (!r->p_ticks && r->p.t - r->iv / 2 >= r->next_tick) {
		if (now < due(r, r->next_tick + r->iv / 2))
			return 0;
		clock_tick(r, r->p.t - r->iv / 2);
		return 1;
	}
	if (now < due(r, r->p.t))
		return 0;
	return deliver(r, why) < 0 ? SOURCE_EFORMAT : 1;
}

/* Hand on what is due (a batch of it when it is all due at once). */
static int replay_step(struct source *s, const struct pollfd *pf, size_t n, double now,
                       const char **why)
{
	struct source_replay *r = (struct source_replay *)s;
	(void)pf;
	(void)n;
	if (r->scan)
		scan_some(r);
	if (r->rewind && do_rewind(r, why) < 0)
		return SOURCE_EFORMAT;
	if (!r->anchored)
		anchor(r, now);
	for (int k = 0; k < STEP_BATCH; k++) {
		int rc = one(r, now, why);
		if (rc < 0)
			return rc;
		if (rc == 0)
			break;
	}
	return r->eof_done ? SOURCE_END : SOURCE_MORE;
}

/* The screen's keys: pause, resume, step, seek, speed. */
static int replay_control(struct source *s, enum source_ctl c, double arg)
{
	struct source_replay *r = (struct source_replay *)s;
	bool can_back = strcmp(r->path, "-") != 0;
	switch (c) {
	case SOURCE_PAUSE:
		r->paused = true;
		return 0;
	case SOURCE_RESUME:
		r->paused = false;
		anchor(r, clock_mono());
		return 0;
	case SOURCE_SPEED:
		if (!(arg >= 0 && arg <= 1e6))
			return -1;
		r->speed = arg;
		anchor(r, clock_mono());
		return 0;
	case SOURCE_STEP:
		r->pause_after = true;
		r->paused = true;
		if (arg >= 0) {
			if (r->eof_done)
				return -1;
			r->seek = SEEK_TICK;
			r->seek_tick = r->ticks_done + 1;
			return 0;
		}
		if (!can_back || r->ticks_done <= 1)
			return -1;
		r->seek = SEEK_TICK;
		r->seek_tick = r->ticks_done - 1;
		r->rewind = true;
		return 0;
	case SOURCE_SEEK:
		if (!isfinite(arg))
			return -1;
		if (r->last_tick >= 0 && arg >= r->last_tick && arg < r->last_tick + r->iv * 0.999)
			return 0;   /* already there */
		if (r->last_tick >= 0 && arg < r->last_tick) {
			if (!can_back)
				return -1;
			r->rewind = true;
		} else if (r->eof_done) {
			return 0;   /* at the end already */
		}
		r->pause_after = r->paused;
		r->seek = SEEK_TIME;
		r->seek_t = arg;
		return 0;
	default:
		return -1;
	}
}

/* Where the replay stands. */
static void replay_position(const struct source *s, struct source_pos *p)
{
	const struct source_replay *r = (const struct source_replay *)s;
	*p = (struct source_pos){
		.first = r->first, .now = r->last_tick >= 0 ? r->last_tick : r->first,
		.end = r->end, .speed = r->speed, .paused = r->paused, .at_end = r->eof_done,
		.seeking = r->seek != SEEK_NONE || r->rewind,
		.can_back = strcmp(r->path, "-") != 0,
	};
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
	replay_close(r->scan);
	free(r->seen);
	free(r->st);
	free(r);
}

static const struct source_ops replay_ops = {
	.name = "replay", .clock = SOURCE_CLOCK_OWN, .now = replay_now,
	.fill_pollfds = replay_fill, .step = replay_step, .procs = replay_procs,
	.control = replay_control, .position = replay_position, .close = replay_close_src,
};

struct source *source_replay_new(const struct source_feed *feed, const char *path,
                                 double speed, bool navigate, struct node_list *nodes,
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
	r->navigate = navigate;
	r->last_tick = r->end = -1;
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
	r->p_ticks = replay_ticks(r->rp);
	if (read_ahead(r, why) < 0)
		goto fail;
	r->first = r->clock = r->last_rec = r->have_pending ? r->p.t : 0;
	r->next_tick = r->first + r->iv;
	if (navigate && strcmp(path, "-") != 0)
		r->scan = replay_open(path, &w);   /* no end shown when it fails */
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
