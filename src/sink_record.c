/* sink_record.c — --record FILE as a sink (sink.h): every frame that has
 * raw text, node facts (X), the job's figures (J), node status changes (S)
 * and ticks (T), each stamped once, with the time the model got it. */
#include <stdio.h>
#include <stdlib.h>
#include "job.h"
#include "record.h"
#include "sink.h"

/* Room for the job's figures (job_snapshot()). */
#define JOB_SNAPSHOT_MAX 1024

struct sink_record {
	struct sink base;
	struct recorder *rec;
	const char *path;
	char why[TEXT_LINE_MAX + 300];
};

/* A record was not written: the file failed (a full disk: the run ends),
 * or this one record was bad (not the file's fault: go on). */
static int failed(struct sink_record *r, const char **why)
{
	const char *e = recorder_error(r->rec);
	if (!e)
		return 0;
	snprintf(r->why, sizeof r->why, "cannot write the recording '%s': %s", r->path, e);
	*why = r->why;
	return SINK_EIO;
}

static int record_frame(struct sink *k, const struct sink_view *v, size_t node,
                        const char *raw, size_t rawlen, const char **why)
{
	struct sink_record *r = (struct sink_record *)k;
	if (!raw || !r->rec || recorder_frame(r->rec, (int)node, v->wall, raw, rawlen) == 0)
		return 0;
	return failed(r, why);
}

static int record_facts(struct sink *k, const struct sink_view *v, size_t node,
                        const char *text, size_t len, bool procs, bool disks,
                        double t_read, const char **why)
{
	struct sink_record *r = (struct sink_record *)k;
	if (!r->rec ||
	    recorder_facts(r->rec, (int)node, v->wall, procs, disks, t_read, text, len) == 0)
		return 0;
	return failed(r, why);
}

static int record_job(struct sink *k, const struct sink_view *v, const char **why)
{
	struct sink_record *r = (struct sink_record *)k;
	char buf[JOB_SNAPSHOT_MAX];
	if (!r->rec || !v->job)
		return 0;
	size_t n = job_snapshot(v->job, buf, sizeof buf);
	if (recorder_job(r->rec, v->wall, buf, n) == 0)
		return 0;
	return failed(r, why);
}

/* A node's status changed in the model: what it is now. */
static int record_status(struct sink *k, const struct sink_view *v, size_t node,
                         const char **why)
{
	struct sink_record *r = (struct sink_record *)k;
	const struct node *nd = &v->m->nodes[node];
	if (!r->rec || recorder_status(r->rec, (int)node, v->wall, conn_state_name(nd->state),
	                               nd->since, nd->reconnects, nd->fallback_sh, nd->retry_at,
	                               nd->why) == 0)
		return 0;
	return failed(r, why);
}

/* A block was written: its tick. */
static int record_tick(struct sink *k, const struct sink_view *v, const char **why)
{
	struct sink_record *r = (struct sink_record *)k;
	if (!r->rec || recorder_tick(r->rec, v->wall) == 0)
		return 0;
	return failed(r, why);
}

/* The run ended normally: close, and say so if the last bytes did not
 * reach the disk. */
static int record_end(struct sink *k, const struct sink_view *v, const char **why)
{
	struct sink_record *r = (struct sink_record *)k;
	(void)v;
	if (!r->rec)
		return 0;
	int rc = failed(r, why);
	if (recorder_close(r->rec) < 0 && rc == 0) {
		snprintf(r->why, sizeof r->why, "cannot write the recording '%s'", r->path);
		*why = r->why;
		rc = SINK_EIO;
	}
	r->rec = NULL;
	return rc;
}

static void record_free(struct sink *k)
{
	struct sink_record *r = (struct sink_record *)k;
	recorder_close(r->rec);
	free(r);
}

static const struct sink_ops record_ops = {
	.name = "record", .frame = record_frame, .status = record_status, .facts = record_facts,
	.job = record_job, .tick = record_tick, .end = record_end, .free = record_free,
};

struct sink *sink_record_new(const char *path, double interval,
                             const char *const *names, size_t n,
                             unsigned long long max_bytes, const char **why)
{
	struct sink_record *r = calloc(1, sizeof *r);
	if (!r) {
		*why = "out of memory";
		return NULL;
	}
	r->base.ops = &record_ops;
	r->path = path;
	r->rec = recorder_open(path, DOPTOP_VERSION, interval, names, (int)n, why);
	if (!r->rec) {
		free(r);
		return NULL;
	}
	if (recorder_limit(r->rec, max_bytes) < 0) {
		*why = "bad --record-max";
		recorder_close(r->rec);
		free(r);
		return NULL;
	}
	return &r->base;
}
