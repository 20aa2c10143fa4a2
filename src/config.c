/* config.c — the user's config file (see config.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "columns.h"
#include "config.h"
#include "text.h"
#include "kvline.h"
#include "text.h"

/* Undo the quoting of a value written as "..." (\" and \\ inside) in
 * place; a value without a leading quote is kept as it is.  0, or -1
 * with a reason. */
static int unquote(char *v, const char **why)
{
	if (v[0] != '"')
		return 0;
	char *o = v;
	for (const char *p = v + 1;; p++) {
		if (!*p) {
			*why = "a quote is not closed (write \\\" for a quote inside quotes)";
			return -1;
		}
		if (*p == '"') {
			if (p[1]) {
				*why = "text after the closing quote";
				return -1;
			}
			break;
		}
		if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		*o++ = *p;
	}
	*o = 0;
	return 0;
}

/* Copy a value that must fit; 0 or -1. */
static int put(char *dst, size_t cap, const char *v)
{
	if (strlen(v) >= cap || !v[0])
		return -1;
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

/* Apply one `key = value` line.  0, or -1 with a reason. */
static int apply(struct config *c, char *ln, const char **why)
{
	char *eq = strchr(ln, '=');
	if (!eq) {
		*why = "expected `key = value`";
		return -1;
	}
	*eq = 0;
	char *k = kvline_trim(ln), *v = kvline_trim(eq + 1);
	if (unquote(v, why) < 0)
		return -1;
	*why = "value missing or too long";
	if (strcmp(k, "theme") == 0)
		return put(c->theme, sizeof c->theme, v);
	if (strcmp(k, "nodes") == 0)
		return put(c->nodes, sizeof c->nodes, v);
	if (strcmp(k, "columns") == 0) {
		/* Checked here, so a bad name fails the same in every mode. */
		static char msg[TEXT_LINE_MAX + 64];
		bool want[NCOLS];
		char bad[64];
		const char *cwhy;
		if (columns_parse(v, want, bad, sizeof bad, &cwhy) < 0) {
			snprintf(msg, sizeof msg, "column '%.60s': %s", bad, cwhy);
			*why = msg;
			return -1;
		}
		return put(c->columns, sizeof c->columns, v);
	}
	if (strcmp(k, "interval") == 0) {
		double d;
		if (text_decimal_str(v, INTERVAL_MIN_S, INTERVAL_MAX_S, &d) < 0) {
			*why = "interval must be " TEXT_STR(INTERVAL_MIN_S) " to "
			       TEXT_STR(INTERVAL_MAX_S) " seconds";
			return -1;
		}
		c->interval = d;
		return 0;
	}
	if (strcmp(k, "no-color") == 0 || strcmp(k, "no_color") == 0) {
		if (strcmp(v, "true") && strcmp(v, "yes") && strcmp(v, "1") &&
		    strcmp(v, "false") && strcmp(v, "no") && strcmp(v, "0")) {
			*why = "no-color takes true or false";
			return -1;
		}
		c->no_color = !strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1");
		return 0;
	}
	if (strcmp(k, "sort") == 0) {
		if (strcmp(v, "order") != 0) {
			bool want[NCOLS];
			char bad[64];
			const char *cwhy;
			if (columns_parse(v, want, bad, sizeof bad, &cwhy) < 0 || strchr(v, ',')) {
				*why = "sort takes one column name or order";
				return -1;
			}
		}
		return put(c->sort, sizeof c->sort, v);
	}
	if (strcmp(k, "filter") == 0)
		return put(c->filter, sizeof c->filter, v);
	if (strcmp(k, "reverse") == 0 || strcmp(k, "group") == 0) {
		bool yes = !strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1");
		if (!yes && strcmp(v, "false") && strcmp(v, "no") && strcmp(v, "0")) {
			*why = "reverse and group take true or false";
			return -1;
		}
		if (k[0] == 'r')
			c->reverse = yes;
		else
			c->group = yes;
		return 0;
	}
	*why = "unknown key (theme, nodes, interval, columns, no-color, sort, reverse, group, filter)";
	return -1;
}

int config_parse(struct config *c, const char *text, size_t len, int *bad_line,
                 const char **why)
{
	char ln[4200], *s;
	size_t i = 0;
	int lineno = 0, r;
	memset(c, 0, sizeof *c);
	while ((r = kvline_next(text, len, &i, ln, sizeof ln, &lineno, &s, why)) > 0)
		if (*s && apply(c, s, why) < 0)
			break;
	*bad_line = r == 0 ? 0 : lineno;
	return r == 0 ? 0 : -1;
}

int config_path(char *buf, size_t cap)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	int n;
	if (x && x[0])
		n = snprintf(buf, cap, "%s/doptop/config", x);
	else if (home && home[0])
		n = snprintf(buf, cap, "%s/.config/doptop/config", home);
	else
		return -1;
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

int config_load(struct config *c, const char *path, char *why, size_t cap)
{
	char p[1024];
	memset(c, 0, sizeof *c);
	if (!path) {
		if (config_path(p, sizeof p) < 0)
			return 1;
		path = p;
	}
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return 1;
		snprintf(why, cap, "%.300s: %s", path, strerror(errno));
		return -1;
	}
	char *buf = malloc(CONFIG_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		snprintf(why, cap, "out of memory");
		return -1;
	}
	size_t len = fread(buf, 1, CONFIG_FILE_MAX + 1, f);
	fclose(f);
	int bad, rc = 0;
	const char *r = "";
	if (len > CONFIG_FILE_MAX) {
		snprintf(why, cap, "%.300s: larger than %d bytes", path, CONFIG_FILE_MAX);
		rc = -1;
	} else if (config_parse(c, buf, len, &bad, &r) < 0) {
		snprintf(why, cap, "%.300s line %d: %s", path, bad, r);
		rc = -1;
	}
	free(buf);
	return rc;
}

