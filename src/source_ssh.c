/* source_ssh.c — the SSH fleet as a source (source.h): one non-blocking
 * connection per remote node, plus counting-only connections (job.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "facts.h"
#include "nodespec.h"
#include "procs.h"
#include "source.h"
#include "ssh_conn.h"

/* At most this many first connections in flight at once.  Starting 500
 * handshakes together made most of them time out and retry (a node's sshd
 * spends ~100 ms of CPU per login here); 48 at a time brought 200 nodes
 * up with no retry (bench/fleet.sh). */
#define SSH_MAX_CONNECTING 48

struct source_ssh;

/* Per-connection glue handed to the frame and aux callbacks. */
struct conn_ctx {
	struct source_ssh *src;
	size_t node;                    /* model index; SIZE_MAX: counting only */
	source_procs_fn procs_fn;       /* the pending top-processes request */
	void *procs_arg;
	bool   facts_busy, facts_disks; /* a facts command is out; it read disks */
	double facts_due, disks_due;    /* monotonic */
	/* the status last handed to the loop */
	enum conn_state state;
	double since;
	unsigned reconnects;
	double retry_at;
	bool fallback_sh, told;
};

struct source_ssh {
	struct source base;
	const struct node_spec *specs;  /* the model's, by model index */
	struct ssh_opts so;
	struct ssh_conn **conns;        /* the nodes', then the extras' */
	struct conn_ctx *ctx;
	size_t n, nextra, cap;
	size_t next_start;              /* next node whose connection to open */
	struct node_list extra;         /* counting destinations */
	size_t *map;                    /* pollfd k -> connection */
	size_t nmap;
	short *rev;                     /* revents per connection, per step */
	bool global;                    /* libssh2 initialised */
	struct source_facts facts;
	bool jumps;                     /* the jump hosts' descriptor is in the slice */
};

/* A frame from a node: straight to the loop. */
static void on_frame(void *arg, const struct sample *s, const char *raw, size_t rawlen)
{
	struct conn_ctx *c = arg;
	if (c->node == SIZE_MAX || !c->src)   /* counting only, or closing */
		return;
	const struct source_feed *f = c->src->base.feed;
	f->frame(f->arg, c->node, clock_mono(), s, raw, rawlen);
}

/* Open connections for the next nodes while fewer than
 * SSH_MAX_CONNECTING are on their first connect.  0 or SOURCE_ENOMEM. */
static int start_more(struct source_ssh *f)
{
	if (f->next_start >= f->n)
		return 0;
	int busy = 0;
	for (size_t k = 0; k < f->next_start; k++)
		if (ssh_conn_state(f->conns[k]) == CS_CONNECTING)
			busy++;
	for (; f->next_start < f->n && busy < SSH_MAX_CONNECTING; f->next_start++) {
		size_t k = f->next_start;
		f->conns[k] = ssh_conn_new(&f->specs[f->ctx[k].node], &f->so, on_frame, &f->ctx[k]);
		if (!f->conns[k])
			return SOURCE_ENOMEM;
		busy++;
	}
	return 0;
}

/* Hand the loop every node status that changed. */
static void tell_states(struct source_ssh *f)
{
	const struct source_feed *fd = f->base.feed;
	for (size_t k = 0; k < f->next_start; k++) {
		struct ssh_conn *c = f->conns[k];
		struct conn_ctx *x = &f->ctx[k];
		struct source_status st = {
			.state = ssh_conn_state(c), .why = ssh_conn_why(c),
			.since = ssh_conn_since(c), .reconnects = ssh_conn_reconnects(c),
			.fallback_sh = ssh_conn_fallback_sh(c), .retry_at = ssh_conn_retry_at(c),
		};
		if (x->told && st.state == x->state && st.since == x->since &&
		    st.reconnects == x->reconnects && st.fallback_sh == x->fallback_sh &&
		    st.retry_at == x->retry_at)
			continue;
		x->told = true;
		x->state = st.state;
		x->since = st.since;
		x->reconnects = st.reconnects;
		x->fallback_sh = st.fallback_sh;
		x->retry_at = st.retry_at;
		fd->status(fd->arg, x->node, &st);
	}
}

/* Whether facts are wanted at all. */
static bool want_facts(const struct source_ssh *f)
{
	return f->facts.job_cmd || f->facts.disks;
}

/* A node's facts command finished (called from ssh_conn_step). */
static void on_facts(void *arg, int status, const char *out, size_t len)
{
	struct conn_ctx *c = arg;
	c->facts_busy = false;
	if (!c->src)                     /* closing: nobody is told */
		return;
	const struct source_feed *fd = c->src->base.feed;
	/* status: awk's "exit" with no worker is 0; a failed df is not
	 * fatal.  Only a dropped connection (< 0) yields nothing. */
	if (status < 0 || !out)
		return;
	fd->facts(fd->arg, c->node, clock_mono(), out, len, c->src->facts.job_cmd != NULL,
	          c->facts_disks);
}

