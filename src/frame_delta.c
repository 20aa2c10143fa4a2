/*
 * frame_delta.c — protocol 2 delta frame + the frame before it -> the
 * protocol 1 frame it stands for (format in frame_delta.h and probe.h).
 *
 * One pass over both texts: a cursor walks the previous frame's body
 * lines while the delta's ops are read in order, and the new frame is
 * written into a buffer that never grows past FPARSE_MAX_FRAME.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame_delta.h"
#include "parse.h"
#include "text.h"

#define MARK_START "@@DOPTOP"
#define MARK_END   "@@END"

/* The output frame, capped at FPARSE_MAX_FRAME bytes. */
struct obuf {
	char *p;
	size_t n, cap;
};

/* The previous frame's body: its non-empty lines before the end line. */
struct old_lines {
	const char *p, *end;
};

/* One line [p, p + n) of a text. */
struct line {
	const char *p;
	size_t n;
};

/* Append [s, s + n) to the output; PARSE_EFRAME past the cap or on OOM. */
static int put(struct obuf *o, const char *s, size_t n)
{
	size_t cap = o->cap;
	char *nb;

	if (n > FPARSE_MAX_FRAME - o->n)
		return PARSE_EFRAME;
	if (o->n + n > cap) {
		while (cap < o->n + n)
			cap *= 2;
		if (cap > FPARSE_MAX_FRAME)
			cap = FPARSE_MAX_FRAME;
		nb = realloc(o->p, cap);
		if (!nb)
			return PARSE_EFRAME;
		o->p = nb;
		o->cap = cap;
	}
	memcpy(o->p + o->n, s, n);
	o->n += n;
	return 0;
}

/* Next line of [*p, end) (without its '\n'); 0 when none is left. */
static int next_line(const char **p, const char *end, struct line *l)
{
	const char *nl;

	if (*p >= end)
		return 0;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	l->p = *p;
	l->n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
	*p = nl ? nl + 1 : end;
	return 1;
}

/* True when line l starts with marker word m. */
static int is_marker(struct line l, const char *m)
{
	size_t ml = strlen(m);

	return l.n >= ml && memcmp(l.p, m, ml) == 0 && (l.n == ml || l.p[ml] == ' ');
}

/* Next old body line (empty lines do not count: the bash loop splits its
 * frame on newlines, which drops them); 0 at the end line or the end. */
static int old_next(struct old_lines *o, struct line *l)
{
	const char *save;

	for (;;) {
		save = o->p;
		if (!next_line(&o->p, o->end, l))
			return 0;
		if (is_marker(*l, MARK_END)) {
			o->p = save;   /* stays at the end */
			return 0;
		}
		if (l->n > 0)
			return 1;
	}
}

/* True for the blanks the bash loop splits words on. */
static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Next word of [*p, end); 0 when none is left. */
static int next_word(const char **p, const char *end, struct line *w)
{
	while (*p < end && is_blank(**p))
		(*p)++;
	if (*p >= end)
		return 0;
	w->p = *p;
	while (*p < end && !is_blank(**p))
		(*p)++;
	w->n = (size_t)(*p - w->p);
	return 1;
}

/* Split word w into a prefix and its number: the digits it ends with,
 * 1..DELTA_NUM_DIGITS of them and no leading zero ("total=123" is
 * "total=" and 123, "0.52" is "0." and 52; else the bash loop sends the
 * word itself). */
static int word_number(struct line w, size_t *plen, int64_t *v)
{
	size_t i = w.n;
	uint64_t u;

	while (i > 0 && w.p[i - 1] >= '0' && w.p[i - 1] <= '9')
		i--;
	if (i == w.n || w.n - i > DELTA_NUM_DIGITS || (w.p[i] == '0' && w.n - i > 1) ||
	    text_u64(w.p + i, w.n - i, UINT64_MAX, &u) < 0)
		return PARSE_EDELTA;
	*plen = i;
	*v = (int64_t)u;
	return 0;
}

/* An item "-?DIGITS" as a number of at most DELTA_NUM_DIGITS digits. */
static int item_number(struct line it, int64_t *v)
{
	int neg = it.n > 0 && it.p[0] == '-';
	uint64_t u;

	if (it.n - (size_t)neg > DELTA_NUM_DIGITS ||
	    text_u64(it.p + neg, it.n - (size_t)neg, UINT64_MAX, &u) < 0)
		return PARSE_EDELTA;
	*v = neg ? -(int64_t)u : (int64_t)u;
	return 0;
}

/* The new text of one word: old word w with item it applied. */
static int apply_item(struct obuf *o, struct line w, struct line it)
{
	static const int64_t limit = 1000000000000000000LL;   /* 10^18 */
	char num[24];
	int64_t a, d;
	size_t plen;
	int rc, n;

	if (it.n == 0)
		return put(o, w.p, w.n);
	if (it.p[0] == '\'') {
		if (it.n < 2 || memchr(it.p, '\t', it.n))
			return PARSE_EDELTA;
		return put(o, it.p + 1, it.n - 1);
	}
	if ((rc = word_number(w, &plen, &a)) < 0 || (rc = item_number(it, &d)) < 0)
		return rc;
	a += d;   /* both below 10^18 in size: no overflow */
	if (a < 0 || a >= limit)
		return PARSE_EDELTA;
	n = snprintf(num, sizeof(num), "%lld", (long long)a);
	if ((rc = put(o, w.p, plen)) < 0)
		return rc;
	return put(o, num, (size_t)n);
}

