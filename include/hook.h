/*
 * hook.h — --on-event CMD: run the user's command once per event, with the
 * event's details in environment variables, without ever holding up the
 * loop.
 *
 * Each run is `/bin/sh -c CMD` in its own process group, stdin, stdout and
 * stderr on /dev/null (nothing reaches the screen or the JSON stream), no
 * inherited descriptors.  At most HOOK_MAX_RUNNING run at once; further
 * events wait in a queue of HOOK_MAX_QUEUED (beyond that they are dropped
 * and counted).  A run still going after HOOK_TIMEOUT_S gets SIGTERM, then
 * SIGKILL 2 s later (the whole group).  hook_step() reaps finished runs
 * with waitpid(WNOHANG): no zombies, no signal handler.
 *
 * Environment: DOPTOP_EVENT (event name), DOPTOP_NODE ("" for job events),
 * DOPTOP_STATE, DOPTOP_DETAIL, DOPTOP_TIME (unix time), DOPTOP_VERDICT,
 * DOPTOP_FROM, DOPTOP_CAUSE (verdict events), DOPTOP_DONE, DOPTOP_TOTAL
 * (job events; TOTAL "" when unknown).
 */
#ifndef DOPTOP_HOOK_H
#define DOPTOP_HOOK_H

#include <stdbool.h>
#include "events.h"

#define HOOK_TIMEOUT_S   10.0
#define HOOK_KILL_S      2.0
#define HOOK_MAX_RUNNING 4
#define HOOK_MAX_QUEUED  64

struct hook;

/* A runner for cmd (copied).  NULL when out of memory.  Caller frees. */
struct hook *hook_new(const char *cmd);
/* Free.  wait_s > 0: first give running and queued hooks up to wait_s
 * seconds in all (--exit-when-done must not lose the "done" notice); then
 * runs still going are killed and reaped.  NULL is a no-op. */
void hook_free(struct hook *h, double wait_s);
/* Queue one run for ev (copied); starts it at once when there is room. */
void hook_event(struct hook *h, const struct event *ev, double now);
/* Reap finished runs, signal overdue ones, start queued ones. */
void hook_step(struct hook *h, double now);
/* Monotonic time hook_step() should next run (1e300 when idle). */
double hook_deadline(const struct hook *h);
/* Runs started, failed to start, killed for running too long, dropped. */
struct hook_stats { unsigned started, spawn_failed, killed, dropped, nonzero; };
const struct hook_stats *hook_stats(const struct hook *h);

#endif
