/* app.c — the one poll() loop that drives sources and sinks (see app.h). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "sink_events.h"
#include "app.h"
#include "app_loop.h"
#include "sink_expo.h"
#include "source_prom.h"
#include "job.h"
#include "local.h"
#include "model.h"
#include "out_batch.h"
#include "procs.h"
#include "parse.h"
#include "record.h"
#include "ssh_conn.h"
#include "text.h"
#include "tui.h"

volatile sig_atomic_t g_stop, g_winch;
int g_wake[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved = errno;
	if (sig == SIGWINCH)
		g_winch = 1;
	else
		g_stop = sig;
	if (g_wake[1] >= 0 && write(g_wake[1], "x", 1) < 0) {
		/* the pipe is full: a wake-up is pending anyway */
	}
	errno = saved;
}

void app_drain_wake(void)
{
	char buf[64];
	while (read(g_wake[0], buf, sizeof buf) > 0)
		;
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
	if (pipe2(g_wake, O_NONBLOCK | O_CLOEXEC) < 0)
		g_wake[0] = g_wake[1] = -1;
}

/* Record one frame; a recorder that fails (disk full) stops with one
 * message, at once in batch/JSON mode, after the screen closes otherwise. */
static void record_frame(struct app *a, size_t idx, double t, const char *raw, size_t len)
{
	if (!a->rec || recorder_frame(a->rec, (int)idx, t, raw, len) == 0)
		return;
	snprintf(a->rec_msg, sizeof a->rec_msg, "doptop: recording to '%s' stopped: %s\n",
	         a->o->record, recorder_error(a->rec) ? recorder_error(a->rec) : "bad frame");
	if (!recorder_error(a->rec)) {   /* one bad frame, not the file */
		a->rec_msg[0] = '\0';
		return;
	}
	recorder_close(a->rec);
	a->rec = NULL;
	if (!a->screen) {
		fputs(a->rec_msg, stderr);
		a->rec_msg[0] = '\0';
	}
}

/* A frame from an SSH node. */
static void on_frame(void *arg, const struct sample *s, const char *raw, size_t rawlen)
{
	struct node_ctx *c = arg;
	if (c->idx >= c->a->m.n)      /* a counting-only connection */
		return;
	record_frame(c->a, c->idx, clock_wall(), raw, rawlen);
	model_ingest(&c->a->m, c->idx, s, clock_mono());
	c->a->dirty = true;
}

/* Read this machine once: through libproc2, or, when recording, as a
 * probe frame (so that what is recorded is exactly what is shown). */
static int read_local(struct app *a, struct sample *s)
{
	if (!a->rec)
		return local_sample(a->local, s);
	double t = clock_wall();
	int n = local_frame(a->frame_buf, FPARSE_MAX_FRAME, ++a->local_seq, t);
	if (n < 0 || parse_frame(a->frame_buf, (size_t)n, s) < 0)
		return -1;
	/* Stamp the record with the nominal tick time (see tick()). */
	double rt = a->wall0 + (a->next_tick - a->start);
	if (a->next_tick <= 0)
		rt = a->wall0;
	for (size_t i = 0; i < a->m.n; i++)
		if (a->m.nodes[i].spec->local)
			record_frame(a, i, rt, a->frame_buf, (size_t)n);
	return 0;
}

/* Sample every local node now. */
static void sample_local(struct app *a, double now)
{
	struct sample s;
	if (!a->local || read_local(a, &s) < 0)
		return;
	for (size_t i = 0; i < a->m.n; i++) {
		if (!a->m.nodes[i].spec->local)
			continue;
		model_set_state(&a->m, i, CS_UP, "", now);
		model_ingest(&a->m, i, &s, now);
	}
	a->dirty = true;
}

/* Counting on an SSH destination: reuse the node's connection when the
 * destination is a watched node, else open one just for counting. */
