/*
 * config.h — the user's config file: $XDG_CONFIG_HOME/doptop/config
 * (fallback ~/.config/doptop/config), `key = value` lines, `#` comments.
 * A value may be written in double quotes ("a#b", \" and \\ inside): then
 * '#' is no comment and edge blanks stay; W quotes a value that needs it.
 * Keys: theme, nodes, interval, columns, no-color, and the screen's view:
 * sort, reverse, group, filter (written by its W key).  The command line wins
 * over every key (the caller applies the config first).
 * Pure: no curses, no libssh2.
 */
#ifndef DOPTOP_CONFIG_H
#define DOPTOP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_FILE_MAX (64 * 1024)

/* The sampling interval's range in seconds: the one definition that
 * --interval, the config file and a recording's header are checked
 * against, and that --help prints.  Shorter than 0.1 s the probe's own
 * reads cost more than they show; an hour is the longest that still
 * makes a rate worth a verdict. */
#define INTERVAL_MIN_S 0.1
#define INTERVAL_MAX_S 3600

struct config {
	char   theme[32];         /* "" = not set */
	char   nodes[4096];       /* a --nodes spec, "" = not set */
	double interval;          /* seconds; 0 = not set */
	char   columns[256];      /* comma list of column names, "" = not set */
	bool   no_color;
	/* the screen's view, saved by its W key */
	char   sort[32];          /* a column key or "order", "" = not set */
	bool   reverse, group;
	char   filter[64];
};

/* What the screen's W key saves. */
struct config_view {
	const char *sort;         /* column key or "order" */
	bool reverse, group;
	const char *filter;       /* "" = none */
	const char *columns;      /* comma list of keys */
	const char *theme;        /* NULL = leave as is */
};

/* Parse config text into c (zeroed first).  0, or -1 with the first bad
 * line in *bad_line and a static reason in *why. */
int config_parse(struct config *c, const char *text, size_t len, int *bad_line,
                 const char **why);
/* The config file's path into buf.  0, or -1 when neither
 * XDG_CONFIG_HOME nor HOME is set. */
int config_path(char *buf, size_t cap);
/* Read and parse the file at path (NULL = config_path()).  0 when read,
 * 1 when there is no such file (c zeroed), -1 with a one-line message in
 * why (at most cap bytes). */
int config_load(struct config *c, const char *path, char *why, size_t cap);
/* Write the view into the file at path (created with its directory when
 * missing): the keys sort, reverse, group, filter, columns and theme are
 * replaced in place or appended; every other line is kept as it was.
 * Written to a temporary file and renamed.  0, or -1 with a static
 * reason in *why. */
int config_save_view(const char *path, const struct config_view *v, const char **why);

#endif
