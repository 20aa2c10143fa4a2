/* http.c — HTTP GETs stepped from the poll loop (see http.h). */
#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "http.h"

/* First size of a body buffer; it doubles as bytes come, up to the cap. */
#define BODY_START 65536
/* Sockets curl wants watched; far more than one client ever opens. */
#define HTTP_MAX_SOCKS 4096

struct xfer {
	CURL *e;
	char *buf;
	size_t len, cap, bufcap;    /* cap: the most body kept */
	bool toobig;
	http_done_fn fn;
	void *arg;
	char err[CURL_ERROR_SIZE];
	struct xfer *next;
};

struct sock {
	curl_socket_t fd;
	short events;
};

struct http {
	CURLM *m;
	struct sock *socks;
	size_t nsocks;
	double timer;               /* monotonic deadline, <0 when none */
	struct xfer *xfers;
	int pending;
};

/* curl_global_init once: it is not thread-safe, and doptop has one loop. */
static int global_init(void)
{
	static int done;

	if (!done && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -1;
	done = 1;
	return 0;
}

/* curl tells which sockets to watch (CURLMOPT_SOCKETFUNCTION). */
static int on_socket(CURL *e, curl_socket_t fd, int what, void *userp, void *sockp)
{
	struct http *h = userp;
	size_t i;

	(void)e;
	(void)sockp;
	for (i = 0; i < h->nsocks; i++)
		if (h->socks[i].fd == fd)
			break;
	if (what == CURL_POLL_REMOVE) {
		if (i < h->nsocks)
			h->socks[i] = h->socks[--h->nsocks];
		return 0;
	}
	if (i == h->nsocks) {
		if (h->nsocks >= HTTP_MAX_SOCKS)
			return -1;
		h->nsocks++;
		h->socks[i].fd = fd;
	}
	h->socks[i].events = (short)((what & CURL_POLL_IN ? POLLIN : 0) |
	                             (what & CURL_POLL_OUT ? POLLOUT : 0));
	return 0;
}

/* curl asks to be called back after ms (CURLMOPT_TIMERFUNCTION). */
static int on_timer(CURLM *m, long ms, void *userp)
{
	struct http *h = userp;

	(void)m;
	h->timer = ms < 0 ? -1 : clock_mono() + (double)ms / 1000.0;
	return 0;
}

struct http *http_new(const char **why)
{
	struct http *h;

	if (global_init() < 0) {
		*why = "libcurl failed to start";
		return NULL;
	}
	h = calloc(1, sizeof *h);
	if (!h || !(h->socks = calloc(HTTP_MAX_SOCKS, sizeof *h->socks)) ||
	    !(h->m = curl_multi_init())) {
		if (h)
			free(h->socks);
		free(h);
		*why = "out of memory";
		return NULL;
	}
	h->timer = -1;
	curl_multi_setopt(h->m, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(h->m, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->m, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(h->m, CURLMOPT_TIMERDATA, h);
	return h;
}

static void xfer_free(struct http *h, struct xfer *x)
{
	curl_multi_remove_handle(h->m, x->e);
	curl_easy_cleanup(x->e);
	free(x->buf);
	free(x);
}

void http_free(struct http *h)
{
	if (!h)
		return;
	while (h->xfers) {
		struct xfer *x = h->xfers;
		h->xfers = x->next;
		xfer_free(h, x);
	}
	curl_multi_cleanup(h->m);
	free(h->socks);
	free(h);
}

/* Body bytes: kept up to the cap (the buffer grows as they come); past
 * the cap the transfer fails. */
static size_t on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb, have;

	if (n > x->cap - x->len) {
		x->toobig = true;
		return 0;
	}
	have = x->bufcap;
	if (x->len + n + 1 > have) {
		size_t want = have ? have : BODY_START;
		while (want < x->len + n + 1)
			want *= 2;
		if (want > x->cap + 1)
			want = x->cap + 1;
		char *b = realloc(x->buf, want);
		if (!b) {
			x->toobig = true;
			return 0;
		}
		x->buf = b;
		x->bufcap = want;
	}
	memcpy(x->buf + x->len, p, n);
	x->len += n;
	return n;
}

/* Options every transfer shares. */
static int setup_easy(CURL *e, const char *url, double timeout_s, char *err)
{
	long ms = (long)(timeout_s * 1000);

	if (curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK)
		return -1;
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ms > 0 ? ms : 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, ms > 0 ? ms : 1L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "doptop/" DOPTOP_VERSION);
	/* node_exporter and Prometheus compress when asked: fewer bytes */
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	return 0;
}

int http_get(struct http *h, const char *url, size_t cap, double timeout_s,
             http_done_fn fn, void *arg)
{
	struct xfer *x = calloc(1, sizeof *x);

	if (!x)
		return -1;
	x->cap = cap;
	x->fn = fn;
	x->arg = arg;
	if (!(x->e = curl_easy_init()) ||
	    setup_easy(x->e, url, timeout_s, x->err) < 0) {
		if (x->e)
			curl_easy_cleanup(x->e);
		free(x->buf);
		free(x);
		return -1;
	}
	curl_easy_setopt(x->e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(x->e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->e, CURLOPT_PRIVATE, x);
	if (curl_multi_add_handle(h->m, x->e) != CURLM_OK) {
		curl_easy_cleanup(x->e);
		free(x->buf);
		free(x);
		return -1;
	}
	x->next = h->xfers;
	h->xfers = x;
	h->pending++;
	return 0;
}

int http_pending(const struct http *h)
{
	return h->pending;
}

size_t http_fill_pollfds(struct http *h, struct pollfd *pf, size_t cap, double *deadline)
{
	size_t n = 0;

	for (size_t i = 0; i < h->nsocks && n < cap; i++) {
		pf[n].fd = h->socks[i].fd;
		pf[n].events = h->socks[i].events;
		pf[n].revents = 0;
		n++;
	}
	if (h->timer >= 0 && h->timer < *deadline)
		*deadline = h->timer;
	return n;
}

/* A short reason for a failed transfer. */
static void reason(const struct xfer *x, CURLcode rc, char *buf, size_t cap)
{
	if (x->toobig)
		snprintf(buf, cap, "answer larger than %zu bytes", x->cap);
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		snprintf(buf, cap, "timeout (%s)", x->err[0] ? x->err : "no answer");
	else
		snprintf(buf, cap, "%s", x->err[0] ? x->err : curl_easy_strerror(rc));
}

/* Hand every finished transfer to its done function. */
static void finish(struct http *h)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(h->m, &left))) {
		struct xfer *x = NULL, **pp;
		char why[CURL_ERROR_SIZE + 64];
		long status = 0;
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		if (!x)
			continue;
		CURLcode rc = msg->data.result;
		for (pp = &h->xfers; *pp && *pp != x; pp = &(*pp)->next)
			;
		if (*pp)
			*pp = x->next;
		h->pending--;
		curl_easy_getinfo(x->e, CURLINFO_RESPONSE_CODE, &status);
		if (!x->buf && rc == CURLE_OK && !(x->buf = malloc(1)))
			rc = CURLE_OUT_OF_MEMORY;
		if (x->buf)
			x->buf[x->len] = '\0';
		if (rc != CURLE_OK)
			reason(x, rc, why, sizeof why);
		curl_multi_remove_handle(h->m, x->e);
		x->fn(x->arg, status, x->buf ? x->buf : "", x->len, rc == CURLE_OK ? NULL : why);
		curl_easy_cleanup(x->e);
		free(x->buf);
		free(x);
	}
}

