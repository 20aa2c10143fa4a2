/*
 * replay.c — read doptop recordings back (format in record.h): one file,
 * a rotated set oldest first, or standard input; compressed, gzip or bare.
 */
#include <errno.h>
#include <fcntl.h>
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
#include "text.h"

#define TB_START (64 * 1024)

/* What the text layer returns besides 0/1 and REC_E* codes. */
#define AGAIN 2   /* a stream or file boundary dropped an unfinished record */

struct replay {
	char **paths;          /* the files, oldest first; NULL = stdin */
	int npaths, cur;
	struct rin *in;
	char *tb;              /* decoded text; tb[tpos..tlen) not yet used */
	size_t tpos, tlen, tcap;
	int need_header;       /* a file or stream begins: a header comes next */
	int got_header;
	int compressed;        /* the first file is in doptop's container */
	char *header;          /* the first header line; names point into it */
	char **names;
	int nnodes;
	double interval;
	const char *version;
	char *nodes_text;      /* "nodes=..." of the first header, to compare */
	char *interval_text;
	double last_t;
	int ticks;             /* the part being read has ticks=1 */
	const char *why;
};

/* Open file number cur of the set (or stdin). */
static int open_current(struct replay *rp)
{
	const char *why = "";
	int fd;

	if (!rp->paths)
		fd = dup(STDIN_FILENO);
	else
		fd = open(rp->paths[rp->cur], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rp->why = strerror(errno);
		return REC_EIO;
	}
	if (!(rp->in = rin_open(fd, &why))) {
		rp->why = why;
		return REC_EIO;
	}
	if (rp->cur == 0)
		rp->compressed = rin_kind(rp->in) == RIN_ZST;
	rp->need_header = 1;
	rp->tpos = rp->tlen = 0;
	return 0;
}

/* Decode more text into tb, keeping tb[tpos..tlen) and growing up to cap
 * bytes.  1 = more text, 0 = the end, AGAIN, or a REC_E* code. */
static int more(struct replay *rp, size_t cap)
{
	long n;

	if (rp->tpos > 0) {
		memmove(rp->tb, rp->tb + rp->tpos, rp->tlen - rp->tpos);
		rp->tlen -= rp->tpos;
		rp->tpos = 0;
	}
	if (rp->tlen == rp->tcap) {
		size_t nc = rp->tcap ? rp->tcap * 2 : TB_START;
		char *p;
		if (rp->tcap >= cap) {
			rp->why = "a line or record longer than the format allows";
			return REC_EFORMAT;
		}
		if (nc > cap)
			nc = cap;
		if (!(p = realloc(rp->tb, nc))) {
			rp->why = "out of memory";
			return REC_ENOMEM;
		}
		rp->tb = p;
		rp->tcap = nc;
	}
	n = rin_read(rp->in, rp->tb + rp->tlen, rp->tcap - rp->tlen);
	if (n > 0) {
		rp->tlen += (size_t)n;
		return 1;
	}
	if (n == RIN_ERR) {
		rp->why = rin_error(rp->in);
		return REC_EFORMAT;
	}
	/* a new stream, or the end of this file: what is left unfinished is
	 * a record cut off by a kill, dropped */
	rp->tpos = rp->tlen = 0;
	if (n == RIN_BOUNDARY) {
		rp->need_header = 1;
		return AGAIN;
	}
	if (!rp->paths || rp->cur + 1 >= rp->npaths)
		return 0;
	rin_close(rp->in);
	rp->in = NULL;
	rp->cur++;
	int rc = open_current(rp);
	return rc < 0 ? rc : AGAIN;
}

/* Next line, NUL-terminated in place (borrowed until the next call). */
static int get_line(struct replay *rp, char **line, size_t cap)
{
	for (;;) {
		char *s = rp->tb + rp->tpos;
		char *nl = rp->tlen > rp->tpos ? memchr(s, '\n', rp->tlen - rp->tpos) : NULL;
		if (nl) {
			*nl = '\0';
			rp->tpos = (size_t)(nl - rp->tb) + 1;
			*line = s;
			return 1;
		}
		if (rp->tlen - rp->tpos >= cap) {
			rp->why = "a line longer than the format allows";
			return REC_EFORMAT;
		}
		int rc = more(rp, cap + 1);
		if (rc != 1)
			return rc;
	}
}

/* Next n bytes (borrowed until the next call). */
static int get_bytes(struct replay *rp, size_t n, const char **out)
{
	while (rp->tlen - rp->tpos < n) {
		int rc = more(rp, n + RECTEXT_LINE_MAX);
		if (rc != 1)
			return rc;
	}
	*out = rp->tb + rp->tpos;
	rp->tpos += n;
	return 1;
}

