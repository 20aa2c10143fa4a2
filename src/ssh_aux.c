/*
 * ssh_aux.c — extra exec channels on a node's session: open, exec, read
 * stdout (capped) and stderr (dropped), close, report the exit status.
 */
#include <stdlib.h>
#include <string.h>
#include <libssh2.h>
#include "ssh_aux.h"

enum aux_phase { AUX_OPEN, AUX_EXEC, AUX_READ, AUX_CLOSE };

struct ssh_aux {
	struct ssh_aux *next;
	LIBSSH2_CHANNEL *ch;
	enum aux_phase phase;
	char *cmd, *out;
	size_t len, cap;
	double deadline;
	ssh_aux_fn fn;
	void *arg;
};

/* Queue a command. */
int ssh_aux_add(struct ssh_aux **list, const char *cmd, size_t cap, double now,
                double timeout, ssh_aux_fn fn, void *arg)
{
	int n = 0;
	for (struct ssh_aux *a = *list; a; a = a->next)
		n++;
	if (n >= SSH_AUX_MAX)
		return -2;
	if (cap > SSH_AUX_MAX_CAP)
		cap = SSH_AUX_MAX_CAP;
	struct ssh_aux *a = calloc(1, sizeof *a);
	if (!a)
		return -3;
	a->cmd = strdup(cmd);
	a->out = malloc(cap + 1);
	if (!a->cmd || !a->out) {
		free(a->cmd);
		free(a->out);
		free(a);
		return -3;
	}
	a->cap = cap;
	a->deadline = now + timeout;
	a->fn = fn;
	a->arg = arg;
	a->next = *list;
	*list = a;
	return 0;
}

/* Report status to fn and free a (already unlinked). */
static void aux_finish(struct ssh_aux *a, int status)
{
	if (a->ch)
		libssh2_channel_free(a->ch);
	a->out[a->len] = '\0';
	if (a->fn)
		a->fn(a->arg, status, a->out, a->len);
	free(a->cmd);
	free(a->out);
	free(a);
}

/* Call fn(-1) for every pending command and free them. */
void ssh_aux_cancel(struct ssh_aux **list)
{
	while (*list) {
		struct ssh_aux *a = *list;
		*list = a->next;
		aux_finish(a, -1);
	}
}

/* Read what the command printed: stdout up to cap, stderr dropped.
 * 1 at EOF, 0 when more may come, -1 on a channel error. */
static int aux_read(struct ssh_aux *a)
{
	char buf[8192];
	ssize_t n;
	while ((n = libssh2_channel_read(a->ch, buf, sizeof buf)) > 0) {
		size_t take = (size_t)n < a->cap - a->len ? (size_t)n : a->cap - a->len;
		memcpy(a->out + a->len, buf, take);
		a->len += take;
	}
	if (n < 0 && n != LIBSSH2_ERROR_EAGAIN)
		return -1;
	while (libssh2_channel_read_stderr(a->ch, buf, sizeof buf) > 0)
		;
	return libssh2_channel_eof(a->ch) ? 1 : 0;
}

/* Advance one command: 0 pending, 1 failed, 2 exited (status readable). */
static int aux_step(struct ssh_aux *a, LIBSSH2_SESSION *s)
{
	int rc;
	switch (a->phase) {
	case AUX_OPEN:
		a->ch = libssh2_channel_open_session(s);
		if (!a->ch)
			return libssh2_session_last_errno(s) == LIBSSH2_ERROR_EAGAIN ? 0 : 1;
		a->phase = AUX_EXEC;
		/* fall through */
	case AUX_EXEC:
		rc = libssh2_channel_exec(a->ch, a->cmd);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (rc != 0)
			return 1;
		a->phase = AUX_READ;
		/* fall through */
	case AUX_READ:
		rc = aux_read(a);
		if (rc <= 0)
			return rc < 0 ? 1 : 0;
		a->phase = AUX_CLOSE;
		/* fall through */
	case AUX_CLOSE:
		/* close waits for the server's close, which follows exit-status */
		return libssh2_channel_close(a->ch) == LIBSSH2_ERROR_EAGAIN ? 0 : 2;
	}
	return 1;
}

/* Advance every command; finished ones call fn and are freed. */
bool ssh_aux_run(struct ssh_aux **list, LIBSSH2_SESSION *s, double now)
{
	bool any = *list != NULL, opening = false;
	struct ssh_aux **pp = list;
	while (*pp) {
		struct ssh_aux *a = *pp;
		/* libssh2 keeps a channel open's state per session: one at a time */
		if (a->phase == AUX_OPEN && opening && now < a->deadline) {
			pp = &a->next;
			continue;
		}
		opening |= a->phase == AUX_OPEN;
		int rc = now >= a->deadline ? 1 : aux_step(a, s);
		if (rc == 0) {
			pp = &a->next;
			continue;
		}
		*pp = a->next;   /* unlinked first: fn may queue a new command */
		aux_finish(a, rc == 2 ? libssh2_channel_get_exit_status(a->ch) : -1);
	}
	return any;
}

/* The earliest timeout on the list. */
double ssh_aux_deadline(const struct ssh_aux *list)
{
	double d = 1e300;
	for (const struct ssh_aux *a = list; a; a = a->next)
		if (a->deadline < d)
			d = a->deadline;
	return d;
}
