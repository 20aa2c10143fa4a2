/*
 * record.c — write and read doptop recordings (format in record.h).
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "record.h"
#include "text.h"

#define REC_MAGIC    "#doptop-record"
#define REC_LINE_MAX 128   /* "F <idx> <time> <len>" fits easily */

struct recorder {
	FILE *f;
	int nnodes;
};

struct replay {
	FILE *f;
	char *header;      /* the header line; names point into it */
	char **names;
	int nnodes;
	double interval;
	const char *version;
	char *buf;         /* the current record's bytes */
	size_t bufcap;
};

/* True when s is a non-empty word without commas, whitespace or controls. */
static int valid_word(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == ',' || *s == 0x7f)
			return 0;
	return 1;
}

/* Print seconds as "<int>.<6 digits>" regardless of the locale. */
static int put_time(FILE *f, double t)
{
	long long us;

	if (!isfinite(t) || t < 0 || t > 1e15)
		t = 0;
	us = llround(t * 1e6);
	return fprintf(f, "%lld.%06lld", us / 1000000, us % 1000000);
}

/* Create path and write the header line. */
struct recorder *recorder_open(const char *path, const char *version,
                               double interval, const char *const *names,
                               int n, const char **why)
{
	struct recorder *r;
	int i;

	if (n < 0 || n > RECORD_MAX_NODES || !valid_word(version)) {
		if (why)
			*why = "bad version or node count";
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (!valid_word(names[i])) {
			if (why)
				*why = "node name with comma or whitespace";
			return NULL;
		}
	}
	r = calloc(1, sizeof(*r));
	if (!r || !(r->f = fopen(path, "w"))) {
		if (why)
			*why = r ? strerror(errno) : "out of memory";
		free(r);
		return NULL;
	}
	r->nnodes = n;
	fprintf(r->f, "%s %d version=%s interval=", REC_MAGIC,
	        RECORD_FORMAT_VERSION, version);
	put_time(r->f, interval);
	fputs(" nodes=", r->f);
	for (i = 0; i < n; i++)
		fprintf(r->f, "%s%s", i ? "," : "", names[i]);
	fputc('\n', r->f);
	if (fflush(r->f) != 0 || ferror(r->f)) {
		if (why)
			*why = "cannot write header";
		fclose(r->f);
		free(r);
		return NULL;
	}
	return r;
}

/* Append one frame record and flush it. */
/* Write one record of kind k ('F', 'X', 'J'). */
static int put_record(struct recorder *r, char k, int node_idx, double t,
                      const char *raw, size_t len)
{
	if (!r || node_idx < 0 || node_idx >= (r->nnodes ? r->nnodes : 1) || len > FPARSE_MAX_FRAME)
		return REC_EARG;
	fprintf(r->f, "%c %d ", k, node_idx);
	put_time(r->f, t);
	fprintf(r->f, " %zu\n", len);
	if (len && fwrite(raw, 1, len, r->f) != len)
		return REC_EIO;
	if (fflush(r->f) != 0 || ferror(r->f))
		return REC_EIO;
	return 0;
}

int recorder_frame(struct recorder *r, int node_idx, double t,
                   const char *raw, size_t len)
{
	if (r && node_idx >= r->nnodes)
		return REC_EARG;
	return put_record(r, 'F', node_idx, t, raw, len);
}

int recorder_facts(struct recorder *r, int node_idx, double t, bool procs, bool disks,
                   const char *text, size_t len)
{
	char *buf;
	int rc;
	if (r && node_idx >= r->nnodes)
		return REC_EARG;
	if (len + 3 > FPARSE_MAX_FRAME)
		len = FPARSE_MAX_FRAME - 3;
	if (!(buf = malloc(len + 3)))
		return REC_ENOMEM;
	buf[0] = procs ? '1' : '0';
	buf[1] = disks ? '1' : '0';
	buf[2] = '\n';
	memcpy(buf + 3, text, len);
	rc = put_record(r, 'X', node_idx, t, buf, len + 3);
	free(buf);
	return rc;
}

int recorder_job(struct recorder *r, double t, const char *text, size_t len)
{
	return put_record(r, 'J', 0, t, text, len);
}

/* Flush and close a recorder. */
int recorder_close(struct recorder *r)
{
	int rc;

	if (!r)
		return 0;
	rc = fclose(r->f) == 0 ? 0 : REC_EIO;
	free(r);
	return rc;
}

/* Read one line (without '\n') of at most cap-1 bytes into buf.
 * Returns its length, -1 at EOF or for an unterminated last line,
 * REC_EFORMAT when longer than the cap. */
static long read_line(FILE *f, char *buf, size_t cap)
{
	size_t n = 0;
	int c;

	while ((c = getc(f)) != EOF) {
		if (c == '\n') {
			buf[n] = '\0';
			return (long)n;
		}
		if (n + 1 >= cap)
			return REC_EFORMAT;
		buf[n++] = (char)c;
	}
	return -1;
}

/* A whole decimal number within [lo, hi], or REC_EFORMAT. */
static int parse_decimal(const char *s, double lo, double hi, double *out)
{
	return text_decimal_str(s, lo, hi, out) < 0 ? REC_EFORMAT : 0;
}

/* A whole decimal integer no larger than max, or REC_EFORMAT. */
static int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	return text_u64_str(s, max, out) < 0 ? REC_EFORMAT : 0;
}

