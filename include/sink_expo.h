/*
 * sink_expo.h — doptop's verdicts and job progress for Prometheus (sink.h).
 *
 * At every tick the sink renders the model in the text exposition format
 * (expo.h):
 *
 *   doptop_node_up{node}                      1 when the node is up
 *   doptop_verdict{node,verdict,cause}        1 (an "info" metric)
 *   doptop_headroom{node}                     upper bound on the speed-up,
 *                                             only where it is known
 *   doptop_job_done, doptop_job_total, doptop_job_rate_per_second,
 *   doptop_job_eta_seconds, doptop_job_stalled  with --done (total and ETA
 *                                             only when known; the total is
 *                                             typed counter: the format
 *                                             keeps _total for counters)
 *
 * and hands it out two ways:
 *   --textfile DIR   writes DIR/doptop.prom through a temporary file and a
 *                    rename, so node_exporter's textfile collector never
 *                    reads half a file;
 *   --listen ADDR:PORT  serves it as /metrics from the loop: a small
 *                    non-blocking HTTP/1.0-style responder (one request per
 *                    connection, request capped at 8 KiB and 5 s, at most
 *                    SINK_EXPO_MAX_CLIENTS at once).  Written here rather
 *                    than with libmicrohttpd: its external-select mode wants
 *                    fd_sets (FD_SETSIZE breaks past 1024 descriptors, and a
 *                    2000-node SSH fleet has more), and the whole job is
 *                    ~150 lines.
 */
#ifndef DOPTOP_SINK_EXPO_H
#define DOPTOP_SINK_EXPO_H

#include "expo.h"
#include "sink.h"

#define SINK_EXPO_MAX_CLIENTS 16

/* A sink for textfile_dir and/or listen (either may be NULL).  NULL with
 * one line in *why (bad address, port in use, directory not writable). */
struct sink *sink_expo_new(const char *textfile_dir, const char *listen, const char **why);

/* Render the model (and job) into b (appended). */
void sink_expo_render(const struct sink_view *v, struct expo_buf *b);

#endif
