/*
 * ssh_resolve.c — getaddrinfo() off the loop (see ssh_resolve.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include "ssh_resolve.h"

struct ssh_resolve {
	atomic_int refs;          /* the connection and the thread */
	atomic_bool done;
	int efd;
	int family;
	char port[16];
	int gai, err;
	struct addrinfo *res;
	char host[];
};

/* Drop one reference; the last frees the request and its answer. */
static void resolve_unref(struct ssh_resolve *r)
{
	if (atomic_fetch_sub(&r->refs, 1) != 1)
		return;
	if (r->res)
		freeaddrinfo(r->res);
	close(r->efd);
	free(r);
}

/* The helper thread: one lookup, then wake the loop. */
static void *resolve_main(void *arg)
{
	struct ssh_resolve *r = arg;
	struct addrinfo hints = { .ai_family = r->family, .ai_socktype = SOCK_STREAM,
	                          .ai_flags = AI_NUMERICSERV };
	r->gai = getaddrinfo(r->host, r->port, &hints, &r->res);
	r->err = errno;
	atomic_store(&r->done, true);
	uint64_t one = 1;
	if (write(r->efd, &one, sizeof one) < 0) {
		/* the counter cannot overflow with one write; nothing to do */
	}
	resolve_unref(r);
	return NULL;
}

/* Start a lookup on its own detached thread. */
struct ssh_resolve *ssh_resolve_start(const char *host, int port, int family)
{
	size_t n = strlen(host);
	struct ssh_resolve *r = calloc(1, sizeof *r + n + 1);
	if (!r)
		return NULL;
	memcpy(r->host, host, n + 1);
	snprintf(r->port, sizeof r->port, "%d", port);
	r->family = family;
	r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->efd < 0) {
		int e = errno;
		free(r);
		errno = e;
		return NULL;
	}
	atomic_init(&r->refs, 2);
	atomic_init(&r->done, false);
	pthread_attr_t attr;
	pthread_t t;
	int rc = pthread_attr_init(&attr);
	if (rc == 0) {
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		rc = pthread_create(&t, &attr, resolve_main, r);
		pthread_attr_destroy(&attr);
	}
	if (rc != 0) {
		close(r->efd);
		free(r);
		errno = rc;
		return NULL;
	}
	return r;
}

/* The eventfd to poll. */
int ssh_resolve_fd(const struct ssh_resolve *r)
{
	return r->efd;
}

/* Take the answer once the thread is done. */
int ssh_resolve_take(struct ssh_resolve *r, int *gai, int *err, struct addrinfo **res)
{
	if (!atomic_load(&r->done))
		return 0;
	*gai = r->gai;
	*err = r->err;
	*res = r->res;
	r->res = NULL;
	return 1;
}

/* Give the request up. */
void ssh_resolve_drop(struct ssh_resolve *r)
{
	if (r)
		resolve_unref(r);
}
