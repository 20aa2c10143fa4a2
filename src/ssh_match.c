/*
 * ssh_match.c — OpenSSH's match_pattern(), match_pattern_list() and
 * match_hostname(), with the same results (see ssh_match.h).
 */
#include "ssh_match.h"

#include <ctype.h>
#include <string.h>

#define MATCH_SUB_MAX 1024      /* OpenSSH's sub[1024] in match_pattern_list() */

/* '*' and '?' wildcards, case-sensitive. */
bool ssh_match_pattern(const char *s, const char *pattern)
{
	const char *star = NULL, *resume = NULL;

	/* Greedy match with backtracking to the last '*': linear, never exponential. */
	while (*s) {
		if (*pattern == '*') {
			star = ++pattern;
			resume = s;
		} else if (*pattern == '?' || (*pattern && *pattern == *s)) {
			pattern++;
			s++;
		} else if (star) {
			pattern = star;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*pattern == '*')
		pattern++;
	return *pattern == '\0';
}

/* Comma list with '!' negation: 1, -1 (negated match) or 0. */
int ssh_match_list(const char *s, const char *list, bool dolower)
{
	char sub[MATCH_SUB_MAX];
	int positive = 0;
	size_t i = 0, len = strlen(list);

	while (i < len) {
		bool negated = list[i] == '!';
		size_t n = 0;
		if (negated)
			i++;
		while (i < len && n < sizeof(sub) - 1 && list[i] != ',') {
			unsigned char ch = (unsigned char)list[i++];
			sub[n++] = (char)(dolower ? tolower(ch) : ch);
		}
		if (n >= sizeof(sub) - 1)
			return 0;
		if (i < len && list[i] == ',')
			i++;
		sub[n] = '\0';
		if (ssh_match_pattern(s, sub)) {
			if (negated)
				return -1;
			positive = 1;
		}
	}
	return positive;
}

/* match_list of a lowercased copy of host. */
int ssh_match_hostname(const char *host, const char *list)
{
	char low[MATCH_SUB_MAX * 4];
	size_t n = strlen(host);

	if (n >= sizeof(low))
		return 0;
	for (size_t i = 0; i <= n; i++)
		low[i] = (char)tolower((unsigned char)host[i]);
	return ssh_match_list(low, list, true);
}
