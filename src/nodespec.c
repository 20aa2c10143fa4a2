/*
 * nodespec.c — expand --nodes specs (hosts, ranges, user@host:port, @FILE,
 * "local") into an ordered, de-duplicated node list.  Pure.
 */
#include "nodespec.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "text.h"

/* @FILE may name another @FILE, but only this deep (a loop ends here). */
#define NODESPEC_MAX_DEPTH 4
/* Longest line read from an @FILE; longer lines are an error. */
#define NODESPEC_MAX_LINE 4096
/* Longest number in a range: 9 digits keeps every value inside an int. */
#define NODESPEC_MAX_DIGITS 9

/* Expansion state for one nodespec_add() call. */
struct expand {
	struct node_list *list;
	size_t *slots;          /* open-addressing set of list indexes + 1 */
	size_t nslots;
	char why[320];
};

static int add_spec(struct expand *ex, const char *spec, int depth);

/* FNV-1a hash of a name, for the duplicate set. */
static size_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

/* Find name in the duplicate set: its slot (empty slot when absent). */
static size_t set_find(const struct expand *ex, const char *name)
{
	size_t i = name_hash(name) & (ex->nslots - 1);

	while (ex->slots[i] != 0 && strcmp(ex->list->v[ex->slots[i] - 1].name, name) != 0)
		i = (i + 1) & (ex->nslots - 1);
	return i;
}

/* Record a printable one-line reason, quoting (a sanitised copy of) item. */
static int fail(struct expand *ex, const char *what, const char *item)
{
	char q[96];
	size_t n = 0;

	for (; item && *item && n + 4 < sizeof(q); item++)
		q[n++] = isprint((unsigned char)*item) ? *item : '?';
	if (item && *item)
		n += (size_t)snprintf(q + n, sizeof(q) - n, "...");
	q[n] = '\0';
	snprintf(ex->why, sizeof(ex->why), item ? "%s: '%s'" : "%s", what, q);
	return -1;
}

/* Whether c may appear in a host name (letters, digits, '-', '.', '_', ':'). */
static bool host_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_' || c == ':';
}

/* Whether c may appear in a user name. */
static bool user_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

/* Append one fully expanded node unless its name is already present. */
static int push_node(struct expand *ex, const char *user, const char *host, int port,
                     bool local, const char *item)
{
	struct node_list *l = ex->list;
	char name[NODESPEC_MAX_NAME + 2];
	int len;

	if (port && strchr(host, ':'))
		len = snprintf(name, sizeof(name), "%s%s[%s]:%d", user ? user : "", user ? "@" : "",
		               host, port);
	else if (port)
		len = snprintf(name, sizeof(name), "%s%s%s:%d", user ? user : "", user ? "@" : "",
		               host, port);
	else
		len = snprintf(name, sizeof(name), "%s%s%s", user ? user : "", user ? "@" : "", host);
	if (len < 0 || len > NODESPEC_MAX_NAME)
		return fail(ex, "node name too long", item);
	size_t slot = set_find(ex, name);
	if (ex->slots[slot] != 0)
		return 0;
	if (l->n >= NODESPEC_MAX_NODES)
		return fail(ex, "more than 10000 nodes", NULL);
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct node_spec *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return fail(ex, "out of memory", NULL);
		l->v = v;
		l->cap = cap;
	}
	struct node_spec *ns = &l->v[l->n];
	memset(ns, 0, sizeof(*ns));
	ns->name = strdup(name);
	ns->host = strdup(host);
	ns->user = user ? strdup(user) : NULL;
	ns->port = port;
	ns->local = local;
	if (!ns->name || !ns->host || (user && !ns->user)) {
		free(ns->name);
		free(ns->host);
		free(ns->user);
		return fail(ex, "out of memory", NULL);
	}
	l->n++;
	ex->slots[slot] = l->n;
	return 0;
}

