/* theme.c — theme files: parse, search, list (see theme.h). */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "theme.h"
#include "kvline.h"
#include "text.h"

#ifndef DOPTOP_DATADIR
#define DOPTOP_DATADIR "/usr/local/share/doptop"
#endif

static const char *const elem_names[TE_COUNT] = {
	[TE_NORMAL] = "normal", [TE_CPU_USER] = "cpu_user", [TE_CPU_SYSTEM] = "cpu_system",
	[TE_CPU_IOWAIT] = "cpu_iowait", [TE_CPU_STEAL] = "cpu_steal", [TE_HEADER] = "header",
	[TE_TITLE] = "title", [TE_LABEL] = "label", [TE_DIM] = "dim",
	[TE_SELECTION] = "selection", [TE_FOOTER] = "footer",
	[TE_VERDICT_CPU_BOUND] = "verdict_cpu_bound",
	[TE_VERDICT_SYSCALL_HEAVY] = "verdict_syscall_heavy",
	[TE_VERDICT_IO_STARVED] = "verdict_io_starved",
	[TE_VERDICT_UNDERUSED] = "verdict_underused", [TE_VERDICT_IDLE] = "verdict_idle",
	[TE_VERDICT_UNKNOWN] = "verdict_unknown", [TE_STATE_UP] = "state_up",
	[TE_STATE_CONNECTING] = "state_connecting", [TE_STATE_DOWN] = "state_down",
	[TE_STATE_STALE] = "state_stale", [TE_STALLED] = "stalled", [TE_PROGRESS] = "progress",
	[TE_GROUP] = "group", [TE_DSTATE] = "dstate", [TE_GRAPH_A] = "graph_a",
	[TE_GRAPH_B] = "graph_b",
};

static const char *const color_names[8] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
};

/* The compiled-in default: htop's palette (green user, red system, grey
 * iowait, cyan steal, black-on-green headers, black-on-cyan selection). */
static const struct theme_style default_styles[TE_COUNT] = {
	[TE_NORMAL] = { -1, -1, 0 }, [TE_CPU_USER] = { 2, -1, 0 },
	[TE_CPU_SYSTEM] = { 1, -1, 0 }, [TE_CPU_IOWAIT] = { 8, -1, THEME_BOLD },
	[TE_CPU_STEAL] = { 6, -1, 0 }, [TE_HEADER] = { 0, 2, 0 },
	[TE_TITLE] = { 6, -1, THEME_BOLD }, [TE_LABEL] = { 6, -1, 0 },
	[TE_DIM] = { 8, -1, 0 }, [TE_SELECTION] = { 0, 6, 0 }, [TE_FOOTER] = { 6, -1, 0 },
	[TE_VERDICT_CPU_BOUND] = { 2, -1, THEME_BOLD },
	[TE_VERDICT_SYSCALL_HEAVY] = { 1, -1, THEME_BOLD },
	[TE_VERDICT_IO_STARVED] = { 3, -1, THEME_BOLD },
	[TE_VERDICT_UNDERUSED] = { 6, -1, 0 }, [TE_VERDICT_IDLE] = { -1, -1, 0 },
	[TE_VERDICT_UNKNOWN] = { 8, -1, 0 }, [TE_STATE_UP] = { 2, -1, 0 },
	[TE_STATE_CONNECTING] = { 8, -1, 0 }, [TE_STATE_DOWN] = { 1, -1, THEME_BOLD },
	[TE_STATE_STALE] = { 3, -1, 0 }, [TE_STALLED] = { 7, 1, THEME_BOLD },
	[TE_PROGRESS] = { 4, -1, THEME_BOLD }, [TE_GROUP] = { 3, -1, THEME_BOLD },
	[TE_DSTATE] = { 1, -1, THEME_BOLD }, [TE_GRAPH_A] = { 2, -1, 0 },
	[TE_GRAPH_B] = { 5, -1, 0 },
};

const char *theme_elem_name(enum theme_elem e)
{
	return (int)e >= 0 && e < TE_COUNT ? elem_names[e] : NULL;
}

/* Mono: no colour; the elements that must stand out get attributes. */
static void mono_styles(struct theme *t)
{
	for (int e = 0; e < TE_COUNT; e++)
		t->s[e] = (struct theme_style){ -1, -1, 0 };
	t->s[TE_HEADER].attrs = THEME_REVERSE;
	t->s[TE_SELECTION].attrs = THEME_REVERSE;
	t->s[TE_TITLE].attrs = THEME_BOLD;
	t->s[TE_STALLED].attrs = THEME_BOLD | THEME_REVERSE;
	t->s[TE_STATE_DOWN].attrs = THEME_BOLD;
	t->s[TE_VERDICT_SYSCALL_HEAVY].attrs = THEME_BOLD;
	t->s[TE_VERDICT_IO_STARVED].attrs = THEME_BOLD;
	t->s[TE_GROUP].attrs = THEME_BOLD | THEME_UNDERLINE;
	t->s[TE_DSTATE].attrs = THEME_BOLD;
	t->s[TE_DIM].attrs = THEME_DIM;
}