/* Start the facts commands that are due, over each up node's session. */
static void fetch_facts(struct source_ssh *f, double now)
{
	char cmd[FACTS_CMD_MAX];
	for (size_t k = 0; want_facts(f) && k < f->next_start; k++) {
		struct conn_ctx *x = &f->ctx[k];
		if (x->facts_busy || now < x->facts_due || ssh_conn_state(f->conns[k]) != CS_UP)
			continue;
		bool disks = f->facts.disks && now >= x->disks_due;
		x->facts_due = now + FACTS_PROCS_EVERY_S;
		if (!f->facts.job_cmd && !disks)
			continue;
		if (disks)
			x->disks_due = now + FACTS_DISKS_EVERY_S;
		if (facts_command(cmd, sizeof cmd, f->facts.job_cmd, disks) < 0)
			continue;
		x->facts_disks = disks;
		if (ssh_conn_aux_exec(f->conns[k], cmd, FACTS_OUT_MAX, on_facts, x) == 0)
			x->facts_busy = true;
		else if (disks)
			x->disks_due = now;   /* not up: try the disks again next time */
	}
}

static size_t ssh_fill(struct source *s, struct pollfd *pf, size_t cap, double *deadline)
{
	struct source_ssh *f = (struct source_ssh *)s;
	size_t n = 0, total = f->n + f->nextra;
	int jfd = ssh_conn_jumps_pollfd();
	f->jumps = false;
	if (jfd >= 0 && cap > 0) {
		/* jump hosts: stepped on every pass (ssh_step) */
		pf[n++] = (struct pollfd){ .fd = jfd, .events = POLLIN };
		f->jumps = true;
		if (ssh_conn_jumps_deadline() < *deadline)
			*deadline = ssh_conn_jumps_deadline();
	}
	for (size_t k = 0; want_facts(f) && k < f->next_start; k++)
		if (!f->ctx[k].facts_busy && ssh_conn_state(f->conns[k]) == CS_UP &&
		    f->ctx[k].facts_due < *deadline)
			*deadline = f->ctx[k].facts_due;
	for (size_t k = 0; k < total; k++) {
		if (!f->conns[k])
			continue;
		short ev = 0;
		int fd = ssh_conn_pollfd(f->conns[k], &ev);
		double d = ssh_conn_deadline(f->conns[k]);
		if (d < *deadline)
			*deadline = d;
		if (fd < 0 || n >= cap)
			continue;
		f->map[n - f->jumps] = k;
		pf[n++] = (struct pollfd){ .fd = fd, .events = ev };
	}
	f->nmap = n - f->jumps;
	return n;
}

static int ssh_step(struct source *s, const struct pollfd *pf, size_t n, double now,
                    const char **why)
{
	struct source_ssh *f = (struct source_ssh *)s;
	size_t total = f->n + f->nextra;
	memset(f->rev, 0, total * sizeof *f->rev);
	if (f->jumps && n > 0) {
		ssh_conn_jumps_step(now);
		pf++;
		n--;
	}
	for (size_t k = 0; k < n && k < f->nmap; k++)
		f->rev[f->map[k]] = pf[k].revents;
	/* Only connections with I/O or a due deadline: stepping all of them
	 * on every pass made the loop O(n^2) in recv() calls (bench/fleet.sh:
	 * 26% of a core at 200 nodes, 99% of recv() returning EAGAIN).  A
	 * connection that left data buffered in libssh2 sets its deadline to
	 * "now" (ssh_conn.h), so it is stepped again on the next pass. */
	for (size_t k = 0; k < total; k++)
		if (f->conns[k] && (f->rev[k] || ssh_conn_deadline(f->conns[k]) <= now))
			ssh_conn_step(f->conns[k], now, f->rev[k]);
	ssh_conn_global_tidy(now);
	tell_states(f);
	fetch_facts(f, now);
	if (start_more(f) < 0) {
		*why = "out of memory while opening connections";
		return SOURCE_ENOMEM;
	}
	return SOURCE_MORE;
}

/* A node's ps output arrived: parse it for whoever asked. */
static void on_procs(void *arg, int status, const char *out, size_t len)
{
	struct conn_ctx *c = arg;
	struct proc_row rows[PROCS_MAX];
	source_procs_fn fn = c->procs_fn;
	c->procs_fn = NULL;
	if (status < 0 || !out || !fn)   /* the connection dropped first */
		return;
	int n = procs_parse_ps(out, len, rows, PROCS_MAX);
	fn(c->procs_arg, c->node, rows, n);
}

static int ssh_procs(struct source *s, size_t node, source_procs_fn fn, void *arg)
{
	struct source_ssh *f = (struct source_ssh *)s;
	for (size_t k = 0; k < f->next_start; k++) {
		if (f->ctx[k].node != node)
			continue;
		f->ctx[k].procs_fn = fn;
		f->ctx[k].procs_arg = arg;
		if (ssh_conn_aux_exec(f->conns[k], PROCS_REMOTE_CMD, PROCS_OUT_MAX, on_procs,
		                      &f->ctx[k]) < 0) {
			f->ctx[k].procs_fn = NULL;
			return 0;   /* not up now: the next request may work */
		}
		return 0;
	}
	return -1;
}

