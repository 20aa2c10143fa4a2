/* sink_expo.c — verdicts and job progress as Prometheus metrics (see sink_expo.h). */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "classify.h"
#include "clock.h"
#include "job.h"
#include "progress.h"
#include "sink_expo.h"

#define REQ_MAX     8192
#define REQ_TIMEOUT 5.0
#define WHY_MAX     300

struct client {
	int fd;                     /* -1 when free */
	char req[REQ_MAX];
	size_t reqlen;
	char *out;                  /* the response being written */
	size_t outlen, outoff;
	double deadline;
};

struct expo_sink {
	struct sink base;
	char *path, *tmp;           /* DIR/doptop.prom and its temporary */
	int lfd;                    /* listening socket, -1 without --listen */
	struct client cl[SINK_EXPO_MAX_CLIENTS];
	struct expo_buf text;       /* the latest rendering */
	char why[WHY_MAX];
};

void sink_expo_render(const struct sink_view *v, struct expo_buf *b)
{
	const struct model *m = v->m;
	size_t i;

	expo_write_family(b, "doptop_node_up", "gauge",
	                  "1 when doptop receives data from the node, else 0.");
	for (i = 0; i < m->n; i++) {
		const char *l[] = { "node", m->nodes[i].spec->name };
		expo_write_sample(b, "doptop_node_up", l, 1, m->nodes[i].state == CS_UP);
	}
	expo_write_family(b, "doptop_verdict", "gauge",
	                  "Why the node is not faster: always 1, the verdict and cause are labels.");
	for (i = 0; i < m->n; i++) {
		const struct node *nd = &m->nodes[i];
		struct judgement j = nd->state == CS_UP && nd->have_rates ? nd->j
		                     : (struct judgement){ V_UNKNOWN, C_NONE };
		const char *l[] = { "node", nd->spec->name, "verdict", verdict_name(j.verdict),
		                    "cause", cause_name(j.cause) };
		expo_write_sample(b, "doptop_verdict", l, 3, 1);
	}
	expo_write_family(b, "doptop_headroom", "gauge",
	                  "Upper bound on how much faster the node could work if the cause went away.");
	for (i = 0; i < m->n; i++) {
		const struct node *nd = &m->nodes[i];
		struct headroom h;
		if (nd->state != CS_UP || !nd->have_rates)
			continue;
		classify_headroom(&nd->r, nd->j, model_job_cores(nd), &h);
		if (!h.known)
			continue;
		const char *l[] = { "node", nd->spec->name };
		expo_write_sample(b, "doptop_headroom", l, 1, h.x);
	}
	struct progress_view pv;
	if (!v->job || !job_view(v->job, &pv))
		return;
	expo_write_family(b, "doptop_job_done", "gauge", "Items the job has finished.");
	expo_write_sample(b, "doptop_job_done", NULL, 0, (double)pv.done);
	if (pv.has_total) {
		/* a counter by type: the exposition format reserves _total for
		 * counters (promtool check metrics), and the total only grows */
		expo_write_family(b, "doptop_job_total", "counter",
		                  "Items the job has in all (grows only when inputs are added).");
		expo_write_sample(b, "doptop_job_total", NULL, 0, (double)pv.total);
	}
	expo_write_family(b, "doptop_job_rate_per_second", "gauge",
	                  "Items finished per second, over doptop's recent window.");
	expo_write_sample(b, "doptop_job_rate_per_second", NULL, 0, pv.rate);
	if (pv.has_eta) {
		expo_write_family(b, "doptop_job_eta_seconds", "gauge",
		                  "Seconds until the job is done at the recent rate.");
		expo_write_sample(b, "doptop_job_eta_seconds", NULL, 0, pv.eta_s);
	}
	expo_write_family(b, "doptop_job_stalled", "gauge",
	                  "1 when no item has finished for the stall time, else 0.");
	expo_write_sample(b, "doptop_job_stalled", NULL, 0, pv.stalled);
}

/* Write the rendering to the textfile: temporary file, then rename. */
static int write_textfile(struct expo_sink *k, const char **why)
{
	FILE *f = fopen(k->tmp, "w");

	if (!f || fwrite(k->text.p ? k->text.p : "", 1, k->text.len, f) != k->text.len ||
	    fclose(f) != 0 || rename(k->tmp, k->path) != 0) {
		snprintf(k->why, sizeof k->why, "cannot write %s: %s", k->path, strerror(errno));
		if (f)
			unlink(k->tmp);
		*why = k->why;
		return SINK_EIO;
	}
	return 0;
}

