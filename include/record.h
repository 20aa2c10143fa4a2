/*
 * record.h — the --record / --replay file format.  Pure stdio.
 *
 * Text, line oriented.  The first line is the header:
 *
 *   #doptop-record 1 version=<doptop version> interval=<seconds> nodes=<a,b,c>
 *
 * then one record per frame received from a node, in arrival order:
 *
 *   F <node index> <receive unix time, e.g. 1764133543.123456> <length>\n
 *   <length bytes: the raw frame, header line to @@END line inclusive>
 *
 * Times are unix seconds from 0 to RECORD_MAX_TIME (the end of year 9999):
 * a record stamped outside that range is corrupt (a stamp like 1e20 has
 * no room for a 0.1 s interval in a double).  Records are in arrival
 * order, but stamps of different nodes may step back a little (a local
 * frame carries its nominal tick time); a reader takes a stamp earlier
 * than the one before it as that one.
 *
 * Since issue 9, two more kinds of record, so that a replay shows the
 * job as it was (progress, input sizes, workers):
 *
 *   X <node index> <unix time> <length>\n<length bytes>
 *       the node's facts (facts.h): a line "<p><d>" ('1'/'0': the process
 *       lines / the disk lines were read), then the facts text
 *   J 0 <unix time> <length>\n<length bytes>
 *       the job's figures (job_snapshot() in job.h), one "key=value" per
 *       line
 *
 * Node names never contain commas or whitespace.  Numbers are written
 * without the process locale, so a file reads the same everywhere.
 * A record longer than FPARSE_MAX_FRAME is corrupt.
 */
#ifndef DOPTOP_RECORD_H
#define DOPTOP_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#define RECORD_FORMAT_VERSION 1
#define RECORD_MAX_NODES      10000  /* as many as --nodes takes */
#define RECORD_MAX_HEADER     (3 * 1024 * 1024)  /* 10,000 names of 255 bytes */
#define RECORD_MAX_TIME       253402300799.0     /* 9999-12-31 23:59:59 UTC */

enum record_err {
	REC_EIO     = -1,  /* open/read/write failed (see errno) */
	REC_EFORMAT = -2,  /* the file is not a doptop recording or is corrupt */
	REC_ENOMEM  = -3,
	REC_EARG    = -4,  /* bad argument (node name with comma/space, index) */
};

struct recorder;
struct replay;

/* Create (truncate) path and write the header.  names: n node names,
 * borrowed.  NULL on failure with a static reason in *why (if why). */
struct recorder *recorder_open(const char *path, const char *version,
                               double interval, const char *const *names,
                               int n, const char **why);
/* Append one frame received from node node_idx at unix time t, then
 * fflush, so a killed doptop loses at most the frame being written.
 * Returns 0 or a negative REC_E* code. */
int recorder_frame(struct recorder *r, int node_idx, double t,
                   const char *raw, size_t len);
/* Append a node's facts text (X) / the job's figures (J), flushed.
 * 0 or a negative REC_E* code. */
int recorder_facts(struct recorder *r, int node_idx, double t, bool procs, bool disks,
                   const char *text, size_t len);
int recorder_job(struct recorder *r, double t, const char *text, size_t len);
/* Flush and close; NULL is a no-op.  Returns 0 or REC_EIO. */
int recorder_close(struct recorder *r);

/* Open a recording and read its header.  NULL on failure with a static
 * reason in *why (if why).  Caller closes with replay_close(). */
struct replay *replay_open(const char *path, const char **why);
/* Header fields; strings are owned by rp and live until replay_close(). */
int replay_nnodes(const struct replay *rp);
const char *replay_node(const struct replay *rp, int idx);  /* NULL if out of range */
double replay_interval(const struct replay *rp);
const char *replay_version(const struct replay *rp);
/* Next record: 1 and the fields (raw borrowed until the next call),
 * 0 at end of file (a truncated last record counts as the end), or a
 * negative REC_E* code for a corrupt file. */
int replay_next(struct replay *rp, int *node_idx, double *t,
                const char **raw, size_t *len);
/* Next record of any kind: 1 with *kind 'F', 'X' or 'J' (J: node_idx 0),
 * 0 at the end, or a negative REC_E* code.  replay_next() is this minus
 * everything but frames. */
int replay_next_any(struct replay *rp, char *kind, int *node_idx, double *t,
                    const char **raw, size_t *len);
/* Close; NULL is a no-op. */
void replay_close(struct replay *rp);

#endif
