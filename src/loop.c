/* loop.c — the one poll() loop over every source and sink (see loop.h). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"
#include "sink_events.h"
#include "sink_expo.h"
#include "source_prom.h"
#include "facts.h"
#include "job.h"
#include "loop.h"
#include "model.h"
#include "record.h"
#include "sink.h"
#include "source.h"
#include "ssh_conn.h"
#include "text.h"

/* Sources and sinks one run can have (local + ssh + a few to come; screen
 * or batch + events + recorder + exporter + a few to come). */
#define LOOP_MAX_SOURCES 8
#define LOOP_MAX_SINKS   8

/* Passes are at least this far apart when only sources woke us, so frames
 * from many nodes are handled in one pass instead of one pass each (poll
 * over 500 descriptors per frame cost ~4% of a core).  Keys and signals
 * still wake the loop at once.  Below COALESCE_MIN_FDS it is not worth it. */
#define PASS_GAP_S 0.05
#define COALESCE_MIN_FDS 16
/* The longest single poll() wait, so a deadline of "never" (1e300) still
 * fits an int of milliseconds. */
#define POLL_MAX_MS 3600000

struct slice {
	size_t off, n;                 /* this one's pollfds in the array */
};

struct loop {
	struct options *o;
	struct model m;
	struct source *src[LOOP_MAX_SOURCES];
	struct slice src_pf[LOOP_MAX_SOURCES];
	size_t nsrc;
	struct source *own;            /* the SOURCE_CLOCK_OWN source, or NULL */
	struct source *ssh;            /* the SSH fleet (counting uses it), or NULL */
	struct source **owner;         /* per node: its source */
	struct sink *snk[LOOP_MAX_SINKS];
	struct slice snk_pf[LOOP_MAX_SINKS];
	size_t nsnk;
	struct source_feed feed;
	struct job *job;               /* --done, or NULL */
	size_t job_node[JT_COUNT];     /* 1 + node counted on, 0 = none */
	struct sink *events;           /* the events sink (always on) */
	struct pollfd *pf;
	size_t pfcap, nurgent, nsrcfd;
	bool   screen;
	bool   ended;                  /* the own source said SOURCE_END */
	struct source_pos pos;         /* the own source's position (screen) */
	bool   changed;                /* the model changed since the headroom was shared */
	double start, wall0;           /* the sources' clock and unix time at start */
	double next_tick;              /* sources' clock */
	double model_now;              /* the latest time the model got */
	double last_pass;              /* monotonic */
	long   blocks;
	int    procs_for;              /* node whose processes were fetched last */
	double next_procs;             /* monotonic */
};

static volatile sig_atomic_t stop_flag, stop_code, winch;
static char stop_msg[512];
static int wake[2] = { -1, -1 };

void loop_stop(int code, const char *why)
{
	int saved = errno;
	if (!stop_flag) {
		stop_flag = 1;
		stop_code = code;
		if (why)
			snprintf(stop_msg, sizeof stop_msg, "%s", why);
	}
	if (wake[1] >= 0 && write(wake[1], "x", 1) < 0) {
		/* the pipe is full: a wake-up is pending anyway */
	}
	errno = saved;
}

static void on_signal(int sig)
{
	int saved = errno;
	if (sig == SIGWINCH) {
		winch = 1;
		if (wake[1] >= 0 && write(wake[1], "x", 1) < 0) {
			/* full: a wake-up is pending anyway */
		}
	} else {
		loop_stop(0, NULL);   /* SIGINT, SIGTERM, SIGHUP: a normal end */
	}
	errno = saved;
}

static void setup_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (pipe2(wake, O_NONBLOCK | O_CLOEXEC) < 0)
		wake[0] = wake[1] = -1;
}

/* Empty the signal self-pipe after poll() saw it readable. */
static void drain_wake(void)
{
	char buf[64];
	while (read(wake[0], buf, sizeof buf) > 0)
		;
}

/* A sink's or source's result: stop on a failure or a quit.  why is read
 * after the call that set it (a pointer: argument order is unspecified). */
static void check(int rc, const char *const *why)
{
	if (rc < 0)
		loop_stop(1, *why && (*why)[0] ? *why : err_text(rc));
	else if (rc == SINK_QUIT)
		loop_stop(0, NULL);
}

