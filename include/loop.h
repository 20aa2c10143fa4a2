/*
 * loop.h — the one poll() loop: makes the sources (source.h) and sinks
 * (sink.h) the options ask for, feeds every source's frames and statuses
 * into the model, ticks once per interval on the sources' clock, and hands
 * the model to every sink.  The only place that blocks; it owns the
 * descriptor layout, the signals and the exit status.
 */
#ifndef DOPTOP_LOOP_H
#define DOPTOP_LOOP_H

#include "cli.h"

/* Exit status of --once / --count when, at the end, a node was not up, or
 * the job was stalled or could not be counted (a contract: documented in
 * --help, doptop.1 and README). */
#define LOOP_EXIT_DEGRADED 3

/* Run until the count is reached, the user quits, a signal, the end of a
 * recording (batch) or a failure.  Returns the process exit status: 0,
 * 1 after a local failure (out of memory, a write error on stdout or on
 * the recording: "doptop: <why>" on stderr), 2 for options that cannot
 * work together (a one-line message too), LOOP_EXIT_DEGRADED. */
int loop_run(struct options *o);

/* End the run after the current pass with exit status code; why (copied;
 * NULL = none) is printed as "doptop: <why>" once the terminal is
 * restored.  The first call wins.  Safe in a signal handler with why
 * NULL. */
void loop_stop(int code, const char *why);

#endif
