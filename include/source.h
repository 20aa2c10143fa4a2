/*
 * source.h — where the model's data comes from: the SSH fleet, this
 * machine's sampler, a recording (next: a Prometheus server, a VM fleet).
 * The contract between every source and the one poll loop (loop.h).
 *
 * A source owns some of the model's nodes (given to it by model index when
 * it is made) and turns whatever it reads into events for them:
 *   - a frame: one parsed struct sample for a node at time t, with the raw
 *     probe frame it came from when there is one (the recorder stores it);
 *   - a status: the node's state (node_state.h words), why, since when,
 *     and connection facts (reconnects, POSIX-sh fallback);
 *   - node facts (facts.h: the job's processes, memory cgroup, local
 *     disks), fetched at a slow cadence (FACTS_PROCS_EVERY_S), never from
 *     the per-second probe;
 *   - the job's figures, from a recording (J records; job.h job_feed());
 *   - a recording's ticks (tick) and a new start (rewind), below.
 * It hands them to the loop through the struct source_feed given at
 * creation, from inside its step() or tick() — never from anywhere else,
 * never from another thread.
 *
 * Clocks.  Each source has ONE clock, and every event it yields is stamped
 * on it:
 *   SOURCE_CLOCK_MONO  CLOCK_MONOTONIC seconds (clock.h) — live sources;
 *                      any number of them can run together.
 *   SOURCE_CLOCK_OWN   the source's own clock, read with ops->now(), e.g. a
 *                      recording's unix time — such a source runs alone.
 * A source's clock never goes back: an event is never stamped before one
 * it yielded earlier, nor before ops->now() returned.  The loop maps
 * each event's time to the model's clock: unix time in whole microseconds
 * (record_stamp(), record.h) — MONO: the unix time at start plus the
 * monotonic time since; OWN: the clock is such a time already.  So a
 * recording stores exactly the times the model got, and its replay
 * computes the same figures from them (replayed --json equals live).
 *
 * Waiting.  The loop is the only place that blocks.  Before each poll() it
 * asks each source for descriptors (fill_pollfds) and for the monotonic
 * time by which it must be stepped even without I/O (the same call lowers
 * *deadline).  After poll() it calls step() with the revents of exactly the
 * pollfds that source filled.  Every call returns at once; an HTTP or SSH
 * source is a non-blocking state machine (connect, send, read a capped
 * reply, parse) advanced a little on each step.  Deadlines are always
 * CLOCK_MONOTONIC (the loop's clock), even for a SOURCE_CLOCK_OWN source:
 * replaying at --speed 2 means asking to be stepped when the next frame is
 * due in real time.
 *
 * Ticks.  Live, the loop ticks once per interval of monotonic time: it
 * calls tick() of every source first (the local sampler reads /proc then)
 * and then writes a block to every sink.  A SOURCE_CLOCK_OWN source (a
 * recording) hands the loop its ticks itself through feed->tick(), in
 * order with its other events: the ticks the recording holds (T records),
 * or for an older recording one every interval of its clock.  Such a
 * source may also go back (a seek): it calls feed->rewind(), and the loop
 * empties the model, the job and what sinks remember, before the source
 * replays from its start, quickly and quietly, up to the point asked for.
 *
 * Errors.  A remote failure (timeout, refused, garbage, HTTP 500) is a node
 * status, never an error of the source.  step() and tick() return a
 * negative SOURCE_E* code only for what must end the run: out of memory,
 * a recording that is corrupt or unreadable; *why then holds one line
 * (static or owned by the source until close).
 *
 * Ownership.  The loop owns every source: it makes them, passes them to no
 * one else, and closes each with ops->close() (which frees it; pending
 * callbacks are dropped).  Anything borrowed in a call (raw text, why,
 * pollfds) is valid until that call returns.
 */
#ifndef DOPTOP_SOURCE_H
#define DOPTOP_SOURCE_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include "err.h"
#include "node_state.h"
#include "procs.h"
#include "sample.h"