static int start_job_conns(struct app *a, const struct ssh_opts *so, const char **why)
{
	for (int t = 0; t < JT_COUNT; t++) {
		const char *dest = job_dest(a->job, (enum job_target)t);
		if (!dest)
			continue;
		long i = model_find(&a->m, dest);
		if (i >= 0 && !a->m.nodes[i].spec->local) {
			/* the node's own connection, once it is opened */
			a->job_node[t] = (size_t)i + 1;
			continue;
		}
		if (nodespec_add(&a->extra, dest, why) < 0)
			return -1;
		size_t k = a->m.n + (size_t)t;
		a->ctx[k] = (struct node_ctx){ a, k };
		a->conns[k] = ssh_conn_new(&a->extra.v[a->extra.n - 1], so, on_frame, &a->ctx[k]);
		if (!a->conns[k]) {
			*why = "out of memory";
			return -1;
		}
		job_set_conn(a->job, (enum job_target)t, a->conns[k]);
	}
	return 0;
}

/* At most this many first connections in flight at once.  Starting 500
 * handshakes together made most of them time out and retry (a node's sshd
 * spends ~100 ms of CPU per login here); 48 at a time brought 200 nodes
 * up with no retry (bench/fleet.sh). */
#define MAX_CONNECTING 48
/* Room in the pollfd array for the HTTP sources' sockets and the
 * exporter's listening socket and clients. */
#define HTTP_PF_MAX 8192

/* Open connections for the next remote nodes while fewer than
 * MAX_CONNECTING are still on their first connect.  0, or -1 on OOM. */
static int start_more(struct app *a)
{
	if (a->next_start >= a->m.n)
		return 0;
	int busy = 0;
	for (size_t i = 0; i < a->next_start; i++)
		if (a->conns[i] && ssh_conn_state(a->conns[i]) == CS_CONNECTING)
			busy++;
	for (; a->next_start < a->m.n && busy < MAX_CONNECTING; a->next_start++) {
		size_t i = a->next_start;
		if (a->m.nodes[i].spec->local || a->m.nodes[i].spec->exporter ||
		    a->m.nodes[i].spec->prom)
			continue;
		a->conns[i] = ssh_conn_new(&a->o->nodes.v[i], &a->so, on_frame, &a->ctx[i]);
		if (!a->conns[i])
			return -1;
		busy++;
	}
	return 0;
}

/* A frame from an HTTP source (source.h feed). */
static void feed_frame(void *arg, size_t node, double t, const struct sample *s,
                       const char *raw, size_t rawlen)
{
	struct app *a = arg;
	if (node >= a->m.n)
		return;
	if (a->rec && raw)
		recorder_frame(a->rec, (int)node, clock_wall(), raw, rawlen);
	model_ingest(&a->m, node, s, t);
	a->dirty = true;
}

/* A node's status from an HTTP source. */
static void feed_status(void *arg, size_t node, const struct source_status *st)
{
	struct app *a = arg;
	if (node >= a->m.n)
		return;
	model_set_state(&a->m, node, st->state, st->why, st->since);
	a->dirty = true;
}

/* The Prometheus and node_exporter sources for the nodes they own, and
 * the exporter sink.  0, or -1 with why. */
static int start_http(struct app *a, const char **why)
{
	struct options *o = a->o;
	size_t *prom = calloc(a->m.n + 1, sizeof *prom), *exp = calloc(a->m.n + 1, sizeof *exp);
	size_t np = 0, ne = 0;
	int rc = -1;
	*why = "out of memory";
	a->feed = (struct source_feed){ a, feed_frame, feed_status };
	if (!prom || !exp)
		goto out;
	for (size_t i = 0; i < a->m.n; i++) {
		if (a->m.nodes[i].spec->prom)
			prom[np++] = i;
		else if (a->m.nodes[i].spec->exporter)
			exp[ne++] = i;
	}
	if (np) {
		struct prom_opts po = { o->prometheus, o->prom_selector, o->interval };
		if (!(a->hsrc[a->nhsrc] = source_prom_new(&a->feed, o->nodes.v, prom, np, &po, why)))
			goto out;
		a->nhsrc++;
	}
	if (ne) {
		if (!(a->hsrc[a->nhsrc] = source_exporter_new(&a->feed, o->nodes.v, exp, ne,
		                                              o->interval, why)))
			goto out;
		a->nhsrc++;
	}
	if ((o->textfile || o->listen) && !(a->expo = sink_expo_new(o->textfile, o->listen, why)))
		goto out;
	rc = 0;
out:
	free(prom);
	free(exp);
	return rc;
}