/* Parse a port number 1..65535 into *port. */
static int parse_port(struct expand *ex, const char *s, int *port, const char *item)
{
	long v = 0;

	if (!*s)
		return fail(ex, "empty port", item);
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return fail(ex, "port is not a number", item);
		v = v * 10 + (*s - '0');
		if (v > 65535)
			return fail(ex, "port out of range (1-65535)", item);
	}
	if (v == 0)
		return fail(ex, "port out of range (1-65535)", item);
	*port = (int)v;
	return 0;
}

/* Whether s[0..n) is "0" followed by more digits (explicitly zero-padded). */
static bool padded(const char *s, size_t n)
{
	return n > 1 && s[0] == '0';
}

/* Expand host (which may hold one "A..B" numeric range) and push each node. */
static int expand_host(struct expand *ex, const char *user, const char *host, int port,
                       const char *item)
{
	const char *dots = strstr(host, "..");

	if (!*host)
		return fail(ex, "empty host name", item);
	for (const char *p = host; *p; p++)
		if (!host_char(*p))
			return fail(ex, "character not allowed in host name", item);
	if (strlen(host) > NODESPEC_MAX_NAME)
		return fail(ex, "host name too long", item);
	if (!dots)
		return push_node(ex, user, host, port, false, item);

	const char *lo = dots, *hi = dots + 2, *hi_end = hi;
	while (lo > host && isdigit((unsigned char)lo[-1]))
		lo--;
	while (isdigit((unsigned char)*hi_end))
		hi_end++;
	size_t nlo = (size_t)(dots - lo), nhi = (size_t)(hi_end - hi);
	if (nlo == 0 || nhi == 0)
		return fail(ex, "range needs digits on both sides of '..'", item);
	if (strstr(hi_end, ".."))
		return fail(ex, "only one range per name", item);
	if (nlo > NODESPEC_MAX_DIGITS || nhi > NODESPEC_MAX_DIGITS)
		return fail(ex, "range bound too large", item);
	if ((padded(lo, nlo) || padded(hi, nhi)) && nlo != nhi)
		return fail(ex, "zero-padded range bounds differ in width", item);
	uint64_t ua, ub;
	if (text_u64(lo, nlo, UINT64_MAX, &ua) < 0 || text_u64(hi, nhi, UINT64_MAX, &ub) < 0)
		return fail(ex, "range bound too large", item);
	long a = (long)ua, b = (long)ub;
	if (a > b)
		return fail(ex, "reversed range", item);
	/* Fail before expanding: n0..99999999 must not allocate anything. */
	if ((size_t)(b - a) >= NODESPEC_MAX_NODES - ex->list->n)
		return fail(ex, "more than 10000 nodes", item);
	int width = padded(lo, nlo) ? (int)nlo : 0;
	int plen = (int)(lo - host);
	char name[2 * NODESPEC_MAX_NAME];
	for (long i = a; i <= b; i++) {
		int n = snprintf(name, sizeof(name), "%.*s%0*ld%s", plen, host, width, i, hi_end);
		if (n < 0 || n > NODESPEC_MAX_NAME)
			return fail(ex, "host name too long", item);
		if (push_node(ex, user, name, port, false, item) < 0)
			return -1;
	}
	return 0;
}

/* A pdsh/clush bracket list, "n[000-002,007]x": each part is a number or
 * a range A-B, the same as "n000..002x" and "n007x". */
