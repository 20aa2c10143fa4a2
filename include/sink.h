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
 *   status                 a node's state, reason or connection facts
 *                          changed in the model
 *   facts, job             node facts / the job's figures were taken in
 *   tick                   once per interval, after every source's tick:
 *                          one block (batch, JSON, exporter snapshot; the
 *                          events sink looks for events then and writes
 *                          them before the block)
 *   end                    once, when the run ends normally (count reached,
 *                          the user quit, a signal, the recording ended)
 *   free                   always, last, also after an error
 *
 * Any hook may be NULL.  A replay that seeks back calls rewind (forget
 * what was seen: the model starts empty again) and then replays to the
 * point asked for with v->seeking set: a sink then updates what it keeps
 * but writes, draws and runs nothing.  Besides these, the loop tells a sink that the
 * terminal was resized (resize) and asks which node's top processes it
 * wants now (wants_procs, polled every pass; at most one fetch per node
 * every PROCS_EVERY_S), handing them over with procs().
 * A sink that needs descriptors (the screen's
 * keyboard, an exporter's listening socket) fills pollfds and a deadline
 * and is stepped exactly like a source (source.h, "Waiting"): the screen
 * redraws from its step(), at most every REDRAW_MIN_S, when a hook marked
 * it dirty.
 *
 * Times.  Every hook gets a struct sink_view: `now` is on the model's clock
 * (unix time in whole microseconds, see source.h "Clocks"), `wall` the unix
 * time to show or write for it (the same number) — for tick() the block's
 * nominal time, so the live and replayed output of the same frames carry
 * the same stamps; for frame() the frame's own time, so the recorder
 * writes exactly one timestamp per frame, the same one the model got.
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
#include <stdio.h>
#include <stdbool.h>
#include <stddef.h>
#include "err.h"
#include "model.h"
#include "node_state.h"
#include "procs.h"
#include "source.h"

struct job;      /* job.h: --done progress, optional */
struct config;   /* config.h */

/* How often the top processes of the node a sink wants are fetched. */
#define PROCS_EVERY_S 2.0

enum sink_err {
	SINK_ENOMEM = ERR_SINK_BASE - 1,    /* out of memory */
	SINK_EIO    = ERR_SINK_BASE - 2,    /* a write failed (see *why: "write
	                                     * error on standard output: No
	                                     * space left on device") */
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
	bool   seeking;              /* a replay's seek is running (see above) */
	const struct source_pos *pos;   /* a replay's position (screen), or NULL */
	const struct sink *events;   /* the events sink (sink_events_recent), or NULL */
	/* Ask the sources for something (the screen's replay keys: pause,
	 * step, seek; source.h).  0, or -1 when no source can. */
	int  (*control)(void *ctl_arg, enum source_ctl c, double arg);
	void *ctl_arg;
};

struct sink;

struct sink_ops {
	const char *name;            /* "screen", "json", "record", ...: debug log */
	int (*begin)(struct sink *k, const struct sink_view *v, const char **why);
	/* node's frame at v->now / v->wall; raw: the probe frame (NULL when
	 * the source had none), borrowed until return */
	int (*frame)(struct sink *k, const struct sink_view *v, size_t node,
	             const char *raw, size_t rawlen, const char **why);
	/* node's facts text (facts.h), read at unix time t_read, was taken in
	 * (stamped v->wall; text borrowed) */
	int (*facts)(struct sink *k, const struct sink_view *v, size_t node, const char *text,
	             size_t len, bool procs, bool disks, double t_read, const char **why);
	/* node's state, why, since, reconnects, probe or next retry changed
	 * (read them from v->m) */
	int (*status)(struct sink *k, const struct sink_view *v, size_t node, const char **why);
	/* the job took in a count or a measurement (job_generation()) */
	int (*job)(struct sink *k, const struct sink_view *v, const char **why);
	int (*tick)(struct sink *k, const struct sink_view *v, const char **why);
	int (*end)(struct sink *k, const struct sink_view *v, const char **why);
	/* As source.h: append at most cap pollfds, lower *deadline
	 * (monotonic); then step with their revents (now monotonic). */
	size_t (*fill_pollfds)(struct sink *k, struct pollfd *pf, size_t cap,
	                       double *deadline);
	int (*step)(struct sink *k, const struct sink_view *v, const struct pollfd *pf,
	            size_t n, double now, const char **why);
	/* A replay went back to its start: forget what was seen. */
	void (*rewind)(struct sink *k);
	/* The terminal's size changed (SIGWINCH). */
	void (*resize)(struct sink *k);
	/* The node whose top processes this sink shows now, or -1. */
	int (*wants_procs)(const struct sink *k);
	/* node's top processes (rows copied by the callee), or n < 0 when
	 * its source cannot give them (a replay). */
	void (*procs)(struct sink *k, size_t node, const struct proc_row *rows, int n);
	/* Free (flushing what is buffered); never NULL. */
	void (*free)(struct sink *k);
};

/* Every sink begins with this: a concrete sink is a struct whose first
 * member is a struct sink. */
struct sink {
	const struct sink_ops *ops;
};

/* The sinks in this tree (src/sink_*.c).  Each returns NULL with one
 * line in *why when it cannot start. */

/* The screen (curses; tui.h).  theme: a name or NULL; cfg: the config
 * file's columns, sort, grouping, filter (a bad column list: NULL and *code
 * 2, else *code 1).  Its + / - keys ask for another interval through
 * v->control (SOURCE_INTERVAL). */
struct sink *sink_screen_new(const char *theme, bool no_color, const struct config *cfg,
                             const char **why, int *code);
/* --batch text blocks (json false) or --json lines on f (stdout). */
struct sink *sink_batch_new(FILE *f, bool json, const char **why);
/* --record FILE: the recording's header now (names: n node names,
 * borrowed), then every frame that has raw text, node facts, the job's
 * figures, node status changes and ticks, stamped v->wall; max_bytes:
 * --record-max (0 = no cap). */
struct sink *sink_record_new(const char *path, double interval,
                             const char *const *names, size_t n,
                             unsigned long long max_bytes, const char **why);
/* Events, --on-event and --exit-when-done: sink_events.h.  The
 * Prometheus exporter (--textfile, --listen): sink_expo.h. */

#endif
