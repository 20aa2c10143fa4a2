/*
 * kvline.h — walk the lines of a small `key = value` text (the config file,
 * theme files): one line at a time, '#' comments cut (a '#' inside
 * double quotes is kept: "a#b", with \" and \\ inside), blanks trimmed,
 * a hard cap on line length.  Pure: no curses, no libssh2.
 */
#ifndef DOPTOP_KVLINE_H
#define DOPTOP_KVLINE_H

#include <stddef.h>

/* Next line of text[0..len) from *pos into buf (cap bytes).  Returns 1 with
 * *line pointing into buf at the trimmed text before any '#' outside
 * double quotes (possibly empty; quotes are left in place) and *lineno counting lines from 1; 0 at the end; -1 when the line
 * does not fit in buf or holds a NUL byte, with a static reason in *why. */
int kvline_next(const char *text, size_t len, size_t *pos, char *buf, size_t cap,
                int *lineno, char **line, const char **why);
/* Trim blanks (and a trailing CR) in place; returns the start. */
char *kvline_trim(char *s);

#endif
