/*
 * sink.h — where the model goes: the screen, --batch text and --json lines,
 * the --record file (next: an events stream, a Prometheus exporter).  The
 * contract between every sink and the one poll loop (loop.h).
 *
 * A sink reads; it never changes the model (every hook gets it const).
 * The loop calls the hooks in this order:
 *
 *   begin                  once, after the sources opened, before any frame
 *   frame                  each frame, right after it entered the model
 *   node_event             a node's state or verdict changed (after the
 *                          frame or status that changed it)
 *   tick                   once per interval, after every source's tick:
 *                          one block (batch, JSON, exporter snapshot)
 *   end                    once, when the run ends normally (count reached,
 *                          the user quit, a signal, the recording ended)
 *   free                   always, last, also after an error
 *
 * Any hook may be NULL.  A sink that needs descriptors (the screen's
 * keyboard, an exporter's listening socket) fills pollfds and a deadline
 * and is stepped exactly like a source (source.h, "Waiting"): the screen
 * redraws from its step(), at most every REDRAW_MIN_S, when a hook marked
 * it dirty.
 *
 * Times.  Every hook gets a struct sink_view: `now` is on the model's clock
 * (the source's, see source.h), `wall` the unix time to show or write for
 * it — for tick() the block's nominal time, so the live and replayed
 * output of the same frames carry the same stamps; for frame() the
 * frame's own time, so the recorder writes exactly one timestamp per
 * frame, the same one the model got.
 *
 * Errors.  A hook returns 0, SINK_QUIT (the screen's 'q': end the run
 * normally), or a negative SINK_E* code with one line in *why (static or
 * owned by the sink until free): a write error on stdout, a full disk
 * under --record.  The loop then stops with exit status 1 and prints
 * "doptop: <why>".  A sink never exits and never prints to the terminal
 * itself.
 *
 * Ownership.  The loop owns every sink and frees it with ops->free().
 * Everything in a sink_view is borrowed for the duration of the call.
 */
#ifndef DOPTOP_SINK_H
#define DOPTOP_SINK_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include "classify.h"
#include "model.h"
#include "node_state.h"

struct job;   /* job.h: --done progress, optional */

enum sink_err {
	SINK_ENOMEM = -1,    /* out of memory */
	SINK_EIO    = -2,    /* a write failed (see *why: "write error on
	                      * standard output: No space left on device") */
};

/* A hook result besides 0 and errors: the user asked to quit. */
#define SINK_QUIT 1

/* What every hook may read. */
struct sink_view {
	const struct model *m;
	const struct job *job;       /* --done progress, or NULL */
	double interval;             /* seconds */
	double now;                  /* the model's clock (source.h) */
	double wall;                 /* unix time for now (see "Times") */
	bool   replay;               /* the data comes from a recording */
};

/* A node's change, for node_event. */
struct sink_event {
	size_t node;                 /* model index */
	enum conn_state old_state, new_state;
	struct judgement old_j, new_j;
};

struct sink;

struct sink_ops {
	const char *name;            /* "screen", "json", "record", ...: debug log */
	int (*begin)(struct sink *k, const struct sink_view *v, const char **why);
	/* node's frame at v->now / v->wall; raw: the probe frame (NULL when
	 * the source had none), borrowed until return */
	int (*frame)(struct sink *k, const struct sink_view *v, size_t node,
	             const char *raw, size_t rawlen, const char **why);
	int (*node_event)(struct sink *k, const struct sink_view *v,
	                  const struct sink_event *e, const char **why);
	int (*tick)(struct sink *k, const struct sink_view *v, const char **why);
	int (*end)(struct sink *k, const struct sink_view *v, const char **why);
	/* As source.h: append at most cap pollfds, lower *deadline
	 * (monotonic); then step with their revents (now monotonic). */
	size_t (*fill_pollfds)(struct sink *k, struct pollfd *pf, size_t cap,
	                       double *deadline);
	int (*step)(struct sink *k, const struct sink_view *v, const struct pollfd *pf,
	            size_t n, double now, const char **why);
	/* Free (flushing what is buffered); never NULL. */
	void (*free)(struct sink *k);
};

/* Every sink begins with this: a concrete sink is a struct whose first
 * member is a struct sink. */
struct sink {
	const struct sink_ops *ops;
};

#endif
