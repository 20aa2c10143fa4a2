/*
 * record.c — write and rotate doptop recordings (format in record.h).
 * Reading them back is in replay.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parse.h"
#include "rec_stream.h"
#include "record.h"
#include "record_text.h"

/* A file is rotated at an eighth of the cap: the set then keeps between
 * 7/8 and all of the cap's worth of the newest records. */
#define REC_SEGMENTS 8

struct recorder {
	int fd;
	char *path;
	char *hdr;             /* the header line, '\n' included */
	size_t hdrlen;
	int nnodes;
	struct rout *z;
	unsigned long long size;   /* bytes in the current file */
	unsigned long long max;    /* cap of the whole set, 0 = none */
	int nrot;                  /* FILE.1 .. FILE.nrot exist */
	int err;                   /* latched REC_E* code */
	int started;               /* a zstd frame is open in the file */
	const char *why;
};

/* Write all of buf, across short writes. */
static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return REC_EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Latch a failure: the file is not written to again. */
static int fail(struct recorder *r, int code, const char *why)
{
	if (!r->err) {
		r->err = code;
		r->why = why;
	}
	return r->err;
}

/* Compress one record into a chunk and write it. */
static int put_chunk(struct recorder *r, const char *line, size_t linelen,
                     const void *data, size_t len)
{
	const unsigned char *out;
	size_t outlen;

	if (rout_chunk(r->z, line, linelen, data, len, &out, &outlen) < 0)
		return fail(r, REC_ENOMEM, "compression failed");
	if (write_all(r->fd, out, outlen) < 0)
		return fail(r, REC_EIO, strerror(errno ? errno : EIO));
	r->size += outlen;
	r->started = 1;
	return 0;
}

/* Start a fresh file: the container's magic, then the header. */
static int begin_file(struct recorder *r)
{
	if (write_all(r->fd, RSTREAM_MAGIC, RSTREAM_MAGIC_LEN) < 0)
		return fail(r, REC_EIO, strerror(errno ? errno : EIO));
	r->size = RSTREAM_MAGIC_LEN;
	rout_restart(r->z);
	return put_chunk(r, r->hdr, r->hdrlen, NULL, 0);
}

/* "path.i", malloc'd. */
static char *rotated_name(const char *path, int i)
{
	size_t n = strlen(path) + 16;
	char *s = malloc(n);

	if (s)
		snprintf(s, n, "%s.%d", path, i);
	return s;
}

/* Size of a file, 0 when it is missing. */
static unsigned long long file_bytes(const char *p)
{
	struct stat st;

	return p && lstat(p, &st) == 0 ? (unsigned long long)st.st_size : 0;
}

/* How many rotated files FILE.1, FILE.2, ... exist. */
static int count_rotated(const char *path)
{
	int i;

	for (i = 0; i < RECORD_MAX_ROTATED; i++) {
		char *p = rotated_name(path, i + 1);
		struct stat st;
		int there = p && lstat(p, &st) == 0;
		free(p);
		if (!there)
			break;
	}
	return i;
}

/* Delete the oldest rotated files while they and a full current file
 * would exceed the cap. */
static void prune(struct recorder *r)
{
	unsigned long long seg = r->max / REC_SEGMENTS, kept = 0;
	int i, keep = 0;

	for (i = 1; i <= r->nrot; i++) {
		char *p = rotated_name(r->path, i);
		unsigned long long b = file_bytes(p);
		free(p);
		if (kept + b + seg > r->max)
			break;
		kept += b;
		keep = i;
	}
	for (i = r->nrot; i > keep; i--) {
		char *p = rotated_name(r->path, i);
		if (p)
			unlink(p);
		free(p);
	}
	r->nrot = keep;
}

/* End the zstd frame, so the file is a complete stream. */
static int end_stream(struct recorder *r)
{
	const unsigned char *out;
	size_t outlen;

	if (r->err || r->fd < 0 || !r->started)
		return r->err;
	r->started = 0;
	if (rout_end(r->z, &out, &outlen) < 0)
		return fail(r, REC_ENOMEM, "compression failed");
	if (write_all(r->fd, out, outlen) < 0)
		return fail(r, REC_EIO, strerror(errno ? errno : EIO));
	r->size += outlen;
	return 0;
}

