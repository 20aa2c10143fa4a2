/* source_exporter.c — node_exporter's /metrics scraped directly, one GET
 * per node and interval (see source_prom.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "expo.h"
#include "http.h"
#include "node_metrics.h"
#include "nodespec.h"
#include "source_nm.h"
#include "source_prom.h"

#define URL_MAX 600
/* Scrapes in flight at once. */
#define EXPORTER_MAX_INFLIGHT 1024

struct enode {
	struct nm_node_state st;    /* first: the shared part */
	char *url;
	bool inflight;
	uint64_t seq;
	struct exp_src *src;
};

struct exp_src {
	struct nm_src b;            /* first: the loop's struct source */
	size_t n;
	struct enode *node;
	double interval, next_round;
	size_t next_start;          /* next node to scrape this round */
	bool round_open;            /* scrapes of this round still to start */
	struct nm_node acc;         /* the scrape being folded */
	struct nm_percpu *pc;
};

int prom_exporter_url(const char *name, char *buf, size_t cap)
{
	const char *rest = name;
	bool scheme = strncmp(name, "http://", 7) == 0 || strncmp(name, "https://", 8) == 0;
	int k;

	if (scheme)
		rest = strstr(name, "://") + 3;
	/* "http://h:9100" and "http://h:9100/" mean its /metrics */
	const char *slash = strchr(rest, '/');
	if (slash && slash[1])
		k = snprintf(buf, cap, "%s", name);
	else if (scheme)
		k = snprintf(buf, cap, "%.*s/metrics", (int)(slash ? slash - name : (long)strlen(name)), name);
	else
		k = snprintf(buf, cap, "http://%s%s/metrics", name, strchr(name, ':') ? "" : ":9100");
	return k < 0 || (size_t)k >= cap ? -1 : k;
}

static int fold(void *arg, const struct expo_sample *s)
{
	struct exp_src *e = arg;

	nm_add(&e->acc, e->pc, s);
	return 0;
}

/* One node's scrape came back. */
static void on_scrape(void *arg, long status, const char *body, size_t len, const char *err)
{
	struct enode *nd = arg;
	struct exp_src *e = nd->src;
	double now = clock_mono();
	char why[300];
	size_t line = 0;

	nd->inflight = false;
	if (err)
		snprintf(why, sizeof why, "node_exporter: %s", err);
	else if (status != 200)
		snprintf(why, sizeof why, "node_exporter: HTTP %ld", status);
	if (err || status != 200) {
		nm_src_status(&e->b, &nd->st, CS_DOWN, why, now);
		return;
	}
	nm_clear(&e->acc);
	memset(e->pc, 0, sizeof *e->pc);
	if (expo_parse(body, len, fold, e, &line) < 0) {
		snprintf(why, sizeof why, "node_exporter: not the text format (line %zu)", line);
		nm_src_status(&e->b, &nd->st, CS_DOWN, why, now);
		return;
	}
	nm_src_emit(&e->b, &nd->st, &e->acc, e->pc, ++nd->seq, "exporter",
	            "node_exporter: no CPU/stat metrics in /metrics", now);
}

static size_t exp_fill(struct source *s, struct pollfd *pf, size_t cap, double *deadline)
{
	struct exp_src *e = (struct exp_src *)s;

	return nm_src_fill(&e->b, e->next_round, pf, cap, deadline);
}

static int exp_step(struct source *s, const struct pollfd *pf, size_t n, double now,
                    const char **why)
{
	struct exp_src *e = (struct exp_src *)s;
	double timeout = e->interval < 10 ? (e->interval < 1 ? 1 : e->interval) : 10;

	http_step(e->b.http, pf, n, now);
	if (now >= e->next_round) {
		e->next_round = now + e->interval;
		e->next_start = 0;          /* a new round of scrapes */
		e->round_open = true;
	}
	/* At most EXPORTER_MAX_INFLIGHT scrapes at once (descriptors, and
	 * curl's socket table); the rest start as those finish. */
	for (; e->round_open && e->next_start < e->n &&
	       http_pending(e->b.http) < EXPORTER_MAX_INFLIGHT; e->next_start++) {
		struct enode *nd = &e->node[e->next_start];
		if (nd->inflight)
			continue;       /* a slow exporter: its timeout ends it */
		if (http_get(e->b.http, nd->url, EXPO_MAX_BODY, timeout, on_scrape, nd) < 0) {
			*why = "out of memory";
			return SOURCE_ENOMEM;
		}
		nd->inflight = true;
	}
	if (e->next_start >= e->n)
		e->round_open = false;
	return SOURCE_MORE;
}

static void exp_close(struct source *s)
{
	struct exp_src *e = (struct exp_src *)s;

	if (!e)
		return;
	nm_src_fini(&e->b);
	for (size_t k = 0; e->node && k < e->n; k++)
		free(e->node[k].url);
	free(e->node);
	free(e->pc);
	free(e);
}

static const struct source_ops exp_ops = {
	.name = "node_exporter",
	.clock = SOURCE_CLOCK_MONO,
	.fill_pollfds = exp_fill,
	.step = exp_step,
	.close = exp_close,
};

struct source *source_exporter_new(const struct source_feed *feed,
                                   const struct node_spec *specs, const size_t *nodes,
                                   size_t n, double interval, const char **why)
{
	struct exp_src *e = calloc(1, sizeof *e);
	char url[URL_MAX];

	*why = "out of memory";
	if (!e)
		return NULL;
	e->n = n;
	e->interval = interval > 0 ? interval : 1;
	if (nm_src_init(&e->b, &exp_ops, feed, why) < 0 ||
	    !(e->node = calloc(n ? n : 1, sizeof *e->node)) || !(e->pc = calloc(1, sizeof *e->pc)))
		goto fail;
	for (size_t k = 0; k < n; k++) {
		struct enode *nd = &e->node[k];
		nd->st.idx = nodes[k];
		nd->src = e;
		nd->st.state = CS_CONNECTING;
		if (prom_exporter_url(specs[nodes[k]].name, url, sizeof url) < 0) {
			*why = "node_exporter URL too long";
			goto fail;
		}
		if (!(nd->url = strdup(url)))
			goto fail;
	}
	return &e->b.base;
fail:
	exp_close(&e->b.base);
	return NULL;
}
