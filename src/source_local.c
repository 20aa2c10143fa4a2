/* source_local.c — this machine as a source (source.h): sampled through
 * libproc2 at each tick, or read as a probe frame when recording. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"
#include "facts.h"
#include "local.h"
#include "parse.h"
#include "procs.h"
#include "source.h"

struct source_local {
	struct source base;
	struct local_sampler *sampler;
	struct procs_local *procs;      /* top processes, opened on demand */
	size_t *nodes;                  /* model indices of the "local" nodes */
	size_t n;
	char  *frame;                   /* probe frame buffer, when recording */
	unsigned long long seq;
	struct sample s;
	struct source_facts facts;      /* what facts to read, and how often */
	double facts_due, disks_due;    /* monotonic */
	char  *facts_buf;               /* FACTS_OUT_MAX, when facts are wanted */
};

/* Read this machine once: through libproc2, or, when recording, as a
 * probe frame (so that what is recorded is exactly what is shown). */
static int read_once(struct source_local *l, size_t *len)
{
	*len = 0;
	if (!l->frame)
		return local_sample(l->sampler, &l->s);
	int n = local_frame(l->frame, FPARSE_MAX_FRAME, ++l->seq, clock_wall());
	if (n < 0 || parse_frame(l->frame, (size_t)n, &l->s) < 0)
		return -1;
	*len = (size_t)n;
	return 0;
}

/* Each tick (and the start's baseline): one reading for every local node. */
static int local_tick(struct source *s, double t, const char **why)
{
	struct source_local *l = (struct source_local *)s;
	struct source_status st = { .state = CS_UP, .why = "", .since = t };
	size_t len;
	(void)why;
	if (read_once(l, &len) < 0)
		return 0;   /* /proc/stat unreadable this once: no sample */
	for (size_t k = 0; k < l->n; k++) {
		s->feed->status(s->feed->arg, l->nodes[k], &st);
		s->feed->frame(s->feed->arg, l->nodes[k], t, &l->s, l->frame, len);
	}
	return 0;
}

/* Facts are read from this machine's /proc every FACTS_PROCS_EVERY_S (the
 * disks every FACTS_DISKS_EVERY_S). */
static size_t local_fill(struct source *s, struct pollfd *pf, size_t cap, double *deadline)
{
	struct source_local *l = (struct source_local *)s;
	(void)pf;
	(void)cap;
	if (l->facts_buf && l->facts_due < *deadline)
		*deadline = l->facts_due;
	return 0;
}

static int local_step(struct source *s, const struct pollfd *pf, size_t n, double now,
                      const char **why)
{
	struct source_local *l = (struct source_local *)s;
	(void)pf;
	(void)n;
	(void)why;
	if (!l->facts_buf || now < l->facts_due)
		return SOURCE_MORE;
	bool disks = l->facts.disks && now >= l->disks_due;
	bool procs = l->facts.job_cmd != NULL;
	l->facts_due = now + FACTS_PROCS_EVERY_S;
	if (disks)
		l->disks_due = now + FACTS_DISKS_EVERY_S;
	if (!procs && !disks)
		return SOURCE_MORE;
	size_t len = facts_local(l->facts_buf, FACTS_OUT_MAX, l->facts.job_cmd, getpid(), disks);
	for (size_t k = 0; k < l->n; k++)
		s->feed->facts(s->feed->arg, l->nodes[k], now, l->facts_buf, len, procs, disks);
	return SOURCE_MORE;
}

/* Top processes through libproc2, at once. */
static int local_procs(struct source *s, size_t node, source_procs_fn fn, void *arg)
{
	struct source_local *l = (struct source_local *)s;
	struct proc_row rows[PROCS_MAX];
	if (!l->procs && !(l->procs = procs_local_new()))
		return -1;
	int n = procs_local_read(l->procs, rows, PROCS_MAX);
	if (n < 0)
		return -1;
	fn(arg, node, rows, n);
	return 0;
}

static void local_close(struct source *s)
{
	struct source_local *l = (struct source_local *)s;
	if (!l)
		return;
	local_free(l->sampler);
	procs_local_free(l->procs);
	free(l->nodes);
	free(l->frame);
	free(l->facts_buf);
	free(l);
}

static const struct source_ops local_ops = {
	.name = "local", .clock = SOURCE_CLOCK_MONO,
	.fill_pollfds = local_fill, .step = local_step, .tick = local_tick,
	.procs = local_procs, .close = local_close,
};

struct source *source_local_new(const struct source_feed *feed, const size_t *nodes,
                                size_t n, bool want_raw, const struct source_facts *facts,
                                const char **why)
{
	struct source_local *l = calloc(1, sizeof *l);
	bool want_facts = facts && (facts->job_cmd || facts->disks);
	if (!l || !(l->nodes = malloc((n ? n : 1) * sizeof *nodes)) ||
	    (want_raw && !(l->frame = malloc(FPARSE_MAX_FRAME))) ||
	    (want_facts && !(l->facts_buf = malloc(FACTS_OUT_MAX)))) {
		*why = "out of memory";
		local_close(l ? &l->base : NULL);
		return NULL;
	}
	l->base = (struct source){ &local_ops, feed };
	memcpy(l->nodes, nodes, n * sizeof *nodes);
	l->n = n;
	if (facts)
		l->facts = *facts;
	if (!(l->sampler = local_new(why))) {
		local_close(&l->base);
		return NULL;
	}
	return &l->base;
}
