/*
 * ssh_config_kw.c — the one table of ssh_config(5) keywords (OpenSSH 9.2)
 * and what doptop does with each, with the value checks ssh applies.  The
 * docs' "ssh_config support" lists are checked against this table
 * (tests/test_ssh_config.c).  Pure.
 */
#include "ssh_config_int.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include "text.h"



static bool chk_any(const char *v) { (void)v; return true; }

/* yes/no/true/false. */
static bool chk_flag(const char *v)
{
	return !strcasecmp(v, "yes") || !strcasecmp(v, "no") || !strcasecmp(v, "true") ||
	       !strcasecmp(v, "false");
}

/* Negative flag only. */
static bool chk_no(const char *v)
{
	return !strcasecmp(v, "no") || !strcasecmp(v, "false");
}

/* Positive flag only. */
static bool chk_yes(const char *v)
{
	return !strcasecmp(v, "yes") || !strcasecmp(v, "true");
}

/* An algorithm list that only adds ('+') or reorders ('^'): ssh's set of
 * allowed algorithms does not shrink, so libssh2's defaults stay in it. */
static bool chk_additions(const char *v)
{
	return v[0] == '+' || v[0] == '^';
}

/* A number of seconds with optional s/m/h/d/w units; -1 when malformed. */
long ssh_config_time(const char *v)
{
	long total = 0;

	if (!*v)
		return -1;
	while (*v) {
		size_t nd = strspn(v, "0123456789");
		uint64_t n;
		if (text_u64(v, nd, 100000000, &n) < 0)
			return -1;
		v += nd;
		switch (tolower((unsigned char)*v)) {
		case '\0': break;
		case 's': v++; break;
		case 'm': n *= 60; v++; break;
		case 'h': n *= 3600; v++; break;
		case 'd': n *= 86400; v++; break;
		case 'w': n *= 604800; v++; break;
		default: return -1;
		}
		total += (long)n;
		if (total > 100000000)
			return -1;
	}
	return total;
}

/* A non-negative integer up to 1e8; -1 when malformed. */
long ssh_config_uint(const char *v)
{
	uint64_t n;
	return text_u64_str(v, 100000000, &n) < 0 ? -1 : (long)n;
}

static bool chk_time(const char *v) { return ssh_config_time(v) >= 0; }
static bool chk_timeout(const char *v) { return !strcasecmp(v, "none") || ssh_config_time(v) >= 0; }
static bool chk_uint(const char *v) { return ssh_config_uint(v) >= 0; }

/* A port number 1..65535. */
static bool chk_port(const char *v)
{
	long n = ssh_config_uint(v);
	return n >= 1 && n <= 65535;
}

/* StrictHostKeyChecking values. */
static bool chk_strict(const char *v)
{
	return chk_flag(v) || !strcasecmp(v, "ask") || !strcasecmp(v, "accept-new") ||
	       !strcasecmp(v, "off");
}

/* AddressFamily values. */
static bool chk_family(const char *v)
{
	return !strcasecmp(v, "any") || !strcasecmp(v, "inet") || !strcasecmp(v, "inet6");
}

#define USE(n, o, c)      { n, SSHCFG_KW_USED, o, c, NULL }
#define IGN(n)            { n, SSHCFG_KW_IGNORED, OPT_NONE, NULL, NULL }
#define REF(n)            { n, SSHCFG_KW_REFUSED, OPT_NONE, NULL, NULL }
#define LIM(n, c, a)      { n, SSHCFG_KW_LIMITED, OPT_NONE, c, a }

/* Every keyword of ssh_config(5) in OpenSSH 9.2, and what doptop does.
 * IGNORED ones do not change where, as whom or with what trust doptop
 * connects (doptop never forwards, runs no local commands, asks nothing).
 * REFUSED ones would, and doptop cannot do them: the node is refused. */
