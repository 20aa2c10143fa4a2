/*
 * ssh_config.h — resolve a host the way OpenSSH's ssh(1) reads ssh_config(5).
 *
 * Reads -F FILE, or ~/.ssh/config then /etc/ssh/ssh_config; Host and Match
 * blocks, Include, first obtained value wins, case-insensitive keywords,
 * '=' separators and quoting, then ~, ${ENV} and %-token expansion where
 * ssh expands them.  Every keyword of OpenSSH 9.2 sits in one table in
 * ssh_config_kw.c (ssh_config_keyword()): used, ignored (does not change where,
 * as whom or with what trust doptop connects), limited (only harmless
 * values), or refused.  A refused keyword (or a limited one with another
 * value) in a block that applies to the host, "Match exec", or an unknown
 * keyword not covered by IgnoreUnknown makes the resolution fail with the
 * keyword named, so the node is refused rather than reached some other way
 * than ssh would.  Pure: no curses, no libssh2.
 */
#ifndef DOPTOP_SSH_CONFIG_H
#define DOPTOP_SSH_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#define SSHCFG_MAX_FILES 16
#define SSHCFG_MAX_JUMPS 8

/* StrictHostKeyChecking.  Only ACCEPT_NEW and NO ever accept an unknown
 * key; ASK (ssh's default) refuses it, as doptop has no prompt. */
enum sshcfg_strict {
	SSHCFG_STRICT_YES = 0,
	SSHCFG_STRICT_ACCEPT_NEW,
	SSHCFG_STRICT_NO,           /* "no" and "off" */
	SSHCFG_STRICT_ASK,
};

/* AddressFamily. */
enum sshcfg_family { SSHCFG_AF_ANY = 0, SSHCFG_AF_INET, SSHCFG_AF_INET6 };

/* One ProxyJump hop: "[user@]host[:port]" or "ssh://[user@]host[:port]".
 * The hop itself is resolved through ssh_config like any host (its own
 * HostName, IdentityFile, ProxyJump ...); user and port written here win
 * over the hop's config, as with ssh -J. */
struct ssh_jump {
	char *user;     /* NULL: from the hop's own config */
	char *host;     /* the name as written (an alias, looked up again) */
	int   port;     /* 0: from the hop's own config */
};

/* The resolved settings for one host.  All strings owned by the struct. */
struct ssh_host_cfg {
	char *alias;                    /* the name given (%n) */
	char *hostname;                 /* to connect to: HostName (%h expanded), else the
	                                 * alias; lowercased like ssh */
	char *user;                     /* User, else $USER / getpwuid */
	int   port;                     /* Port, else 22 */

	/* IdentityFile entries, ~ / ${ENV} / tokens expanded; when none is
	 * configured, doptop's defaults (~/.ssh/id_ed25519, id_ecdsa, id_rsa),
	 * with identity_default set. identity_raw[] as written (ssh -G form). */
	char *identity[SSHCFG_MAX_FILES];
	char *identity_raw[SSHCFG_MAX_FILES];
	int   nidentity;
	bool  identity_default;
	bool  identities_only;          /* IdentitiesOnly */
	/* IdentityAgent: NULL = use $SSH_AUTH_SOCK; "none" = no agent at all;
	 * else the agent socket path (expanded; "$VAR" read from the
	 * environment, "none" when VAR is unset, like ssh). */
	char *identity_agent;
	char *identity_agent_raw;       /* as ssh -G prints it; NULL when unset */

	/* known_hosts files: known_hosts[0 .. nuser_known_hosts) are the
	 * UserKnownHostsFile entries (expanded; none for "UserKnownHostsFile
	 * none"), the rest up to nknown_hosts the GlobalKnownHostsFile ones.
	 * New keys go only to known_hosts[0], and only when nuser_known_hosts>0. */
	char *known_hosts[2 * SSHCFG_MAX_FILES];
	int   nknown_hosts;
	int   nuser_known_hosts;
	enum sshcfg_strict strict;      /* StrictHostKeyChecking (default ask) */
	char *host_key_alias;           /* HostKeyAlias (lowercased), NULL when unset */
	bool  hash_known_hosts;         /* HashKnownHosts: record new keys hashed */

