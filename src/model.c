/* model.c — nodes, their latest rates and verdicts, the cluster summary. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"
#include "text.h"

const char *conn_state_name(enum conn_state s)
{
	switch (s) {
	case CS_CONNECTING:       return "connecting";
	case CS_UP:               return "up";
	case CS_STALE:            return "stale";
	case CS_DOWN:             return "down";
	case CS_AUTH_FAILED:      return "auth-failed";
	case CS_HOSTKEY_MISMATCH: return "hostkey-mismatch";
	case CS_UNREACHABLE:      return "unreachable";
	case CS_LOCAL_ERROR:      return "local-error";
	case CS_HOSTKEY_UNKNOWN:  return "hostkey-unknown";
	}
	return "down";
}

double node_stale_after(double interval)
{
	return 3 * interval > 3 ? 3 * interval : 3;
}

double node_dead_after(double interval)
{
	return node_stale_after(interval) + (10 * interval > 15 ? 10 * interval : 15);
}

int model_init(struct model *m, const struct node_spec *specs, size_t n)
{
	m->n = n;
	m->remaining_B = -1;
	m->inputs_network = false;
	m->nodes = calloc(n ? n : 1, sizeof *m->nodes);
	if (!m->nodes)
		return -1;
	for (size_t i = 0; i < n; i++) {
		m->nodes[i].spec = &specs[i];
		m->nodes[i].state = CS_CONNECTING;
	}
	return 0;
}

void model_free(struct model *m)
{
	for (size_t i = 0; m->nodes && i < m->n; i++)
		free(m->nodes[i].prev);
	free(m->nodes);
	m->nodes = NULL;
	m->n = 0;
}

/* History values are kept as 16-bit log2(1+v) in 1/1600 steps: 0.04%
 * relative precision from 0 to past 1e12 (bytes/s), at half the memory of
 * floats (bench/fleet.sh: memory per node). */
#define HIST_STEPS 1600.0

static uint16_t hist_encode(float v)
{
	double x = v > 0 ? log2(1.0 + v) * HIST_STEPS : 0;
	return x >= 65535 ? 65535 : (uint16_t)lround(x);
}

static float hist_decode(uint16_t u)
{
	return (float)(exp2(u / HIST_STEPS) - 1.0);
}

/* Append this interval's figures to the node's history rings. */
static void push_hist(struct node *nd)
{
	const struct rates *r = &nd->r;
	unsigned k = nd->hist_n % MODEL_HIST;
	float v[H_NSERIES] = {
		[H_USER] = (float)r->cpu.user, [H_SYSTEM] = (float)r->cpu.system,
		[H_IOWAIT] = (float)r->cpu.iowait, [H_STEAL] = (float)r->cpu.steal,
		[H_DISK_R] = (float)r->disk_read_Bps, [H_DISK_W] = (float)r->disk_write_Bps,
		[H_NET_RX] = (float)r->net_rx_Bps, [H_NET_TX] = (float)r->net_tx_Bps,
		[H_PSI_IO] = (float)r->psi_io_some, [H_PSI_CPU] = (float)r->psi_cpu_some,
		[H_FORKS] = (float)r->forks_per_s, [H_CTXT] = (float)r->ctxt_per_s,
	};
	for (int s = 0; s < H_NSERIES; s++)
		nd->hist[s][k] = hist_encode(v[s]);
	nd->hist_n++;
}

bool model_hist(const struct node *nd, enum hist_series s, unsigned back, float *out)
{
	if (back >= nd->hist_n || back >= MODEL_HIST)
		return false;
	*out = hist_decode(nd->hist[s][(nd->hist_n - 1 - back) % MODEL_HIST]);
	return true;
}

static void refresh_advice(struct model *m, size_t i);