/* The screen's + / - keys: every probe, running or still to start, at the
 * new interval (running bash probes at once; ssh_conn_set_interval). */
static int ssh_set_interval(struct source_ssh *f, double iv)
{
	f->so.interval = iv;
	for (size_t k = 0; f->conns && k < f->n + f->nextra; k++)
		if (f->conns[k])
			ssh_conn_set_interval(f->conns[k], iv);
	return 0;
}

/* The screen's R key: retry a node's connection now; + / -: the interval. */
static int ssh_control(struct source *s, enum source_ctl c, double arg)
{
	if (c == SOURCE_INTERVAL)
		return ssh_set_interval((struct source_ssh *)s, arg);
	struct ssh_conn *conn = c == SOURCE_RETRY && arg >= 0 ? source_ssh_conn(s, (size_t)arg)
	                                                       : NULL;
	return conn && ssh_conn_retry_now(conn) == 0 ? 0 : -1;
}

static void ssh_close(struct source *s)
{
	struct source_ssh *f = (struct source_ssh *)s;
	if (!f)
		return;
	/* Freeing a connection calls its pending aux callbacks: nobody is
	 * told any more. */
	for (size_t k = 0; f->ctx && k < f->n + f->nextra; k++) {
		f->ctx[k].procs_fn = NULL;
		f->ctx[k].src = NULL;
	}
	for (size_t k = 0; f->conns && k < f->n + f->nextra; k++)
		ssh_conn_free(f->conns[k]);
	if (f->global)
		ssh_conn_global_exit();
	free(f->conns);
	free(f->ctx);
	free(f->map);
	free(f->rev);
	nodespec_clear(&f->extra);
	free(f);
}

static const struct source_ops ssh_ops = {
	.name = "ssh", .clock = SOURCE_CLOCK_MONO,
	.fill_pollfds = ssh_fill, .step = ssh_step, .procs = ssh_procs, .control = ssh_control,
	.close = ssh_close,
};

/* Room for the extras: one per job target (job.h) is plenty. */
#define SSH_MAX_EXTRA 4

struct source *source_ssh_new(const struct source_feed *feed,
                              const struct node_spec *specs, const size_t *nodes,
                              size_t n, const struct ssh_opts *so,
                              const struct source_facts *facts, const char **why)
{
	struct source_ssh *f = calloc(1, sizeof *f);
	size_t cap = n + SSH_MAX_EXTRA;
	if (!f || !(f->conns = calloc(cap, sizeof *f->conns)) ||
	    !(f->ctx = calloc(cap, sizeof *f->ctx)) || !(f->map = calloc(cap, sizeof *f->map)) ||
	    !(f->rev = calloc(cap, sizeof *f->rev))) {
		*why = "out of memory while opening connections";
		ssh_close(f ? &f->base : NULL);
		return NULL;
	}
	f->base = (struct source){ &ssh_ops, feed };
	f->specs = specs;
	f->so = *so;
	if (facts)
		f->facts = *facts;
	f->n = n;
	f->cap = cap;
	for (size_t k = 0; k < n; k++)
		f->ctx[k] = (struct conn_ctx){ .src = f, .node = nodes[k] };
	if (ssh_conn_global_init() < 0) {
		*why = "libssh2 failed to initialise";
		ssh_close(&f->base);
		return NULL;
	}
	f->global = true;
	if (start_more(f) < 0) {
		*why = "out of memory while opening connections";
		ssh_close(&f->base);
		return NULL;
	}
	return &f->base;
}

struct ssh_conn *source_ssh_conn(struct source *s, size_t node)
{
	struct source_ssh *f = (struct source_ssh *)s;
	for (size_t k = 0; f && k < f->next_start; k++)
		if (f->ctx[k].node == node)
			return f->conns[k];
	return NULL;
}

struct ssh_conn *source_ssh_extra(struct source *s, const char *dest, const char **why)
{
	struct source_ssh *f = (struct source_ssh *)s;
	if (f->n + f->nextra >= f->cap) {
		*why = "too many counting destinations";
		return NULL;
	}
	if (nodespec_add(&f->extra, dest, why) < 0)
		return NULL;
	size_t k = f->n + f->nextra;
	f->ctx[k] = (struct conn_ctx){ .src = f, .node = SIZE_MAX };
	f->conns[k] = ssh_conn_new(&f->extra.v[f->extra.n - 1], &f->so, on_frame, &f->ctx[k]);
	if (!f->conns[k]) {
		*why = "out of memory while opening connections";
		return NULL;
	}
	f->nextra++;
	return f->conns[k];
}
