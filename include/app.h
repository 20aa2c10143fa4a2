/*
 * app.h — the main loop: owns every source (local sampler, SSH
 * connections, replay) and sink (screen, batch/JSON, recorder), and is the
 * only place that blocks (in poll()).
 */
#ifndef DOPTOP_APP_H
#define DOPTOP_APP_H

#include "cli.h"

/* Exit status of --once / --count when, at the end, a node was not up, or
 * the job was stalled or could not be counted (a contract: documented in
 * --help, doptop.1 and README). */
#define APP_EXIT_DEGRADED 3

/* Run until the count is reached, the user quits, or a signal.  Returns
 * the process exit code (0 ok, 1 runtime failure, APP_EXIT_DEGRADED). */
int app_run(struct options *o);

#endif