/* The model's clock for t on the sources' clock: unix time in whole
 * microseconds (source.h "Clocks"), what a recording stores and gives
 * back, so live and replayed figures are the same numbers. */
static double to_wall(const struct loop *l, double t)
{
	return l->own ? t : record_stamp(l->wall0 + (t - l->start));
}

/* A sink asks the sources for something (sink.h: control). */
static int control(void *arg, enum source_ctl c, double x)
{
	struct loop *l = arg;
	int rc = -1;
	if (c == SOURCE_INTERVAL) {
		if (l->own || !(x >= INTERVAL_MIN_S && x <= INTERVAL_MAX_S))
			return -1;
		l->o->interval = x;
		l->next_tick = clock_mono() + x;
		rc = 0;
	}
	for (size_t k = 0; k < l->nsrc; k++)
		if (l->src[k]->ops->control && l->src[k]->ops->control(l->src[k], c, x) == 0)
			rc = 0;
	return rc;
}

/* What every sink hook reads, at model time now. */
static struct sink_view view(struct loop *l, double now, double wall)
{
	struct sink_view v = {
		.m = &l->m, .job = l->job, .interval = l->o->interval, .now = now, .wall = wall,
		.replay = l->own != NULL, .events = l->events,
		.control = control, .ctl_arg = l,
	};
	if (l->own && l->own->ops->position) {
		l->own->ops->position(l->own, &l->pos);
		v.pos = &l->pos;
		v.seeking = l->pos.seeking;
	}
	return v;
}

/* The view between ticks: the model's clock now. */
static struct sink_view view_now(struct loop *l, double mono)
{
	if (!l->own)
		return view(l, to_wall(l, mono), to_wall(l, mono));
	double t = l->own->ops->now(l->own, mono);
	if (t < l->model_now)
		t = l->model_now;
	return view(l, t, t);
}

/* The feed: a frame enters the model here, and only here. */
static void feed_frame(void *arg, size_t node, double t, const struct sample *s,
                       const char *raw, size_t rawlen)
{
	struct loop *l = arg;
	const char *why = NULL;
	if (node >= l->m.n)
		return;
	t = to_wall(l, t);
	model_ingest(&l->m, node, s, t);
	if (t > l->model_now)
		l->model_now = t;
	l->changed = true;
	struct sink_view v = view(l, t, t);
	for (size_t k = 0; k < l->nsnk; k++)
		if (l->snk[k]->ops->frame)
			check(l->snk[k]->ops->frame(l->snk[k], &v, node, raw, rawlen, &why), &why);
}

/* Unix time of the next block: records taken in now belong to it, as
 * local frames do. */
static double next_block_wall(const struct loop *l)
{
	return to_wall(l, l->next_tick);
}

/* The feed: a node's facts (facts.h). */
static void feed_facts(void *arg, size_t node, double t, const char *text, size_t len,
                       bool procs, bool disks)
{
	struct loop *l = arg;
	const char *why = NULL;
	double t_read = to_wall(l, t);
	if (node >= l->m.n)
		return;
	facts_parse(text, len, procs, disks, &l->m.nodes[node].facts);
	if (procs)
		facts_job_cpu(&l->m.nodes[node].facts, t_read);
	model_facts_changed(&l->m, node);
	l->changed = true;
	double wall = next_block_wall(l);
	struct sink_view v = view(l, l->model_now, wall);
	for (size_t k = 0; k < l->nsnk; k++)
		if (l->snk[k]->ops->facts)
			check(l->snk[k]->ops->facts(l->snk[k], &v, node, text, len, procs, disks,
			                            t_read, &why), &why);
}

/* The job took in a count or a measurement (stamped wall): the model's
 * inputs, then every sink (the recorder writes a J record). */
static void job_changed(struct loop *l, double wall)
{
	struct insize in;
	double rem;
	const char *why = NULL;
	bool have = job_inputs(l->job, &in, &rem);
	model_set_inputs(&l->m, have ? rem : -1, have && in.network);
	l->changed = true;
	struct sink_view v = view(l, l->model_now, wall);
	for (size_t k = 0; k < l->nsnk; k++)
		if (l->snk[k]->ops->job)
			check(l->snk[k]->ops->job(l->snk[k], &v, &why), &why);
}

