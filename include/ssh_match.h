/*
 * ssh_match.h — OpenSSH's pattern matching (match.c), shared by ssh_config
 * (Host, Match) and known_hosts.  Pure.
 */
#ifndef DOPTOP_SSH_MATCH_H
#define DOPTOP_SSH_MATCH_H

#include <stdbool.h>

/* match_pattern(): '*' and '?' wildcards, case-sensitive; linear time
 * (greedy with backtracking to the last '*'), never exponential. */
bool ssh_match_pattern(const char *s, const char *pattern);
/* match_pattern_list(): comma list with '!' negation; 1 on a positive
 * match, -1 when a negated pattern matches, else 0.  A sub-pattern of 1023
 * bytes or more fails the whole list (0), as in OpenSSH.  dolower:
 * lowercase the patterns (s must then be lowercase already). */
int ssh_match_list(const char *s, const char *list, bool dolower);
/* match_hostname(): ssh_match_list() of a lowercased copy of host against
 * list, lowercased too. */
int ssh_match_hostname(const char *host, const char *list);

#endif
