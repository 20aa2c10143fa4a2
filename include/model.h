/*
 * model.h — what the views show: every node's state, latest rates, verdict
 * and short history, plus the cluster summary.  Sources (local, ssh,
 * replay) write into it through model_ingest()/model_set_state(); views only
 * read it.  Pure: no curses, no libssh2.
 */
#ifndef DOPTOP_MODEL_H
#define DOPTOP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include "classify.h"
#include "node_state.h"
#include "nodespec.h"
#include "rates.h"
#include "sample.h"
#include "text.h"

/* History kept per node for the graphs: 300 intervals (5 min at 1 s). */
#define MODEL_HIST 300

enum hist_series { H_USER, H_SYSTEM, H_IOWAIT, H_STEAL, H_DISK_R, H_DISK_W,
                   H_NET_RX, H_NET_TX, H_PSI_IO, H_PSI_CPU, H_FORKS, H_CTXT, H_NSERIES };

struct node {
	const struct node_spec *spec;   /* borrowed from the node list */
	enum conn_state state;
	char     why[1200];             /* what is wrong / what to fix; sanitised (room
	                                 * for a host-key fix naming a long host twice) */
	double   since;                 /* monotonic time the state began */
	unsigned reconnects;
	double   retry_at;              /* monotonic time of the next connection attempt, 0 = none */
	bool     restarted;             /* boot time changed: came back after a restart */
	uint64_t btime;                 /* boot time last seen, kept across reconnects */
	bool     fallback_sh;           /* node has no bash: POSIX sh probe (forks) */
	double   last_frame;            /* monotonic time of the last sample, 0 = never */

	bool     have_prev;
	struct sample *prev;            /* baseline for the next delta; allocated
	                                 * for its own ncpu only (sample_size()) */
	size_t   prev_cap;              /* bytes allocated at prev */
	bool     have_rates;
	struct rates r;                 /* latest interval */
	struct classifier cls;
	struct judgement j;             /* stable verdict */

	struct facts facts;             /* workers, memory cgroup, local disks */
	char     advice[240];           /* the verdict's advice with the numbers
	                                 * that decide it; "" = classify_advice() */

	uint16_t hist[H_NSERIES][MODEL_HIST];   /* log-encoded, see model.c */
	unsigned hist_n;                /* total pushed; ring index = n % MODEL_HIST */
};

struct cluster {
	int    nodes, up, down, stale, connecting;
	int    cores;
	struct cpu_split cpu;           /* core-weighted over nodes with data */
	double disk_read_Bps, disk_write_Bps, net_rx_Bps, net_tx_Bps;
	int    count[V_COUNT];          /* nodes per verdict */
	int    cause_count[V_COUNT][C_COUNT];
	struct judgement dominant;      /* most common verdict among nodes with data */
	/* The whole job's ceiling: each working (not idle) node's headroom
	 * weighted by its busy cores, i.e. sum(rate_i * x_i) / sum(rate_i) when
	 * a node's share of the items follows its CPU work.  Unknown when any
	 * working node's is. */
	struct headroom headroom;
};

struct model {
	struct node *nodes;
	size_t n;
	double remaining_B;             /* the job's input bytes still to read, < 0 unknown */
	bool   inputs_network;          /* ... on a network file system */
};

/* Allocate one node per spec (borrowed).  0 or -1 on OOM. */
int model_init(struct model *m, const struct node_spec *specs, size_t n);
void model_free(struct model *m);

/* A new sample for node i at monotonic time now: computes rates against the
 * previous sample, classifies, pushes history.  Returns true when the node
 * has a fresh interval of rates. */
bool model_ingest(struct model *m, size_t i, const struct sample *s, double now);
/* Set a node's connection state (why may be NULL); keeps "since" when the
 * state does not change.  Leaving "up" drops the rates (no stale numbers). */
void model_set_state(struct model *m, size_t i, enum conn_state st, const char *why,
                     double now);

/* The job's input bytes still to read (< 0: unknown) and whether they
 * are on a network file system; refreshes every node's advice. */
void model_set_inputs(struct model *m, double remaining_B, bool network);
/* Node i's facts (workers, memory cgroup, disks) changed: refresh its advice. */
void model_facts_changed(struct model *m, size_t i);
/* The CPU the job's own processes used on a node (--job-cmd), or -1. */
double model_job_cores(const struct node *nd);
/* The advice to show for a node (borrowed). */
const char *model_advice(const struct node *nd);
/* A node's connection facts: successful reconnects after the first,
 * whether it runs the POSIX sh probe (no bash), the next attempt (0 none). */
void model_set_conn(struct model *m, size_t i, unsigned reconnects, bool fallback_sh,
                    double retry_at);

/* Where a node's signals come from, for "why this verdict": one line
 * ("signals: /proc over SSH", "signals: Prometheus (node_exporter
 * metrics); not reported: psi, refaults, per-core").  Returns buf. */
char *model_provenance(const struct node *nd, char *buf, size_t cap);

/* Index of the node named name, or -1. */
long model_find(const struct model *m, const char *name);

/* Summarise every node. */
void model_cluster(const struct model *m, struct cluster *c);
/* Value of a series k steps back (0 = newest); false past the history. */
bool model_hist(const struct node *nd, enum hist_series s, unsigned back, float *out);

#endif