static int expo_tick(struct sink *s, const struct sink_view *v, const char **why)
{
	struct expo_sink *k = (struct expo_sink *)s;

	if (v->seeking)
		return 0;    /* a replay's seek: the block after it is exported */
	k->text.len = 0;
	k->text.oom = false;
	sink_expo_render(v, &k->text);
	if (k->text.oom) {
		*why = "out of memory";
		return SINK_ENOMEM;
	}
	return k->path ? write_textfile(k, why) : 0;
}

static int expo_begin(struct sink *s, const struct sink_view *v, const char **why)
{
	return expo_tick(s, v, why);
}

static void drop(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	c->out = NULL;
	c->fd = -1;
	c->reqlen = c->outlen = c->outoff = 0;
}

/* The request is in: prepare the response. */
static void respond(struct expo_sink *k, struct client *c)
{
	bool get = strncmp(c->req, "GET ", 4) == 0, head = strncmp(c->req, "HEAD ", 5) == 0;
	const char *path = c->req + (get ? 4 : 5);
	bool metrics = (get || head) && (strncmp(path, "/metrics ", 9) == 0 ||
	                                 strncmp(path, "/metrics?", 9) == 0);
	const char *body = metrics ? (k->text.p ? k->text.p : "") : "not found: try /metrics\n";
	size_t blen = metrics ? k->text.len : strlen(body);
	char hdr[256];
	int h = snprintf(hdr, sizeof hdr,
	                 "HTTP/1.1 %s\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
	                 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
	                 metrics ? "200 OK" : (get || head ? "404 Not Found" : "405 Method Not Allowed"),
	                 blen);
	if (head)
		blen = 0;
	c->out = malloc((size_t)h + blen);
	if (!c->out) {
		drop(c);
		return;
	}
	memcpy(c->out, hdr, (size_t)h);
	memcpy(c->out + h, body, blen);
	c->outlen = (size_t)h + blen;
	c->outoff = 0;
}

static size_t expo_fill(struct sink *s, struct pollfd *pf, size_t cap, double *deadline)
{
	struct expo_sink *k = (struct expo_sink *)s;
	size_t n = 0, busy = 0;

	for (int i = 0; i < SINK_EXPO_MAX_CLIENTS && n < cap; i++) {
		struct client *c = &k->cl[i];
		if (c->fd < 0)
			continue;
		busy++;
		pf[n].fd = c->fd;
		pf[n].events = c->out ? POLLOUT : POLLIN;
		pf[n].revents = 0;
		n++;
		if (c->deadline < *deadline)
			*deadline = c->deadline;
	}
	if (k->lfd >= 0 && busy < SINK_EXPO_MAX_CLIENTS && n < cap) {
		pf[n].fd = k->lfd;
		pf[n].events = POLLIN;
		pf[n].revents = 0;
		n++;
	}
	return n;
}

/* Accept what waits on the listening socket. */
static void accept_all(struct expo_sink *k, double now)
{
	for (int i = 0; i < SINK_EXPO_MAX_CLIENTS; i++) {
		struct client *c = &k->cl[i];
		if (c->fd >= 0)
			continue;
		int fd = accept4(k->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		c->fd = fd;
		c->deadline = now + REQ_TIMEOUT;
	}
}

/* Read or write what a client's socket allows. */
static void serve(struct expo_sink *k, struct client *c, short revents)
{
	if (revents & (POLLERR | POLLNVAL)) {
		drop(c);
		return;
	}
	if (!c->out && (revents & (POLLIN | POLLHUP))) {
		ssize_t r = read(c->fd, c->req + c->reqlen, sizeof c->req - 1 - c->reqlen);
		if (r <= 0) {
			if (r == 0 || (errno != EAGAIN && errno != EINTR))
				drop(c);
			return;
		}
		c->reqlen += (size_t)r;
		c->req[c->reqlen] = '\0';
		if (strstr(c->req, "\r\n\r\n") || strstr(c->req, "\n\n"))
			respond(k, c);
		else if (c->reqlen >= sizeof c->req - 1)
			drop(c);          /* a request past the cap: not ours */
		return;
	}
	if (c->out && (revents & POLLOUT)) {
		ssize_t w = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno != EAGAIN && errno != EINTR)
				drop(c);
			return;
		}
		c->outoff += (size_t)w;
		if (c->outoff == c->outlen)
			drop(c);
	}
}

