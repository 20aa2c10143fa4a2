/* prom_json.c — Prometheus HTTP API answers, parsed in one streaming walk
 * (see prom_json.h). */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "prom_json.h"
#include "text.h"

/* Unescaped labels of one series: every label name and value plus NULs. */
#define SCRATCH (EXPO_MAX_LABELS * 2 * (PROM_JSON_MAX_LABEL + 1) + PROM_JSON_MAX_LABEL + 1)
/* The server's "error" text kept for *why. */
#define ERRTEXT 256

/* The walk's state; err is sticky (first failure wins). */
struct js {
	const char *p, *end;
	int err;
	int depth;
};

static bool fail(struct js *j, int err)
{
	if (!j->err)
		j->err = err;
	return false;
}

static void ws(struct js *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

/* Expect character c (after blanks). */
static bool eat(struct js *j, char c)
{
	ws(j);
	if (j->p < j->end && *j->p == c) {
		j->p++;
		return true;
	}
	return fail(j, PROMJ_ESYNTAX);
}

/* Peek the next non-blank character, or 0 at the end. */
static char peek(struct js *j)
{
	ws(j);
	return j->p < j->end ? *j->p : 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Append code point cp as UTF-8; false when it does not fit. */
static bool put_utf8(char **o, char *oend, uint32_t cp)
{
	char b[4];
	int n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (oend - *o < n)
		return false;
	memcpy(*o, b, (size_t)n);
	*o += n;
	return true;
}

/* Four hex digits at j->p. */
static bool hex4(struct js *j, uint32_t *cp)
{
	*cp = 0;
	if (j->end - j->p < 4)
		return fail(j, PROMJ_ESYNTAX);
	for (int i = 0; i < 4; i++) {
		int h = hexval(j->p[i]);
		if (h < 0)
			return fail(j, PROMJ_ESYNTAX);
		*cp = *cp << 4 | (uint32_t)h;
	}
	j->p += 4;
	return true;
}

/* A string: unescaped into [*o, oend) plus a NUL when o is not NULL (at
 * most max bytes, else PROMJ_ETOOBIG), skipped otherwise.  Returns the
 * start of the copy (or "" when skipped), NULL on failure. */
static const char *string(struct js *j, char **o, char *oend, size_t max)
{
	char *start = o ? *o : NULL, *w = start;
	char *lim = o ? (oend - start > (ptrdiff_t)max + 1 ? start + max + 1 : oend) : NULL;

	if (!eat(j, '"'))
		return NULL;
	while (j->p < j->end && *j->p != '"') {
		unsigned char c = (unsigned char)*j->p++;
		uint32_t cp = c;
		if (c < 0x20)
			return fail(j, PROMJ_ESYNTAX), NULL;
		if (c == '\\') {
			if (j->p >= j->end)
				break;
			c = (unsigned char)*j->p++;
			switch (c) {
			case '"': case '\\': case '/': cp = c; break;
			case 'b': cp = '\b'; break;
			case 'f': cp = '\f'; break;
			case 'n': cp = '\n'; break;
			case 'r': cp = '\r'; break;
			case 't': cp = '\t'; break;
			case 'u':
				if (!hex4(j, &cp))
					return NULL;
				/* a surrogate pair is one code point */
				if (cp >= 0xd800 && cp < 0xdc00 && j->end - j->p >= 6 &&
				    j->p[0] == '\\' && j->p[1] == 'u') {
					uint32_t lo;
					j->p += 2;
					if (!hex4(j, &lo))
						return NULL;
					if (lo < 0xdc00 || lo > 0xdfff)
						return fail(j, PROMJ_ESYNTAX), NULL;
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				} else if (cp >= 0xd800 && cp < 0xe000) {
					cp = 0xfffd;
				}
				/* a NUL would cut the label short downstream */
				if (cp == 0)
					return fail(j, PROMJ_ESHAPE), NULL;
				break;
			default:
				return fail(j, PROMJ_ESYNTAX), NULL;
			}
			if (w && !put_utf8(&w, lim - 1, cp))
				return fail(j, PROMJ_ETOOBIG), NULL;
			continue;
		}
		if (w) {
			if (w >= lim - 1)
				return fail(j, PROMJ_ETOOBIG), NULL;
			*w++ = (char)c;
		}
	}
	if (j->p >= j->end)
		return fail(j, PROMJ_ESYNTAX), NULL;
	j->p++;
	if (!w)
		return "";
	*w++ = '\0';
	*o = w;
	return start;
}

/* A number token: its text in [*s, *s + *n). */
static bool number(struct js *j, const char **s, size_t *n)
{
	ws(j);
	*s = j->p;
	while (j->p < j->end && ((*j->p >= '0' && *j->p <= '9') || *j->p == '-' ||
	                         *j->p == '+' || *j->p == '.' || *j->p == 'e' || *j->p == 'E'))
		j->p++;
	*n = (size_t)(j->p - *s);
	return *n > 0 ? true : fail(j, PROMJ_ESYNTAX);
}

/* Open a '{' or '[' one level deeper.  1: members follow; 0: it was
 * empty and is closed again; -1: failed (past the depth cap, or another
 * character).  A container that was opened (1) ends with leave(). */
static int enter(struct js *j, char c)
{
	if (++j->depth > PROM_JSON_MAX_DEPTH)
		return fail(j, PROMJ_ETOOBIG), -1;
	if (!eat(j, c))
		return -1;
	if (peek(j) == (c == '{' ? '}' : ']')) {
		j->p++;
		j->depth--;
		return 0;
	}
	return 1;
}

/* Close what enter() opened with c. */
static bool leave(struct js *j, char c)
{
	j->depth--;
	return eat(j, c == '{' ? '}' : ']');
}

/* Copy a short string value into dst (longer ones become "", never
 * fail: keys and words that long are none of ours). */
static bool short_string(struct js *j, char *dst, size_t cap)
{
	char *o = dst;
	const char *save = j->p;

	if (string(j, &o, dst + cap, cap - 1))
		return true;
	if (j->err != PROMJ_ETOOBIG)
		return false;
	j->err = 0;
	j->p = save;
	dst[0] = '\0';
	return string(j, NULL, NULL, 0) != NULL;
}

static bool skip_value(struct js *j);

/* Walk an object's members: member(j, key, arg) is called with the key
 * (borrowed; "" for a key longer than 64 bytes) positioned at the value,
 * and must consume it. */
typedef bool (*member_fn)(struct js *j, const char *key, void *arg);

static bool object(struct js *j, member_fn member, void *arg)
{
	char key[65];
	int o = enter(j, '{');

	if (o <= 0)
		return o == 0;
	for (;;) {
		if (!short_string(j, key, sizeof key) || !eat(j, ':') || !member(j, key, arg))
			return false;
		if (peek(j) == ',') {
			j->p++;
			continue;
		}
		return leave(j, '{');
	}
}

static bool skip_member(struct js *j, const char *key, void *arg)
{
	(void)key;
	(void)arg;
	return skip_value(j);
}

/* Any value, skipped. */
static bool skip_value(struct js *j)
{
	char c = peek(j);

	if (c == '{')
		return object(j, skip_member, NULL);
	if (c == '[') {
		int o = enter(j, '[');
		if (o <= 0)
			return o == 0;
		do {
			if (!skip_value(j))
				return false;
		} while (peek(j) == ',' && j->p++);
		return leave(j, '[');
	}
	if (c == '"')
		return string(j, NULL, NULL, 0) != NULL;
	if (c == 't' || c == 'f' || c == 'n') {
		static const char *const lit[] = { "true", "false", "null" };
		for (int i = 0; i < 3; i++) {
			size_t n = strlen(lit[i]);
			if ((size_t)(j->end - j->p) >= n && memcmp(j->p, lit[i], n) == 0) {
				j->p += n;
				return true;
			}
		}
		return fail(j, PROMJ_ESYNTAX);
	}
	const char *s;
	size_t n;
	double d;
	if (!number(j, &s, &n))
		return false;
	return text_float(s, n, &d) == 0 ? true : fail(j, PROMJ_ESYNTAX);
}

/* What the walk of one answer collects. */
struct answer {
	char status[16];            /* "success", "error", "" when absent */
	char error[ERRTEXT];
	char rtype[16];             /* resultType */
	bool have_data;
	/* vector walk */
	expo_sample_fn fn;
	void *arg;
	char *scratch;
	struct expo_sample s;
	bool have_value;
	/* config walk */
	bool want_yaml;
	char *yaml;
	size_t yaml_cap;
	bool have_yaml;
};

/* The labels of one series, unescaped into the scratch buffer. */
static bool labels(struct js *j, struct answer *a)
{
	char *w = a->scratch, *wend = a->scratch + SCRATCH;
	int o;

	a->s.name = "";
	a->s.nlabels = 0;
	if ((o = enter(j, '{')) <= 0)
		return o == 0;
	for (;;) {
		const char *k, *v;
		if (!(k = string(j, &w, wend, PROM_JSON_MAX_LABEL)) || !eat(j, ':'))
			return false;
		if (peek(j) != '"')
			return fail(j, PROMJ_ESHAPE);
		if (!(v = string(j, &w, wend, PROM_JSON_MAX_LABEL)))
			return false;
		if (strcmp(k, "__name__") == 0) {
			a->s.name = v;
		} else {
			if (a->s.nlabels >= EXPO_MAX_LABELS)
				return fail(j, PROMJ_ETOOBIG);
			a->s.label[a->s.nlabels].name = k;
			a->s.label[a->s.nlabels].value = v;
			a->s.nlabels++;
		}
		if (peek(j) == ',') {
			j->p++;
			continue;
		}
		return leave(j, '{');
	}
}

/* "value": [time, "number"]. */
static bool value_pair(struct js *j, struct answer *a)
{
	const char *s;
	size_t n;
	double t;
	char num[64], *o = num;

	if (!eat(j, '[') || !number(j, &s, &n))
		return false;
	if (text_float(s, n, &t) < 0 || !isfinite(t))
		return fail(j, PROMJ_ENUMBER);
	if (!eat(j, ','))
		return false;
	if (peek(j) != '"')
		return fail(j, PROMJ_ESHAPE);
	const char *save = j->p;
	if (!string(j, &o, num + sizeof num, sizeof num - 1)) {
		if (j->err == PROMJ_ETOOBIG) {
			j->err = 0;
			j->p = save;
			return fail(j, PROMJ_ENUMBER);
		}
		return false;
	}
	if (text_float(num, strlen(num), &a->s.value) < 0)
		return fail(j, PROMJ_ENUMBER);
	a->have_value = true;
	return eat(j, ']');
}

static bool series_member(struct js *j, const char *key, void *arg)
{
	struct answer *a = arg;

	if (strcmp(key, "metric") == 0)
		return labels(j, a);
	if (strcmp(key, "value") == 0)
		return value_pair(j, a);
	if (strcmp(key, "values") == 0)           /* a range answer: not ours */
		return fail(j, PROMJ_ESHAPE);
	return skip_value(j);
}

/* "result": [series, ...], each handed to the callback. */
static bool result(struct js *j, struct answer *a)
{
	int o = enter(j, '[');

	if (o <= 0)
		return o == 0;
	do {
		memset(&a->s, 0, sizeof a->s);
		a->s.name = "";
		a->have_value = false;
		if (peek(j) != '{')
			return fail(j, PROMJ_ESHAPE);
		if (!object(j, series_member, a))
			return false;
		if (!a->have_value)
			return fail(j, PROMJ_ESHAPE);
		if (a->fn(a->arg, &a->s) != 0)
			return fail(j, PROMJ_ESTOP);
	} while (peek(j) == ',' && j->p++);
	return leave(j, '[');
}

static bool data_member(struct js *j, const char *key, void *arg)
{
	struct answer *a = arg;

	if (strcmp(key, "resultType") == 0)
		return peek(j) == '"' ? short_string(j, a->rtype, sizeof a->rtype)
		                      : fail(j, PROMJ_ESHAPE);
	if (strcmp(key, "result") == 0 && a->fn)
		return peek(j) == '[' ? result(j, a) : fail(j, PROMJ_ESHAPE);
	if (strcmp(key, "yaml") == 0 && a->want_yaml) {
		char *o = a->yaml;
		if (peek(j) != '"')
			return fail(j, PROMJ_ESHAPE);
		a->have_yaml = string(j, &o, a->yaml + a->yaml_cap, a->yaml_cap - 1) != NULL;
		return a->have_yaml;
	}
	return skip_value(j);
}

static bool root_member(struct js *j, const char *key, void *arg)
{
	struct answer *a = arg;

	if (strcmp(key, "status") == 0)
		return peek(j) == '"' ? short_string(j, a->status, sizeof a->status)
		                      : fail(j, PROMJ_ESHAPE);
	if (strcmp(key, "error") == 0 && peek(j) == '"')
		return short_string(j, a->error, sizeof a->error);
	if (strcmp(key, "data") == 0) {
		if (peek(j) != '{')
			return skip_value(j);
		a->have_data = true;
		return object(j, data_member, a);
	}
	return skip_value(j);
}

/* Walk a whole answer; 0 or a PROMJ_E* code, with a reason in why. */
static int walk(const char *body, size_t len, struct answer *a, char *why, size_t cap)
{
	struct js j = { body, body + len, 0, 0 };

	if (why && cap)
		why[0] = '\0';
	if (len > PROM_JSON_MAX_BODY)
		return PROMJ_ETOOBIG;
	if (peek(&j) != '{')
		j.err = PROMJ_ESYNTAX;
	else if (object(&j, root_member, a) && peek(&j) != 0)
		j.err = PROMJ_ESYNTAX;
	if (!j.err && strcmp(a->status, "success") != 0) {
		j.err = strcmp(a->status, "error") == 0 ? PROMJ_ESERVER : PROMJ_ESHAPE;
		if (why && cap)
			snprintf(why, cap, "%s", a->error[0] ? a->error : "status is not success");
	} else if (j.err && why && cap) {
		snprintf(why, cap, "%s at byte %zu", err_text(j.err),
		         (size_t)(j.p - body));
	}
	return j.err;
}

int prom_json_vector(const char *body, size_t len, expo_sample_fn fn, void *arg,
                     char *why, size_t cap)
{
	static _Thread_local char scratch[SCRATCH];
	struct answer a;
	int rc;

	memset(&a, 0, sizeof a);
	a.fn = fn;
	a.arg = arg;
	a.scratch = scratch;
	rc = walk(body, len, &a, why, cap);
	if (rc == 0 && (!a.have_data || strcmp(a.rtype, "vector") != 0)) {
		rc = PROMJ_ESHAPE;
		if (why && cap)
			snprintf(why, cap, "not an instant vector");
	}
	return rc;
}

int prom_duration(const char *s, size_t n, double *secs)
{
	static const struct { const char *u; double f; } unit[] = {
		{ "ms", 1e-3 }, { "s", 1 }, { "m", 60 }, { "h", 3600 },
		{ "d", 86400 }, { "w", 604800 }, { "y", 31536000 },
	};
	double total = 0;
	size_t i = 0;

	if (n == 0)
		return -1;
	while (i < n) {
		uint64_t v;
		size_t d = i, k;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		/* at most 12 digits a number: ~31,000 years of seconds */
		if (text_u64(s + d, i - d, 999999999999ull, &v) < 0)
			return -1;
		for (k = 0; k < sizeof unit / sizeof unit[0]; k++) {
			size_t ul = strlen(unit[k].u);
			/* "m" must not take the "m" of "ms" */
			if (i + ul <= n && strncmp(s + i, unit[k].u, ul) == 0 &&
			    !(ul == 1 && unit[k].u[0] == 'm' && i + 1 < n && s[i + 1] == 's'))
				break;
		}
		if (k == sizeof unit / sizeof unit[0])
			return -1;
		total += (double)v * unit[k].f;
		i += strlen(unit[k].u);
	}
	*secs = total;
	return 0;
}

int prom_json_scrape_interval(const char *body, size_t len, double *secs)
{
	static _Thread_local char yaml[256 * 1024];
	const char *p, *key = "scrape_interval:";
	struct answer a;
	double best = 0, d;
	int rc;

	memset(&a, 0, sizeof a);
	a.want_yaml = true;
	a.yaml = yaml;
	a.yaml_cap = sizeof yaml;
	if ((rc = walk(body, len, &a, NULL, 0)) < 0)
		return rc;
	if (!a.have_yaml)
		return PROMJ_ESHAPE;
	/* The server prints its own YAML: one "scrape_interval: 15s" line
	 * under global: and one per job; the largest bounds every target. */
	for (p = yaml; (p = strstr(p, key)); ) {
		const char *v = p + strlen(key), *e;
		if (p > yaml && p[-1] != ' ' && p[-1] != '\n') {
			p = v;
			continue;
		}
		while (*v == ' ')
			v++;
		for (e = v; *e && *e != '\n' && *e != ' '; e++)
			;
		if (prom_duration(v, (size_t)(e - v), &d) == 0 && d > best)
			best = d;
		p = e;
	}
	if (!(best > 0))
		return PROMJ_ESHAPE;
	*secs = best;
	return 0;
}
