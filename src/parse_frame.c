/*
 * parse_frame.c — the probe's framed stream (protocol in probe.h) ->
 * struct sample, incrementally and with hard memory caps.
 *
 * fparse splits the byte stream into lines in a fixed FPARSE_MAX_LINE
 * buffer, skips up to FPARSE_MAX_PREAMBLE bytes of noise before the first
 * "@@DOPTOP" marker, collects one frame (at most FPARSE_MAX_FRAME bytes) and
 * hands it to parse_frame(), which splits it into %sections for the
 * parse_proc_*() functions.  A protocol 2 frame (only what changed) is
 * first rebuilt into the protocol 1 frame it stands for from the last
 * frame (frame_delta.h), which the parser keeps per node.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame_delta.h"
#include "parse.h"
#include "probe.h"
#include "text.h"

#define MARK_START "@@DOPTOP"
#define MARK_END   "@@END"
#define FLAGS_MAX  32

enum fstate {
	FS_PREAMBLE,  /* before the first frame: noise allowed */
	FS_BETWEEN,   /* after a frame: only a new frame may start */
	FS_FRAME,     /* inside a frame */
};

/* One %section name and the parser for its text. */
struct section {
	const char *name;
	unsigned part;
	char psi;   /* parse_proc_psi() selector, 0 for the others */
	int (*fn)(const char *, size_t, struct sample *);
};

static const struct section sections[] = {
	{ "%stat",    SP_STAT,    0,   parse_proc_stat },
	{ "%disk",    SP_DISK,    0,   parse_proc_diskstats },
	{ "%net",     SP_NET,     0,   parse_proc_netdev },
	{ "%load",    SP_LOAD,    0,   parse_proc_loadavg },
	{ "%mem",     SP_MEM,     0,   parse_proc_meminfo },
	{ "%vm",      SP_VMSTAT,  0,   parse_proc_vmstat },
	{ "%psi-cpu", SP_PSI_CPU, 'c', NULL },
	{ "%psi-io",  SP_PSI_IO,  'i', NULL },
	{ "%psi-mem", SP_PSI_MEM, 'm', NULL },
};

/* A header line, split into its fields. */
struct header {
	unsigned ver;       /* 1: a whole frame, 2: a delta (probe.h) */
	uint64_t seq;
	double clock;
	char flags[FLAGS_MAX];
};

struct fparse {
	enum fstate state;
	int err;                        /* sticky PARSE_E* code, 0 when fine */
	size_t preamble;                /* noise bytes seen before the first frame */
	size_t linelen;
	char *line;                     /* a line split across reads; grown on */
	size_t linecap;                 /* demand up to FPARSE_MAX_LINE, since */
	                                /* most lines arrive whole (memory/node) */
	char *frame;                    /* raw text of the current frame */
	size_t framelen, framecap;      /* framecap <= FPARSE_MAX_FRAME */
	struct header hdr;              /* header of the current frame */
	char flags[FLAGS_MAX];          /* flags of the last good frame */
	char *prev;                     /* the last good frame, protocol 1, */
	size_t prevlen;                 /* exact size: what a delta applies to */
};

/* Where a complete frame is parsed before the callback sees it.  One per
 * thread instead of one per parser: a struct sample is ~11 KiB, and every
 * SSH node has a parser (bench/fleet.sh: memory per node). */
static _Thread_local struct sample scratch;

/* 0 when a frame line holds no control characters (tab is allowed). */
static int check_line(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return PARSE_ECONTROL;
	}
	return 0;
}

/* True when line [p, p+n) starts with the marker word m (followed by a
 * space or the end of the line). */
static int is_marker(const char *p, size_t n, const char *m)
{
	size_t ml = strlen(m);

	return n >= ml && memcmp(p, m, ml) == 0 && (n == ml || p[ml] == ' ');
}

/* Next space-separated word of [*p, end) as a NUL-terminated copy. */
static int header_word(const char **p, const char *end, char *out, size_t cap)
{
	const char *w;

	while (*p < end && **p == ' ')
		(*p)++;
	w = *p;
	while (*p < end && **p != ' ')
		(*p)++;
	if (*p == w || (size_t)(*p - w) >= cap)
		return PARSE_EPROTO;
	memcpy(out, w, (size_t)(*p - w));
	out[*p - w] = '\0';
	return 0;
}

