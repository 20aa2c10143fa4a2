/* source_prom.c — the Prometheus source (see source_prom.h). */
#include <fnmatch.h>
#include <malloc.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "expo.h"
#include "http.h"
#include "node_metrics.h"
#include "nodespec.h"
#include "prom_json.h"
#include "source_nm.h"
#include "source_prom.h"

#define URL_MAX     8192
#define WHY_MAX     200
/* A query gets at most this long, and never longer than the interval:
 * a slow server is a state after that, not a stall. */
#define QUERY_TIMEOUT_S 10.0

/* The metric families each query asks for.  @B: the selector in braces
 * (or nothing), @C: its matchers after a comma (or nothing). */
static const char *const query_tpl[PROM_NQUERIES] = {
	"max by (__name__, instance) (up@B)",
	"sum by (__name__, instance, mode) (node_cpu_seconds_total@B) or "
	"label_replace(count by (instance) (node_cpu_seconds_total{mode=\"idle\"@C}), "
	"\"__name__\", \"node_cpus\", \"\", \"\")",
	"sum by (__name__, instance) ({__name__=~\"node_(time_seconds|boot_time_seconds|"
	"context_switches_total|forks_total|procs_running|procs_blocked|load1|load5|load15)\"@C})",
	"sum by (__name__, instance) ({__name__=~\"node_(memory_(MemTotal|MemAvailable|SwapTotal|"
	"SwapFree)_bytes|vmstat_(pswpin|pswpout|workingset_refault|workingset_refault_file|"
	"workingset_refault_anon)|pressure_(cpu_waiting|io_waiting|io_stalled|memory_waiting|"
	"memory_stalled)_seconds_total)\"@C})",
	"sum by (__name__, instance, device) ({__name__=~\"node_disk_(read_bytes|written_bytes|"
	"reads_completed|writes_completed|io_time_seconds)_total\"@C}) or "
	"sum by (__name__, instance) ({__name__=~\"node_network_(receive|transmit)_bytes_total\","
	"device!=\"lo\"@C})",
};

struct pnode {
	struct nm_node_state st;    /* first: the shared part */
	const char *instance;       /* borrowed from the spec */
	int up;                     /* this round: -1 unknown, 0 down, 1 up */
};

struct prom_src {
	struct nm_src b;            /* first: the loop's struct source */
	char *q[PROM_NQUERIES];     /* full query URLs */
	size_t n;
	struct pnode *node;
	struct nm_node *acc;        /* per node, this round */
	size_t *hash;               /* open addressing: 1 + node, 0 = empty */
	size_t hcap;
	int inflight;
	int next_q;                 /* the round's next query */
	bool failed;
	bool slow;
	char why[WHY_MAX];
	double next_round;          /* monotonic */
	double interval;
	uint64_t seq;
};

