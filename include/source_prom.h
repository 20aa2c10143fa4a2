/*
 * source_prom.h — two HTTP sources (source.h) for fleets that already run
 * node_exporter:
 *
 *  - Prometheus (--prometheus URL): the nodes are the instances of the
 *    server's node_exporter targets.  Each interval a round of five
 *    instant queries (PROM_NQUERIES, whatever the number of nodes) asks
 *    for the raw counters summed per instance -- CPU seconds by mode, the
 *    core count, the scalars, disks and networks, and `up` -- and each
 *    node's answers become one probe frame (node_metrics.h) stamped with
 *    the node's own clock (node_time_seconds), so rates are irate()s over
 *    the two newest scrapes, computed by the same rates.c as SSH's.  A
 *    scrape not newer than the last one gives no frame.
 *  - node_exporter (--nodes http://host:9100, or --nodes-exporter): one
 *    GET of /metrics per node and interval.
 *
 * A server that is down, slow (no answer within the timeout), answers an
 * HTTP error, refuses a query or answers garbage puts every node in state
 * "down" with the reason; a target Prometheus itself sees down (up == 0)
 * is "down" too.  Never a crash, never a stall: every answer is capped
 * (prom_json.h, expo.h) and every request times out.
 */
#ifndef DOPTOP_SOURCE_PROM_H
#define DOPTOP_SOURCE_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include "source.h"

#define PROM_NQUERIES 5

struct node_list;
struct node_spec;

struct prom_opts {
	const char *url;            /* server base URL, e.g. http://prom:9090 */
	const char *selector;       /* e.g. '{job="node"}', or NULL */
	double interval;            /* seconds between rounds */
};

/* Start-up, blocking (at most ~10 s): read the server's scrape interval
 * and its node_exporter instances; keep those matching any of the npat
 * glob patterns (all when npat is 0), sorted, as nodes (appended to
 * *nodes).  0, or -1 with one line in why. */
int prom_discover(const struct prom_opts *po, const char *const *pat, size_t npat,
                  struct node_list *nodes, double *scrape_s, char *why, size_t cap);

/* The Prometheus source for model nodes `nodes` (specs by model index:
 * the instance is the spec's name). */
struct source *source_prom_new(const struct source_feed *feed,
                               const struct node_spec *specs, const size_t *nodes,
                               size_t n, const struct prom_opts *po, const char **why);

/* The node_exporter source: spec url (or http://host:9100/metrics). */
struct source *source_exporter_new(const struct source_feed *feed,
                                   const struct node_spec *specs, const size_t *nodes,
                                   size_t n, double interval, const char **why);

/* The /metrics URL of an exporter node spec name ("http://h:9100" ->
 * "http://h:9100/metrics"; a bare "host" -> "http://host:9100/metrics").
 * Length, or -1 when it does not fit. */
int prom_exporter_url(const char *name, char *buf, size_t cap);

#endif