/* A text.h result as a PARSE_E* code. */
static int word_result(int rc)
{
	return rc == 0 ? 0 : rc == TEXT_ERANGE ? PARSE_ERANGE : PARSE_EPROTO;
}

/* Convert a NUL-terminated word to u64 (digits only). */
static int word_u64(const char *w, uint64_t *v)
{
	return word_result(text_u64_str(w, UINT64_MAX, v));
}

/* Convert "1764133543.123456" (or ',' as the point) to seconds. */
static int word_clock(const char *w, double *d)
{
	return word_result(text_decimal_str(w, 0, (double)UINT64_MAX, d));
}

/* Parse "@@DOPTOP <ver> <seq> <clock> <flags>" into h; ver 2 (a delta)
 * only when delta_ok. */
static int parse_header(const char *p, size_t n, struct header *h, int delta_ok)
{
	const char *end = p + n;
	char w[40];
	uint64_t ver;
	int rc;

	if (!is_marker(p, n, MARK_START))
		return PARSE_EPROTO;
	p += strlen(MARK_START);
	if ((rc = header_word(&p, end, w, sizeof(w))) < 0 ||
	    (rc = word_u64(w, &ver)) < 0)
		return rc;
	if (ver != PROBE_PROTO_VERSION && !(delta_ok && ver == PROBE_PROTO_DELTA))
		return PARSE_EPROTO;
	h->ver = (unsigned)ver;
	if ((rc = header_word(&p, end, w, sizeof(w))) < 0 ||
	    (rc = word_u64(w, &h->seq)) < 0)
		return rc;
	if ((rc = header_word(&p, end, w, sizeof(w))) < 0 ||
	    (rc = word_clock(w, &h->clock)) < 0)
		return rc;
	if ((rc = header_word(&p, end, h->flags, sizeof(h->flags))) < 0)
		return rc;
	/* Flags may reach the screen: letters, digits, '-' and ',' only. */
	return strspn(h->flags, "abcdefghijklmnopqrstuvwxyz"
	              "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-,") == strlen(h->flags)
	       ? 0 : PARSE_EPROTO;
}

/* Check "@@END <seq>" against the header's sequence number. */
static int parse_end(const char *p, size_t n, uint64_t seq)
{
	const char *end = p + n;
	char w[32];
	uint64_t v;
	int rc;

	p += strlen(MARK_END);
	if ((rc = header_word(&p, end, w, sizeof(w))) < 0 ||
	    (rc = word_u64(w, &v)) < 0)
		return rc;
	return v == seq ? 0 : PARSE_EPROTO;
}

/* Run the parser of section name [p, p+n) on its body. */
static int parse_section(const char *p, size_t n, const char *body,
                         size_t blen, struct sample *s)
{
	size_t i;
	int rc;

	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		if (strlen(sections[i].name) != n || memcmp(sections[i].name, p, n))
			continue;
		s->have &= ~sections[i].part;
		if (sections[i].psi)
			rc = parse_proc_psi(body, blen, sections[i].psi, s);
		else
			rc = sections[i].fn(body, blen, s);
		/* Only /proc/stat is essential; a bad optional section just
		 * leaves its bit clear. */
		return sections[i].part == SP_STAT ? rc : 0;
	}
	return 0;   /* unknown section: from a newer probe, skip it */
}

/* Walk the lines after the header; section bodies go to parse_section(). */
static int parse_body(const char *p, const char *end, const struct header *h,
                      struct sample *s)
{
	const char *sec = NULL, *body = NULL, *nl;
	size_t secn = 0, n;
	int rc;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n > FPARSE_MAX_LINE)
			return PARSE_ELINE;
		if ((rc = check_line(p, n)) < 0)
			return rc;
		if (n > 0 && (p[0] == '%' || is_marker(p, n, MARK_END))) {
			if (sec && (rc = parse_section(sec, secn, body,
			                               (size_t)(p - body), s)) < 0)
				return rc;
			if (p[0] != '%')
				return parse_end(p, n, h->seq);
			sec = p;
			secn = n;
			body = nl ? nl + 1 : end;
		} else if (!sec || (n >= 2 && p[0] == '@' && p[1] == '@')) {
			return PARSE_EPROTO;
		}
		p = nl ? nl + 1 : end;
	}
	return PARSE_EPROTO;   /* no end marker */
}

