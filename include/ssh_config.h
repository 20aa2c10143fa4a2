/*
 * ssh_config.h — resolve a host the way OpenSSH's ssh_config(5) does.
 *
 * Reads ~/.ssh/config (or -F FILE) then /etc/ssh/ssh_config; Host patterns
 * with '*', '?' and '!' negation, Include (globs, relative to ~/.ssh),
 * first value wins.  Keys understood: HostName (with %h), User, Port,
 * IdentityFile (several; ~ and %d %u %h %r expanded), IdentitiesOnly,
 * UserKnownHostsFile (several), GlobalKnownHostsFile, StrictHostKeyChecking,
 * ConnectTimeout, ServerAliveInterval, ServerAliveCountMax, HostKeyAlias.
 * Unknown keywords are ignored.  Pure: no curses, no libssh2.
 */
#ifndef DOPTOP_SSH_CONFIG_H
#define DOPTOP_SSH_CONFIG_H

#include <stdbool.h>

#define SSHCFG_MAX_FILES 16

enum sshcfg_strict { SSHCFG_STRICT_YES = 0, SSHCFG_STRICT_ACCEPT_NEW, SSHCFG_STRICT_NO };

/* The resolved settings for one host.  All strings owned by the struct. */
struct ssh_host_cfg {
	char *hostname;                 /* to connect to (HostName, else the alias) */
	char *user;                     /* User, else $USER / getpwuid */
	int   port;                     /* Port, else 22 */
	char *identity[SSHCFG_MAX_FILES];   /* IdentityFile entries, expanded */
	int   nidentity;
	bool  identities_only;
	char *known_hosts[SSHCFG_MAX_FILES]; /* user then global known_hosts files */
	int   nknown_hosts;
	enum sshcfg_strict strict;      /* StrictHostKeyChecking (default yes) */
	int   connect_timeout;          /* seconds, 0 = not set */
	int   alive_interval;           /* ServerAliveInterval seconds, 0 = not set */
	int   alive_count_max;          /* ServerAliveCountMax, default 3 */
	char *host_key_alias;           /* HostKeyAlias, NULL when unset */
};

/* Resolve alias.  file: the -F FILE, or NULL for ~/.ssh/config plus
 * /etc/ssh/ssh_config.  home: $HOME to use (NULL = from the environment).
 * Missing files are fine (defaults apply); a -F FILE that cannot be read is
 * an error.  Returns 0 or -1 with a one-line reason in *why (static). */
int ssh_config_resolve(const char *alias, const char *file, const char *home,
                       struct ssh_host_cfg *out, const char **why);
/* Free every string in cfg; cfg may be reused. */
void ssh_config_free(struct ssh_host_cfg *cfg);
/* ssh's pattern match: '*' and '?' wildcards, case-sensitive exactly like
 * OpenSSH's match_pattern() (ssh -G: "Host web1" does not apply to "Web1"). */
bool ssh_config_match_pattern(const char *pattern, const char *s);
/* Match s against a comma/space list with '!' negations, like Host lines. */
bool ssh_config_match_list(const char *list, const char *s);

#endif