/* True when some node is streaming (a job's stall needs a live fleet). */
static bool any_up(const struct loop *l)
{
	for (size_t i = 0; i < l->m.n; i++)
		if (l->m.nodes[i].state == CS_UP)
			return true;
	return false;
}

/* The feed: the job's figures from a recording (J). */
static void feed_job(void *arg, double t, const char *text, size_t len)
{
	struct loop *l = arg;
	if (!l->job && job_new_replay(l->o, &l->job) < 0)
		return;
	if (job_feed(l->job, t, text, len, any_up(l)) == 0)
		job_changed(l, t);
}

/* The feed: a node's status; the sinks hear of a change (the recorder
 * writes it). */
static void feed_status(void *arg, size_t node, const struct source_status *st)
{
	struct loop *l = arg;
	const char *why = NULL;
	if (node >= l->m.n)
		return;
	struct node *nd = &l->m.nodes[node];
	struct {
		enum conn_state state;
		double since, retry_at;
		unsigned reconnects;
		bool fallback_sh;
		char why[sizeof nd->why];
	} was = { nd->state, nd->since, nd->retry_at, nd->reconnects, nd->fallback_sh, "" };
	memcpy(was.why, nd->why, sizeof was.why);
	model_set_state(&l->m, node, st->state, st->why, st->since > 0 ? to_wall(l, st->since) : 0);
	model_set_conn(&l->m, node, st->reconnects, st->fallback_sh,
	               st->retry_at > 0 ? to_wall(l, st->retry_at) : 0);
	l->changed = true;
	if (was.state == nd->state && was.since == nd->since && was.reconnects == nd->reconnects &&
	    was.fallback_sh == nd->fallback_sh && was.retry_at == nd->retry_at &&
	    strcmp(was.why, nd->why) == 0)
		return;
	double now = l->own ? l->own->ops->now(l->own, 0) : to_wall(l, clock_mono());
	struct sink_view v = view(l, now, now);
	for (size_t k = 0; k < l->nsnk; k++)
		if (l->snk[k]->ops->status)
			check(l->snk[k]->ops->status(l->snk[k], &v, node, &why), &why);
}

/* Hand the cluster's headroom to the job (best-case rate and ETA). */
static void share_headroom(struct loop *l)
{
	struct cluster c;
	if (!l->job || !l->changed)
		return;
	model_cluster(&l->m, &c);
	job_set_headroom(l->job, &c.headroom, classify_if_gone(c.dominant));
	l->changed = false;
}

/* True once every node has a full interval or has settled in a failure
 * state (for --once: the first block with real figures). */
static bool all_settled(const struct loop *l, double now)
{
	if (now - l->start > 15)
		return true;
	for (size_t i = 0; i < l->m.n; i++) {
		const struct node *nd = &l->m.nodes[i];
		if (nd->state == CS_CONNECTING || (nd->state == CS_UP && !nd->have_rates))
			return false;
	}
	return true;
}

/* One block at model time t to every sink (quiet: a replay's seek). */
static void block(struct loop *l, double t, bool quiet)
{
	const char *why = NULL;
	struct sink_view v = view(l, t, t);
	v.seeking = quiet;
	share_headroom(l);
	for (size_t k = 0; k < l->nsnk; k++)
		if (l->snk[k]->ops->tick)
			check(l->snk[k]->ops->tick(l->snk[k], &v, &why), &why);
	l->blocks++;
	if (l->o->count && l->blocks >= l->o->count)
		loop_stop(0, NULL);
}

/* One interval at t (the live sources' clock): sources first, then one
 * block. */
static void tick(struct loop *l, double t)
{
	const char *why = NULL;
	for (size_t k = 0; k < l->nsrc; k++)
		if (l->src[k]->ops->tick)
			check(l->src[k]->ops->tick(l->src[k], t, &why), &why);
	if (l->o->once && !all_settled(l, t))
		return;
	block(l, to_wall(l, t), false);
}