int theme_builtin(struct theme *t, const char *name)
{
	memset(t, 0, sizeof *t);
	if (!name || strcmp(name, "default") == 0) {
		snprintf(t->name, sizeof t->name, "default");
		memcpy(t->s, default_styles, sizeof t->s);
		return 0;
	}
	if (strcmp(name, "mono") == 0) {
		snprintf(t->name, sizeof t->name, "mono");
		t->mono = true;
		mono_styles(t);
		return 0;
	}
	theme_builtin(t, "default");
	return -1;
}

int theme_color(const char *w, short *out)
{
	if (strcmp(w, "default") == 0 || strcmp(w, "none") == 0) {
		*out = -1;
		return 0;
	}
	if (isdigit((unsigned char)w[0])) {
		uint64_t v;
		if (text_u64_str(w, 255, &v) < 0)
			return -1;
		*out = (short)v;
		return 0;
	}
	int bright = 0;
	if (strncmp(w, "bright-", 7) == 0 || strncmp(w, "bright_", 7) == 0) {
		bright = 8;
		w += 7;
	}
	for (int i = 0; i < 8; i++)
		if (strcmp(w, color_names[i]) == 0) {
			*out = (short)(i + bright);
			return 0;
		}
	if (strcmp(w, "grey") == 0 || strcmp(w, "gray") == 0) {
		*out = 8;
		return 0;
	}
	return -1;
}

short theme_map8(short c)
{
	if (c < 8)
		return c;
	if (c < 16)
		return c == 8 ? 0 : (short)(c - 8);
	if (c >= 232)                         /* grey ramp */
		return c < 244 ? 0 : 7;
	int v = c - 16, r = v / 36, g = v / 6 % 6, b = v % 6;
	int hi = r > g ? (r > b ? r : b) : (g > b ? g : b);
	if (hi == 0)
		return 0;
	/* A channel counts when it is at least half of the brightest one. */
	int bits = (2 * r >= hi ? 1 : 0) | (2 * g >= hi ? 2 : 0) | (2 * b >= hi ? 4 : 0);
	return (short)bits;
}

/* One attribute word to its bit, or 0. */
static unsigned attr_bit(const char *w)
{
	if (strcmp(w, "bold") == 0)
		return THEME_BOLD;
	if (strcmp(w, "dim") == 0)
		return THEME_DIM;
	if (strcmp(w, "reverse") == 0)
		return THEME_REVERSE;
	if (strcmp(w, "underline") == 0)
		return THEME_UNDERLINE;
	return 0;
}

/* Parse "fg [bg] [attr...]" into a style.  0 or -1. */
static int parse_style(char *val, struct theme_style *st)
{
	char *save = NULL;
	int ncol = 0;
	struct theme_style s = { -1, -1, 0 };
	for (char *w = strtok_r(val, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		unsigned b = attr_bit(w);
		short c;
		if (b)
			s.attrs |= b;
		else if (ncol < 2 && theme_color(w, &c) == 0)
			*(ncol++ == 0 ? &s.fg : &s.bg) = c;
		else
			return -1;
	}
	if (ncol == 0 && s.attrs == 0)
		return -1;
	*st = s;
	return 0;
}

/* Trim spaces at both ends in place. */
/* Apply one non-comment line.  0, or -1 with a reason. */
static int parse_line(struct theme *t, char *ln, const char **why)
{
	char *eq = strchr(ln, '=');
	if (!eq) {
		*why = "expected `element = colour`";
		return -1;
	}
	*eq = 0;
	char *key = kvline_trim(ln), *val = kvline_trim(eq + 1);
	if (strcmp(key, "colors") == 0 || strcmp(key, "colours") == 0) {
		if (strcmp(val, "none") != 0) {
			*why = "colors takes only `none`";
			return -1;
		}
		return 0;
	}
	for (int e = 0; e < TE_COUNT; e++)
		if (strcmp(key, elem_names[e]) == 0) {
			if (parse_style(val, &t->s[e]) < 0) {
				*why = "bad colour or attribute";
				return -1;
			}
			return 0;
		}
	*why = "unknown element";
	return -1;
}

int theme_parse(struct theme *t, const char *name, const char *text, size_t len,
                int *bad_line, const char **why)
{
	char ln[256];
	struct theme tmp;
	bool mono = false;
	size_t i = 0;
	*bad_line = 0;
	/* A first pass for `colors = none`, so mono files start from mono. */
	for (size_t k = 0; k + 6 <= len; k++)
		if (text[k] == 'c' && (k == 0 || text[k - 1] == '\n') &&
		    (strncmp(text + k, "colors", 6) == 0 ||
		     (k + 7 <= len && strncmp(text + k, "colours", 7) == 0))) {
			const char *e = memchr(text + k, '\n', len - k);
			size_t n = e ? (size_t)(e - (text + k)) : len - k;
			if (n < 64 && memmem(text + k, n, "none", 4))
				mono = true;
		}
	theme_builtin(&tmp, mono ? "mono" : "default");
	snprintf(tmp.name, sizeof tmp.name, "%s", name ? name : "custom");
	int lineno = 0, r;
	char *s;
	while ((r = kvline_next(text, len, &i, ln, sizeof ln, &lineno, &s, why)) > 0)
		if (*s && parse_line(&tmp, s, why) < 0)
			break;
	if (r != 0) {
		*bad_line = lineno;
		theme_builtin(t, "default");
		return -1;
	}
	*t = tmp;
	return 0;
}

#define THEME_NDIRS 3

/* The theme directories in search order; returns how many: the user's
 * config dir, the install dir, and the themes/ beside the binary itself
 * (an uninstalled build).  Never the current directory: a hostile
 * directory must not be able to restyle the screen (say, `down` drawn
 * black on black). */
static int theme_dirs(char dirs[THEME_NDIRS][512])
{
	int n = 0;
	const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	if (x && x[0])
		snprintf(dirs[n++], 512, "%s/doptop/themes", x);
	else if (home && home[0])
		snprintf(dirs[n++], 512, "%s/.config/doptop/themes", home);
	snprintf(dirs[n++], 512, "%s/themes", DOPTOP_DATADIR);
	char exe[400];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0 && (size_t)len < sizeof(exe) - 1) {
		exe[len] = 0;
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = 0;
			snprintf(dirs[n++], 512, "%s/themes", exe);
		}
	}
	return n;
}

