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

struct ssh_aux;

/* Queue cmd on the list (it starts on the next ssh_aux_run).  fn is called
 * exactly once: with the exit status, or -1 if the channel failed or the
 * list was cancelled.  0, -2 when SSH_AUX_MAX are in flight, -3 on OOM. */
int ssh_aux_add(struct ssh_aux **list, const char *cmd, size_t cap,
                ssh_aux_fn fn, void *arg);
/* Advance every command on s without blocking; finished ones call fn and
 * are freed.  True when there was any command (libssh2 may have read). */
bool ssh_aux_run(struct ssh_aux **list, LIBSSH2_SESSION *s);
/* Call fn(-1) for every pending command and free them (before the session
 * is freed). */
void ssh_aux_cancel(struct ssh_aux **list);

#endif