static const struct kwdef keywords[] = {
	USE("Host", OPT_SPECIAL, NULL),
	USE("Match", OPT_SPECIAL, NULL),
	USE("Include", OPT_SPECIAL, NULL),
	USE("IgnoreUnknown", OPT_IGNOREUNKNOWN, chk_any),
	USE("Hostname", OPT_HOSTNAME, chk_any),
	USE("User", OPT_USER, chk_any),
	USE("Port", OPT_PORT, chk_port),
	USE("IdentityFile", OPT_IDENTITYFILE, chk_any),
	USE("IdentityFile2", OPT_IDENTITYFILE, chk_any),
	USE("IdentitiesOnly", OPT_IDENTITIESONLY, chk_flag),
	USE("IdentityAgent", OPT_IDENTITYAGENT, chk_any),
	USE("UserKnownHostsFile", OPT_UKH, chk_any),
	USE("GlobalKnownHostsFile", OPT_GKH, chk_any),
	USE("StrictHostKeyChecking", OPT_STRICT, chk_strict),
	USE("HostKeyAlias", OPT_HOSTKEYALIAS, chk_any),
	USE("HashKnownHosts", OPT_HASHKNOWNHOSTS, chk_flag),
	USE("ConnectTimeout", OPT_CONNECTTIMEOUT, chk_timeout),
	USE("ServerAliveInterval", OPT_ALIVEINTERVAL, chk_time),
	USE("ServerAliveCountMax", OPT_ALIVECOUNT, chk_uint),
	USE("AddressFamily", OPT_ADDRESSFAMILY, chk_family),
	USE("ProxyJump", OPT_PROXYJUMP, chk_any),
	USE("ProxyCommand", OPT_PROXYCOMMAND, chk_any),
	USE("Compression", OPT_COMPRESSION, chk_flag),
	LIM("CanonicalizeHostname", chk_no, "no"),
	LIM("VerifyHostKeyDNS", chk_no, "no"),
	LIM("ProxyUseFdpass", chk_no, "no"),
	LIM("Tunnel", chk_no, "no"),
	LIM("PubkeyAuthentication", chk_yes, "yes"),
	LIM("DSAAuthentication", chk_yes, "yes"),
	LIM("Ciphers", chk_additions, "+list or ^list"),
	LIM("MACs", chk_additions, "+list or ^list"),
	LIM("KexAlgorithms", chk_additions, "+list or ^list"),
	LIM("HostKeyAlgorithms", chk_additions, "+list or ^list"),
	LIM("PubkeyAcceptedAlgorithms", chk_additions, "+list or ^list"),
	LIM("PubkeyAcceptedKeyTypes", chk_additions, "+list or ^list"),
	REF("BindAddress"),
	REF("BindInterface"),
	REF("CertificateFile"),
	REF("KnownHostsCommand"),
	REF("PKCS11Provider"),
	REF("RevokedHostKeys"),
	REF("SecurityKeyProvider"),
	REF("SmartcardDevice"),
	IGN("AddKeysToAgent"),
	IGN("BatchMode"),
	IGN("CanonicalDomains"),
	IGN("CanonicalizeFallbackLocal"),
	IGN("CanonicalizeMaxDots"),
	IGN("CanonicalizePermittedCNAMEs"),
	IGN("CASignatureAlgorithms"),
	IGN("ChallengeResponseAuthentication"),
	IGN("CheckHostIP"),
	IGN("ClearAllForwardings"),
	IGN("ConnectionAttempts"),
	IGN("ControlMaster"),
	IGN("ControlPath"),
	IGN("ControlPersist"),
	IGN("DynamicForward"),
	IGN("EnableEscapeCommandline"),
	IGN("EnableSSHKeysign"),
	IGN("EscapeChar"),
	IGN("ExitOnForwardFailure"),
	IGN("FingerprintHash"),
	IGN("ForkAfterAuthentication"),
	IGN("ForwardAgent"),
	IGN("ForwardX11"),
	IGN("ForwardX11Timeout"),
	IGN("ForwardX11Trusted"),
	IGN("GatewayPorts"),
	IGN("GSSAPIAuthentication"),
	IGN("GSSAPIClientIdentity"),
	IGN("GSSAPIDelegateCredentials"),
	IGN("GSSAPIKeyExchange"),
	IGN("GSSAPIKexAlgorithms"),
	IGN("GSSAPIRenewalForcesRekey"),
	IGN("GSSAPIServerIdentity"),
	IGN("GSSAPITrustDns"),
	IGN("HostbasedAcceptedAlgorithms"),
	IGN("HostbasedAuthentication"),
	IGN("IPQoS"),
	IGN("KbdInteractiveAuthentication"),
	IGN("KbdInteractiveDevices"),
	IGN("LocalCommand"),
	IGN("LocalForward"),
	IGN("LogLevel"),
	IGN("LogVerbose"),
	IGN("NoHostAuthenticationForLocalhost"),
	IGN("NumberOfPasswordPrompts"),
	IGN("PasswordAuthentication"),
	IGN("PermitLocalCommand"),
	IGN("PermitRemoteOpen"),
	IGN("PreferredAuthentications"),
	IGN("RekeyLimit"),
	IGN("RemoteCommand"),
	IGN("RemoteForward"),
	IGN("RequestTTY"),
	IGN("RequiredRSASize"),
	IGN("SendEnv"),
	IGN("SessionType"),
	IGN("SetEnv"),
	IGN("StdinNull"),
	IGN("StreamLocalBindMask"),
	IGN("StreamLocalBindUnlink"),
	IGN("SyslogFacility"),
	IGN("TCPKeepAlive"),
	IGN("TunnelDevice"),
	IGN("UpdateHostKeys"),
	IGN("UseKeychain"),
	IGN("VisualHostKey"),
	IGN("XAuthLocation"),
	/* Obsolete or unsupported in 9.2; ssh ignores them (with a warning). */
	IGN("AFSTokenPassing"),
	IGN("Cipher"),
	IGN("CompressionLevel"),
	IGN("FallBackToRsh"),
	IGN("GlobalKnownHostsFile2"),
	IGN("HostbasedKeyTypes"),
	IGN("KeepAlive"),
	IGN("KerberosAuthentication"),
	IGN("KerberosTGTPassing"),
	IGN("Protocol"),
	IGN("RhostsAuthentication"),
	IGN("RhostsRSAAuthentication"),
	IGN("RSAAuthentication"),
	IGN("SkeyAuthentication"),
	IGN("TISAuthentication"),
	IGN("UseBlacklistedKeys"),
	IGN("UsePrivilegedPort"),
	IGN("UserKnownHostsFile2"),
	IGN("UseRoaming"),
	IGN("UseRsh"),
};

/* The keyword table (for the docs check and the man page). */
const struct sshcfg_keyword *ssh_config_keyword(size_t i)
{
	static struct sshcfg_keyword out;

	if (i >= sizeof(keywords) / sizeof(keywords[0]))
		return NULL;
	out.name = keywords[i].name;
	out.kind = keywords[i].kind;
	out.allowed = keywords[i].allowed;
	return &out;
}

/* The table entry for keyword k (case-insensitive), or NULL. */
const struct kwdef *ssh_config_kw_find(const char *k)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (!strcasecmp(keywords[i].name, k))
			return &keywords[i];
	return NULL;
}