/* A decimal number in [0, max), or REC_EFORMAT. */
static int parse_decimal(const char *s, double max, double *out)
{
	double v;

	if (text_decimal_str(s, 0, max, &v) < 0 || !(v < max))
		return REC_EFORMAT;
	*out = v;
	return 0;
}

/* A whole decimal integer no larger than max, or REC_EFORMAT. */
static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	uint64_t v;

	if (text_u64_str(s, max, &v) < 0)
		return REC_EFORMAT;
	*out = v;
	return 0;
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
		if (!rectext_word(rp->names[rp->nnodes]))
			return REC_EFORMAT;
	}
	return 0;
}

/* The first header: its fields into rp. */
static int first_header(struct replay *rp, char *line)
{
	char *save = NULL, *w;
	unsigned long long ver;
	int seen = 0, rc;

	if (!(rp->header = strdup(line)))
		return REC_ENOMEM;
	w = strtok_r(rp->header, " ", &save);
	if (!w || strcmp(w, RECTEXT_MAGIC) != 0)
		return REC_EFORMAT;
	w = strtok_r(NULL, " ", &save);
	if (!w || parse_uint(w, 1000, &ver) < 0 || ver < 1 || ver > RECORD_FORMAT_VERSION)
		return REC_EFORMAT;
	while ((w = strtok_r(NULL, " ", &save))) {
		int key = strncmp(w, "version=", 8) == 0 ? 1 :
		          strncmp(w, "interval=", 9) == 0 ? 2 :
		          strncmp(w, "nodes=", 6) == 0 ? 4 : 0;
		if (seen & key)
			return REC_EFORMAT;   /* said twice */
		if (key == 1) {
			rp->version = w + 8;
			seen |= 1;
		} else if (strncmp(w, "interval=", 9) == 0) {
			if ((rc = parse_decimal(w + 9, 1e9, &rp->interval)) < 0)
				return rc;
			if (!(rp->interval_text = strdup(w)))
				return REC_ENOMEM;
			seen |= 2;
		} else if (strncmp(w, "nodes=", 6) == 0) {
			if (!(rp->nodes_text = strdup(w)))
				return REC_ENOMEM;
			if ((rc = split_nodes(rp, w + 6)) < 0)
				return rc;
			seen |= 4;
		} else if (strcmp(w, "ticks=1") == 0) {
			rp->ticks = 1;
		}
	}
	return seen == 7 ? 0 : REC_EFORMAT;
}

/* A later header (an appended run, a rotated file): the same nodes and
 * interval as the first. */
static int later_header(struct replay *rp, char *line)
{
	char *save = NULL, *w;
	int seen = 0;

	strtok_r(line, " ", &save);   /* the magic, checked by the caller */
	w = strtok_r(NULL, " ", &save);
	if (!w || (strcmp(w, "1") != 0 && strcmp(w, "2") != 0))
		goto bad;
	rp->ticks = 0;
	while ((w = strtok_r(NULL, " ", &save))) {
		if (strcmp(w, "ticks=1") == 0) {
			rp->ticks = 1;
		} else if (strncmp(w, "interval=", 9) == 0) {
			if (strcmp(w, rp->interval_text) != 0)
				goto bad;
			seen |= 1;
		} else if (strncmp(w, "nodes=", 6) == 0) {
			if (strcmp(w, rp->nodes_text) != 0)
				goto bad;
			seen |= 2;
		}
	}
	if (seen == 3)
		return 0;
bad:
	rp->why = "a later part records other nodes or another interval";
	return REC_EFORMAT;
}

/* Parse "<type> <node> <time> <len>" into it. */
static int parse_record_line(struct replay *rp, char *line, struct rec_item *it)
{
	char *save = NULL, *w[4];
	unsigned long long v;
	int i;

	for (i = 0; i < 4; i++)
		if (!(w[i] = strtok_r(i ? NULL : line, " ", &save)))
			return REC_EFORMAT;
	if (strtok_r(NULL, " ", &save) || !rectext_type(w[0]))
		return REC_EFORMAT;
	strcpy(it->type, w[0]);
	if (strcmp(w[1], "-") == 0)
		it->node = -1;
	else if (rp->nnodes == 0 || parse_uint(w[1], (unsigned long long)rp->nnodes - 1, &v) < 0)
		return REC_EFORMAT;
	else
		it->node = (int)v;
	if (parse_decimal(w[2], RECORD_MAX_TIME, &it->t) < 0)
		return REC_EFORMAT;
	it->t = record_stamp(it->t);
	if (parse_uint(w[3], strcmp(it->type, "F") == 0 ? FPARSE_MAX_FRAME
	                                                 : RECORD_MAX_PAYLOAD, &v) < 0)
		return REC_EFORMAT;
	if (it->node < 0 && strcmp(it->type, "F") == 0)
		return REC_EFORMAT;
	it->len = (size_t)v;
	/* never back in time: a wall clock stepped back is read as no time
	 * passing, so replay always advances */
	if (it->t < rp->last_t)
		it->t = rp->last_t;
	rp->last_t = it->t;
	return 0;
}