/* Parse one complete frame (header line to end line) into out. */
int parse_frame(const char *text, size_t len, struct sample *out)
{
	const char *nl, *end = text + len;
	struct header h;
	size_t n;
	int rc;

	sample_clear(out);
	if (len > FPARSE_MAX_FRAME)
		return PARSE_EFRAME;
	nl = memchr(text, '\n', len);
	if (!nl)
		return PARSE_EPROTO;
	n = (size_t)(nl - text);
	if (n > FPARSE_MAX_LINE)
		return PARSE_ELINE;
	if ((rc = check_line(text, n)) < 0 || (rc = parse_header(text, n, &h, 0)) < 0)
		return rc;
	if ((rc = parse_body(nl + 1, end, &h, out)) < 0)
		return rc;
	if (!(out->have & SP_STAT))
		return PARSE_EFORMAT;   /* a frame without %stat is useless */
	out->t = h.clock;
	out->wall = h.clock;
	out->seq = h.seq;
	return 0;
}

/* New incremental parser; caller frees with fparse_free(). */
struct fparse *fparse_new(void)
{
	return calloc(1, sizeof(struct fparse));
}

/* Free a parser; NULL is a no-op. */
void fparse_free(struct fparse *p)
{
	if (!p)
		return;
	free(p->frame);
	free(p->line);
	free(p->prev);
	free(p);
}

/* Forget any partial frame and wait for a new marker. */
void fparse_reset(struct fparse *p)
{
	p->state = FS_PREAMBLE;
	p->err = 0;
	p->preamble = 0;
	p->linelen = 0;
	p->framelen = 0;
	p->flags[0] = '\0';
	/* a new probe starts with a whole frame: no delta may reach back */
	free(p->prev);
	p->prev = NULL;
	p->prevlen = 0;
}

/* Header flags of the last complete frame ("" before the first). */
const char *fparse_flags(const struct fparse *p)
{
	return p->flags;
}

/* Append line [l, l+n) plus '\n' to the frame, within FPARSE_MAX_FRAME. */
static int frame_append(struct fparse *p, const char *l, size_t n)
{
	size_t need = p->framelen + n + 1, cap = p->framecap;
	char *nb;

	if (need > FPARSE_MAX_FRAME)
		return PARSE_EFRAME;
	if (need > cap) {
		cap = cap ? cap : 512;   /* a delta frame: a few hundred bytes */
		while (cap < need)
			cap *= 2;
		if (cap > FPARSE_MAX_FRAME)
			cap = FPARSE_MAX_FRAME;
		nb = realloc(p->frame, cap);
		if (!nb)
			return PARSE_EFRAME;
		p->frame = nb;
		p->framecap = cap;
	}
	memcpy(p->frame + p->framelen, l, n);
	p->frame[p->framelen + n] = '\n';
	p->framelen = need;
	return 0;
}

/* Begin a frame at header line [l, l+n). */
static int frame_start(struct fparse *p, const char *l, size_t n)
{
	int rc;

	if ((rc = check_line(l, n)) < 0 || (rc = parse_header(l, n, &p->hdr, 1)) < 0)
		return rc;
	p->framelen = 0;
	p->state = FS_FRAME;
	return frame_append(p, l, n);
}

/* Finish the collected frame: rebuild it when it is a delta, parse it,
 * hand it to the callback and keep it for the next delta. */
