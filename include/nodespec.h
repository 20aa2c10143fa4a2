/*
 * nodespec.h — expand --nodes specs into an ordered, de-duplicated node list.
 *
 * A spec is a comma list of: host, user@host, host:port, user@host:port,
 * a zero-padded numeric range anywhere in the name ("adhoc-preemptible-000..002",
 * "rack1-n01..16.example"; the width of the numbers is kept), "@FILE" (one
 * spec per line, '#' comments, blank lines ignored), "local", and
 * node_exporter URLs "http://host:9100" (https too; no ranges).
 * Pure: no curses, no libssh2.
 */
#ifndef DOPTOP_NODESPEC_H
#define DOPTOP_NODESPEC_H

#include <stdbool.h>
#include <stddef.h>

#define NODESPEC_MAX_NODES 10000
#define NODESPEC_MAX_NAME  255

struct node_spec {
	char *name;     /* display name, exactly as expanded, e.g. "root@host:2222" or "local" */
	char *user;     /* NULL when not given */
	char *host;     /* host or ssh_config alias; "local" for the local node */
	int   port;     /* 0 when not given */
	bool  local;    /* the "local" pseudo-node */
	bool  exporter; /* an http(s):// node_exporter URL (name and host are
	                 * the URL): scraped over HTTP, not SSH */
	bool  prom;     /* an instance of a Prometheus server (--prometheus) */
};

struct node_list {
	struct node_spec *v;
	size_t n, cap;
};

/* Expand one --nodes argument and append to list (order kept, duplicates
 * by name dropped).  Returns 0, or -1 with a one-line reason in *why
 * (static or list-owned text, valid until the next call). */
int nodespec_add(struct node_list *list, const char *spec, const char **why);
/* Free every entry; the list itself may be reused after. */
void nodespec_clear(struct node_list *list);

#endif
