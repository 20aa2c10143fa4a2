/*
 * record.h — the --record / --replay file format.  No curses, no libssh2.
 *
 * The text (format 2).  The first line is the header:
 *
 *   #doptop-record 2 version=<doptop version> interval=<seconds> nodes=<a,b,c> ticks=1
 *
 * then one record per event, in arrival order:
 *
 *   <type> <node> <unix time, e.g. 1764133543.123456> <length>\n
 *   <length bytes>
 *
 * type  1 to 15 characters [A-Za-z0-9_], the first a letter.  "F" is a raw
 *       probe frame (header line to @@END line inclusive) received from
 *       node.  A reader skips every type it does not know, so new kinds of
 *       records (job progress, input sizes, process lists) never need a new
 *       format number; a change that old readers would misread does.
 * node  an index into the header's node list, or "-" for a record about
 *       the whole fleet (node -1 below).
 *
 * Types in use (issue 9: a replay shows the job as it was):
 *   F <node>  the raw probe frame, header line to @@END line inclusive
 *   X <node>  the node's facts (facts.h): a line "<p><d> <unix time read>"
 *             (p, d: '1'/'0', the process lines / the disk lines were read),
 *             then the facts text
 *   J -       the job's figures (job_snapshot() in job.h), one "key=value"
 *             per line
 *   S <node>  the node's status changed in the model: a line
 *             "<state> <since> <reconnects> <probe> <retry at>" (state: a
 *             node_state.h word; since, retry at: unix times, 0 = none;
 *             probe: "sh" for the POSIX sh fallback, else "bash"), then
 *             the reason (the node's "why", sanitised, may be empty) and
 *             a newline
 *   T -       a tick: the loop wrote a block; the payload is the block's
 *             time and a newline (the line's stamp too, but a reader moves a stamp that
 *             steps back: a tick handled late comes after later frames).
 *             Everything before it went into that block.
 * A part whose header says ticks=1 (doptop 0.2 on) holds every status
 * change (S) and every tick (T): its replay takes those as they were and
 * gives the live run's output.  Without it (older files) a replay ticks
 * once per interval of the recording's clock and tells states from the
 * frames (up when one came; stale, then down when none came).
 * time  unix seconds from 0 to RECORD_MAX_TIME; a stamp outside is corrupt.
 *       Records are in arrival order, but stamps may step back a little (a
 *       local frame carries its nominal tick time, a wall clock is set
 *       back): a reader takes a stamp earlier than the one before as that
 *       one, so replay always advances.  Stamps are whole microseconds
 *       (record_stamp()); a reader rounds what it reads the same way.
 *
 * A header line may come again between two records: a later doptop run
 * appended to the file, or a rotated file begins.  It must name the same
 * nodes and interval, else the file is corrupt from there on.
 * Node names never contain commas or whitespace.  Numbers are written
 * without the process locale, so a file reads the same everywhere.
 * Format 1 (doptop 0.1) is the same text with "F" records only.
 *
 * The container.  doptop writes the text compressed with zstd:
 *
 *   "#doptop-zst 1\n", then chunks: a 4-byte little-endian word (bits 0-30
 *   the chunk's length, bit 31 set when a new zstd stream starts with this
 *   chunk) and that many bytes of zstd output.
 *
 * Every record is flushed as one chunk, so a killed doptop loses at most the
 * record being written, and every later record still compresses against
 * the earlier ones (a node's frame against its previous frame).  Closing
 * adds a chunk that ends the zstd frame, so the payloads of a cleanly
 * closed stream are a complete zstd stream (tests/lib/rec2text.py prints
 * a recording as text with `zstd -dc`).  A run appending to a file first
 * cuts away a chunk cut off by a kill, then starts a new stream.  Readers
 * also take the bare text (format 1 and 2), a gzip of either kind (e.g.
 * tests/data/fleet.rec.gz) and standard input ("-").
 *
 * Rotation (recorder_limit): when the file reaches an eighth of the cap it
 * becomes FILE.1 (FILE.1 becomes FILE.2, ...), a new FILE begins with the
 * header, and the oldest files are deleted while FILE, FILE.1, ... together
 * exceed the cap.  replay_open(FILE) reads FILE.<highest> ... FILE.1, FILE
 * in that order.
 */
#ifndef DOPTOP_RECORD_H
#define DOPTOP_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include "err.h"

#define RECORD_FORMAT_VERSION 2
#define RECORD_MAX_NODES      10000  /* as many as --nodes takes */
#define RECORD_MAX_HEADER     (3 * 1024 * 1024)  /* 10,000 names of 255 bytes */
#define RECORD_MAX_PAYLOAD    (4 * 1024 * 1024)  /* any record; F: FPARSE_MAX_FRAME */
#define RECORD_MAX_TIME       253402300799.0  /* 9999-12-31 23:59:59 UTC: a stamp
                                                * like 1e20 has no room for a
                                                * 0.1 s interval in a double */
#define RECORD_MAX_TYPE       15
#define RECORD_MIN_CAP        (1024 * 1024)  /* smallest --record-max */
#define RECORD_MAX_ROTATED    999    /* FILE.1 .. FILE.999 */

enum record_err {
	REC_EIO     = ERR_REC_BASE - 1,  /* open/read/write failed (see errno) */
	REC_EFORMAT = ERR_REC_BASE - 2,  /* not a doptop recording, or corrupt */
	REC_ENOMEM  = ERR_REC_BASE - 3,
	REC_EARG    = ERR_REC_BASE - 4,  /* bad argument (name with comma/space, index) */
};