enum source_err {
	SOURCE_ENOMEM   = ERR_SOURCE_BASE - 1,   /* out of memory: the run ends */
	SOURCE_EIO      = ERR_SOURCE_BASE - 2,   /* a local read failed (see *why) */
	SOURCE_EFORMAT  = ERR_SOURCE_BASE - 3,   /* a recording or local file is corrupt */
};

/* step() results besides errors. */
#define SOURCE_MORE 0        /* keep going */
#define SOURCE_END  1        /* no event will ever come again (a
                              * recording's end): the loop writes the
                              * last block, then stops or holds the screen */

enum source_clock { SOURCE_CLOCK_MONO, SOURCE_CLOCK_OWN };

/* A node's status, as a source knows it. */
struct source_status {
	enum conn_state state;
	const char *why;            /* one line; "" when up; borrowed */
	double   since;             /* source clock: when this state began */
	unsigned reconnects;        /* successful reconnects after the first */
	double   retry_at;          /* source clock: the next connection attempt, 0 = none */
	bool     fallback_sh;       /* the node runs the POSIX sh probe */
};

/* Where a source's events go (the loop's side).  Valid for the source's
 * life; the source calls these only from its step() and tick(). */
struct source_feed {
	void *arg;
	/* Node `node` (model index) sampled at t (source clock).  raw: the
	 * probe frame the sample was parsed from, or NULL when the source has
	 * none (e.g. metrics from an HTTP server); borrowed until return. */
	void (*frame)(void *arg, size_t node, double t, const struct sample *s,
	              const char *raw, size_t rawlen);
	/* Node `node`'s status now (its fields borrowed until return).  A
	 * source may repeat an unchanged status; the model ignores it. */
	void (*status)(void *arg, size_t node, const struct source_status *st);
	/* Node facts text (facts.h) read at t (source clock: when the node
	 * read it); procs/disks: which parts it holds.  Borrowed until return. */
	void (*facts)(void *arg, size_t node, double t, const char *text, size_t len,
	              bool procs, bool disks);
	/* The job's figures at t (a recording's J record). */
	void (*job)(void *arg, double t, const char *text, size_t len);
	/* SOURCE_CLOCK_OWN only: a tick at t (every sink gets a block);
	 * quiet: part of a seek (sinks update what they remember but write,
	 * draw and run nothing). */
	void (*tick)(void *arg, double t, bool quiet);
	/* SOURCE_CLOCK_OWN only: the source starts again from its beginning
	 * (a seek back): forget every node's state, rates and history. */
	void (*rewind)(void *arg);
};

/* Where a recording's replay stands (ops->position), for the screen. */
struct source_pos {
	double first;               /* the recording's first time (its clock) */
	double now;                 /* the last tick shown, or first before one */
	double end;                 /* its last time, or < 0 while not known */
	double speed;               /* 0 = as fast as possible */
	bool   paused;
	bool   at_end;              /* every record was replayed */
	bool   seeking;             /* a seek is being replayed */
	bool   can_back;            /* it can go back (not standard input) */
};

/* Which slow node facts the local and SSH sources fetch (facts.h). */
struct source_facts {
	const char *job_cmd;        /* --job-cmd: the job's processes, or NULL */
	bool disks;                 /* local disks (there are inputs to place) */
};

/* What the user can ask a source to do (the screen's keys, through the
 * loop); a source that cannot returns -1.  Replay navigation: SOURCE_STEP
 * goes arg (+1 / -1) ticks from the one shown and pauses; SOURCE_SEEK's
 * argument is a time on the source's clock (the last tick at or before
 * it is shown); SOURCE_SPEED sets the pace (0 = as fast as possible). */
enum source_ctl { SOURCE_PAUSE, SOURCE_RESUME, SOURCE_STEP, SOURCE_SEEK,
                  SOURCE_INTERVAL,  /* a new interval (seconds): the loop's
                                     * ticks take it; live sources may */
                  SOURCE_RETRY,     /* retry node <arg>'s connection now */
                  SOURCE_SPEED
};

