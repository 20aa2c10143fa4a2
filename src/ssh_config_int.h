/*
 * ssh_config_int.h — what ssh_config.c (reading) hands ssh_config_out.c
 * (expansion, defaults, printing).  Internal to those two files.
 */
#ifndef DOPTOP_SSH_CONFIG_INT_H
#define DOPTOP_SSH_CONFIG_INT_H

#include "ssh_config.h"

#define CFG_MAX_LINE   4096     /* bytes in one line (OpenSSH has no cap) */

/* The single-valued options doptop uses: the first obtained value wins,
 * kept as written and converted by ssh_config_finish(). */
enum cfg_opt {
	OPT_HOSTNAME, OPT_USER, OPT_PORT, OPT_IDENTITIESONLY, OPT_IDENTITYAGENT,
	OPT_STRICT, OPT_HOSTKEYALIAS, OPT_HASHKNOWNHOSTS, OPT_CONNECTTIMEOUT,
	OPT_ALIVEINTERVAL, OPT_ALIVECOUNT, OPT_ADDRESSFAMILY, OPT_PROXYJUMP,
	OPT_PROXYCOMMAND, OPT_IGNOREUNKNOWN, OPT_COMPRESSION,
	OPT_COUNT
};

/* Keyword table entries that are not single-valued options. */
enum { OPT_SPECIAL = -1, OPT_NONE = -2, OPT_IDENTITYFILE = -3, OPT_UKH = -4, OPT_GKH = -5 };

/* Value checks: true when v is acceptable. */
typedef bool (*check_fn)(const char *v);

/* One keyword: what doptop does with it (see ssh_config.h). */
struct kwdef {
	const char *name;
	enum sshcfg_kw_kind kind;
	int opt;                /* USED: OPT_* or one of the above; else OPT_NONE */
	check_fn check;         /* USED: syntax; LIMITED: the harmless values */
	const char *allowed;    /* LIMITED: those values, for the docs */
};
/* The table entry for keyword k (case-insensitive), or NULL. */
const struct kwdef *ssh_config_kw_find(const char *k);

/* Values collected while reading. */
struct cfg_raw {
	char *opt[OPT_COUNT];
	char *identity[SSHCFG_MAX_FILES];
	int   nidentity;
	char *user_kh[SSHCFG_MAX_FILES];
	int   nuser_kh;             /* -1: "UserKnownHostsFile none" */
	char *global_kh[SSHCFG_MAX_FILES];
	int   nglobal_kh;           /* -1: "GlobalKnownHostsFile none" */
};

/* Who is asking: the names the %-tokens and Match criteria need. */
struct cfg_who {
	const char *alias;          /* as given (%n, originalhost) */
	const char *home;           /* ~ and %d */
	const char *luser;          /* local user (%u, localuser) */
	char lhost[256];            /* %l: gethostname() */
};

/* A non-negative integer up to 1e8; -1 when malformed. */
long ssh_config_uint(const char *v);
/* Expand a leading "~", "~/" (home) or "~user/" of in into buf; 0 or -1. */
int ssh_config_tilde(const char *in, const char *home, char *buf, size_t cap);
/* Seconds of an ssh time ("90", "1m30s"); -1 when malformed. */
long ssh_config_time(const char *v);

/* Convert raw (with defaults) into out.  0, or -1 with a reason in why. */
int ssh_config_finish(const struct cfg_raw *raw, const struct cfg_who *who,
                      struct ssh_host_cfg *out, char *why, size_t cap);
/* Expand HostName's %h and %% for host (not lowercased).  Caller frees. */
char *ssh_config_expand_hostname(const char *raw, const char *host);

#endif