struct recorder;
struct replay;

/* t as a recording stores it: rounded to whole microseconds, so that a
 * time written and read back is the same double (the loop stamps the
 * model's clock with it, live and replayed). */
double record_stamp(double t);

/* One record read back.  data is borrowed until the next replay call. */
struct rec_item {
	char type[RECORD_MAX_TYPE + 1];
	int node;              /* index into the node list, or -1 (whole fleet) */
	double t;              /* unix time */
	const char *data;
	size_t len;
};

/* Create path (never following a symbolic link; mode 0600) and write the
 * header, or append to an existing regular file that is a format-2
 * recording of the same nodes and interval.  names: n node names,
 * borrowed.  NULL on failure with a static reason in *why (if why). */
struct recorder *recorder_open(const char *path, const char *version,
                               double interval, const char *const *names,
                               int n, const char **why);
/* Keep path and its rotated files FILE.1, FILE.2, ... within max_bytes in
 * all (0 = no cap; else at least RECORD_MIN_CAP).  0 or REC_EARG. */
int recorder_limit(struct recorder *r, unsigned long long max_bytes);
/* Append one record of a type (see the format above; node -1 = the whole
 * fleet) stamped t, and flush it to the file.  After a failed write the
 * recorder stays failed: every later call returns the same code.
 * Returns 0 or a negative REC_E* code. */
int recorder_put(struct recorder *r, const char *type, int node, double t,
                 const void *data, size_t len);
/* recorder_put() of an "F" record: a frame received from node node_idx. */
int recorder_frame(struct recorder *r, int node_idx, double t,
                   const char *raw, size_t len);
/* Append a node's facts text (X) / the job's figures (J).
 * 0 or a negative REC_E* code. */
int recorder_facts(struct recorder *r, int node_idx, double t, bool procs, bool disks,
                   double t_read, const char *text, size_t len);
int recorder_job(struct recorder *r, double t, const char *text, size_t len);
/* Append an S record: node's status as the model now has it (why may be
 * NULL = "").  0 or a negative REC_E* code. */
int recorder_status(struct recorder *r, int node_idx, double t, const char *state,
                    double since, unsigned reconnects, bool fallback_sh, double retry_at,
                    const char *why);
/* Append a T record: the tick whose block is stamped t. */
int recorder_tick(struct recorder *r, double t);
/* Why the recorder failed (static text), or NULL while it works. */
const char *recorder_error(const struct recorder *r);
/* Bytes written to the current file (compressed), for tests and benches. */
unsigned long long recorder_bytes(const struct recorder *r);
/* Flush and close; NULL is a no-op.  Returns 0 or REC_EIO. */
int recorder_close(struct recorder *r);

/* Open a recording ("-" = standard input; FILE with FILE.1 ... beside it =
 * the rotated set, oldest first) and read its header.  NULL on failure with
 * a static reason in *why (if why).  Caller closes with replay_close(). */
struct replay *replay_open(const char *path, const char **why);
/* Header fields; strings are owned by rp and live until replay_close(). */
int replay_nnodes(const struct replay *rp);
const char *replay_node(const struct replay *rp, int idx);  /* NULL if out of range */
double replay_interval(const struct replay *rp);
const char *replay_version(const struct replay *rp);
/* Next record of any type: 1, 0 at the end (a truncated last record counts
 * as the end), or a negative REC_E* code for a corrupt file. */
int replay_next_item(struct replay *rp, struct rec_item *it);
/* Next F, X or J record (other types skipped): 1 with *kind the type
 * (J: node_idx 0), 0 at the end, or a negative REC_E* code. */
int replay_next_any(struct replay *rp, char *kind, int *node_idx, double *t,
                    const char **raw, size_t *len);
/* Next "F" record (others skipped): 1 and the fields (raw borrowed until
 * the next call), 0 at the end, or a negative REC_E* code. */
int replay_next(struct replay *rp, int *node_idx, double *t,
                const char **raw, size_t *len);
/* An S record's payload, parsed (see the format above). */
struct rec_status {
	char     state[24];     /* the state word as written (node_state.h) */
	double   since;         /* unix time, whole microseconds; 0 = none */
	double   retry_at;      /* the same */
	unsigned reconnects;
	bool     fallback_sh;   /* probe "sh" */
	const char *why;        /* the reason, borrowed from the payload */
	size_t   why_len;
};
/* Parse an S payload: 0, or REC_EFORMAT (the record is to be skipped). */
int replay_parse_status(const char *data, size_t len, struct rec_status *st);
/* A T record's time: its payload's, else the line's stamp line_t. */
double replay_tick_time(const char *data, size_t len, double line_t);
/* True while the part being read holds its ticks and status changes
 * (its header says ticks=1; see above).  Changes only where a header
 * comes again (an appended run, a rotated file). */
bool replay_ticks(const struct replay *rp);
/* Why the last call failed (static text), or "" . */
const char *replay_error(const struct replay *rp);
/* Start again from the first record (the files are opened again); 0 or a
 * negative REC_E* code (standard input cannot rewind: REC_EARG). */
int replay_rewind(struct replay *rp);
/* Close; NULL is a no-op. */
void replay_close(struct replay *rp);

#endif
