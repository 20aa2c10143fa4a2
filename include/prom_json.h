/*
 * prom_json.h — answers of the Prometheus HTTP API (/api/v1/...), parsed.
 *
 * The API answers JSON:
 *
 *   {"status":"success","data":{"resultType":"vector","result":[
 *      {"metric":{"__name__":"node_load1","instance":"n1:9100"},
 *       "value":[1764133543.123,"0.52"]}, ...]}}
 *   {"status":"error","errorType":"bad_data","error":"parse error ..."}
 *
 * prom_json_vector() checks the whole shape, every label and every number
 * (the value is a string holding a Go float), and calls back once per
 * series with the labels in a struct expo_sample (name = the "__name__"
 * label or ""), so the code that maps node_exporter metrics serves both
 * the API and a node_exporter's /metrics.
 *
 * A streaming walk over the body, no document tree: jansson's tree of a
 * 140,000-series answer (14 metrics x 10,000 instances, 18 MB) took 4.4 s
 * and 165 MB here, more than the whole budget of a 10,000-node fleet.
 * Nesting is capped at PROM_JSON_MAX_DEPTH.  A body larger than
 * PROM_JSON_MAX_BODY, a series with more than EXPO_MAX_LABELS labels or a
 * label longer than PROM_JSON_MAX_LABEL fails the whole answer: a broken
 * or hostile server is a clear error, never a crash.
 * Pure: no curses, no libssh2, no curl.
 */
#ifndef DOPTOP_PROM_JSON_H
#define DOPTOP_PROM_JSON_H

#include <stddef.h>
#include "expo.h"

/* 10,000 instances x 8 CPU modes x ~110 bytes a series is ~9 MB. */
#define PROM_JSON_MAX_BODY  (64 * 1024 * 1024)
#define PROM_JSON_MAX_LABEL 1024
#define PROM_JSON_MAX_DEPTH 32

enum prom_json_err {
	PROMJ_ESYNTAX = ERR_PROMJ_BASE - 1,   /* not JSON */
	PROMJ_ESHAPE  = ERR_PROMJ_BASE - 2,   /* JSON, but not the API's answer shape */
	PROMJ_ESERVER = ERR_PROMJ_BASE - 3,   /* "status":"error": the server refused */
	PROMJ_ENUMBER = ERR_PROMJ_BASE - 4,   /* a value that is not a number */
	PROMJ_ETOOBIG = ERR_PROMJ_BASE - 5,   /* past a cap */
	PROMJ_ESTOP   = ERR_PROMJ_BASE - 6,   /* the callback asked to stop */
};

/* Walk an instant-query answer of resultType "vector": fn per series
 * (s borrowed until fn returns; s->value is the sample value; *ts_out,
 * if given, gets the evaluation time of the last series).  On
 * PROMJ_ESERVER/ESHAPE, why (cap bytes, may be NULL) gets the server's
 * message or what was wrong, unsanitised.  0 or a PROMJ_E* code. */
int prom_json_vector(const char *body, size_t len, expo_sample_fn fn, void *arg,
                     char *why, size_t cap);

/* The largest scrape_interval in a /api/v1/status/config answer (the
 * global one and every job's), in seconds.  0, or a PROMJ_E* code
 * (PROMJ_ESHAPE when the YAML names none). */
int prom_json_scrape_interval(const char *body, size_t len, double *secs);

/* A Prometheus duration ("15s", "1m30s", "500ms", "1h") in seconds.
 * 0 or -1. */
int prom_duration(const char *s, size_t n, double *secs);

#endif