/* The view every sink hook gets. */
static struct sink_view http_view(struct app *a, double now)
{
	return (struct sink_view){ &a->m, a->job, a->o->interval, now,
	                           a->wall0 + (now - a->start), false };
}

/* Start one SSH connection per remote node. */
static int start_sources(struct app *a, const char **why)
{
	struct options *o = a->o;
	bool any_remote = false;
	if (start_http(a, why) < 0)
		return -1;
	for (size_t i = 0; i < a->m.n; i++) {
		if (a->m.nodes[i].spec->local) {
			if (!a->local && !(a->local = local_new(why)))
				return -1;
			continue;
		}
		any_remote |= !a->m.nodes[i].spec->exporter && !a->m.nodes[i].spec->prom;
	}
	for (int t = 0; t < JT_COUNT; t++)
		if (job_dest(a->job, (enum job_target)t))
			any_remote = true;
	if (!any_remote)
		return 0;
	if (ssh_conn_global_init() < 0) {
		*why = "libssh2 failed to initialise";
		return -1;
	}
	size_t nremote = 0;
	char fit[400];
	for (size_t i = 0; i < a->m.n; i++)
		nremote += !a->m.nodes[i].spec->local;
	for (int t = 0; t < JT_COUNT; t++)
		nremote += job_dest(a->job, (enum job_target)t) != NULL;
	if (ssh_conn_fit(nremote, fit, sizeof fit) < 0)
		fprintf(stderr, "doptop: %s\n", fit);   /* said once, before the screen starts */
	struct ssh_opts so = {
		.config_file = o->ssh_config, .user = o->ssh_user, .port = o->ssh_port,
		.identity = o->identity, .accept_new = o->accept_new, .interval = o->interval,
	};
	a->nconns = a->m.n + JT_COUNT;
	a->conns = calloc(a->nconns, sizeof *a->conns);
	a->ctx = calloc(a->nconns, sizeof *a->ctx);
	if (!a->conns || !a->ctx) {
		*why = "out of memory";
		return -1;
	}
	a->so = so;
	for (size_t i = 0; i < a->m.n; i++)
		a->ctx[i] = (struct node_ctx){ a, i };
	if (start_more(a) < 0) {
		*why = "out of memory";
		return -1;
	}
	return start_job_conns(a, &a->so, why);
}

/* Mirror each connection's state into the model. */
static void sync_states(struct app *a, double now)
{
	for (size_t i = 0; a->conns && i < a->m.n; i++) {
		struct ssh_conn *c = a->conns[i];
		if (!c)
			continue;
		struct node *nd = &a->m.nodes[i];
		enum conn_state st = ssh_conn_state(c);
		if (st != nd->state)
			a->dirty = true;
		model_set_state(&a->m, i, st, ssh_conn_why(c), now);
		nd->since = ssh_conn_since(c);
		nd->reconnects = ssh_conn_reconnects(c);
		nd->retry_at = ssh_conn_retry_at(c);
		nd->fallback_sh = ssh_conn_fallback_sh(c);
	}
}

/* True once every node has a full interval or has settled in a failure
 * state (for --once: the first block with real figures). */
static bool all_settled(const struct app *a, double now)
{
	if (now - a->start > 15)
		return true;
	for (size_t i = 0; i < a->m.n; i++) {
		const struct node *nd = &a->m.nodes[i];
		if (nd->state == CS_CONNECTING || (nd->state == CS_UP && !nd->have_rates))
			return false;
	}
	return true;
}

/* Hand the cluster's headroom to the job (best-case rate and ETA). */
static void share_headroom(struct app *a)
{
	struct cluster c;
	if (!a->job)
		return;
	model_cluster(&a->m, &c);
	job_set_headroom(a->job, &c.headroom, classify_if_gone(c.dominant));
}