static int expand_brackets(struct expand *ex, const char *user, char *host, int port,
                           const char *item)
{
	char *open = strchr(host, '['), *close = open ? strchr(open, ']') : NULL;
	char one[NODESPEC_MAX_NAME * 2 + 2];
	if (!close || strchr(close + 1, '[') || close == open + 1)
		return fail(ex, "bad [A-B] range (one bracket list per name, e.g. n[000-002,007])", item);
	*open = *close = '\0';
	for (char *save = NULL, *part = strtok_r(open + 1, ",", &save); part;
	     part = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(part, '-');
		for (const char *q = part; *q; q++)
			if (!isdigit((unsigned char)*q) && q != dash)
				return fail(ex, "a [range] holds numbers and A-B ranges only", item);
		if (dash && (dash == part || !dash[1] || strchr(dash + 1, '-')))
			return fail(ex, "a [range] holds numbers and A-B ranges only", item);
		if (dash)
			*dash = '\0';
		int n = snprintf(one, sizeof one, "%s%s%s%s%s", host, part, dash ? ".." : "",
		                 dash ? dash + 1 : "", close + 1);
		if (n < 0 || (size_t)n >= sizeof one)
			return fail(ex, "host name too long", item);
		if (expand_host(ex, user, one, port, item) < 0)
			return -1;
	}
	return 0;
}

/* A node_exporter URL: kept verbatim as the node's name and host. */
static int add_url(struct expand *ex, const char *item)
{
	const char *h = strstr(item, "://") + 3;
	size_t before = ex->list->n;

	if (!*h || *h == '/')
		return fail(ex, "URL without a host", item);
	for (const char *p = item; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '"' || *p == '\\')
			return fail(ex, "character not allowed in a URL", item);
	if (push_node(ex, NULL, item, 0, false, item) < 0)
		return -1;
	if (ex->list->n > before)
		ex->list->v[ex->list->n - 1].exporter = true;
	return 0;
}

/* Split "user@host:port" (or "[v6]:port") and expand it. */
static int add_item(struct expand *ex, const char *item)
{
	char buf[NODESPEC_MAX_NAME * 2 + 2];
	char *user = NULL, *host, *at, *colon;
	int port = 0;

	if (strlen(item) >= sizeof(buf))
		return fail(ex, "node name too long", item);
	if (strncmp(item, "http://", 7) == 0 || strncmp(item, "https://", 8) == 0)
		return add_url(ex, item);
	strcpy(buf, item);
	host = buf;
	if ((at = strchr(buf, '@')) != NULL) {
		*at = '\0';
		user = buf;
		host = at + 1;
		if (!*user)
			return fail(ex, "empty user name", item);
		for (const char *p = user; *p; p++)
			if (!user_char(*p))
				return fail(ex, "character not allowed in user name", item);
	}
	if (*host == '[') {
		char *close = strchr(host, ']');
		if (!close || (close[1] != '\0' && close[1] != ':'))
			return fail(ex, "bad [address]:port", item);
		*close = '\0';
		if (close[1] == ':' && parse_port(ex, close + 2, &port, item) < 0)
			return -1;
		host++;
	} else if ((colon = strchr(host, ':')) != NULL && !strchr(colon + 1, ':')) {
		*colon = '\0';
		if (parse_port(ex, colon + 1, &port, item) < 0)
			return -1;
	}
	if (!user && !port && strcmp(host, "local") == 0)
		return push_node(ex, NULL, "local", 0, true, item);
	if (strchr(host, '['))
		return expand_brackets(ex, user, host, port, item);
	return expand_host(ex, user, host, port, item);
}

/* A node file larger than this is not a node list. */
#define NODESPEC_MAX_FILE (4u << 20)

/* Read one line (without its newline) into buf.  1 for a line, 0 at the
 * end, -1 read error, -2 NUL byte, -3 line too long, -4 file too large. */
static int read_line(FILE *f, char *buf, size_t cap, size_t *total)
{
	size_t n = 0;
	int ch;
	while ((ch = getc(f)) != EOF) {
		if (++*total > NODESPEC_MAX_FILE)
			return -4;
		if (ch == '\n')
			break;
		if (ch == 0)
			return -2;
		if (n + 1 >= cap)
			return -3;
		buf[n++] = (char)ch;
	}
	buf[n] = 0;
	if (ch == EOF && ferror(f))
		return -1;
	return ch == EOF && n == 0 ? 0 : 1;
}