/* The feed: a recording's tick (its source keeps the time). */
static void feed_tick(void *arg, double t, bool quiet)
{
	struct loop *l = arg;
	if (t > l->model_now)
		l->model_now = t;
	l->next_tick = t + l->o->interval;
	if (l->job)
		job_set_replay_now(l->job, t);
	block(l, t, quiet);
}

/* The feed: a recording starts again (a seek back): an empty model, no
 * job, and sinks that forget. */
static void feed_rewind(void *arg)
{
	struct loop *l = arg;
	model_free(&l->m);
	if (model_init(&l->m, l->o->nodes.v, l->o->nodes.n) < 0) {
		loop_stop(1, "out of memory");
		return;
	}
	job_free(l->job);
	l->job = NULL;
	for (size_t k = 0; k < l->nsnk; k++)
		if (l->snk[k]->ops->rewind)
			l->snk[k]->ops->rewind(l->snk[k]);
	l->model_now = l->start;
	l->next_tick = l->start + l->o->interval;
	l->blocks = 0;
	l->ended = false;
	l->changed = true;
}

/* Run every tick the live sources' clock has passed; ticks missed while
 * the loop stalled are skipped (the past cannot be sampled).  A recording
 * hands on its own ticks (feed_tick). */
static void advance(struct loop *l, double mono)
{
	double iv = l->o->interval;
	while (!l->own && !stop_flag && mono >= l->next_tick) {
		tick(l, l->next_tick);
		l->next_tick += iv;
		double behind = mono - l->next_tick;
		if (behind >= 0)
			l->next_tick += (floor(behind / iv) + 1) * iv;
	}
}

/* A source's top processes arrived: to every sink that shows them. */
static void on_procs(void *arg, size_t node, const struct proc_row *rows, int n)
{
	struct loop *l = arg;
	for (size_t k = 0; k < l->nsnk; k++)
		if (l->snk[k]->ops->procs)
			l->snk[k]->ops->procs(l->snk[k], node, rows, n);
}

/* Fetch the top processes a sink shows, every PROCS_EVERY_S. */
static void fetch_procs(struct loop *l, double now, double *deadline)
{
	for (size_t k = 0; k < l->nsnk; k++) {
		struct sink *s = l->snk[k];
		int d = s->ops->wants_procs ? s->ops->wants_procs(s) : -1;
		if (d < 0 || (size_t)d >= l->m.n)
			continue;
		if (d != l->procs_for || now >= l->next_procs) {
			struct source *src = l->owner[d];
			l->procs_for = d;
			l->next_procs = now + PROCS_EVERY_S;
			if (!src->ops->procs || src->ops->procs(src, (size_t)d, on_procs, l) < 0)
				on_procs(l, (size_t)d, NULL, -1);
		}
		if (l->next_procs < *deadline)
			*deadline = l->next_procs;
	}
}

/* Lay out the pollfds: the wake pipe and the sinks' (keys: urgent), then
 * the job's and the sources'. */
static nfds_t fill(struct loop *l, double *deadline)
{
	size_t n = 0;
	l->pf[n++] = (struct pollfd){ .fd = wake[0], .events = POLLIN };
	for (size_t k = 0; k < l->nsnk; k++) {
		struct sink *s = l->snk[k];
		size_t c = s->ops->fill_pollfds ?
		           s->ops->fill_pollfds(s, l->pf + n, l->pfcap - n, deadline) : 0;
		l->snk_pf[k] = (struct slice){ n, c };
		n += c;
	}
	l->nurgent = n;
	if (l->job && !l->own) {
		l->pf[n++] = (struct pollfd){ .fd = job_wake_fd(l->job), .events = POLLIN };
		double d = job_deadline(l->job);
		if (d < *deadline)
			*deadline = d;
	}
	size_t first = n;
	for (size_t k = 0; k < l->nsrc; k++) {
		struct source *s = l->src[k];
		size_t c = s->ops->fill_pollfds ?
		           s->ops->fill_pollfds(s, l->pf + n, l->pfcap - n, deadline) : 0;
		l->src_pf[k] = (struct slice){ n, c };
		n += c;
	}
	l->nsrcfd = n - first;
	return (nfds_t)n;
}