/* "~ITEMS": old line ol with its words changed, joined by single blanks. */
static int apply_words(struct obuf *o, struct line ol, struct line items)
{
	const char *wp = ol.p, *wend = ol.p + ol.n;
	const char *ip = items.p, *iend = items.p + items.n;
	int first = 1, more_items = 1, rc;
	struct line w, it;

	while (next_word(&wp, wend, &w)) {
		it.p = ip;
		it.n = 0;
		if (more_items) {
			const char *sp = memchr(ip, ' ', (size_t)(iend - ip));
			it.n = sp ? (size_t)(sp - ip) : (size_t)(iend - ip);
			ip = sp ? sp + 1 : iend;
			more_items = sp != NULL;
		}
		if ((!first && (rc = put(o, " ", 1)) < 0) || (rc = apply_item(o, w, it)) < 0)
			return rc;
		first = 0;
	}
	/* items left over (or one after the last separator) have no word */
	return more_items && (ip < iend || ip > items.p) ? PARSE_EDELTA : 0;
}

/* Apply one op line of the delta's body (the new line it writes). */
static int apply_op1(struct obuf *o, struct old_lines *old, struct line op)
{
	struct line ol, rest = { op.p + 1, op.n - 1 };
	uint64_t count;
	int have, rc;

	if (op.n == 0)
		return PARSE_EDELTA;
	switch (op.p[0]) {
	case '=':
		if (text_u64(rest.p, rest.n, FPARSE_MAX_FRAME, &count) < 0 || count == 0)
			return PARSE_EDELTA;
		while (count-- > 0) {
			if (!old_next(old, &ol))
				return PARSE_EDELTA;
			if ((rc = put(o, ol.p, ol.n)) < 0 || (rc = put(o, "\n", 1)) < 0)
				return rc;
		}
		return 0;
	case '+':
		if (rest.n == 0)
			return PARSE_EDELTA;
		old_next(old, &ol);   /* the line it stands for, if any */
		if ((rc = put(o, rest.p, rest.n)) < 0)
			return rc;
		return put(o, "\n", 1);
	case '~':
		have = old_next(old, &ol);
		if (!have)
			return PARSE_EDELTA;
		if ((rc = apply_words(o, ol, rest)) < 0)
			return rc;
		return put(o, "\n", 1);
	}
	return PARSE_EDELTA;
}

/* Apply one op line; a new line must not be empty (it would vanish from
 * the next frame's line count) nor look like a frame marker. */
static int apply_op(struct obuf *o, struct old_lines *old, struct line op)
{
	size_t at = o->n;
	int rc = apply_op1(o, old, op);

	if (rc < 0 || op.p[0] == '=')
		return rc;
	if (o->n - at < 2 || (o->p[at] == '@' && o->p[at + 1] == '@'))
		return PARSE_EDELTA;
	return 0;
}

/* The header "@@DOPTOP 2 <rest>" of the delta as "@@DOPTOP 1 <rest>". */
static int put_header(struct obuf *o, struct line h)
{
	size_t ml = strlen(MARK_START);
	const char *p = h.p + ml, *end = h.p + h.n;

	if (!is_marker(h, MARK_START))
		return PARSE_EPROTO;
	while (p < end && *p == ' ')
		p++;
	if (end - p < 2 || p[0] != '2' || p[1] != ' ')
		return PARSE_EPROTO;
	if (put(o, MARK_START " 1", ml + 2) < 0)
		return PARSE_EFRAME;
	return put(o, p + 1, (size_t)(end - p - 1));
}

/* Rebuild the protocol 1 frame a delta frame stands for. */
int frame_delta_apply(const char *prev, size_t prevlen, const char *delta,
                      size_t dlen, char **out, size_t *outlen)
{
	const char *dp = delta, *dend = delta + dlen;
	struct obuf o = { NULL, 0, 0 };
	struct old_lines old = { prev, prev + prevlen };
	struct line l;
	int rc = PARSE_EPROTO;

	*out = NULL;
	*outlen = 0;
	if (!prev || prevlen == 0 || dlen > FPARSE_MAX_FRAME)
		return prev && prevlen ? PARSE_EFRAME : PARSE_EDELTA;
	o.cap = prevlen + dlen + 64;
	if (o.cap > FPARSE_MAX_FRAME)
		o.cap = FPARSE_MAX_FRAME;
	o.p = malloc(o.cap);
	if (!o.p)
		return PARSE_EFRAME;
	/* the previous frame's header is not part of its body */
	if (!next_line(&old.p, old.end, &l) || !is_marker(l, MARK_START)) {
		rc = PARSE_EDELTA;
		goto fail;
	}
	if (!next_line(&dp, dend, &l) || (rc = put_header(&o, l)) < 0 ||
	    (rc = put(&o, "\n", 1)) < 0)
		goto fail;
	rc = PARSE_EPROTO;   /* when no end line comes */
	while (next_line(&dp, dend, &l)) {
		if (is_marker(l, MARK_END)) {
			if ((rc = put(&o, l.p, l.n)) < 0 || (rc = put(&o, "\n", 1)) < 0 ||
			    (rc = put(&o, "", 1)) < 0)
				goto fail;
			*out = o.p;
			*outlen = o.n - 1;   /* NUL-terminated, for callers' ease */
			return 0;
		}
		if ((rc = apply_op(&o, &old, l)) < 0)
			goto fail;
		rc = PARSE_EPROTO;
	}
fail:
	free(o.p);
	return rc;
}
