/*
 * sink_events.h — the events sink (sink.h): on each tick it looks for
 * events (events.h), writes them as JSON or text lines to its stream,
 * keeps the last few for the screen, runs --on-event (hook.h), and with
 * --exit-when-done ends the run (SINK_QUIT) once the job is done.  Its
 * descriptors: none; its deadline: the hook runs' next check.
 */
#ifndef DOPTOP_SINK_EVENTS_H
#define DOPTOP_SINK_EVENTS_H

#include <stdbool.h>
#include <stdio.h>
#include "sink.h"

struct sink_events_opts {
	size_t nodes;             /* model size */
	FILE  *out;               /* event lines go here, or NULL (the screen) */
	bool   json;              /* JSON lines, else "event ..." text */
	const char *on_event;     /* --on-event CMD, or NULL (copied) */
	bool   exit_when_done;
};

/* NULL when out of memory.  Freed by the loop with ops->free(); free
 * waits (at most the hook time limit) for the "done" hook when the run
 * ended because the job was done. */
struct sink *sink_events_new(const struct sink_events_opts *o);
/* The screen's line: the last events, newest first ("" when none). */
void sink_events_recent(const struct sink *k, char *buf, size_t cap);
/* True once the job's "done" event was seen. */
bool sink_events_done(const struct sink *k);

#endif