/* Wait out the rest of the pass gap, then collect every descriptor's events. */
static int coalesce(struct loop *l, nfds_t n, int r, double now)
{
	if (r <= 0 || l->nsrcfd < COALESCE_MIN_FDS || now - l->last_pass >= PASS_GAP_S)
		return r;
	for (size_t k = 0; k < l->nurgent; k++)
		if (l->pf[k].revents)
			return r;
	int ms = (int)ceil((PASS_GAP_S - (now - l->last_pass)) * 1000);
	if (poll(l->pf, (nfds_t)l->nurgent, ms) < 0 && errno != EINTR)
		return r;
	int r2 = poll(l->pf, n, 0);
	return r2 < 0 ? r : r2;
}

/* Step every sink and source with its pollfds, and the job. */
static void step(struct loop *l, double now)
{
	const char *why = NULL;
	struct sink_view v = view_now(l, now);
	for (size_t k = 0; k < l->nsnk && !stop_flag; k++) {
		struct sink *s = l->snk[k];
		if (s->ops->step)
			check(s->ops->step(s, &v, l->pf + l->snk_pf[k].off, l->snk_pf[k].n, now, &why),
			      &why);
	}
	for (size_t k = 0; k < l->nsrc && !stop_flag; k++) {
		struct source *s = l->src[k];
		if (!s->ops->step)
			continue;
		int rc = s->ops->step(s, l->pf + l->src_pf[k].off, l->src_pf[k].n, now, &why);
		if (rc == SOURCE_END && s == l->own) {
			/* the screen keeps the last picture: the user may go back */
			if (!l->ended && !l->screen)
				loop_stop(0, NULL);
			l->ended = true;
		} else if (rc < 0) {
			check(rc, &why);
		}
	}
	for (int t = 0; l->job && t < JT_COUNT; t++)
		if (l->job_node[t])
			job_set_conn(l->job, (enum job_target)t,
			             source_ssh_conn(l->ssh, l->job_node[t] - 1));
	if (l->job && !l->own) {
		unsigned gen = job_generation(l->job);
		job_step(l->job, now, clock_wall(), any_up(l));
		if (job_generation(l->job) != gen)
			job_changed(l, next_block_wall(l));
	}
}

static int run(struct loop *l)
{
	while (!stop_flag) {
		double now = clock_mono();
		advance(l, now);
		if (stop_flag)
			break;
		if (winch) {
			winch = 0;
			for (size_t k = 0; k < l->nsnk; k++)
				if (l->snk[k]->ops->resize)
					l->snk[k]->ops->resize(l->snk[k]);
		}
		double deadline = l->own ? 1e300 : l->next_tick;
		fetch_procs(l, now, &deadline);
		nfds_t n = fill(l, &deadline);
		double wait = deadline - clock_mono();
		int ms = wait <= 0 ? 0 : wait * 1000 > POLL_MAX_MS ? POLL_MAX_MS : (int)ceil(wait * 1000);
		int r = poll(l->pf, n, ms);
		if (r < 0 && errno != EINTR) {
			loop_stop(1, "poll failed");
			break;
		}
		now = clock_mono();
		r = coalesce(l, n, r, now);
		now = clock_mono();
		l->last_pass = now;
		if (r > 0 && (l->pf[0].revents & POLLIN))
			drain_wake();
		step(l, now);
	}
	return stop_code;
}

/* Counting on an SSH destination: the node's own connection when the
 * destination is a watched remote node, else one just for counting. */
static int job_conns(struct loop *l, const char **why)
{
	for (int t = 0; l->job && t < JT_COUNT; t++) {
		const char *dest = job_dest(l->job, (enum job_target)t);
		if (!dest)
			continue;
		long i = model_find(&l->m, dest);
		if (i >= 0 && !l->m.nodes[i].spec->local) {
			l->job_node[t] = (size_t)i + 1;
			continue;
		}
		struct ssh_conn *c = source_ssh_extra(l->ssh, dest, why);
		if (!c)
			return -1;
		job_set_conn(l->job, (enum job_target)t, c);
	}
	return 0;
}

