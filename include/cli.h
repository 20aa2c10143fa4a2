/*
 * cli.h — the command line (a contract: option names are relied on by
 * users and scripts; see --help, doptop.1 and README).
 */
#ifndef DOPTOP_CLI_H
#define DOPTOP_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include "config.h"
#include "nodespec.h"

/* --nodes given more often than this is refused. */
#define CLI_MAX_NODE_ARGS 256

struct options {
	struct node_list nodes;     /* expanded --nodes (or "local") */
	bool   list_nodes;
	double interval;            /* seconds, 0.1 .. 3600 */
	bool   batch, json, once;
	long   count;               /* -c N; 0 = forever */
	/* ssh */
	const char *ssh_config, *ssh_user, *identity;
	int    ssh_port;
	bool   accept_new;
	bool   compress;            /* -C: zlib on the SSH wire */
	const char *resolve;        /* --resolve HOST */
	/* record / replay */
	const char *record, *replay;
	unsigned long long record_max;  /* --record-max bytes; 0 = no cap */
	double speed;               /* replay speed; 0 = as fast as possible */
	/* progress (issue 4) */
	const char *done, *done_from, *done_glob, *todo;
	bool   recursive;
	int64_t total;              /* -1 = unknown */
	double stall_after;         /* seconds */
	bool   stall_set;           /* --stall-after was given */
	/* decisions (issue 9) */
	const char *inputs;         /* --inputs [DEST:]DIR, or NULL (then --todo) */
	const char *job_cmd;        /* --job-cmd PATTERN, or NULL */
	const char *on_event;       /* --on-event CMD, or NULL */
	bool   exit_when_done;
	/* Prometheus and node_exporter (issue 12) */
	const char *prometheus;     /* --prometheus URL, or NULL */
	const char *prom_selector;  /* --prom-selector '{job="node"}', or NULL */
	bool   nodes_exporter;      /* --nodes-exporter: hosts are node_exporters */
	const char *textfile;       /* --textfile DIR, or NULL */
	const char *listen;         /* --listen ADDR:PORT, or NULL */
	const char *node_args[CLI_MAX_NODE_ARGS]; /* raw --nodes values: with
	                             * --prometheus they are glob patterns */
	size_t n_node_args;
	/* screen */
	const char *theme;
	bool   no_color;
	struct config cfg;          /* the config file (command line wins) */
};

/* Parse argv into o.  Returns 0 to run, 1 when done (--help/--version/
 * --list-nodes/--resolve printed), 2 after a one-line error on stderr (bad
 * usage), or 3 after one (--resolve: the ssh config refuses the host; the
 * exit code is then 1). */
int cli_parse(int argc, char **argv, struct options *o);
void cli_free(struct options *o);

#endif