void http_step(struct http *h, const struct pollfd *pf, size_t n, double now)
{
	int running;

	for (size_t i = 0; i < n; i++) {
		int mask = 0;
		if (!pf[i].revents)
			continue;
		if (pf[i].revents & (POLLIN | POLLHUP))
			mask |= CURL_CSELECT_IN;
		if (pf[i].revents & POLLOUT)
			mask |= CURL_CSELECT_OUT;
		if (pf[i].revents & (POLLERR | POLLNVAL))
			mask |= CURL_CSELECT_ERR;
		curl_multi_socket_action(h->m, pf[i].fd, mask, &running);
	}
	if (h->timer >= 0 && now >= h->timer) {
		h->timer = -1;
		curl_multi_socket_action(h->m, CURL_SOCKET_TIMEOUT, 0, &running);
	}
	finish(h);
}

int http_get_sync(const char *url, size_t cap, double timeout_s, char **body,
                  size_t *len, long *status, char *err, size_t errcap)
{
	struct xfer x;
	CURLcode rc;

	memset(&x, 0, sizeof x);
	if (global_init() < 0 || !(x.e = curl_easy_init())) {
		snprintf(err, errcap, "libcurl failed to start");
		return -1;
	}
	x.cap = cap;
	if (setup_easy(x.e, url, timeout_s, x.err) < 0) {
		snprintf(err, errcap, "bad URL or out of memory");
		curl_easy_cleanup(x.e);
		free(x.buf);
		return -1;
	}
	curl_easy_setopt(x.e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(x.e, CURLOPT_WRITEDATA, &x);
	rc = curl_easy_perform(x.e);
	*status = 0;
	curl_easy_getinfo(x.e, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(x.e);
	if (rc != CURLE_OK) {
		reason(&x, rc, err, errcap);
		free(x.buf);
		return -1;
	}
	if (!x.buf && !(x.buf = malloc(1))) {
		snprintf(err, errcap, "out of memory");
		return -1;
	}
	x.buf[x.len] = '\0';
	*body = x.buf;
	*len = x.len;
	return 0;
}

int http_escape(const char *s, char *buf, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		             (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
		if (n + (plain ? 1 : 3) + 1 > cap)
			return -1;
		if (plain) {
			buf[n++] = (char)c;
		} else {
			buf[n++] = '%';
			buf[n++] = hex[c >> 4];
			buf[n++] = hex[c & 15];
		}
	}
	if (cap == 0)
		return -1;
	buf[n] = '\0';
	return (int)n;
}
