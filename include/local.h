/*
 * local.h — sample this machine without SSH.
 *
 * /proc/stat, diskstats, meminfo and loadavg through libproc2 (reap/select,
 * which re-read the files on every call; the *_get calls would cache for
 * up to a second), /proc/pressure files, /proc/net/dev and /proc/vmstat read
 * directly and parsed by parse.h.
 */
#ifndef DOPTOP_LOCAL_H
#define DOPTOP_LOCAL_H

#include "sample.h"

struct local_sampler;

/* New sampler; NULL with a reason in *why when libproc2 cannot start.
 * Caller frees with local_free(). */
struct local_sampler *local_new(const char **why);
void local_free(struct local_sampler *l);
/* Take a fresh sample now (sample.t from CLOCK_MONOTONIC, wall from
 * CLOCK_REALTIME).  0, or negative when /proc/stat could not be read. */
int local_sample(struct local_sampler *l, struct sample *out);
/* Read the same files as the remote probe into one protocol frame (for
 * --record of the local node).  Returns its length, or -1 if cap is too
 * small. */
int local_frame(char *buf, size_t cap, unsigned long long seq, double t);

#endif