/* Which live source reads node i: this machine, Prometheus, its
 * node_exporter, or SSH. */
enum live_kind { LK_LOCAL, LK_PROM, LK_EXPORTER, LK_SSH, LK_COUNT };

static enum live_kind live_kind(const struct node_spec *sp)
{
	return sp->local ? LK_LOCAL : sp->prom ? LK_PROM : sp->exporter ? LK_EXPORTER : LK_SSH;
}

/* Make one live source over the nodes idx[0..n); NULL with why. */
static struct source *live_source(struct loop *l, enum live_kind kind, const size_t *idx,
                                  size_t n, const char **why)
{
	struct options *o = l->o;
	/* facts: the job's processes with --job-cmd, disks with inputs to place */
	struct source_facts facts = { o->job_cmd, o->inputs != NULL || o->todo != NULL };
	struct ssh_opts so = {
		.config_file = o->ssh_config, .user = o->ssh_user, .port = o->ssh_port,
		.identity = o->identity, .accept_new = o->accept_new, .interval = o->interval,
		.compress = o->compress,
	};
	struct prom_opts po = { o->prometheus, o->prom_selector, o->interval };
	switch (kind) {
	case LK_LOCAL:
		return source_local_new(&l->feed, idx, n, o->record != NULL, &facts, why);
	case LK_PROM:
		return source_prom_new(&l->feed, o->nodes.v, idx, n, &po, why);
	case LK_EXPORTER:
		return source_exporter_new(&l->feed, o->nodes.v, idx, n, o->interval, why);
	default:
		return source_ssh_new(&l->feed, o->nodes.v, idx, n, &so, &facts, why);
	}
}

/* The live sources, each over the nodes it reads (SSH also for counting
 * on a destination).  0, or 1 with a message. */
static int live_sources(struct loop *l)
{
	size_t *idx[LK_COUNT] = { 0 }, cnt[LK_COUNT] = { 0 };
	const char *why = "out of memory";
	bool count_remote = false;
	int rc = 1;
	for (int k = 0; k < LK_COUNT; k++)
		if (!(idx[k] = malloc((l->m.n ? l->m.n : 1) * sizeof *idx[k])))
			goto out;
	for (size_t i = 0; i < l->m.n; i++) {
		enum live_kind k = live_kind(l->m.nodes[i].spec);
		idx[k][cnt[k]++] = i;
	}
	for (int t = 0; l->job && t < JT_COUNT; t++) {
		const char *dest = job_dest(l->job, (enum job_target)t);
		long i = dest ? model_find(&l->m, dest) : -1;
		count_remote |= dest && (i < 0 || !l->m.nodes[i].spec->local);
	}
	for (int k = 0; k < LK_COUNT; k++) {
		if (!cnt[k] && !(k == LK_SSH && count_remote))
			continue;
		struct source *s = live_source(l, (enum live_kind)k, idx[k], cnt[k], &why);
		if (!s)
			goto out;
		l->src[l->nsrc++] = s;
		for (size_t j = 0; j < cnt[k]; j++)
			l->owner[idx[k][j]] = s;
		if (k == LK_SSH)
			l->ssh = s;
	}
	if (l->ssh) {
		char fit[400];
		size_t nconn = cnt[LK_SSH];
		for (int t = 0; l->job && t < JT_COUNT; t++)
			nconn += job_dest(l->job, (enum job_target)t) != NULL;
		if (ssh_conn_fit(nconn, fit, sizeof fit) < 0)
			fprintf(stderr, "doptop: %s\n", fit);   /* said once, before the screen */
		if (job_conns(l, &why) < 0)
			goto out;
	}
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "doptop: %s\n", why);
	for (int k = 0; k < LK_COUNT; k++)
		free(idx[k]);
	return rc;
}

/* Add a sink k made with *why; 0, or 1 after the message.  (why is a
 * pointer: it is read after the constructor that sets it has run.) */
static int add_sink(struct loop *l, struct sink *k, const char *const *why)
{
	if (!k) {
		fprintf(stderr, "doptop: %s\n", why && *why ? *why : "out of memory");
		return 1;
	}
	l->snk[l->nsnk++] = k;
	return 0;
}