/* Add every spec in an @FILE: one spec (or comma list) a line, '#' comments. */
static int add_file(struct expand *ex, const char *path, int depth)
{
	char line[NODESPEC_MAX_LINE + 2];
	size_t total = 0;
	int rc = 0, got = 0;

	if (depth >= NODESPEC_MAX_DEPTH)
		return fail(ex, "@FILE nested too deep", path);
	FILE *f = fopen(path, "r");
	if (!f) {
		char what[128];
		snprintf(what, sizeof(what), "cannot read node file (%s)", strerror(errno));
		return fail(ex, what, path);
	}
	/* A bounded line reader: a NUL byte or a line past the cap ends it
	 * (fgets would spin forever on /dev/zero, getline would grow without
	 * bound), and so does a file past NODESPEC_MAX_FILE (/dev/urandom). */
	while (rc == 0 && (got = read_line(f, line, sizeof line, &total)) > 0) {
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		size_t n = strlen(line);
		while (n > 0 && isspace((unsigned char)line[n - 1]))
			line[--n] = '\0';
		char *s = line;
		while (isspace((unsigned char)*s))
			s++;
		if (*s)
			rc = add_spec(ex, s, depth + 1);
	}
	if (rc == 0 && got < 0)
		rc = fail(ex, got == -2 ? "not a text file (NUL byte)" : got == -3 ?
		          "line too long in node file" : got == -4 ? "node file too large" :
		          "error reading node file", path);
	fclose(f);
	return rc;
}

/* Add each comma-separated item of spec (spaces around items ignored). */
static int add_spec(struct expand *ex, const char *spec, int depth)
{
	const char *p = spec;

	for (;;) {
		/* a comma inside "n[1,3-5]" belongs to the bracket list */
		const char *end = p;
		int depth_b = 0;
		for (; *end && (*end != ',' || depth_b > 0); end++)
			depth_b += *end == '[' ? 1 : *end == ']' ? -1 : 0;
		if (!*end)
			end = NULL;
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char item[NODESPEC_MAX_NAME * 2 + 2];
		while (n > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == 0)
			return fail(ex, "empty node name in", spec);
		if (n >= sizeof(item))
			return fail(ex, "node name too long", spec);
		memcpy(item, p, n);
		item[n] = '\0';
		int rc = item[0] == '@' ? add_file(ex, item + 1, depth) : add_item(ex, item);
		if (rc < 0)
			return rc;
		if (!end)
			return 0;
		p = end + 1;
	}
}

/* Free the entries from index from onward. */
static void truncate_list(struct node_list *list, size_t from)
{
	for (size_t i = from; i < list->n; i++) {
		free(list->v[i].name);
		free(list->v[i].user);
		free(list->v[i].host);
	}
	list->n = from;
}

/* Expand one --nodes argument; on error the list is left as it was. */
int nodespec_add(struct node_list *list, const char *spec, const char **why)
{
	static char why_buf[320];
	struct expand ex = { .list = list };
	size_t start = list->n;
	int rc;

	ex.nslots = 32768;      /* power of two, > 2 * NODESPEC_MAX_NODES */
	ex.slots = calloc(ex.nslots, sizeof(*ex.slots));
	if (!ex.slots) {
		if (why)
			*why = "out of memory";
		return -1;
	}
	for (size_t i = 0; i < list->n; i++) {
		size_t slot = set_find(&ex, list->v[i].name);
		ex.slots[slot] = i + 1;
	}
	rc = spec ? add_spec(&ex, spec, 0) : fail(&ex, "empty node spec", NULL);
	free(ex.slots);
	if (rc < 0) {
		truncate_list(list, start);
		memcpy(why_buf, ex.why, sizeof(why_buf));
		if (why)
			*why = why_buf;
		return -1;
	}
	return 0;
}

/* Free every entry; the list itself may be reused. */
void nodespec_clear(struct node_list *list)
{
	truncate_list(list, 0);
	free(list->v);
	list->v = NULL;
	list->cap = 0;
}