static int frame_finish(struct fparse *p, fparse_frame_fn fn, void *arg)
{
	char *full = p->frame, *nb;
	size_t len = p->framelen;
	int rc;

	if (p->hdr.ver == PROBE_PROTO_DELTA &&
	    (rc = frame_delta_apply(p->prev, p->prevlen, p->frame, p->framelen,
	                            &full, &len)) < 0)
		return rc;
	if ((rc = parse_frame(full, len, &scratch)) < 0) {
		if (full != p->frame)
			free(full);
		return rc;
	}
	memcpy(p->flags, p->hdr.flags, sizeof(p->flags));
	p->state = FS_BETWEEN;
	if (fn)
		fn(arg, &scratch, full, len);
	p->framelen = 0;
	/* Keep the frame, at its size, for the next delta.  A whole frame's
	 * buffer becomes the kept one, and the next frame starts a small one:
	 * deltas are a tenth of a whole frame (memory per node). */
	if (full == p->frame) {
		p->frame = NULL;
		p->framecap = 0;
	}
	nb = realloc(full, len);
	full = nb ? nb : full;
	free(p->prev);
	p->prev = full;
	p->prevlen = len;
	return 0;
}

/* Handle one complete line [l, l+n) (without its '\n'). */
static int on_line(struct fparse *p, const char *l, size_t n,
                   fparse_frame_fn fn, void *arg)
{
	const char *m;
	int rc;

	switch (p->state) {
	case FS_PREAMBLE:
		/* rc files may print without a final newline, so the first
		 * marker can start in the middle of a noise line. */
		m = memmem(l, n, MARK_START, strlen(MARK_START));
		if (m && is_marker(m, n - (size_t)(m - l), MARK_START))
			return frame_start(p, m, n - (size_t)(m - l));
		if (is_marker(l, n, MARK_END))
			return PARSE_EPROTO;
		p->preamble += n + 1;
		return p->preamble > FPARSE_MAX_PREAMBLE ? PARSE_ENOFRAME : 0;
	case FS_BETWEEN:
		if (!is_marker(l, n, MARK_START))
			return PARSE_EPROTO;
		return frame_start(p, l, n);
	case FS_FRAME:
		if ((rc = check_line(l, n)) < 0)
			return rc;
		if (is_marker(l, n, MARK_START))
			return PARSE_EPROTO;
		if ((rc = frame_append(p, l, n)) < 0)
			return rc;
		if (is_marker(l, n, MARK_END))
			return frame_finish(p, fn, arg);
		return 0;
	}
	return PARSE_EPROTO;
}

/* Make room for a partial line of need bytes (need <= FPARSE_MAX_LINE). */
static int line_grow(struct fparse *p, size_t need)
{
	size_t cap = p->linecap ? p->linecap : 256;
	while (cap < need)
		cap *= 2;
	if (cap > FPARSE_MAX_LINE)
		cap = FPARSE_MAX_LINE;
	char *l = realloc(p->line, cap);
	if (!l)
		return PARSE_EFRAME;   /* out of memory: as if the frame were too big */
	p->line = l;
	p->linecap = cap;
	return 0;
}

/* Feed bytes; complete frames go to fn.  Errors are sticky until reset. */
int fparse_feed(struct fparse *p, const char *buf, size_t len,
                fparse_frame_fn fn, void *arg)
{
	const char *nl;
	size_t n;
	int rc;

	if (p->err)
		return p->err;
	while (len > 0) {
		nl = memchr(buf, '\n', len);
		n = nl ? (size_t)(nl - buf) : len;
		if (p->linelen + n > FPARSE_MAX_LINE)
			return p->err = PARSE_ELINE;
		if (nl && p->linelen == 0) {
			/* a whole line in the buffer: parse it where it is */
			rc = on_line(p, buf, n, fn, arg);
		} else {
			if (p->linelen + n > p->linecap && (rc = line_grow(p, p->linelen + n)) < 0)
				return p->err = rc;
			memcpy(p->line + p->linelen, buf, n);
			p->linelen += n;
			if (!nl)
				break;
			rc = on_line(p, p->line, p->linelen, fn, arg);
			p->linelen = 0;
		}
		if (rc < 0)
			return p->err = rc;
		buf = nl + 1;
		len -= n + 1;
	}
	return 0;
}