/* A node's top processes arrived: rows (n of them, copied by the
 * callee), or n < 0 when they cannot be had. */
typedef void (*source_procs_fn)(void *arg, size_t node, const struct proc_row *rows,
                                int n);

struct source;

struct source_ops {
	const char *name;           /* "ssh", "local", "replay", ...: debug log */
	enum source_clock clock;
	/* SOURCE_CLOCK_OWN only: the source's clock now (loop_now is the
	 * monotonic clock, for sources that pace themselves by it). */
	double (*now)(const struct source *s, double loop_now);
	/* Append at most cap pollfds (fd, events) to pf; return how many.
	 * Lower *deadline (monotonic) to when step() must run without I/O. */
	size_t (*fill_pollfds)(struct source *s, struct pollfd *pf, size_t cap,
	                       double *deadline);
	/* Advance: pf/n are the pollfds this source filled, revents set by
	 * poll() (all 0 on a timer wake-up); now is monotonic.  Returns
	 * SOURCE_MORE, SOURCE_END or a negative SOURCE_E* with *why. */
	int (*step)(struct source *s, const struct pollfd *pf, size_t n, double now,
	            const char **why);
	/* The interval's tick at t (source clock).  NULL: nothing to do.
	 * Returns 0 or a negative SOURCE_E* with *why. */
	int (*tick)(struct source *s, double t, const char **why);
	/* Ask for node's top processes; fn is called later, from step() (or
	 * at once).  NULL, or a negative return: the source cannot (a
	 * replay), and the loop tells the screen so. */
	int (*procs)(struct source *s, size_t node, source_procs_fn fn, void *arg);
	/* A user request (see enum source_ctl).  NULL: none understood.
	 * 0, or -1 when this source cannot do it. */
	int (*control)(struct source *s, enum source_ctl c, double arg);
	/* SOURCE_CLOCK_OWN only, may be NULL: where the replay stands. */
	void (*position)(const struct source *s, struct source_pos *p);
	/* Stop, free, drop pending callbacks.  Never NULL. */
	void (*close)(struct source *s);
};

/* Every source begins with this (C's "base class"): a concrete source is
 * a struct whose first member is a struct source. */
struct source {
	const struct source_ops *ops;
	const struct source_feed *feed;   /* set by the source's constructor */
};

/* The sources in this tree (src/source_*.c).  nodes: the model indices the
 * source owns (copied).  Each returns NULL with one line in *why. */
struct node_spec;    /* nodespec.h */
struct ssh_opts;     /* ssh_conn.h */
struct ssh_conn;

/* This machine through libproc2, sampled at each tick.  want_raw: also
 * build the probe frame (for --record), so what is recorded is exactly
 * what is shown. */
struct source *source_local_new(const struct source_feed *feed, const size_t *nodes,
                                size_t n, bool want_raw, const struct source_facts *facts,
                                const char **why);
/* One SSH connection per node (specs: the model's node specs, by model
 * index), opened at most SSH_MAX_CONNECTING at a time. */
struct source *source_ssh_new(const struct source_feed *feed,
                              const struct node_spec *specs, const size_t *nodes,
                              size_t n, const struct ssh_opts *so,
                              const struct source_facts *facts, const char **why);
/* The connection of model node `node` (NULL before it is opened or when
 * the node is not this source's), for counting on it (job.h). */
struct ssh_conn *source_ssh_conn(struct source *s, size_t node);
/* A connection to dest that is no watched node, just for counting. */
struct ssh_conn *source_ssh_extra(struct source *s, const char *dest, const char **why);
/* Prometheus and node_exporter over HTTP: source_prom.h.
 * --replay FILE: the recording's node names go to nodes and its interval
 * to *interval; frames are paced at speed (0 = as fast as possible).
 * navigate: the user may seek (a screen): the recording's end is looked
 * for in the background, for the position shown. */
struct node_list;
struct source *source_replay_new(const struct source_feed *feed, const char *path,
                                 double speed, bool navigate, struct node_list *nodes,
                                 double *interval, const char **why);

#endif