bool model_ingest(struct model *m, size_t i, const struct sample *s, double now)
{
	struct node *nd = &m->nodes[i];
	bool fresh = false;
	nd->last_frame = now;
	/* A new boot time, even across a reconnect (the baseline is dropped
	 * while a node is down), means the node restarted: preempted? */
	if ((s->have & SP_STAT) && s->btime) {
		if (nd->btime && (s->btime > nd->btime + 60 || nd->btime > s->btime + 60))
			nd->restarted = true;   /* see rates.c: a clock step is not a boot */
		nd->btime = s->btime;
	}
	if (nd->have_prev) {
		struct rates r;
		if (rates_compute(nd->prev, s, &r) == 0) {
			nd->r = r;
			nd->have_rates = true;
			nd->j = classify_step(&nd->cls, &nd->r);
			refresh_advice(m, i);
			push_hist(nd);
			fresh = true;
		} else if (r.restarted) {
			/* New boot time: the node came back after a restart
			 * (a preemption); old deltas mean nothing now. */
			nd->restarted = true;
			nd->have_rates = false;
			classify_reset(&nd->cls);
			nd->j = nd->cls.stable;
		}
	}
	size_t need = sample_size(s->ncpu);
	if (need > nd->prev_cap) {
		struct sample *p = realloc(nd->prev, need);
		if (!p) {
			nd->have_prev = false;
			return fresh;
		}
		nd->prev = p;
		nd->prev_cap = need;
	}
	memcpy(nd->prev, s, need);
	nd->have_prev = true;
	return fresh;
}

void model_set_state(struct model *m, size_t i, enum conn_state st, const char *why,
                     double now)
{
	struct node *nd = &m->nodes[i];
	if (why)
		text_sanitize(nd->why, sizeof nd->why, why);
	if (nd->state == st)
		return;
	nd->state = st;
	nd->since = now;
	if (st != CS_UP && st != CS_STALE) {
		/* A node that is not streaming shows no numbers, never stale ones;
		 * the next connection starts a fresh baseline. */
		nd->have_rates = false;
		nd->have_prev = false;
		classify_reset(&nd->cls);
		nd->j = nd->cls.stable;
		nd->advice[0] = 0;
	}
}

void model_set_conn(struct model *m, size_t i, unsigned reconnects, bool fallback_sh,
                    double retry_at)
{
	m->nodes[i].retry_at = retry_at;
	m->nodes[i].reconnects = reconnects;
	m->nodes[i].fallback_sh = fallback_sh;
}

long model_find(const struct model *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->nodes[i].spec->name, name) == 0)
			return (long)i;
	return -1;
}

/* Recompute node i's advice from its verdict, facts and the job's inputs. */
static void refresh_advice(struct model *m, size_t i)
{
	struct node *nd = &m->nodes[i];
	struct decide_ctx c = {
		.r = nd->have_rates ? &nd->r : NULL, .facts = &nd->facts,
		.remaining_B = m->remaining_B, .inputs_network = m->inputs_network,
	};
	const char *a = classify_decide(nd->j, &c, nd->advice, sizeof nd->advice);
	if (a != nd->advice)
		nd->advice[0] = 0;
}

void model_set_inputs(struct model *m, double remaining_B, bool network)
{
	m->remaining_B = remaining_B;
	m->inputs_network = network;
	for (size_t i = 0; i < m->n; i++)
		refresh_advice(m, i);
}

void model_facts_changed(struct model *m, size_t i)
{
	if (i < m->n)
		refresh_advice(m, i);
}

double model_job_cores(const struct node *nd)
{
	return nd->facts.have_job_cores ? nd->facts.job_cores : -1;
}

const char *model_advice(const struct node *nd)
{
	return nd->advice[0] ? nd->advice : classify_advice(nd->j);
}

/* The job's ceiling over the working nodes (see struct cluster). */
static void cluster_headroom(const struct model *m, struct cluster *c)
{
	struct headroom *h = &c->headroom;
	double w = 0, wx = 0;
	int working = 0;
	for (size_t i = 0; i < m->n; i++) {
		const struct node *nd = &m->nodes[i];
		struct headroom nh;
		if (!nd->have_rates || nd->state != CS_UP || nd->j.verdict == V_IDLE ||
		    nd->j.verdict == V_UNKNOWN)
			continue;
		classify_headroom(&nd->r, nd->j, model_job_cores(nd), &nh);
		working++;
		if (!nh.known) {
			snprintf(h->why, sizeof h->why, "%.40s: %.110s", nd->spec->name, nh.why);
			h->known = false;
			return;
		}
		w += nh.work_cores;
		wx += nh.work_cores * nh.x;
	}
	if (!working || w <= 0) {
		snprintf(h->why, sizeof h->why, "no node is working");
		return;
	}
	h->known = true;
	h->x = wx / w;
	h->work_cores = w;
	snprintf(h->why, sizeof h->why, "%d working node%s, %.1f busy cores: at most %.1fx",
	         working, working == 1 ? "" : "s", w, h->x);
}

