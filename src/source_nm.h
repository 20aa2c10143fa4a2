/*
 * source_nm.h — what the two node_exporter-backed sources share (the
 * Prometheus source and the node_exporter source, source_prom.h): one
 * HTTP client, one frame buffer and its parsed sample, and per node the
 * state last told to the loop and the node clock of the last frame.
 *
 * Private to source_prom.c and source_exporter.c.  A source embeds a
 * struct nm_src as its first member (so the loop's struct source is at
 * its start) and a struct nm_node_state per node.
 */
#ifndef DOPTOP_SOURCE_NM_H
#define DOPTOP_SOURCE_NM_H

#include <stdint.h>
#include "node_metrics.h"
#include "source.h"

struct nm_src {
	struct source base;
	struct http *http;
	char *frame;                /* NM_FRAME_MAX */
	struct sample *sample;      /* the frame, parsed */
};

/* A node as the loop was told it. */
struct nm_node_state {
	size_t idx;                 /* model index */
	bool reported;              /* a status was sent since the last change */
	enum conn_state state;
	double last_clock;          /* node clock of the last frame sent */
};

/* Set up b's common part: ops and feed, the HTTP client, the buffers.
 * 0, or -1 with *why (b's parts made so far are freed by nm_src_fini). */
int nm_src_init(struct nm_src *b, const struct source_ops *ops,
                const struct source_feed *feed, const char **why);
/* Free b's common part (not b itself); NULL-safe parts. */
void nm_src_fini(struct nm_src *b);
/* The loop's pollfds: the HTTP client's, and *deadline lowered to
 * wake_at (the next round; INFINITY when none is due). */
size_t nm_src_fill(struct nm_src *b, double wake_at, struct pollfd *pf, size_t cap,
                   double *deadline);
/* Tell the loop node nd's state, once per change (an unchanged "up" is
 * not repeated; other states are, with their fresh why). */
void nm_src_status(struct nm_src *b, struct nm_node_state *nd, enum conn_state st,
                   const char *why, double now);
/* Node nd's accumulated metrics (pc: per-core, or NULL) as one frame
 * with number seq and flags: the node is "up" and the frame goes to the
 * loop, unless it is the same scrape as the last one (node clock not
 * newer).  When no frame can be made of them, the node is "down" with
 * why_none. */
void nm_src_emit(struct nm_src *b, struct nm_node_state *nd, const struct nm_node *acc,
                 const struct nm_percpu *pc, uint64_t seq, const char *flags,
                 const char *why_none, double now);

#endif
