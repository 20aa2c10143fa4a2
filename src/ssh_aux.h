/*
 * ssh_aux.h — private to ssh_conn.c: extra exec channels on a live session
 * (ssh_conn_aux_exec), each collecting capped stdout until the command exits.
 */
#ifndef DOPTOP_SSH_AUX_H
#define DOPTOP_SSH_AUX_H

#include <stdbool.h>
#include <stddef.h>
#include <libssh2.h>
#include "ssh_conn.h"

#define SSH_AUX_MAX     8           /* commands in flight per node */
#define SSH_AUX_MAX_CAP (4u << 20)  /* stdout kept per command */
/* Seconds a command may run before its channel is closed and fn gets -1:
 * a `ps` stuck on a hung /proc read or a count on a dead NFS mount must
 * not hold one of the SSH_AUX_MAX slots for ever.  Counting a very large
 * tree over a slow disk is the longest legitimate command seen. */
#define SSH_AUX_TIMEOUT 120.0

struct ssh_aux;

/* Queue cmd on the list (it starts on the next ssh_aux_run).  fn is called
 * exactly once: with the exit status, or -1 if the channel failed, timed
 * out (after timeout s from now) or the list was cancelled.  0, -2 when
 * SSH_AUX_MAX are in flight, -3 on OOM. */
int ssh_aux_add(struct ssh_aux **list, const char *cmd, size_t cap, double now,
                double timeout, ssh_aux_fn fn, void *arg);
/* Advance every command on s without blocking; finished and timed-out
 * ones call fn and are freed.  True when there was any command (libssh2
 * may have read). */
bool ssh_aux_run(struct ssh_aux **list, LIBSSH2_SESSION *s, double now);
/* The earliest timeout on the list (a large value when empty). */
double ssh_aux_deadline(const struct ssh_aux *list);
/* Call fn(-1) for every pending command and free them (before the session
 * is freed). */
void ssh_aux_cancel(struct ssh_aux **list);

#endif