void model_cluster(const struct model *m, struct cluster *c)
{
	memset(c, 0, sizeof *c);
	double w = 0;
	c->nodes = (int)m->n;
	for (size_t i = 0; i < m->n; i++) {
		const struct node *nd = &m->nodes[i];
		switch (nd->state) {
		case CS_UP:         c->up++; break;
		case CS_STALE:      c->stale++; break;
		case CS_CONNECTING: c->connecting++; break;
		default:            c->down++; break;
		}
		if (!nd->have_rates || nd->state != CS_UP)
			continue;
		int k = nd->r.cores > 0 ? nd->r.cores : 1;
		c->cores += k;
		w += k;
		c->cpu.user += k * nd->r.cpu.user;
		c->cpu.system += k * nd->r.cpu.system;
		c->cpu.iowait += k * nd->r.cpu.iowait;
		c->cpu.steal += k * nd->r.cpu.steal;
		c->cpu.idle += k * nd->r.cpu.idle;
		c->disk_read_Bps += nd->r.disk_read_Bps;
		c->disk_write_Bps += nd->r.disk_write_Bps;
		c->net_rx_Bps += nd->r.net_rx_Bps;
		c->net_tx_Bps += nd->r.net_tx_Bps;
		c->count[nd->j.verdict]++;
		c->cause_count[nd->j.verdict][nd->j.cause]++;
	}
	if (w > 0) {
		c->cpu.user /= w;
		c->cpu.system /= w;
		c->cpu.iowait /= w;
		c->cpu.steal /= w;
		c->cpu.idle /= w;
	}
	int best = 0;
	for (int v = 1; v < V_COUNT; v++)
		if (c->count[v] > c->count[best] || (best == 0 && c->count[v] > 0))
			best = v;
	c->dominant.verdict = (enum verdict)best;
	int bc = 0;
	for (int k = 1; k < C_COUNT; k++)
		if (c->cause_count[best][k] > c->cause_count[best][bc])
			bc = k;
	c->dominant.cause = (enum cause)bc;
	cluster_headroom(m, c);
}

char *model_provenance(const struct node *nd, char *buf, size_t cap)
{
	const struct rates *r = &nd->r;
	const char *from = nd->spec->local ? "/proc on this machine" :
	                   nd->spec->prom ? "Prometheus (node_exporter metrics, "
	                                    "rates between its two newest scrapes)" :
	                   nd->spec->exporter ? "node_exporter /metrics (rates between "
	                                        "two scrapes)" : "/proc over SSH";
	char miss[96] = "";
	size_t n = 0;
	static const struct { unsigned bit; const char *word; } part[] = {
		{ RP_DISK, "disk" }, { RP_NET, "network" }, { RP_MEM, "memory" },
		{ RP_SWAP, "swap" }, { RP_REFAULT, "refaults" }, { RP_PSI, "psi" },
	};

	if (cap == 0)
		return buf;
	for (size_t i = 0; nd->have_rates && i < sizeof part / sizeof part[0]; i++)
		if (!(r->have & part[i].bit))
			n += (size_t)snprintf(miss + n, sizeof miss - n, "%s%s", n ? ", " : "",
			                      part[i].word);
	if (nd->have_rates && r->ncpu == 0 && n < sizeof miss)
		snprintf(miss + n, sizeof miss - n, "%sper-core", n ? ", " : "");
	snprintf(buf, cap, "signals: %s%s%s", from, miss[0] ? "; not reported: " : "", miss);
	return buf;
}