static int expo_step(struct sink *s, const struct sink_view *v, const struct pollfd *pf,
                     size_t n, double now, const char **why)
{
	struct expo_sink *k = (struct expo_sink *)s;

	(void)v;
	(void)why;
	for (size_t i = 0; i < n; i++) {
		if (!pf[i].revents)
			continue;
		if (pf[i].fd == k->lfd) {
			accept_all(k, now);
			continue;
		}
		for (int j = 0; j < SINK_EXPO_MAX_CLIENTS; j++)
			if (k->cl[j].fd == pf[i].fd)
				serve(k, &k->cl[j], pf[i].revents);
	}
	/* a client that sends nothing, or reads nothing, goes after the timeout */
	for (int j = 0; j < SINK_EXPO_MAX_CLIENTS; j++)
		if (k->cl[j].fd >= 0 && now >= k->cl[j].deadline)
			drop(&k->cl[j]);
	return 0;
}

static void expo_free(struct sink *s)
{
	struct expo_sink *k = (struct expo_sink *)s;

	if (!k)
		return;
	for (int j = 0; j < SINK_EXPO_MAX_CLIENTS; j++)
		drop(&k->cl[j]);
	if (k->lfd >= 0)
		close(k->lfd);
	expo_buf_free(&k->text);
	free(k->path);
	free(k->tmp);
	free(k);
}

static const struct sink_ops expo_ops = {
	.name = "prometheus",
	.begin = expo_begin,
	.tick = expo_tick,
	.fill_pollfds = expo_fill,
	.step = expo_step,
	.free = expo_free,
};

/* Listen on "ADDR:PORT" ("[v6]:PORT" too).  The fd, or -1 with why. */
static int listen_on(const char *spec, char *why, size_t cap)
{
	char host[256];
	const char *colon = strrchr(spec, ':'), *h = spec;
	struct addrinfo hints = { 0 }, *ai = NULL;
	size_t hl;
	int fd = -1, one = 1, rc;

	if (!colon || !colon[1]) {
		snprintf(why, cap, "--listen wants ADDR:PORT, e.g. 127.0.0.1:9911");
		return -1;
	}
	hl = (size_t)(colon - spec);
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	if (hl >= sizeof host) {
		snprintf(why, cap, "--listen address too long");
		return -1;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(hl ? host : NULL, colon + 1, &hints, &ai)) != 0) {
		snprintf(why, cap, "--listen %s: %s", spec, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 16) < 0) {
		snprintf(why, cap, "--listen %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

struct sink *sink_expo_new(const char *textfile_dir, const char *listen, const char **why)
{
	struct expo_sink *k = calloc(1, sizeof *k);

	*why = "out of memory";
	if (!k)
		return NULL;
	k->base.ops = &expo_ops;
	k->lfd = -1;
	for (int j = 0; j < SINK_EXPO_MAX_CLIENTS; j++)
		k->cl[j].fd = -1;
	if (textfile_dir) {
		size_t n = strlen(textfile_dir) + 64;
		if (!(k->path = malloc(n)) || !(k->tmp = malloc(n)))
			goto fail;
		snprintf(k->path, n, "%s/doptop.prom", textfile_dir);
		/* node_exporter reads only *.prom: the temporary never matches */
		snprintf(k->tmp, n, "%s/.doptop.prom.%ld.tmp", textfile_dir, (long)getpid());
	}
	if (listen && (k->lfd = listen_on(listen, k->why, sizeof k->why)) < 0) {
		*why = k->why;
		goto fail;
	}
	return &k->base;
fail:
	/* the reason lives in k->why: copy it before k goes */
	{
		static char last[WHY_MAX];
		if (*why == k->why) {
			snprintf(last, sizeof last, "%s", k->why);
			*why = last;
		}
	}
	expo_free(&k->base);
	return NULL;
}
