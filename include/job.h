/*
 * job.h — the job's progress: counts finished items (--done) and the job's
 * size (--todo / --total), locally on a worker thread (so a million-file
 * count never stalls the screen) or on an SSH node through an extra exec
 * channel on its existing session, at a cadence that keeps counting under
 * ~2% of the time, and feeds progress.h.
 */
#ifndef DOPTOP_JOB_H
#define DOPTOP_JOB_H

#include <stdbool.h>
#include <stdio.h>
#include "classify.h"
#include "cli.h"
#include "insize.h"
#include "progress.h"
#include "ssh_conn.h"

enum job_target { JT_DONE = 0, JT_TODO, JT_INPUTS, JT_COUNT };

struct job;

/* Split "[DEST:]DIR" into an SSH destination (NULL when none) and a
 * directory, both malloc'd (caller frees).  A ':' counts only before the
 * first '/'.  0, or -1 with a reason in *why. */
int job_split_target(const char *arg, char **dest, char **dir, const char **why);

/* New job from the options (NULL job and 0 when --done is not given).
 * Returns 0 or -1 with a one-line reason in *why. */
int job_new(const struct options *o, struct job **out, const char **why);
void job_free(struct job *j);

/* The SSH destination a target counts on, or NULL for a local count /
 * no such target.  The app connects to it (or reuses a node's connection)
 * and hands the connection over with job_set_conn(). */
const char *job_dest(const struct job *j, enum job_target t);
void job_set_conn(struct job *j, enum job_target t, struct ssh_conn *c);

/* Descriptor that becomes readable when a local count finishes. */
int job_wake_fd(const struct job *j);
/* Start counts that are due and take in finished ones.  now: monotonic
 * seconds; wall: unix time; nodes_up: any node streaming (for stalls). */
void job_step(struct job *j, double now, double wall, bool nodes_up);
/* Monotonic time of the next count due. */
double job_deadline(const struct job *j);

/* What to show.  Returns false before the first successful count. */
bool job_view(const struct job *j, struct progress_view *v);
/* Unix time of the last successful count of done items (0 = never). */
double job_counted_at(const struct job *j);
/* "local" or the destination counted on. */
const char *job_source(const struct job *j);
/* The last counting error ("" when none), sanitised. */
const char *job_error(const struct job *j);
/* A hint about the count ("" when none): a --done-glob that matches no
 * file of a directory that has files. */
const char *job_note(const struct job *j);
/* True when the last attempt to count failed for a reason other than a
 * connection still being opened (for the --once/--count exit status). */
bool job_failing(const struct job *j);
/* The progress state, for the sparkline (borrowed). */
const struct progress *job_progress(const struct job *j);

/* The cluster's headroom (model_cluster()) and what would have to go away
 * (classify_if_gone()), for the best-case rate and ETA; copied. */
void job_set_headroom(struct job *j, const struct headroom *h, const char *if_gone);
/* The best-case rate and ETA: false when the headroom or the ETA is unknown. */
bool job_best(const struct job *j, double *rate, double *eta_s);

/* The inputs' size (--inputs, else the --todo DIR): false before the first
 * measurement.  remaining_B: (total - done) x mean size, < 0 unknown. */
bool job_inputs(const struct job *j, struct insize *in, double *remaining_B);
/* Bumped whenever a count or measurement is taken in (for recordings). */
unsigned job_generation(const struct job *j);
/* The job's figures as "key=value" lines (a J record), and a job made
 * from such records when replaying (no counting of its own).  job_feed()
 * takes one record's text at recording time t; 0 or -1 if malformed. */
size_t job_snapshot(const struct job *j, char *buf, size_t cap);
int job_new_replay(const struct options *o, struct job **out);
int job_feed(struct job *j, double t, const char *text, size_t len, bool nodes_up);

/* True for a job fed from a recording; its clock (unix time) is the
 * recording's, set by the replay loop. */
bool job_is_replay(const struct job *j);
void job_set_replay_now(struct job *j, double t);
double job_replay_now(const struct job *j);

/* What would have to go away for the best case ("" when nothing). */
const char *job_if_gone(const struct job *j);

#endif