void app_events(struct app *a, double wall, double now)
{
	const char *why = NULL;
	struct sink_view v = {
		.m = &a->m, .job = a->job, .interval = a->o->interval, .now = now,
		.wall = wall, .replay = a->rp != NULL,
	};
	if (a->events->ops->tick(a->events, &v, &why) == SINK_QUIT)
		a->finished = true;
	a->dirty = true;
}

/* Write one batch or JSON block stamped t (unix time). */
void app_emit(struct app *a, double t, double now)
{
	app_events(a, t, clock_mono());
	share_headroom(a);
	if (a->o->json) {
		out_json_block(stdout, &a->m, t, now);
		if (a->job)
			job_json(a->job, stdout, t);
	} else {
		out_text_block(stdout, &a->m, t, now, a->o->interval);
		if (a->job)
			job_text(a->job, stdout);
		fflush(stdout);
	}
	a->blocks++;
	if (ferror(stdout))
		g_stop = SIGPIPE;
}

/* One interval has passed: sample local nodes and write a block. */
static void tick(struct app *a, double now)
{
	sample_local(a, now);
	if (a->expo) {
		struct sink_view v = http_view(a, now);
		const char *why = NULL;
		if (a->expo->ops->tick(a->expo, &v, &why) < 0)
			fprintf(stderr, "doptop: %s\n", why);
	}
	if (a->screen) {
		app_events(a, clock_wall(), now);
		a->blocks++;
		return;
	}
	if (a->o->once && !all_settled(a, now))
		return;
	/* Stamp the block with its nominal time, so live and replayed
	 * output of the same frames carry the same clock. */
	app_emit(a, a->wall0 + (a->next_tick - a->start), a->next_tick);
}

/* A remote node's ps output arrived: parse it for the detail view. */
static void on_procs(void *arg, int status, const char *out, size_t len)
{
	struct node_ctx *c = arg;
	struct proc_row rows[PROCS_MAX];
	if (status < 0 || !out)       /* the connection dropped first */
		return;
	int n = procs_parse_ps(out, len, rows, PROCS_MAX);
	if (c->a->tui) {
		tui_set_procs(c->a->tui, c->idx, rows, n);
		c->a->dirty = true;
	}
}

/* While a detail view is open, refresh its node's top processes every 2 s. */
void app_fetch_procs(struct app *a, double now)
{
	int d = a->tui ? tui_detail_node(a->tui) : -1;
	if (d < 0 || (d == a->procs_for && now < a->next_procs))
		return;
	a->procs_for = d;
	a->next_procs = now + 2.0;
	if (a->rp) {
		tui_set_procs(a->tui, (size_t)d, NULL, -1);
		a->dirty = true;
		return;
	}
	if (a->m.nodes[d].spec->local) {
		struct proc_row rows[PROCS_MAX];
		if (!a->procs && !(a->procs = procs_local_new()))
			return;
		int n = procs_local_read(a->procs, rows, PROCS_MAX);
		if (n >= 0) {
			tui_set_procs(a->tui, (size_t)d, rows, n);
			a->dirty = true;
		}
	} else if (a->conns && a->conns[d]) {
		ssh_conn_aux_exec(a->conns[d], PROCS_REMOTE_CMD, PROCS_OUT_MAX, on_procs, &a->ctx[d]);
	}
}

void app_draw(struct app *a, double now, double shown_wall)
{
	struct tui_info info = {
		.interval = a->o->interval, .wall = shown_wall, .now = now,
		.progress = NULL, .progress_frac = -1, .source = a->rp ? "replay" : "live",
	};
	struct job_line line;
	double hist[PROGRESS_HIST];
	if (a->job) {
		share_headroom(a);
		job_line(a->job, &line);
		info.progress = line.text;
		info.progress_frac = line.frac;
		info.pstate = line.state;
		info.pmark = line.mark;
		info.pmark_len = line.mark_len;
		info.nrate_hist = progress_history(job_progress(a->job), hist, PROGRESS_HIST);
		info.rate_hist = hist;
	}
	char evline[512];
	sink_events_recent(a->events, evline, sizeof evline);
	info.events = evline[0] ? evline : NULL;
	tui_draw(a->tui, &a->m, &info);
	a->last_draw = clock_mono();
	a->dirty = false;
}