/* Read a whole small file (capped); caller frees.  NULL when unreadable. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = malloc(THEME_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return NULL;
	}
	*len = fread(buf, 1, THEME_FILE_MAX + 1, f);
	fclose(f);
	if (*len > THEME_FILE_MAX) {
		free(buf);
		return NULL;
	}
	buf[*len] = 0;
	return buf;
}

/* True when a theme name is safe to use as a file name. */
static bool name_ok(const char *name)
{
	if (!name[0] || strlen(name) >= THEME_NAME_MAX)
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return false;
	return name[0] != '.';
}

int theme_load(struct theme *t, const char *name, char *why, size_t cap)
{
	char dirs[THEME_NDIRS][512], path[600];
	if (why && cap)
		why[0] = 0;
	if (!name)
		name = "default";
	if (!name_ok(name)) {
		snprintf(why, cap, "theme name '%.40s' is not valid; using default", name);
		theme_builtin(t, "default");
		return -1;
	}
	int nd = theme_dirs(dirs);
	for (int d = 0; d < nd; d++) {
		size_t len;
		snprintf(path, sizeof path, "%.500s/%.40s.theme", dirs[d], name);
		char *text = slurp(path, &len);
		if (!text)
			continue;
		int bad;
		const char *r = "";
		int rc = theme_parse(t, name, text, len, &bad, &r);
		free(text);
		if (rc < 0) {
			snprintf(why, cap, "%.300s line %d: %s; using default", path, bad, r);
			return -1;
		}
		return 0;
	}
	if (theme_builtin(t, name) == 0)
		return 0;
	snprintf(why, cap, "theme '%s' not found; using default", name);
	return -1;
}

/* Add a name unless present; keeps the list bounded. */
static void add_name(char names[][THEME_NAME_MAX], int *n, int max, const char *name)
{
	for (int i = 0; i < *n; i++)
		if (strcmp(names[i], name) == 0)
			return;
	if (*n < max)
		snprintf(names[(*n)++], THEME_NAME_MAX, "%s", name);
}

/* qsort comparator for names. */
static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

int theme_list(char names[][THEME_NAME_MAX], int max)
{
	char dirs[THEME_NDIRS][512];
	int n = 0, nd = theme_dirs(dirs);
	add_name(names, &n, max, "default");
	add_name(names, &n, max, "mono");
	for (int d = 0; d < nd; d++) {
		DIR *dir = opendir(dirs[d]);
		if (!dir)
			continue;
		struct dirent *e;
		while ((e = readdir(dir))) {
			size_t l = strlen(e->d_name);
			char nm[THEME_NAME_MAX];
			if (l <= 6 || l - 6 >= THEME_NAME_MAX || strcmp(e->d_name + l - 6, ".theme"))
				continue;
			memcpy(nm, e->d_name, l - 6);
			nm[l - 6] = 0;
			if (name_ok(nm))
				add_name(names, &n, max, nm);
		}
		closedir(dir);
	}
	qsort(names, (size_t)n, THEME_NAME_MAX, cmp_name);
	return n;
}
