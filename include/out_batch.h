/*
 * out_batch.h — the non-screen views: --batch text blocks (like top -b)
 * and --json lines (a contract, see README "JSON lines").  Read the model,
 * write to a stdio stream, flush once per block.
 */
#ifndef DOPTOP_OUT_BATCH_H
#define DOPTOP_OUT_BATCH_H

#include <stdio.h>
#include "model.h"

struct progress_view;   /* progress.h, optional (NULL = no progress line) */

/* One --json block: a "node" line per node, then a "cluster" line.  t is
 * unix time (float); now is the monotonic clock for "since" figures. */
void out_json_block(FILE *f, const struct model *m, double t, double now);
/* One --batch text block: a header line, then one line per node. */
void out_text_block(FILE *f, const struct model *m, double t, double now, double interval);
/* Write s as a JSON string literal (with quotes), escaping as needed. */
void out_json_string(FILE *f, const char *s);

#endif