/* FNV-1a of a string. */
static uint64_t fnv(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The node of instance name, or NULL. */
static struct pnode *find(struct prom_src *p, const char *inst)
{
	size_t k = (size_t)fnv(inst) & (p->hcap - 1);

	for (size_t i = 0; i < p->hcap; i++, k = (k + 1) & (p->hcap - 1)) {
		size_t v = p->hash[k];
		if (!v)
			return NULL;
		if (strcmp(p->node[v - 1].instance, inst) == 0)
			return &p->node[v - 1];
	}
	return NULL;
}

/* The selector's matchers without braces, into buf: '{job="node"}' ->
 * 'job="node"'.  -1 when it is not one {...} group. */
static int matchers(const char *sel, char *buf, size_t cap)
{
	size_t n;

	buf[0] = '\0';
	if (!sel || !*sel)
		return 0;
	while (*sel == ' ')
		sel++;
	n = strlen(sel);
	while (n > 0 && sel[n - 1] == ' ')
		n--;
	if (n < 2 || sel[0] != '{' || sel[n - 1] != '}' || n - 2 >= cap ||
	    memchr(sel + 1, '{', n - 2) || memchr(sel + 1, '}', n - 2))
		return -1;
	memcpy(buf, sel + 1, n - 2);
	buf[n - 2] = '\0';
	return 0;
}

/* The URL of instant query q on the server. */
static char *query_url(const char *base, const char *q)
{
	size_t cap = strlen(base) + 3 * strlen(q) + 32;
	char *u = malloc(cap);
	int k;

	if (!u)
		return NULL;
	k = snprintf(u, cap, "%s/api/v1/query?query=", base);
	if (k < 0 || http_escape(q, u + k, cap - (size_t)k) < 0) {
		free(u);
		return NULL;
	}
	return u;
}

/* Template tpl with @B and @C filled in from matchers m, into q.  0 or -1. */
static int fill_template(const char *tpl, const char *m, char *q, size_t cap)
{
	size_t n = 0;

	for (const char *t = tpl; *t; t++) {
		char part[1100] = "";
		if (t[0] == '@' && (t[1] == 'B' || t[1] == 'C')) {
			if (m[0])
				snprintf(part, sizeof part, t[1] == 'B' ? "{%s}" : ",%s", m);
			t++;
		} else {
			part[0] = *t;
			part[1] = '\0';
		}
		size_t k = strlen(part);
		if (n + k + 1 > cap)
			return -1;
		memcpy(q + n, part, k);
		n += k;
	}
	q[n] = '\0';
	return 0;
}

/* Query i with selector matchers m filled in, as a URL. */
static char *build_query(const char *base, int i, const char *m)
{
	char q[4096];

	if (fill_template(query_tpl[i], m, q, sizeof q) < 0)
		return NULL;
	return query_url(base, q);
}

/* A base URL without trailing slashes (caller frees). */
static char *base_url(const char *url)
{
	size_t n = strlen(url);

	while (n > 0 && url[n - 1] == '/')
		n--;
	return strndup(url, n);
}

/* One series of a discovery answer: keep its instance. */
struct disc {
	const char *const *pat;
	size_t npat;
	char **names;
	size_t n, cap;
	bool oom;
};

static int disc_series(void *arg, const struct expo_sample *s)
{
	struct disc *d = arg;
	const char *inst = expo_label(s, "instance");
	size_t i;

	if (!inst || !*inst || strlen(inst) > NODESPEC_MAX_NAME)
		return 0;
	for (i = 0; i < d->npat; i++)
		if (fnmatch(d->pat[i], inst, 0) == 0)
			break;
	if (d->npat && i == d->npat)
		return 0;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		char **v = realloc(d->names, cap * sizeof *v);
		if (!v) {
			d->oom = true;
			return 1;
		}
		d->names = v;
		d->cap = cap;
	}
	if (!(d->names[d->n] = strdup(inst))) {
		d->oom = true;
		return 1;
	}
	d->n++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* GET url and walk it as a vector; 0 or -1 with why. */
static int sync_vector(const char *url, struct disc *d, char *why, size_t cap)
{
	char err[256], jwhy[160];
	char *body = NULL;
	size_t len;
	long status;
	int rc;

	if (http_get_sync(url, PROM_JSON_MAX_BODY, QUERY_TIMEOUT_S, &body, &len, &status,
	                  err, sizeof err) < 0) {
		snprintf(why, cap, "%s", err);
		return -1;
	}
	rc = prom_json_vector(body, len, disc_series, d, jwhy, sizeof jwhy);
	free(body);
	if (rc < 0) {
		snprintf(why, cap, "HTTP %ld: %s", status, jwhy);
		return -1;
	}
	return 0;
}

int prom_discover(const struct prom_opts *po, const char *const *pat, size_t npat,
                  struct node_list *nodes, double *scrape_s, char *why, size_t cap)
{
	char m[1024], q[4096], err[256], *url, *base, *body = NULL;
	struct disc d = { pat, npat, NULL, 0, 0, false };
	size_t len, i;
	long status;
	int rc = -1;

	*scrape_s = 0;
	if (matchers(po->selector, m, sizeof m) < 0) {
		snprintf(why, cap, "--prom-selector must be one {...} group, e.g. '{job=\"node\"}'");
		return -1;
	}
	if (!(base = base_url(po->url)))
		return -1;
	/* the scrape interval: the global one and every job's, the largest */
	snprintf(q, sizeof q, "%s/api/v1/status/config", base);
	if (http_get_sync(q, PROM_JSON_MAX_BODY, QUERY_TIMEOUT_S, &body, &len, &status,
	                  err, sizeof err) < 0) {
		snprintf(why, cap, "prometheus %s: %s", base, err);
		goto out;
	}
	if (prom_json_scrape_interval(body, len, scrape_s) < 0)
		*scrape_s = 0;     /* unknown: the interval stays as asked */
	free(body);
	/* the instances of every job that has node_exporter metrics */
	if (fill_template("max by (instance) (up@B and on (job) group by (job) "
	                  "(node_time_seconds@B))", m, q, sizeof q) < 0)
		goto out;
	if (!(url = query_url(base, q)))
		goto out;
	rc = sync_vector(url, &d, err, sizeof err);
	free(url);
	if (rc < 0 || d.oom) {
		snprintf(why, cap, "prometheus %s: %s", base, d.oom ? "out of memory" : err);
		rc = -1;
		goto out;
	}
	if (d.n == 0) {
		snprintf(why, cap, "prometheus %s: no node_exporter targets%s%s", base,
		         npat ? " match --nodes" : "", m[0] ? " with that selector" : "");
		rc = -1;
		goto out;
	}
	qsort(d.names, d.n, sizeof *d.names, cmp_str);
	for (i = 0; i < d.n && i < NODESPEC_MAX_NODES; i++) {
		const char *w = NULL;
		struct node_spec *sp;
		if (nodespec_add(nodes, d.names[i], &w) < 0 || nodes->n == 0) {
			snprintf(why, cap, "instance '%s': %s", d.names[i], w ? w : "not a node name");
			rc = -1;
			goto out;
		}
		/* an instance is a name, not an SSH destination */
		sp = &nodes->v[nodes->n - 1];
		sp->port = 0;
		sp->prom = true;
	}
	rc = 0;
out:
	for (i = 0; i < d.n; i++)
		free(d.names[i]);
	free(d.names);
	free(base);
	return rc;
}

/* One series of a round's answer, folded into its node. */
static int on_series(void *arg, const struct expo_sample *s)
{
	struct prom_src *p = arg;
	const char *inst = expo_label(s, "instance");
	struct pnode *nd = inst ? find(p, inst) : NULL;

	if (!nd)
		return 0;
	if (strcmp(s->name, "up") == 0) {
		nd->up = s->value > 0.5 ? 1 : 0;
		return 0;
	}
	nm_add(&p->acc[nd - p->node], NULL, s);
	return 0;
}

/* Every answer of the round is in: frames and states for every node. */
static void end_round(struct prom_src *p, double now)
{
	char why[WHY_MAX + 32];

	for (size_t k = 0; k < p->n; k++) {
		struct pnode *nd = &p->node[k];
		if (p->failed) {
			snprintf(why, sizeof why, "prometheus: %s", p->why);
			nm_src_status(&p->b, &nd->st, CS_DOWN, why, now);
		} else if (nd->up == 0) {
			nm_src_status(&p->b, &nd->st, CS_DOWN, "prometheus: target down (up == 0)",
			              now);
		} else {
			nm_src_emit(&p->b, &nd->st, &p->acc[k], NULL, ++p->seq, "prom",
			            "prometheus: no node_exporter metrics for this instance", now);
		}
	}
}

static int send_query(struct prom_src *p);

/* One query's answer. */
static void on_answer(void *arg, long status, const char *body, size_t len, const char *err)
{
	struct prom_src *p = arg;
	char jwhy[160];
	int rc;

	p->inflight--;
	p->next_q++;
	if (p->failed)
		;
	else if (err) {
		snprintf(p->why, sizeof p->why, "%s", err);
		p->failed = true;
	} else if ((rc = prom_json_vector(body, len, on_series, p, jwhy, sizeof jwhy)) < 0) {
		/* an HTTP error usually carries the API's error JSON: say both */
		snprintf(p->why, sizeof p->why, "HTTP %ld, %s", status, jwhy);
		p->failed = true;
	} else if (status != 200) {
		snprintf(p->why, sizeof p->why, "HTTP %ld", status);
		p->failed = true;
	}
	if (!p->failed && p->next_q < PROM_NQUERIES && send_query(p) == 0)
		return;
	if (p->inflight == 0) {
		end_round(p, clock_mono());
		/* the answers' buffers (up to ~10 MB each at 10,000 nodes) go
		 * back to the system, not into the heap's free lists */
		malloc_trim(0);
	}
}

/* Send the round's next query.  0, or -1 (out of memory: the round failed). */
static int send_query(struct prom_src *p)
{
	double timeout = p->interval < QUERY_TIMEOUT_S ? p->interval : QUERY_TIMEOUT_S;

	if (timeout < 1)
		timeout = 1;
	if (http_get(p->b.http, p->q[p->next_q], PROM_JSON_MAX_BODY, timeout, on_answer, p) < 0) {
		snprintf(p->why, sizeof p->why, "out of memory");
		p->failed = true;
		return -1;
	}
	p->inflight++;
	return 0;
}

/* Start a round (when none is in flight).  The queries go one after the
 * other, not together: only one answer's buffer is held at a time (at
 * 10,000 nodes five parallel answers held ~40 MB, bench/prom_helper.py). */
static void start_round(struct prom_src *p, double now)
{
	if (p->inflight > 0)
		return;
	p->failed = false;
	p->why[0] = '\0';
	p->next_q = 0;
	for (size_t k = 0; k < p->n; k++) {
		nm_clear(&p->acc[k]);
		p->node[k].up = -1;
	}
	if (send_query(p) < 0)
		end_round(p, now);
}

static size_t prom_fill(struct source *s, struct pollfd *pf, size_t cap, double *deadline)
{
	struct prom_src *p = (struct prom_src *)s;

	return nm_src_fill(&p->b, p->inflight == 0 ? p->next_round : INFINITY, pf, cap,
	                   deadline);
}

static int prom_step(struct source *s, const struct pollfd *pf, size_t n, double now,
                     const char **why)
{
	struct prom_src *p = (struct prom_src *)s;

	(void)why;
	http_step(p->b.http, pf, n, now);
	if (p->inflight == 0 && now >= p->next_round) {
		/* rounds keep their own pace: a slow answer delays the next
		 * round, it never piles up queries */
		p->next_round = now + p->interval;
		start_round(p, now);
	}
	return SOURCE_MORE;
}

static void prom_close(struct source *s)
{
	struct prom_src *p = (struct prom_src *)s;

	if (!p)
		return;
	nm_src_fini(&p->b);
	for (int i = 0; i < PROM_NQUERIES; i++)
		free(p->q[i]);
	free(p->node);
	free(p->acc);
	free(p->hash);
	free(p);
}

static const struct source_ops prom_ops = {
	.name = "prometheus",
	.clock = SOURCE_CLOCK_MONO,
	.fill_pollfds = prom_fill,
	.step = prom_step,
	.close = prom_close,
};

struct source *source_prom_new(const struct source_feed *feed,
                               const struct node_spec *specs, const size_t *nodes,
                               size_t n, const struct prom_opts *po, const char **why)
{
	struct prom_src *p = calloc(1, sizeof *p);
	char m[1024], *base = NULL;

	*why = "out of memory";
	if (!p)
		return NULL;
	p->n = n;
	p->interval = po->interval > 0 ? po->interval : 1;
	for (p->hcap = 16; p->hcap < 2 * n; p->hcap *= 2)
		;
	if (nm_src_init(&p->b, &prom_ops, feed, why) < 0 ||
	    !(p->node = calloc(n ? n : 1, sizeof *p->node)) ||
	    !(p->acc = calloc(n ? n : 1, sizeof *p->acc)) ||
	    !(p->hash = calloc(p->hcap, sizeof *p->hash)) || !(base = base_url(po->url)))
		goto fail;
	if (matchers(po->selector, m, sizeof m) < 0) {
		*why = "--prom-selector must be one {...} group, e.g. '{job=\"node\"}'";
		goto fail;
	}
	for (int i = 0; i < PROM_NQUERIES; i++)
		if (!(p->q[i] = build_query(base, i, m)))
			goto fail;
	for (size_t k = 0; k < n; k++) {
		struct pnode *nd = &p->node[k];
		nd->st.idx = nodes[k];
		nd->instance = specs[nodes[k]].name;
		nd->st.state = CS_CONNECTING;
		size_t h = (size_t)fnv(nd->instance) & (p->hcap - 1);
		while (p->hash[h])
			h = (h + 1) & (p->hcap - 1);
		p->hash[h] = k + 1;
	}
	free(base);
	p->next_round = 0;      /* the first round at the first step */
	return &p->b.base;
fail:
	free(base);
	prom_close(&p->b.base);
	return NULL;
}
