/*
 * http.h — HTTP GETs driven by the one poll loop (libcurl's multi
 * interface through its socket callbacks: no thread, no second poll).
 *
 * A client runs any number of transfers at once.  The loop asks it for
 * pollfds and a deadline (http_fill_pollfds), and after poll() hands back
 * the revents (http_step); a finished transfer calls its done function
 * from inside http_step(), with the body (capped: a larger body fails the
 * transfer), the HTTP status, or a one-line reason on failure.  Every
 * transfer has a timeout, so a slow server is a failure after that time,
 * never a stall.  Redirects are not followed; only http:// and https://.
 * This file is the only one that includes curl.
 */
#ifndef DOPTOP_HTTP_H
#define DOPTOP_HTTP_H

#include <poll.h>
#include <stddef.h>

/* A finished transfer.  status: the HTTP status (0 when none came), body
 * and len the body (borrowed until return; NUL-terminated), err NULL on a
 * complete answer, else a short reason ("timeout after 5.0 s",
 * "connection refused", "answer larger than 64 MiB"). */
typedef void (*http_done_fn)(void *arg, long status, const char *body, size_t len,
                             const char *err);

struct http;

/* New client; NULL on failure (reason in *why).  Free with http_free(). */
struct http *http_new(const char **why);
/* Drop every transfer (no callbacks) and free; NULL is a no-op. */
void http_free(struct http *h);
/* Start a GET of url: the body is kept up to cap bytes, the transfer
 * fails after timeout_s.  0, or -1 (out of memory / bad URL). */
int http_get(struct http *h, const char *url, size_t cap, double timeout_s,
             http_done_fn fn, void *arg);
/* Transfers not finished yet. */
int http_pending(const struct http *h);
/* As source.h: append at most cap pollfds, lower *deadline (monotonic). */
size_t http_fill_pollfds(struct http *h, struct pollfd *pf, size_t cap, double *deadline);
/* Advance with the revents of the pollfds http_fill_pollfds() filled;
 * now is monotonic.  Calls done functions. */
void http_step(struct http *h, const struct pollfd *pf, size_t n, double now);
/* A blocking GET for start-up (discovery), same caps.  0 with *body
 * (caller frees) and *len, or -1 with a reason in err (cap errcap). */
int http_get_sync(const char *url, size_t cap, double timeout_s, char **body,
                  size_t *len, long *status, char *err, size_t errcap);
/* URL-encode s into buf (cap bytes).  Length, or -1 when it does not fit. */
int http_escape(const char *s, char *buf, size_t cap);

#endif
