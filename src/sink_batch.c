/* sink_batch.c — --batch text blocks and --json lines as a sink (sink.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "out_batch.h"
#include "out_progress.h"
#include "sink.h"

struct sink_batch {
	struct sink base;
	FILE *f;
	bool  json;
	char  why[TEXT_LINE_MAX];
};

/* Flush and look for a write error.  A reader that went away (EPIPE:
 * `doptop --json | head -3`) ends the run quietly: the output was taken
 * as far as it was wanted.  errno was cleared before the writes. */
static int checked(struct sink_batch *b, const char **why)
{
	if (fflush(b->f) == 0 && !ferror(b->f))
		return 0;
	if (errno == EPIPE)
		return SINK_QUIT;
	snprintf(b->why, sizeof b->why, "write error on standard output: %s",
	         strerror(errno ? errno : EIO));
	*why = b->why;
	return SINK_EIO;
}

/* One block stamped with the tick's nominal unix time. */
static int batch_tick(struct sink *k, const struct sink_view *v, const char **why)
{
	struct sink_batch *b = (struct sink_batch *)k;
	errno = 0;
	if (b->json) {
		out_json_block(b->f, v->m, v->wall, v->now);
		if (v->job)
			out_progress_json(v->job, b->f, v->wall);
	} else {
		out_text_block(b->f, v->m, v->wall, v->now, v->interval);
		if (v->job)
			out_progress_text(v->job, b->f);
	}
	return checked(b, why);
}

static void batch_free(struct sink *k)
{
	free(k);
}

static const struct sink_ops batch_ops = {
	.name = "batch", .tick = batch_tick, .free = batch_free,
};

struct sink *sink_batch_new(FILE *f, bool json, const char **why)
{
	struct sink_batch *b = calloc(1, sizeof *b);
	if (!b) {
		*why = "out of memory";
		return NULL;
	}
	b->base.ops = &batch_ops;
	b->f = f;
	b->json = json;
	return &b->base;
}
