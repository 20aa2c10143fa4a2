/*
 * events.h — what changed that someone not watching the screen wants to
 * hear about: the job stalled, resumed or is done; a node went down, came
 * back up or restarted; a node's (stable, after hysteresis) verdict changed.
 *
 * events_scan() compares the model and the job's progress with what it saw
 * last time and returns the new events.  Pure: no I/O, no clock reads,
 * no curses, no libssh2.  The JSON line and the text line are written by
 * events_json()/events_text(); running the user's --on-event command is
 * hook.h's job.
 *
 * Contract words (event names): "stalled", "resumed", "done", "down", "up",
 * "restarted", "verdict".
 */
#ifndef DOPTOP_EVENTS_H
#define DOPTOP_EVENTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "model.h"
#include "progress.h"

enum event_kind { EV_STALLED = 0, EV_RESUMED, EV_DONE, EV_DOWN, EV_UP, EV_RESTARTED,
                  EV_VERDICT, EV_COUNT };

/* Events one scan can return at most (more are dropped and counted). */
#define EVENTS_MAX 64
/* Events the screen's panel remembers. */
#define EVENTS_RECENT 4

struct event {
	enum event_kind kind;
	double t;                 /* unix time */
	char node[64];            /* "" for job events; sanitised */
	char state[24];           /* node state word (down/up) */
	enum verdict from, to;    /* EV_VERDICT */
	enum cause cause;         /* EV_VERDICT: the new cause */
	uint64_t done, total;     /* job events; total 0 = unknown */
	bool has_total;
	char detail[200];         /* one line for people; sanitised */
};

struct events;

/* Memory for n nodes.  NULL when out of memory.  Caller frees. */
struct events *events_new(size_t n);
void events_free(struct events *e);

/* Compare with the last scan.  pv: the job's progress, or NULL without a
 * job (or before its first count).  Writes up to max events to out and
 * returns how many.  The first scan only takes a baseline for the nodes
 * (a node that is down at start is not an event); a job that is already
 * done at its first count is reported once. */
int events_scan(struct events *e, const struct model *m, const struct progress_view *pv,
                double wall, struct event *out, int max);

/* True once a "done" event was returned. */
bool events_done(const struct events *e);

/* The event's name (contract word). */
const char *event_name(enum event_kind k);

/* One {"type":"event",...} line (flushed). */
void events_json(FILE *f, const struct event *ev);
/* One "event NAME NODE: detail" line. */
void events_text(FILE *f, const struct event *ev);
/* A short form for the screen: "23:14 n1 down (connection lost)". */
void events_short(const struct event *ev, char *buf, size_t cap);

/* Keep ev in the panel's ring of the last EVENTS_RECENT. */
void events_remember(struct events *e, const struct event *ev);
/* The panel line: the last events, newest first, " | " between;
 * "" when none. */
void events_recent_line(const struct events *e, char *buf, size_t cap);

#endif