/* Split "a,b,c" (in place) into rp->names. */
static int split_nodes(struct replay *rp, char *list)
{
	char *p;
	int n = 1;

	for (p = list; *p; p++)
		n += *p == ',';
	if (!*list)
		n = 0;
	if (n > RECORD_MAX_NODES)
		return REC_EFORMAT;
	rp->names = calloc((size_t)n + 1, sizeof(char *));
	if (!rp->names)
		return REC_ENOMEM;
	for (p = list; n > 0 && p; rp->nnodes++) {
		rp->names[rp->nnodes] = p;
		p = strchr(p, ',');
		if (p)
			*p++ = '\0';
		if (!valid_word(rp->names[rp->nnodes]))
			return REC_EFORMAT;
	}
	return 0;
}

/* Parse the header line's key=value words into rp. */
static int parse_header(struct replay *rp)
{
	char *save = NULL, *w;
	uint64_t ver;
	int seen = 0, rc;

	w = strtok_r(rp->header, " ", &save);
	if (!w || strcmp(w, REC_MAGIC) != 0)
		return REC_EFORMAT;
	w = strtok_r(NULL, " ", &save);
	if (!w || parse_uint(w, 1000, &ver) < 0 || ver != RECORD_FORMAT_VERSION)
		return REC_EFORMAT;
	while ((w = strtok_r(NULL, " ", &save))) {
		if (strncmp(w, "version=", 8) == 0) {
			rp->version = w + 8;
			seen |= 1;
		} else if (strncmp(w, "interval=", 9) == 0) {
			if ((rc = parse_decimal(w + 9, 0, 1e9, &rp->interval)) < 0)
				return rc;
			seen |= 2;
		} else if (strncmp(w, "nodes=", 6) == 0) {
			if ((rc = split_nodes(rp, w + 6)) < 0)
				return rc;
			seen |= 4;
		}
	}
	return seen == 7 ? 0 : REC_EFORMAT;
}

/* Open a recording and read its header. */
struct replay *replay_open(const char *path, const char **why)
{
	struct replay *rp = calloc(1, sizeof(*rp));
	long n;

	if (!rp || !(rp->header = malloc(RECORD_MAX_HEADER))) {
		if (why)
			*why = "out of memory";
		free(rp);
		return NULL;
	}
	if (!(rp->f = fopen(path, "r"))) {
		if (why)
			*why = strerror(errno);
		replay_close(rp);
		return NULL;
	}
	n = read_line(rp->f, rp->header, RECORD_MAX_HEADER);
	if (n < 0 || parse_header(rp) < 0) {
		if (why)
			*why = "not a doptop recording (bad header)";
		replay_close(rp);
		return NULL;
	}
	return rp;
}

/* Number of nodes named in the header. */
int replay_nnodes(const struct replay *rp)
{
	return rp->nnodes;
}

/* Name of node idx, NULL when out of range. */
const char *replay_node(const struct replay *rp, int idx)
{
	return idx >= 0 && idx < rp->nnodes ? rp->names[idx] : NULL;
}

/* Sampling interval written in the header, seconds. */
double replay_interval(const struct replay *rp)
{
	return rp->interval;
}

/* doptop version that wrote the file. */
const char *replay_version(const struct replay *rp)
{
	return rp->version;
}

/* Parse "F|X|J <idx> <time> <len>" into its fields. */
static int parse_record_line(struct replay *rp, char *line, char *kind, int *idx,
                             double *t, size_t *len)
{
	char *save = NULL, *w[4];
	uint64_t v;
	int i, rc;

	for (i = 0; i < 4; i++)
		if (!(w[i] = strtok_r(i ? NULL : line, " ", &save)))
			return REC_EFORMAT;
	if (strtok_r(NULL, " ", &save) || w[0][1] || !strchr("FXJ", w[0][0]))
		return REC_EFORMAT;
	*kind = w[0][0];
	if (*kind == 'J' ? strcmp(w[1], "0") != 0
	                 : ((rc = parse_uint(w[1], (uint64_t)rp->nnodes - 1, &v)) < 0 ||
	                    rp->nnodes == 0))
		return REC_EFORMAT;
	if (*kind == 'J')
		v = 0;
	*idx = (int)v;
	if ((rc = parse_decimal(w[2], 0, RECORD_MAX_TIME, t)) < 0)
		return rc;
	if ((rc = parse_uint(w[3], FPARSE_MAX_FRAME, &v)) < 0)
		return rc;
	*len = (size_t)v;
	return 0;
}

/* Read the next record of any kind; raw is borrowed until the next call. */
int replay_next_any(struct replay *rp, char *kind, int *node_idx, double *t,
                    const char **raw, size_t *len)
{
	char line[REC_LINE_MAX];
	long n = read_line(rp->f, line, sizeof(line));
	size_t need;
	char *nb;
	int rc;

	if (n == -1)
		return ferror(rp->f) ? REC_EIO : 0;
	if (n < 0)
		return (int)n;
	if ((rc = parse_record_line(rp, line, kind, node_idx, t, len)) < 0)
		return rc;
	need = *len ? *len : 1;
	if (need > rp->bufcap) {
		nb = realloc(rp->buf, need);
		if (!nb)
			return REC_ENOMEM;
		rp->buf = nb;
		rp->bufcap = need;
	}
	if (fread(rp->buf, 1, *len, rp->f) != *len)
		return ferror(rp->f) ? REC_EIO : 0;   /* cut off: the end */
	*raw = rp->buf;
	return 1;
}

/* Read the next frame record, skipping the others. */
int replay_next(struct replay *rp, int *node_idx, double *t,
                const char **raw, size_t *len)
{
	char kind;
	int rc;
	while ((rc = replay_next_any(rp, &kind, node_idx, t, raw, len)) == 1 && kind != 'F')
		;
	return rc;
}

/* Close a replay; NULL is a no-op. */
void replay_close(struct replay *rp)
{
	if (!rp)
		return;
	if (rp->f)
		fclose(rp->f);
	free(rp->names);
	free(rp->header);
	free(rp->buf);
	free(rp);
}