/* The next record, headers handled on the way. */
int replay_next_item(struct replay *rp, struct rec_item *it)
{
	for (;;) {
		char *line;
		int rc = get_line(rp, &line, RECORD_MAX_HEADER);
		if (rc == AGAIN)
			continue;
		if (rc <= 0)
			return rc;
		if (strncmp(line, RECTEXT_MAGIC " ", sizeof RECTEXT_MAGIC) == 0) {
			rc = rp->got_header ? later_header(rp, line) : first_header(rp, line);
			if (rc < 0) {
				if (!rp->got_header)
					rp->why = "not a doptop recording (bad header)";
				return rc;
			}
			rp->got_header = 1;
			rp->need_header = 0;
			continue;
		}
		if (rp->need_header) {
			rp->why = rp->got_header ? "a part of the recording without a header"
			                         : "not a doptop recording (bad header)";
			return REC_EFORMAT;
		}
		if (parse_record_line(rp, line, it) < 0) {
			rp->why = "a bad record line";
			return REC_EFORMAT;
		}
		rc = get_bytes(rp, it->len, &it->data);
		if (rc == AGAIN)
			continue;
		if (rc <= 0)
			return rc;   /* cut off: the end */
		return 1;
	}
}

/* The next frame record. */
int replay_next(struct replay *rp, int *node_idx, double *t,
                const char **raw, size_t *len)
{
	struct rec_item it;
	int rc;

	while ((rc = replay_next_item(rp, &it)) == 1) {
		if (strcmp(it.type, "F") != 0)
			continue;
		*node_idx = it.node;
		*t = it.t;
		*raw = it.data;
		*len = it.len;
		return 1;
	}
	return rc;
}

/* The next F, X or J record. */
int replay_next_any(struct replay *rp, char *kind, int *node_idx, double *t,
                    const char **raw, size_t *len)
{
	struct rec_item it;
	int rc;

	while ((rc = replay_next_item(rp, &it)) == 1) {
		if (it.type[1] || !strchr("FXJ", it.type[0]))
			continue;
		*kind = it.type[0];
		*node_idx = it.node < 0 ? 0 : it.node;
		*t = it.t;
		*raw = it.data;
		*len = it.len;
		return 1;
	}
	return rc;
}

/* Read up to the first header. */
static int read_header(struct replay *rp)
{
	char *line;
	int rc;

	do
		rc = get_line(rp, &line, RECORD_MAX_HEADER);
	while (rc == AGAIN);
	if (rc <= 0)
		return rc < 0 ? rc : REC_EFORMAT;
	if (strncmp(line, RECTEXT_MAGIC " ", sizeof RECTEXT_MAGIC) != 0 ||
	    first_header(rp, line) < 0)
		return REC_EFORMAT;
	rp->got_header = 1;
	rp->need_header = 0;
	return 0;
}

/* The rotated set FILE.k .. FILE.1, FILE (only FILE when single). */
static int find_set(struct replay *rp, const char *path, int single)
{
	size_t n = strlen(path) + 16;
	int k = 0, i;

	while (!single && k < RECORD_MAX_ROTATED) {
		char name[4096];
		struct stat st;
		if (n > sizeof name)
			break;
		snprintf(name, sizeof name, "%s.%d", path, k + 1);
		if (stat(name, &st) < 0)
			break;
		k++;
	}
	if (!(rp->paths = calloc((size_t)k + 1, sizeof *rp->paths)))
		return REC_ENOMEM;
	rp->npaths = k + 1;
	for (i = 0; i <= k; i++) {
		if (!(rp->paths[i] = malloc(n)))
			return REC_ENOMEM;
		if (i < k)
			snprintf(rp->paths[i], n, "%s.%d", path, k - i);
		else
			snprintf(rp->paths[i], n, "%s", path);
	}
	return 0;
}

/* Open a recording (or one file of it) and read the header. */
static struct replay *open_any(const char *path, int single, const char **why)
{
	struct replay *rp = calloc(1, sizeof *rp);
	int rc;

