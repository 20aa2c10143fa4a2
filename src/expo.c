/* expo.c — Prometheus text exposition format: parser and writer (see expo.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"
#include "text.h"

/* Room for one number written by put_number(). */
#define NUM_MAX 64

static bool name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

static bool name_char(char c)
{
	return name_start(c) || (c >= '0' && c <= '9');
}

static const char *skip_blank(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* Copy a name [p, e) starting at p into the scratch area; NULL if none. */
static const char *take_name(const char **pp, const char *e, char **w, char *wend,
                             bool colon_ok)
{
	const char *p = *pp, *start = p;
	char *out = *w;

	if (p >= e || !name_start(*p) || (!colon_ok && *p == ':'))
		return NULL;
	while (p < e && name_char(*p) && (colon_ok || *p != ':'))
		p++;
	if ((size_t)(p - start) + 1 > (size_t)(wend - out))
		return NULL;
	memcpy(out, start, (size_t)(p - start));
	out[p - start] = '\0';
	*w = out + (p - start) + 1;
	*pp = p;
	return out;
}

/* A quoted label value at *pp (after the '"'), unescaped into scratch. */
static const char *take_value(const char **pp, const char *e, char **w, char *wend)
{
	const char *p = *pp;
	char *out = *w, *o = out;

	while (p < e && *p != '"') {
		char c = *p++;
		if (c == '\\') {
			if (p >= e)
				return NULL;
			c = *p++;
			if (c == 'n')
				c = '\n';
			else if (c != '\\' && c != '"')
				return NULL;
		}
		if (o + 1 >= wend)
			return NULL;
		*o++ = c;
	}
	if (p >= e)
		return NULL;
	*o++ = '\0';
	*w = o;
	*pp = p + 1;
	return out;
}

/* The {...} label set at *pp (after the '{'). */
static int take_labels(const char **pp, const char *e, char **w, char *wend,
                       struct expo_sample *s)
{
	const char *p = skip_blank(*pp, e);

	while (p < e && *p != '}') {
		struct expo_label *l;
		if (s->nlabels >= EXPO_MAX_LABELS)
			return -1;
		l = &s->label[s->nlabels];
		if (!(l->name = take_name(&p, e, w, wend, false)))
			return -1;
		p = skip_blank(p, e);
		if (p >= e || *p++ != '=')
			return -1;
		p = skip_blank(p, e);
		if (p >= e || *p++ != '"')
			return -1;
		if (!(l->value = take_value(&p, e, w, wend)))
			return -1;
		s->nlabels++;
		p = skip_blank(p, e);
		if (p < e && *p == ',')
			p = skip_blank(p + 1, e);
		else if (p < e && *p != '}')
			return -1;
	}
	if (p >= e)
		return -1;
	*pp = p + 1;
	return 0;
}

/* One sample line [p, e) into s (strings in scratch).  0 or -1. */
static int parse_line(const char *p, const char *e, char *scratch, size_t cap,
                      struct expo_sample *s)
{
	char *w = scratch, *wend = scratch + cap;
	const char *v;

	memset(s, 0, sizeof *s);
	if (!(s->name = take_name(&p, e, &w, wend, true)))
		return -1;
	p = skip_blank(p, e);
	if (p < e && *p == '{') {
		p++;
		if (take_labels(&p, e, &w, wend, s) < 0)
			return -1;
		p = skip_blank(p, e);
	}
	v = p;
	while (p < e && *p != ' ' && *p != '\t')
		p++;
	if (text_float(v, (size_t)(p - v), &s->value) < 0)
		return -1;
	p = skip_blank(p, e);
	if (p < e) {            /* optional timestamp: an integer of ms */
		const char *t = p;
		if (*p == '-')
			p++;
		while (p < e && *p >= '0' && *p <= '9')
			p++;
		if (p == t || p - t > 20)
			return -1;
		p = skip_blank(p, e);
	}
	return p == e ? 0 : -1;
}

int expo_parse(const char *text, size_t len, expo_sample_fn fn, void *arg,
               size_t *err_line)
{
	struct expo_sample s;
	const char *p = text, *end = text + len;
	size_t line = 0;
	char *scratch = malloc(EXPO_MAX_LINE + 1);
	int rc = 0;

	if (!scratch)
		return EXPO_ENOMEM;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		line++;
		if (e - p > EXPO_MAX_LINE || memchr(p, '\0', (size_t)(e - p))) {
			rc = EXPO_EFORMAT;
			break;
		}
		const char *q = skip_blank(p, e);
		const char *qe = e;
		if (qe > q && qe[-1] == '\r')
			qe--;
		if (q < qe && *q != '#') {
			if (parse_line(q, qe, scratch, EXPO_MAX_LINE + 1, &s) < 0) {
				rc = EXPO_EFORMAT;
				break;
			}
			if (fn(arg, &s) != 0) {
				rc = EXPO_ESTOP;
				break;
			}
		}
		p = nl ? nl + 1 : end;
	}
	free(scratch);
	if (rc && err_line)
		*err_line = line;
	return rc;
}

const char *expo_label(const struct expo_sample *s, const char *name)
{
	for (int i = 0; i < s->nlabels; i++)
		if (strcmp(s->label[i].name, name) == 0)
			return s->label[i].value;
	return NULL;
}

void expo_buf_free(struct expo_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

/* Make room for n more bytes plus a NUL; false (and b->oom) on failure. */
static bool reserve(struct expo_buf *b, size_t n)
{
	if (b->oom)
		return false;
	if (b->len + n + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + n + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void expo_buf_printf(struct expo_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void expo_write_family(struct expo_buf *b, const char *name, const char *type,
                       const char *help)
{
	expo_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Append a label value with \\, \" and \n escaped. */
static void put_escaped(struct expo_buf *b, const char *v)
{
	for (; *v; v++) {
		if (!reserve(b, 2))
			return;
		if (*v == '\\' || *v == '"') {
			b->p[b->len++] = '\\';
			b->p[b->len++] = *v;
		} else if (*v == '\n') {
			b->p[b->len++] = '\\';
			b->p[b->len++] = 'n';
		} else {
			b->p[b->len++] = *v;
		}
	}
	if (b->p)
		b->p[b->len] = '\0';
}

/* A float as the format spells it, independent of the process locale. */
static void put_number(struct expo_buf *b, double v)
{
	char num[NUM_MAX];

	if (isnan(v)) {
		expo_buf_printf(b, "NaN");
		return;
	}
	if (isinf(v)) {
		expo_buf_printf(b, "%sInf", v < 0 ? "-" : "+");
		return;
	}
	if (v == floor(v) && fabs(v) < 1e15) {
		expo_buf_printf(b, "%.0f", v);
		return;
	}
	snprintf(num, sizeof num, "%.6g", v);
	for (char *c = num; *c; c++)     /* a comma from LC_NUMERIC */
		if (*c == ',')
			*c = '.';
	expo_buf_printf(b, "%s", num);
}

void expo_write_sample(struct expo_buf *b, const char *name,
                       const char *const *labels, int nlabels, double value)
{
	expo_buf_printf(b, "%s", name);
	for (int i = 0; i < nlabels; i++) {
		expo_buf_printf(b, "%s%s=\"", i ? "," : "{", labels[2 * i]);
		put_escaped(b, labels[2 * i + 1]);
		expo_buf_printf(b, "\"");
	}
	if (nlabels > 0)
		expo_buf_printf(b, "}");
	expo_buf_printf(b, " ");
	put_number(b, value);
	expo_buf_printf(b, "\n");
}
