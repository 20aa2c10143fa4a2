/*
 * app.h — the main loop: owns every source (local sampler, SSH
 * connections, replay) and sink (screen, batch/JSON, recorder), and is the
 * only place that blocks (in poll()).
 */
#ifndef DOPTOP_APP_H
#define DOPTOP_APP_H

#include "cli.h"

/* Run until the count is reached, the user quits, or a signal.  Returns
 * the process exit code (0 ok, 1 runtime failure). */
int app_run(struct options *o);

#endif