/* Fill pollfds: the wake pipe, stdin for the screen, then connections. */
static nfds_t fill_pollfds(struct app *a, struct pollfd *pf, size_t *map, double *deadline)
{
	nfds_t n = 0;
	pf[n++] = (struct pollfd){ .fd = g_wake[0], .events = POLLIN };
	if (a->screen)
		pf[n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
	if (a->job) {
		pf[n++] = (struct pollfd){ .fd = job_wake_fd(a->job), .events = POLLIN };
		double d = job_deadline(a->job);
		if (d < *deadline)
			*deadline = d;
	}
	int jfd = ssh_conn_jumps_pollfd();
	if (jfd >= 0) {
		/* jump hosts: stepped on every pass (step_conns) */
		map[n] = a->nconns;
		pf[n++] = (struct pollfd){ .fd = jfd, .events = POLLIN };
		*deadline = fmin(*deadline, ssh_conn_jumps_deadline());
	}
	for (size_t i = 0; a->conns && i < a->nconns; i++) {
		if (!a->conns[i])
			continue;
		short ev = 0;
		int fd = ssh_conn_pollfd(a->conns[i], &ev);
		double d = ssh_conn_deadline(a->conns[i]);
		if (d < *deadline)
			*deadline = d;
		if (fd < 0)
			continue;
		map[n] = i;
		pf[n++] = (struct pollfd){ .fd = fd, .events = ev };
	}
	return n;
}

/* The screen's + / - keys asked for another interval: sample local nodes
 * and draw at it from now on.  Remote probes were started with the old one
 * and keep it until they reconnect; the footer says so. */
static void app_take_interval(struct app *a, double now)
{
	double iv = tui_take_interval(a->tui);
	if (iv <= 0 || iv == a->o->interval)
		return;
	bool remote = false;
	for (size_t i = 0; i < a->m.n; i++)
		remote |= !a->m.nodes[i].spec->local;
	a->o->interval = iv;
	a->next_tick = now + iv;
	tui_note_interval(a->tui, iv, remote ? a->so.interval : 0);
}

/* The screen's R key: retry the selected node's connection now. */
static void app_take_retry(struct app *a)
{
	int i = tui_take_retry(a->tui);
	if (i < 0 || (size_t)i >= a->m.n)
		return;
	if (!a->conns || !a->conns[i] || ssh_conn_retry_now(a->conns[i]) < 0)
		tui_note(a->tui, "R: this node is not waiting to retry");
	else
		tui_note(a->tui, "retrying now");
}

/* Step every connection that has I/O or whose deadline passed. */
static void step_conns(struct app *a, struct pollfd *pf, size_t *map, nfds_t n, double now)
{
	nfds_t first = 1 + (a->screen ? 1 : 0) + (a->job ? 1 : 0);
	short *rev = calloc(a->nconns, sizeof *rev);
	if (!rev)
		return;
	for (nfds_t k = first; k < n; k++)
		if (map[k] < a->nconns)
			rev[map[k]] = pf[k].revents;
	if (ssh_conn_jumps_pollfd() >= 0)
		ssh_conn_jumps_step(now);
	/* Only connections with I/O or a due deadline: stepping all of them
	 * on every pass made the loop O(n^2) in recv() calls (bench/fleet.sh:
	 * 26% of a core at 200 nodes, 99% of recv() returning EAGAIN).  A
	 * connection that left data buffered in libssh2 sets its deadline to
	 * "now" (ssh_conn.h), so it is stepped again on the next pass. */
	for (size_t i = 0; i < a->nconns; i++)
		if (a->conns[i] && (rev[i] || ssh_conn_deadline(a->conns[i]) <= now))
			ssh_conn_step(a->conns[i], now, rev[i]);
	free(rev);
	sync_states(a, now);
	if (start_more(a) < 0)
		g_stop = SIGTERM;
	for (int t = 0; a->job && t < JT_COUNT; t++)
		if (a->job_node[t])
			job_set_conn(a->job, (enum job_target)t, a->conns[a->job_node[t] - 1]);
}

double app_next_block_wall(const struct app *a)
{
	if (a->next_tick <= 0)
		return clock_wall();
	return a->wall0 + (a->next_tick - a->start);
}

void app_job_changed(struct app *a, double wall)
{
	struct insize in;
	double rem;
	bool have = job_inputs(a->job, &in, &rem);
	model_set_inputs(&a->m, have ? rem : -1, have && in.network);
	if (a->rec) {
		char buf[1024];
		size_t n = job_snapshot(a->job, buf, sizeof buf);
		recorder_job(a->rec, wall, buf, n);
	}
}

/* Start due counts and take in finished ones. */
static void step_job(struct app *a, double now)
{
	bool up = false;
	for (size_t i = 0; i < a->m.n && !up; i++)
		up = a->m.nodes[i].state == CS_UP;
	unsigned gen = job_generation(a->job);
	job_step(a->job, now, clock_wall(), up);
	if (job_generation(a->job) != gen) {
		app_job_changed(a, app_next_block_wall(a));
		a->dirty = true;
	}
}

/* Passes are at least this far apart when only connections woke us, so
 * frames from many nodes are handled in one pass instead of one pass
 * each (poll over 500 descriptors per frame cost ~4% of a core).  Keys
 * and signals still wake the loop at once. */
#define PASS_GAP_S 0.05

/* Wait out the rest of the gap, then collect every descriptor's events. */
static int coalesce(struct app *a, struct pollfd *pf, nfds_t n, int r, double now)
{
	nfds_t nuser = a->screen ? 2 : 1;
	if (r <= 0 || a->nconns < 16 || now - a->last_pass >= PASS_GAP_S)
		return r;
	for (nfds_t k = 0; k < nuser; k++)
		if (pf[k].revents)
			return r;
	int ms = (int)ceil((PASS_GAP_S - (now - a->last_pass)) * 1000);
	if (poll(pf, nuser, ms) < 0 && errno != EINTR)
		return r;
	int r2 = poll(pf, n, 0);
	return r2 < 0 ? r : r2;
}

static int loop(struct app *a)
{
	/* + the HTTP sources' sockets and the exporter's clients */
	size_t cap = a->nconns + 4 + HTTP_PF_MAX;
	struct pollfd *pf = calloc(cap, sizeof *pf);
	size_t *map = calloc(cap, sizeof *map);
	if (!pf || !map) {
		free(pf);
		free(map);
		return 1;
	}
	while (!g_stop) {
		double now = clock_mono();
		if (now >= a->next_tick) {
			tick(a, now);
			/* Keep the cadence; after a long stall skip missed ticks. */
			a->next_tick += a->o->interval;
			if (a->next_tick < now)
				a->next_tick = now + a->o->interval;
			if (a->o->count && a->blocks >= a->o->count)
				break;
		}
		if (a->finished)
			break;
		if (a->screen && g_winch) {
			g_winch = 0;
			tui_resize(a->tui);
			a->dirty = true;
		}
		if (a->screen)
			app_fetch_procs(a, now);
		if (a->screen && a->dirty && now - a->last_draw >= REDRAW_MIN_S)
			app_draw(a, now, clock_wall());
		double deadline = a->next_tick;
		if (a->screen && a->dirty)
			deadline = fmin(deadline, a->last_draw + REDRAW_MIN_S);
		if (a->screen && tui_detail_node(a->tui) >= 0)
			deadline = fmin(deadline, a->next_procs);
		a->events->ops->fill_pollfds(a->events, NULL, 0, &deadline);
		if (a->ff)
			deadline = fmin(deadline, app_facts_deadline(a));
		nfds_t n = fill_pollfds(a, pf, map, &deadline);
		nfds_t hfirst = n, hn[3] = { 0 };
		for (size_t k = 0; k < a->nhsrc; k++) {
			/* SINK_EXPO_MAX_CLIENTS + 1 stay for the exporter sink */
			hn[k] = a->hsrc[k]->ops->fill_pollfds(a->hsrc[k], pf + n,
			                                      HTTP_PF_MAX - (n - hfirst) -
			                                      (SINK_EXPO_MAX_CLIENTS + 1), &deadline);
			n += hn[k];
		}
		if (a->expo) {
			hn[2] = a->expo->ops->fill_pollfds(a->expo, pf + n, HTTP_PF_MAX - (n - hfirst),
			                                   &deadline);
			n += hn[2];
		}
		double wait = deadline - clock_mono();
		int ms = wait <= 0 ? 0 : (int)ceil(wait * 1000);
		int r = poll(pf, n, ms);
		if (r < 0 && errno != EINTR)
			break;
		now = clock_mono();
		r = coalesce(a, pf, n, r, now);
		now = clock_mono();
		a->last_pass = now;
		if (r > 0 && (pf[0].revents & POLLIN))
			app_drain_wake();
		if (a->screen && r > 0 && pf[1].revents) {
			if (tui_input(a->tui, &a->m))
				break;
			app_take_interval(a, now);
			app_take_retry(a);
			a->dirty = true;
		}
		if (a->conns)
			step_conns(a, pf, map, hfirst, now);
		nfds_t at = hfirst;
		for (size_t k = 0; k < a->nhsrc; k++) {
			const char *why = NULL;
			if (a->hsrc[k]->ops->step(a->hsrc[k], pf + at, hn[k], now, &why) < 0) {
				fprintf(stderr, "doptop: %s\n", why);
				g_stop = SIGTERM;
			}
			at += hn[k];
		}
		if (a->expo) {
			struct sink_view v = http_view(a, now);
			const char *why = NULL;
			a->expo->ops->step(a->expo, &v, pf + at, hn[2], now, &why);
		}
		if (a->job)
			step_job(a, now);
		a->events->ops->step(a->events, NULL, NULL, 0, now, NULL);
		if (a->ff)
			app_facts_step(a, now);
	}
	free(pf);
	free(map);
	return 0;
}

/* --record: a header naming the version and the node list. */
static int open_record(struct app *a, const char **why)
{
	size_t n = a->m.n;
	const char **names = calloc(n ? n : 1, sizeof *names);
	a->frame_buf = malloc(FPARSE_MAX_FRAME);
	if (!names || !a->frame_buf) {
		free(names);
		*why = "out of memory";
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		names[i] = a->m.nodes[i].spec->name;
	a->rec = recorder_open(a->o->record, DOPTOP_VERSION, a->o->interval, names,
	                       (int)n, why);
	free(names);
	if (a->rec && recorder_limit(a->rec, a->o->record_max) < 0) {
		*why = "bad --record-max";
		return -1;
	}
	return a->rec ? 0 : -1;
}

static void app_free(struct app *a)
{
	/* Connections first: freeing one calls its pending aux callbacks,
	 * which land in the job. */
	for (size_t i = 0; a->conns && i < a->nconns; i++)
		ssh_conn_free(a->conns[i]);
	for (size_t k = 0; k < a->nhsrc; k++)
		a->hsrc[k]->ops->close(a->hsrc[k]);
	if (a->expo)
		a->expo->ops->free(a->expo);
	job_free(a->job);
	app_facts_free(a);
	if (a->conns)
		ssh_conn_global_exit();
	free(a->conns);
	free(a->ctx);
	local_free(a->local);
	procs_local_free(a->procs);
	recorder_close(a->rec);
	replay_close(a->rp);
	free(a->frame_buf);
	nodespec_clear(&a->extra);
	if (a->events)
		a->events->ops->free(a->events);
	model_free(&a->m);
}

/* --once / --count ended: 0 when every node was up and the job (if any)
 * neither stalled nor failed to count, else APP_EXIT_DEGRADED with one
 * line on stderr saying which (scripts need not parse the output). */
static int app_count_status(struct app *a)
{
	char line[TEXT_LINE_MAX * 2] = "", name[64];
	int bad = 0;
	size_t n = 0;
	for (size_t i = 0; i < a->m.n; i++) {
		const struct node *nd = &a->m.nodes[i];
		if (nd->state == CS_UP)
			continue;
		if (bad++ < 3 && n < sizeof line)
			n += (size_t)snprintf(line + n, sizeof line - n, "%s%s %s", bad > 1 ? ", " : "",
			                      text_sanitize(name, sizeof name, nd->spec->name),
			                      conn_state_name(nd->state));
	}
	if (bad)
		fprintf(stderr, "doptop: %d of %zu node%s not up at the end (%s%s)\n", bad, a->m.n,
		        a->m.n == 1 ? "" : "s", line, bad > 3 ? ", ..." : "");
	struct progress_view v;
	if (a->job && job_view(a->job, &v) && v.stalled) {
		fprintf(stderr, "doptop: the job is stalled\n");
		bad++;
	} else if (a->job && job_failing(a->job)) {
		fprintf(stderr, "doptop: the job could not be counted: %s\n", job_error(a->job));
		bad++;
	}
	return bad ? APP_EXIT_DEGRADED : 0;
}

int app_run(struct options *o)
{
	struct app a;
	const char *why = "";
	memset(&a, 0, sizeof a);
	a.o = o;
	a.procs_for = -1;
	a.screen = !o->batch && !o->json && isatty(STDOUT_FILENO);
	if (o->replay && app_open_replay(&a) < 0)
		return o->nodes.n ? 2 : 1;
	if (model_init(&a.m, o->nodes.v, o->nodes.n) < 0) {
		fprintf(stderr, "doptop: out of memory\n");
		return 1;
	}
	struct sink_events_opts eo = {
		.nodes = a.m.n, .out = a.screen ? NULL : stdout, .json = o->json,
		.on_event = o->on_event, .exit_when_done = o->exit_when_done,
	};
	if (!(a.events = sink_events_new(&eo))) {
		fprintf(stderr, "doptop: out of memory\n");
		app_free(&a);
		return 1;
	}
	if (!o->replay && job_new(o, &a.job, &why) < 0) {
		fprintf(stderr, "doptop: bad --done/--todo: %s\n", why);
		app_free(&a);
		return 2;
	}
	if (o->done_from && model_find(&a.m, o->done_from) < 0) {
		fprintf(stderr, "doptop: --done-from '%s' is not one of the watched nodes\n", o->done_from);
		app_free(&a);
		return 2;
	}
	setup_signals();
	if (o->record && open_record(&a, &why) < 0) {
		fprintf(stderr, "doptop: cannot record to '%s': %s\n", o->record, why);
		app_free(&a);
		return 1;
	}
	if (!a.rp && start_sources(&a, &why) < 0) {
		fprintf(stderr, "doptop: %s\n", why);
		app_free(&a);
		return 1;
	}
	if (a.job && a.rec)
		app_job_changed(&a, clock_wall());    /* replay starts its job here */
	if (app_facts_init(&a) < 0) {
		fprintf(stderr, "doptop: out of memory\n");
		app_free(&a);
		return 1;
	}
	a.start = clock_mono();
	a.wall0 = clock_wall();
	if (!a.rp)
		sample_local(&a, a.start);          /* the baseline for the first delta */
	a.next_tick = a.start + o->interval;
	if (a.screen && !(a.tui = tui_new(o->theme, o->no_color, &why))) {
		fprintf(stderr, "doptop: %s\n", why);
		app_free(&a);
		return 1;
	}
	if (a.tui)
		tui_set_view(a.tui, o->cfg.sort, o->cfg.reverse, o->cfg.group, o->cfg.filter);
	if (a.tui && o->cfg.columns[0] && tui_set_columns(a.tui, o->cfg.columns, &why) < 0) {
		tui_free(a.tui);
		fprintf(stderr, "doptop: bad columns in the config file: %s\n", why);
		a.tui = NULL;
		app_free(&a);
		return 2;
	}
	a.dirty = true;
	int rc = a.rp ? app_loop_replay(&a) : loop(&a);
	if (rc == 0 && o->count > 0 && a.blocks >= o->count)
		rc = app_count_status(&a);
	tui_free(a.tui);
	a.tui = NULL;   /* pending aux callbacks (processes) must not draw */
	if (a.rec_msg[0])
		fputs(a.rec_msg, stderr);
	app_free(&a);
	return rc;
}
