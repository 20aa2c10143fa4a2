/* kvline.c — lines of a `key = value` text (see kvline.h). */
#include <stdbool.h>
#include <string.h>
#include "kvline.h"

/* The first '#' outside a double-quoted part ("...", where \" and \\
 * stand for themselves), or NULL: a quoted value may hold '#'. */
static char *comment_start(char *s)
{
	bool quoted = false;
	for (; *s; s++) {
		if (quoted && *s == '\\' && s[1])
			s++;
		else if (*s == '"')
			quoted = !quoted;
		else if (!quoted && *s == '#')
			return s;
	}
	return NULL;
}

char *kvline_trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = 0;
	return s;
}

int kvline_next(const char *text, size_t len, size_t *pos, char *buf, size_t cap,
                int *lineno, char **line, const char **why)
{
	size_t i = *pos;
	if (i >= len)
		return 0;
	const char *nl = memchr(text + i, '\n', len - i);
	size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
	(*lineno)++;
	if (n >= cap || memchr(text + i, 0, n)) {
		*why = n >= cap ? "line too long" : "NUL byte";
		return -1;
	}
	memcpy(buf, text + i, n);
	buf[n] = 0;
	*pos = i + n + (nl ? 1 : 0);
	char *h = comment_start(buf);
	if (h)
		*h = 0;
	*line = kvline_trim(buf);
	return 1;
}