/* The key of a `key = value` line (trimmed, into k), or "" for a comment
 * or blank line. */
static void line_key(const char *ln, size_t n, char *k, size_t cap)
{
	size_t i = 0, j = 0;
	k[0] = 0;
	while (i < n && (ln[i] == ' ' || ln[i] == '\t'))
		i++;
	if (i >= n || ln[i] == '#')
		return;
	while (i < n && ln[i] != '=' && ln[i] != ' ' && ln[i] != '\t' && j + 1 < cap)
		k[j++] = ln[i++];
	k[j] = 0;
}

/* Write `key = value`, the value in double quotes (\" and \\ escaped)
 * when it holds what a plain value cannot: '#', a quote, a backslash, or
 * blanks at its ends (trimmed when read). */
static void put_line(FILE *w, const char *key, const char *v)
{
	size_t n = strlen(v);
	if (!strpbrk(v, "#\"\\") && n && v[0] != ' ' && v[0] != '\t' &&
	    v[n - 1] != ' ' && v[n - 1] != '\t') {
		fprintf(w, "%s = %s\n", key, v);
		return;
	}
	fprintf(w, "%s = \"", key);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			fputc('\\', w);
		fputc(*v, w);
	}
	fputs("\"\n", w);
}

int config_save_view(const char *path, const struct config_view *v, const char **why)
{
	static const char *const keys[] = { "sort", "reverse", "group", "filter", "columns", "theme" };
	const char *vals[6] = { v->sort, v->reverse ? "true" : "false", v->group ? "true" : "false",
	                        v->filter, v->columns, v->theme };
	bool done[6] = { false };
	char *old = NULL, tmp[1100], dir[1024], k[32];
	size_t len = 0;
	FILE *f = fopen(path, "r");
	if (f) {
		old = malloc(CONFIG_FILE_MAX + 1);
		len = old ? fread(old, 1, CONFIG_FILE_MAX, f) : 0;
		fclose(f);
		if (!old) {
			*why = "out of memory";
			return -1;
		}
	}
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash) {
		*slash = 0;
		mkdir(dir, 0755);      /* EEXIST is fine; a real failure shows at fopen */
	}
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *w = fopen(tmp, "w");
	if (!w) {
		free(old);
		*why = strerror(errno);
		return -1;
	}
	for (size_t i = 0; i < len;) {
		size_t e = i;
		while (e < len && old[e] != '\n')
			e++;
		line_key(old + i, e - i, k, sizeof k);
		int hit = -1;
		for (int q = 0; q < 6; q++)
			if (strcmp(k, keys[q]) == 0)
				hit = q;
		if (hit < 0 || !vals[hit]) {
			fwrite(old + i, 1, e - i, w);
			fputc('\n', w);
		} else if (!done[hit] && (vals[hit][0] || hit != 3)) {
			put_line(w, keys[hit], vals[hit]);
		}
		if (hit >= 0)
			done[hit] = true;
		i = e + 1;
	}
	/* an empty filter is no line at all (the value may not be empty) */
	for (int q = 0; q < 6; q++)
		if (!done[q] && vals[q] && vals[q][0])
			put_line(w, keys[q], vals[q]);
	free(old);
	if (fclose(w) != 0 || rename(tmp, path) != 0) {
		*why = strerror(errno);
		unlink(tmp);
		return -1;
	}
	return 0;
}