	int   connect_timeout;          /* ConnectTimeout seconds, 0 = not set */
	int   alive_interval;           /* ServerAliveInterval seconds, 0 = not set */
	int   alive_count_max;          /* ServerAliveCountMax, default 3 */
	enum sshcfg_family address_family;  /* AddressFamily */
	bool  compression;              /* Compression (default no, as ssh): zlib
	                                 * on the wire, ~10x fewer bytes for
	                                 * 110-130 KiB more memory per node */

	/* ProxyJump hops in dialling order: jump[0] is reached first (directly
	 * or by its own config), jump[njump-1] opens the channel to hostname.
	 * njump == 0: no jump.  proxy_jump_raw: as written (ssh -G form). */
	struct ssh_jump jump[SSHCFG_MAX_JUMPS];
	int   njump;
	char *proxy_jump_raw;
	/* ProxyCommand as written, tokens NOT expanded (ssh -G form); NULL for
	 * none.  Never set together with a jump (first of the two wins, as in
	 * ssh).  Run it with ssh_config_proxy_command(). */
	char *proxy_command;
};

/* What doptop does with a keyword (the docs list them by kind). */
enum sshcfg_kw_kind {
	SSHCFG_KW_USED = 0,     /* evaluated as ssh does */
	SSHCFG_KW_LIMITED,      /* accepted with the values in allowed, else refused */
	SSHCFG_KW_REFUSED,      /* the node is refused, naming the keyword */
	SSHCFG_KW_IGNORED,      /* no effect on where, as whom, or with what trust */
};
struct sshcfg_keyword {
	const char *name;       /* as ssh_config(5) spells it */
	enum sshcfg_kw_kind kind;
	const char *allowed;    /* LIMITED: the accepted values, for the docs */
};
/* The i-th keyword of the table, or NULL past the end (borrowed until the
 * next call). */
const struct sshcfg_keyword *ssh_config_keyword(size_t i);

/* Resolve alias.  file: the -F FILE, or NULL for ~/.ssh/config plus
 * /etc/ssh/ssh_config.  home: $HOME to use (NULL = from the environment).
 * Missing files are fine (defaults apply); a -F FILE that cannot be read,
 * a malformed line, a refused keyword or "Match exec" in a block that
 * applies, is an error.  Returns 0 or -1 with a one-line reason in *why
 * (static, valid until the next call). */
int ssh_config_resolve(const char *alias, const char *file, const char *home,
                       struct ssh_host_cfg *out, const char **why);
/* Free every string in cfg; cfg may be reused. */
void ssh_config_free(struct ssh_host_cfg *cfg);

/* The ProxyCommand of cfg with %h %p %r %n %% expanded for user and port
 * (NULL = cfg's), ready for `$SHELL -c "exec CMD"` as ssh runs it.
 * Caller frees; NULL when there is no ProxyCommand or on a bad token. */
char *ssh_config_proxy_command(const struct ssh_host_cfg *cfg, const char *user, int port);

/* Print cfg as `ssh -G` does, lowercase "key value" lines, for the
 * options doptop uses (doptop --resolve). */
void ssh_config_print(FILE *f, const struct ssh_host_cfg *cfg);

/* ssh's pattern match: '*' and '?' wildcards, case-sensitive exactly like
 * OpenSSH's match_pattern() (ssh -G: "Host web1" does not apply to "Web1"). */
bool ssh_config_match_pattern(const char *pattern, const char *s);
/* Match s against a comma/space list with '!' negations, like Host lines. */
bool ssh_config_match_list(const char *list, const char *s);

#endif
