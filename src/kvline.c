/* kvline.c — lines of a `key = value` text (see kvline.h). */
#include <string.h>
#include "kvline.h"

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
	char *h = strchr(buf, '#');
	if (h)
		*h = 0;
	*line = kvline_trim(buf);
	return 1;
}
