/* source_nm.c — the part of the Prometheus and node_exporter sources they
 * share (see source_nm.h). */
#include <stdlib.h>

#include "http.h"
#include "parse.h"
#include "source_nm.h"

int nm_src_init(struct nm_src *b, const struct source_ops *ops,
                const struct source_feed *feed, const char **why)
{
	b->base.ops = ops;
	b->base.feed = feed;
	*why = "out of memory";
	if (!(b->frame = malloc(NM_FRAME_MAX)) || !(b->sample = calloc(1, sizeof *b->sample)))
		return -1;
	return (b->http = http_new(why)) ? 0 : -1;
}

void nm_src_fini(struct nm_src *b)
{
	http_free(b->http);
	free(b->frame);
	free(b->sample);
}

size_t nm_src_fill(struct nm_src *b, double wake_at, struct pollfd *pf, size_t cap,
                   double *deadline)
{
	if (wake_at < *deadline)
		*deadline = wake_at;
	return http_fill_pollfds(b->http, pf, cap, deadline);
}

void nm_src_status(struct nm_src *b, struct nm_node_state *nd, enum conn_state st,
                   const char *why, double now)
{
	struct source_status ss = { .state = st, .why = why ? why : "", .since = now };

	if (nd->reported && nd->state == st && st == CS_UP)
		return;
	nd->state = st;
	nd->reported = true;
	b->base.feed->status(b->base.feed->arg, nd->idx, &ss);
}

void nm_src_emit(struct nm_src *b, struct nm_node_state *nd, const struct nm_node *acc,
                 const struct nm_percpu *pc, uint64_t seq, const char *flags,
                 const char *why_none, double now)
{
	double clock = acc->v[NM_TIME];
	int n = nm_frame(acc, pc, seq, flags, now, b->frame, NM_FRAME_MAX);

	if (n < 0) {
		nm_src_status(b, nd, CS_DOWN, why_none, now);
		return;
	}
	/* the same scrape again: nothing new to rate (and last time's frame
	 * of it parsed, or last_clock would not be set) */
	if (clock > 0 && clock <= nd->last_clock) {
		nm_src_status(b, nd, CS_UP, NULL, now);
		return;
	}
	if (parse_frame(b->frame, (size_t)n, b->sample) < 0) {
		nm_src_status(b, nd, CS_DOWN, why_none, now);
		return;
	}
	nm_src_status(b, nd, CS_UP, NULL, now);
	nd->last_clock = clock;
	b->base.feed->frame(b->base.feed->arg, nd->idx, now, b->sample, b->frame, (size_t)n);
}
