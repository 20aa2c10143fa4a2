/*
 * node_state.h — the states a node can be in (a contract: the JSON "state"
 * field and the screen use exactly these words).
 */
#ifndef DOPTOP_NODE_STATE_H
#define DOPTOP_NODE_STATE_H

enum conn_state {
	CS_CONNECTING = 0,   /* resolving, TCP connect, handshake, auth, exec */
	CS_UP,               /* frames are streaming */
	CS_STALE,            /* no frame for ~3 intervals on a live connection */
	CS_DOWN,             /* connection lost or refused; retrying with backoff */
	CS_AUTH_FAILED,      /* no key accepted; not retried in a loop */
	CS_HOSTKEY_MISMATCH, /* host key changed or revoked, or known_hosts
	                      * cannot be evaluated; never auto-accepted */
	CS_UNREACHABLE,      /* name does not resolve / no route; retried slowly */
	CS_LOCAL_ERROR,      /* this machine ran short (file descriptors, memory,
	                      * a thread or process); never the node's fault;
	                      * retried with backoff */
	CS_HOSTKEY_UNKNOWN,  /* no known_hosts entry for the host and
	                      * StrictHostKeyChecking yes/ask (ssh: "Host key
	                      * verification failed"); --accept-new or one
	                      * ssh login records it; not retried in a loop.
	                      * Last: the numbers above stay as they were. */
};

/* How long a streaming node may stay silent before it is "stale", and
 * (by default, without ServerAlive settings) before it is "down": ~3
 * intervals but at least 3 s, so scheduling noise on a busy node at a
 * short interval is no alarm; then 10 more intervals, at least 15 s.
 * Live connections and replays use the same figures. */
double node_stale_after(double interval);
double node_dead_after(double interval);

/* The contract word for a state: "up", "connecting", "stale", "down",
 * "auth-failed", "hostkey-mismatch", "hostkey-unknown", "unreachable",
 * "local-error". */
const char *conn_state_name(enum conn_state s);

#endif