/* FILE -> FILE.1 -> FILE.2 ...; a new FILE with the header. */
static int rotate(struct recorder *r)
{
	int i;

	if (end_stream(r) < 0)
		return r->err;
	close(r->fd);
	r->fd = -1;
	for (i = r->nrot; i >= 1; i--) {
		char *from = rotated_name(r->path, i), *to = rotated_name(r->path, i + 1);
		int rc = !from || !to ? -1 :
		         i + 1 > RECORD_MAX_ROTATED ? unlink(from) : rename(from, to);
		free(from);
		free(to);
		if (rc < 0)
			return fail(r, REC_EIO, "cannot rotate the recording");
	}
	char *one = rotated_name(r->path, 1);
	int rc = one ? rename(r->path, one) : -1;
	free(one);
	if (rc < 0)
		return fail(r, REC_EIO, "cannot rotate the recording");
	if (r->nrot < RECORD_MAX_ROTATED)
		r->nrot++;
	r->fd = open(r->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (r->fd < 0)
		return fail(r, REC_EIO, "cannot create the next file of the recording");
	prune(r);
	return begin_file(r);
}

/* Build "#doptop-record 2 version=V interval=S nodes=a,b\n". */
static int make_header(struct recorder *r, const char *version, double interval,
                       const char *const *names, int n)
{
	size_t cap = 128 + strlen(version);
	char tbuf[40];
	int i;

	for (i = 0; i < n; i++)
		cap += strlen(names[i]) + 1;
	if (!(r->hdr = malloc(cap)))
		return REC_ENOMEM;
	rectext_time(tbuf, sizeof tbuf, interval);
	r->hdrlen = (size_t)snprintf(r->hdr, cap, "%s %d version=%s interval=%s nodes=",
	                             RECTEXT_MAGIC, RECORD_FORMAT_VERSION, version, tbuf);
	for (i = 0; i < n; i++) {
		if (i)
			r->hdr[r->hdrlen++] = ',';
		memcpy(r->hdr + r->hdrlen, names[i], strlen(names[i]));
		r->hdrlen += strlen(names[i]);
	}
	memcpy(r->hdr + r->hdrlen, " ticks=1\n", 9);
	r->hdrlen += 9;
	r->hdr[r->hdrlen] = '\0';
	return 0;
}

/* An existing file may be continued only when it is a compressed
 * recording of the same nodes and interval. */
static int check_append(struct recorder *r, double interval,
                        const char *const *names, int n, const char **why)
{
	struct replay *rp = replay_open_single(r->path, why);
	char a[40], b[40];
	int ok = 0, i;

	if (!rp)
		return -1;
	rectext_time(a, sizeof a, interval);
	rectext_time(b, sizeof b, replay_interval(rp));
	ok = replay_nnodes(rp) == n && strcmp(a, b) == 0;
	for (i = 0; ok && i < n; i++)
		ok = strcmp(replay_node(rp, i), names[i]) == 0;
	if (!replay_compressed(rp)) {
		ok = 0;
		*why = "it exists and is not a compressed doptop recording "
		       "(give a new file name)";
	} else if (!ok) {
		*why = "it exists and records other nodes or another interval "
		       "(give a new file name)";
	}
	replay_close(rp);
	return ok ? 0 : -1;
}

/* Open for appending: only a regular file, never through a link. */
static int open_existing(struct recorder *r, double interval,
                         const char *const *names, int n, const char **why)
{
	struct stat st;

	r->fd = open(r->path, O_RDWR | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (r->fd < 0) {
		*why = errno == ELOOP ? "it is a symbolic link (refused)" : strerror(errno);
		return -1;
	}
	if (fstat(r->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		return -1;
	}
	fcntl(r->fd, F_SETFL, O_APPEND);
	if (st.st_size == 0)
		return begin_file(r) < 0 ? (*why = r->why, -1) : 0;
	if (check_append(r, interval, names, n, why) < 0)
		return -1;
	/* a run killed while writing left a cut-off chunk: cut it away, or
	 * the next run's chunks would be read as its rest */
	long long end = rstream_whole_end(r->fd);
	if (end < 0 || (end < st.st_size && ftruncate(r->fd, (off_t)end) < 0)) {
		*why = "cannot repair the end of the existing recording";
		return -1;
	}
	r->size = (unsigned long long)end;
	rout_restart(r->z);
	return put_chunk(r, r->hdr, r->hdrlen, NULL, 0) < 0 ? (*why = r->why, -1) : 0;
}

/* Create path (or continue it) and write the header. */
struct recorder *recorder_open(const char *path, const char *version,
                               double interval, const char *const *names,
                               int n, const char **why)
{
	struct recorder *r;
	const char *dummy;
	int i, rc = -1;

	if (!why)
		why = &dummy;
	if (n < 0 || n > RECORD_MAX_NODES || !rectext_word(version)) {
		*why = "bad version or node count";
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (!rectext_word(names[i])) {
			*why = "node name with comma or whitespace";
			return NULL;
		}
	}
	if ((r = calloc(1, sizeof *r)))
		r->fd = -1;
	if (!r || !(r->path = strdup(path)) ||
	    make_header(r, version, interval, names, n) < 0 ||
	    !(r->z = rout_new((size_t)(n ? n : 1) * 2 * 8192))) {
		*why = "out of memory";
		recorder_close(r);
		return NULL;
	}
	r->nnodes = n;
	r->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (r->fd >= 0)
		rc = begin_file(r) < 0 ? (*why = r->why, -1) : 0;
	else if (errno == EEXIST)
		rc = open_existing(r, interval, names, n, why);
	else
		*why = strerror(errno);
	if (rc < 0) {
		recorder_close(r);
		return NULL;
	}
	r->nrot = count_rotated(path);
	return r;
}

/* Cap the set of files. */
int recorder_limit(struct recorder *r, unsigned long long max_bytes)
{
	if (max_bytes && max_bytes < RECORD_MIN_CAP)
		return REC_EARG;
	r->max = max_bytes;
	if (r->max)
		prune(r);
	return 0;
}

/* Append one record. */
int recorder_put(struct recorder *r, const char *type, int node, double t,
                 const void *data, size_t len)
{
	char line[RECTEXT_LINE_MAX], tbuf[40];
	const unsigned char *out;
	size_t outlen;
	int n;

	if (!r || !rectext_type(type) || node < -1 || node >= r->nnodes ||
	    len > RECORD_MAX_PAYLOAD ||
	    (strcmp(type, "F") == 0 && (node < 0 || len > FPARSE_MAX_FRAME)))
		return REC_EARG;
	if (r->err)
		return r->err;
	rectext_time(tbuf, sizeof tbuf, t);
	if (node < 0)
		n = snprintf(line, sizeof line, "%s - %s %zu\n", type, tbuf, len);
	else
		n = snprintf(line, sizeof line, "%s %d %s %zu\n", type, node, tbuf, len);
	if (!r->max)
		return put_chunk(r, line, (size_t)n, data, len);
	/* compress first: a record that would take the file past its share of
	 * the cap goes, compressed again, into the next file */
	if (rout_chunk(r->z, line, (size_t)n, data, len, &out, &outlen) < 0)
		return fail(r, REC_ENOMEM, "compression failed");
	if (r->size + outlen <= r->max / REC_SEGMENTS) {
		if (write_all(r->fd, out, outlen) < 0)
			return fail(r, REC_EIO, strerror(errno ? errno : EIO));
		r->size += outlen;
		return 0;
	}
	if (rotate(r) < 0)
		return r->err;
	return put_chunk(r, line, (size_t)n, data, len);
}

/* Append one frame record. */
int recorder_frame(struct recorder *r, int node_idx, double t,
                   const char *raw, size_t len)
{
	if (node_idx < 0)
		return REC_EARG;
	return recorder_put(r, "F", node_idx, t, raw, len);
}

/* Append an X record: "<p><d> <time read>\n" then the facts text. */
int recorder_facts(struct recorder *r, int node_idx, double t, bool procs, bool disks,
                   double t_read, const char *text, size_t len)
{
	char head[64], *buf;
	int rc, h;
	long long us;
	if (!r || node_idx < 0 || node_idx >= r->nnodes)
		return REC_EARG;
	if (!isfinite(t_read) || t_read < 0 || t_read > 1e15)
		t_read = 0;
	us = llround(t_read * 1e6);
	h = snprintf(head, sizeof head, "%c%c %lld.%06lld\n", procs ? '1' : '0', disks ? '1' : '0',
	             us / 1000000, us % 1000000);
	if (len + (size_t)h > FPARSE_MAX_FRAME)
		len = FPARSE_MAX_FRAME - (size_t)h;
	if (!(buf = malloc(len + (size_t)h)))
		return REC_ENOMEM;
	memcpy(buf, head, (size_t)h);
	memcpy(buf + h, text, len);
	rc = recorder_put(r, "X", node_idx, t, buf, len + (size_t)h);
	free(buf);
	return rc;
}

/* Append a J record for the whole fleet. */
int recorder_job(struct recorder *r, double t, const char *text, size_t len)
{
	return recorder_put(r, "J", -1, t, text, len);
}

/* Append an S record: "<state> <since> <reconnects> <probe> <retry at>\n<why>\n". */
int recorder_status(struct recorder *r, int node_idx, double t, const char *state,
                    double since, unsigned reconnects, bool fallback_sh, double retry_at,
                    const char *why)
{
	char a[40], b[40], *buf;
	size_t wl = why ? strlen(why) : 0;
	int rc, h;

	if (!r || node_idx < 0 || node_idx >= r->nnodes || !rectext_word(state) ||
	    wl > RECORD_MAX_PAYLOAD / 2)
		return REC_EARG;
	rectext_time(a, sizeof a, since);
	rectext_time(b, sizeof b, retry_at);
	if (!(buf = malloc(wl + 256)))
		return REC_ENOMEM;
	h = snprintf(buf, 256, "%s %s %u %s %s\n", state, a, reconnects,
	             fallback_sh ? "sh" : "bash", b);
	if (wl)
		memcpy(buf + h, why, wl);
	buf[h + (int)wl] = '\n';
	rc = recorder_put(r, "S", node_idx, t, buf, (size_t)h + wl + 1);
	free(buf);
	return rc;
}

/* Append a T record for the whole fleet: the tick's time again as its
 * payload, exact (a reader moves a line's stamp that steps back). */
int recorder_tick(struct recorder *r, double t)
{
	char tbuf[40];

	rectext_time(tbuf, sizeof tbuf, t);
	strcat(tbuf, "\n");
	return recorder_put(r, "T", -1, t, tbuf, strlen(tbuf));
}

/* Why the recorder stopped, or NULL. */
const char *recorder_error(const struct recorder *r)
{
	return r && r->err ? r->why : NULL;
}

/* Bytes in the current file. */
unsigned long long recorder_bytes(const struct recorder *r)
{
	return r ? r->size : 0;
}

/* Close the file and free. */
int recorder_close(struct recorder *r)
{
	int rc;

	if (!r)
		return 0;
	end_stream(r);
	rc = r->err;
	if (r->fd >= 0 && close(r->fd) < 0 && !rc)
		rc = REC_EIO;
	rout_free(r->z);
	free(r->hdr);
	free(r->path);
	free(r);
	return rc;
}

/* True when s is a non-empty word without commas, whitespace or controls. */
int rectext_word(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == ',' || *s == 0x7f)
			return 0;
	return 1;
}

/* True when s is a record type word. */
int rectext_type(const char *s)
{
	size_t i;

	if (!s || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
		return 0;
	for (i = 0; s[i]; i++)
		if (i >= RECORD_MAX_TYPE ||
		    !((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/* Rounded to whole microseconds. */
double record_stamp(double t)
{
	if (!isfinite(t) || t < 0 || t >= RECORD_MAX_TIME)
		return t;
	return (double)llround(t * 1e6) / 1e6;
}

/* Seconds as "<int>.<6 digits>" regardless of the locale. */
void rectext_time(char *buf, size_t cap, double t)
{
	long long us;

	if (!isfinite(t) || t < 0 || t >= RECORD_MAX_TIME)
		t = 0;
	us = llround(t * 1e6);
	snprintf(buf, cap, "%lld.%06lld", us / 1000000, us % 1000000);
}