/* The sinks, in hook order: the screen (first, so it is freed first and
 * messages reach a restored terminal), events (their lines come before
 * the block), batch/JSON, the recorder, the exporter.  0, or the exit
 * status after a message. */
static int sinks(struct loop *l)
{
	struct options *o = l->o;
	const char *why = "out of memory";
	int code = 1;
	if (l->screen) {
		struct sink *k = sink_screen_new(o->theme, o->no_color, &o->cfg, &why, &code);
		if (!k) {
			fprintf(stderr, "doptop: %s\n", why);
			return code;
		}
		l->snk[l->nsnk++] = k;
	}
	struct sink_events_opts eo = {
		.nodes = l->m.n, .out = l->screen ? NULL : stdout, .json = o->json,
		.on_event = o->on_event, .exit_when_done = o->exit_when_done,
	};
	l->events = sink_events_new(&eo);
	if (add_sink(l, l->events, NULL) ||
	    (!l->screen && add_sink(l, sink_batch_new(stdout, o->json, &why), &why)))
		return 1;
	if (o->record) {
		const char **names = calloc(l->m.n ? l->m.n : 1, sizeof *names);
		for (size_t i = 0; names && i < l->m.n; i++)
			names[i] = l->m.nodes[i].spec->name;
		struct sink *k = names ? sink_record_new(o->record, o->interval, names, l->m.n,
		                                         o->record_max, &why) : NULL;
		free(names);
		if (!k) {
			fprintf(stderr, "doptop: cannot record to '%s': %s\n", o->record, why);
			return 1;
		}
		l->snk[l->nsnk++] = k;
	}
	if ((o->textfile || o->listen) &&
	    add_sink(l, sink_expo_new(o->textfile, o->listen, &why), &why))
		return 1;
	return 0;
}

/* Make the model, the sources and the sinks.  0, or the exit status. */
static int setup(struct loop *l, struct options *o)
{
	const char *why = "";
	l->o = o;
	l->procs_for = -1;
	l->feed = (struct source_feed){ l, feed_frame, feed_status, feed_facts, feed_job,
	                                feed_tick, feed_rewind };
	l->screen = !o->batch && !o->json && isatty(STDOUT_FILENO);
	if (o->replay) {
		if (o->nodes.n) {
			fprintf(stderr, "doptop: --replay takes its nodes from the recording; "
			        "drop --nodes\n");
			return 2;
		}
		if (!(l->own = source_replay_new(&l->feed, o->replay, o->speed, l->screen,
		                                 &o->nodes, &o->interval, &why))) {
			fprintf(stderr, "doptop: %s\n", why);
			return 1;
		}
		l->src[l->nsrc++] = l->own;
	}
	if (model_init(&l->m, o->nodes.v, o->nodes.n) < 0 ||
	    !(l->owner = calloc(l->m.n ? l->m.n : 1, sizeof *l->owner))) {
		fprintf(stderr, "doptop: out of memory\n");
		return 1;
	}
	for (size_t i = 0; l->own && i < l->m.n; i++)
		l->owner[i] = l->own;
	if (!o->replay && job_new(o, &l->job, &why) < 0) {
		fprintf(stderr, "doptop: bad --done/--todo: %s\n", why);
		return 2;
	}
	if (o->done_from && model_find(&l->m, o->done_from) < 0) {
		fprintf(stderr, "doptop: --done-from '%s' is not one of the watched nodes\n",
		        o->done_from);
		return 2;
	}
	setup_signals();
	int rc;
	if (!o->replay && (rc = live_sources(l)) != 0)
		return rc;
	/* one per node at most, the extras (wake pipe, keys, job, jump hosts,
	 * counting connections) and the exporter's listener and clients */
	l->pfcap = l->m.n + 64 + SINK_EXPO_MAX_CLIENTS + 1;
	if (!(l->pf = calloc(l->pfcap, sizeof *l->pf))) {
		fprintf(stderr, "doptop: out of memory\n");
		return 1;
	}
	if ((rc = sinks(l)) != 0)
		return rc;
	double mono = clock_mono();
	l->start = l->own ? l->own->ops->now(l->own, mono) : mono;
	l->wall0 = clock_wall();
	l->model_now = to_wall(l, l->start);
	l->next_tick = l->start + o->interval;
	/* the baseline for the first deltas (no block) */
	for (size_t k = 0; k < l->nsrc && !l->own; k++)
		if (l->src[k]->ops->tick && l->src[k]->ops->tick(l->src[k], l->start, &why) < 0) {
			fprintf(stderr, "doptop: %s\n", why);
			return 1;
		}
	struct sink_view v = view(l, to_wall(l, l->start), to_wall(l, l->start));
	for (size_t k = 0; k < l->nsnk; k++)
		if (l->snk[k]->ops->begin && l->snk[k]->ops->begin(l->snk[k], &v, &why) < 0) {
			fprintf(stderr, "doptop: %s\n", why);
			return 1;
		}
	if (l->job && o->record)
		job_changed(l, clock_wall());    /* a replay starts its job here */
	return stop_flag ? (int)stop_code : 0;
}

