/*
 * ssh_resolve.h — private to ssh_conn.c: getaddrinfo() on a short-lived
 * helper thread, so a slow resolver never stalls the loop.
 *
 * The thread owns nothing the loop touches: it fills the request and
 * writes an eventfd the connection polls.  Either side may finish first;
 * the last of the two frees the request (a reference count), so a
 * connection freed mid-lookup leaves the thread to clean up after itself.
 */
#ifndef DOPTOP_SSH_RESOLVE_H
#define DOPTOP_SSH_RESOLVE_H

#include <netdb.h>

struct ssh_resolve;

/* Start resolving host:port (family AF_UNSPEC, AF_INET or AF_INET6) for a
 * TCP connection.  NULL with errno set when no eventfd, memory or thread
 * could be had (this process's shortage, not the name's). */
struct ssh_resolve *ssh_resolve_start(const char *host, int port, int family);
/* The descriptor that turns readable when the answer is in. */
int ssh_resolve_fd(const struct ssh_resolve *r);
/* 1 when done: *gai is getaddrinfo's result (with its errno in *err for
 * EAI_SYSTEM) and *res its list (caller frees with freeaddrinfo); 0 while
 * pending. */
int ssh_resolve_take(struct ssh_resolve *r, int *gai, int *err, struct addrinfo **res);
/* Give the request up (done or not); NULL is a no-op. */
void ssh_resolve_drop(struct ssh_resolve *r);

#endif