	if (!rp) {
		if (why)
			*why = "out of memory";
		return NULL;
	}
	rc = strcmp(path, "-") == 0 ? 0 : find_set(rp, path, single);
	if (rc == 0)
		rc = open_current(rp);
	if (rc == 0 && (rc = read_header(rp)) < 0 && !rp->why)
		rp->why = "not a doptop recording (bad header)";
	if (rc < 0) {
		if (why)
			*why = rp->why ? rp->why : "out of memory";
		replay_close(rp);
		return NULL;
	}
	return rp;
}

/* Open a recording: "-", one file, or a rotated set. */
struct replay *replay_open(const char *path, const char **why)
{
	return open_any(path, 0, why);
}

/* Open exactly one file. */
struct replay *replay_open_single(const char *path, const char **why)
{
	return open_any(path, 1, why);
}

/* True when the first file is in doptop's compressed container. */
int replay_compressed(const struct replay *rp)
{
	return rp->compressed;
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

/* One space-ended field of an S payload's first line. */
static const char *s_word(const char **p, const char *nl, size_t *n)
{
	const char *b = *p, *e = memchr(b, ' ', (size_t)(nl - b));
	if (!e)
		e = nl;
	*n = (size_t)(e - b);
	*p = e < nl ? e + 1 : e;
	return *n ? b : NULL;
}

/* "<state> <since> <reconnects> <probe> <retry at>\n<why>\n". */
int replay_parse_status(const char *data, size_t len, struct rec_status *st)
{
	const char *nl = memchr(data, '\n', len), *p = data, *w;
	size_t n;
	uint64_t rec;

	memset(st, 0, sizeof *st);
	if (!nl)
		return REC_EFORMAT;
	if (!(w = s_word(&p, nl, &n)) || n >= sizeof st->state)
		return REC_EFORMAT;
	memcpy(st->state, w, n);
	if (!(w = s_word(&p, nl, &n)) || text_decimal(w, n, 0, RECORD_MAX_TIME, &st->since) < 0)
		return REC_EFORMAT;
	if (!(w = s_word(&p, nl, &n)) || text_u64(w, n, UINT32_MAX, &rec) < 0)
		return REC_EFORMAT;
	st->reconnects = (unsigned)rec;
	if (!(w = s_word(&p, nl, &n)))
		return REC_EFORMAT;
	st->fallback_sh = n == 2 && memcmp(w, "sh", 2) == 0;
	if (!(w = s_word(&p, nl, &n)) || p != nl ||
	    text_decimal(w, n, 0, RECORD_MAX_TIME, &st->retry_at) < 0)
		return REC_EFORMAT;
	st->since = record_stamp(st->since);
	st->retry_at = record_stamp(st->retry_at);
	st->why = nl + 1;
	st->why_len = len - (size_t)(nl + 1 - data);
	if (st->why_len && st->why[st->why_len - 1] == '\n')
		st->why_len--;
	return 0;
}

/* The tick's exact time from its payload "<time>\n". */
double replay_tick_time(const char *data, size_t len, double line_t)
{
	double t;

	if (len && data[len - 1] == '\n')
		len--;
	if (!len || text_decimal(data, len, 0, RECORD_MAX_TIME, &t) < 0)
		return line_t;
	return record_stamp(t);
}

/* The part being read records its ticks and status changes. */
bool replay_ticks(const struct replay *rp)
{
	return rp->ticks != 0;
}

/* Why the last call failed. */
const char *replay_error(const struct replay *rp)
{
	return rp->why ? rp->why : "";
}

/* Back to the first record. */
int replay_rewind(struct replay *rp)
{
	char *line;
	int rc;

	if (!rp->paths)
		return REC_EARG;
	rin_close(rp->in);
	rp->in = NULL;
	rp->cur = 0;
	rp->last_t = 0;
	if ((rc = open_current(rp)) < 0)
		return rc;
	do
		rc = get_line(rp, &line, RECORD_MAX_HEADER);
	while (rc == AGAIN);
	if (rc <= 0 || later_header(rp, line) < 0)
		return rc < 0 ? rc : REC_EFORMAT;
	rp->need_header = 0;
	return 0;
}

/* Close a replay; NULL is a no-op. */
void replay_close(struct replay *rp)
{
	if (!rp)
		return;
	rin_close(rp->in);
	for (int i = 0; rp->paths && i < rp->npaths; i++)
		free(rp->paths[i]);
	free(rp->paths);
	free(rp->tb);
	free(rp->names);
	free(rp->header);
	free(rp->nodes_text);
	free(rp->interval_text);
	free(rp);
}