/* A normal end: every sink's end hook (a recording's last write may fail). */
static void end(struct loop *l)
{
	const char *why = NULL;
	struct sink_view v = view_now(l, clock_mono());
	for (size_t k = 0; k < l->nsnk; k++) {
		int rc = l->snk[k]->ops->end ? l->snk[k]->ops->end(l->snk[k], &v, &why) : 0;
		if (rc < 0 && stop_code == 0) {
			stop_code = 1;
			snprintf(stop_msg, sizeof stop_msg, "%s", why ? why : "failed");
		}
	}
}

/* --once / --count ended: 0 when every node was up and the job (if any)
 * neither stalled nor failed to count, else LOOP_EXIT_DEGRADED with one
 * line on stderr saying which (scripts need not parse the output). */
static int count_status(const struct loop *l)
{
	char line[TEXT_LINE_MAX * 2] = "", name[64];
	int bad = 0;
	size_t n = 0;
	for (size_t i = 0; i < l->m.n; i++) {
		const struct node *nd = &l->m.nodes[i];
		if (nd->state == CS_UP)
			continue;
		if (bad++ < 3 && n < sizeof line)
			n += (size_t)snprintf(line + n, sizeof line - n, "%s%s %s", bad > 1 ? ", " : "",
			                      text_sanitize(name, sizeof name, nd->spec->name),
			                      conn_state_name(nd->state));
	}
	if (bad)
		fprintf(stderr, "doptop: %d of %zu node%s not up at the end (%s%s)\n", bad, l->m.n,
		        l->m.n == 1 ? "" : "s", line, bad > 3 ? ", ..." : "");
	struct progress_view v;
	if (l->job && job_view(l->job, &v) && v.stalled) {
		fprintf(stderr, "doptop: the job is stalled\n");
		bad++;
	} else if (l->job && job_failing(l->job)) {
		fprintf(stderr, "doptop: the job could not be counted: %s\n", job_error(l->job));
		bad++;
	}
	return bad ? LOOP_EXIT_DEGRADED : 0;
}

/* Sinks first (the screen restores the terminal), then sources (pending
 * callbacks are dropped, then land in the job), then the rest. */
static void free_sinks(struct loop *l)
{
	for (size_t k = 0; k < l->nsnk; k++)
		l->snk[k]->ops->free(l->snk[k]);
	l->nsnk = 0;
}

static void teardown(struct loop *l)
{
	free_sinks(l);
	for (size_t k = 0; k < l->nsrc; k++)
		l->src[k]->ops->close(l->src[k]);
	job_free(l->job);
	free(l->owner);
	free(l->pf);
	model_free(&l->m);
}

int loop_run(struct options *o)
{
	struct loop l;
	memset(&l, 0, sizeof l);
	int rc = setup(&l, o);
	if (rc == 0) {
		rc = run(&l);
		if (rc == 0)
			end(&l);
		rc = stop_code;
		free_sinks(&l);     /* the terminal is restored before any message */
		if (rc == 0 && o->count > 0 && l.blocks >= o->count)
			rc = count_status(&l);
	}
	teardown(&l);
	if (rc != 0 && stop_msg[0])
		fprintf(stderr, "doptop: %s\n", stop_msg);
	return rc;
}
