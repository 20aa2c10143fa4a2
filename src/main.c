/* main.c — doptop entry point: parse the command line, run the loop. */
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "loop.h"
#include "cli.h"
#include "nodespec.h"
#include "source_prom.h"

/* --prometheus: the nodes are the server's node_exporter instances (the
 * --nodes values, split at commas, are glob patterns), and the interval
 * is at least its scrape interval.  0, 1 after --list-nodes, or the exit
 * status after a one-line message. */
static int prom_nodes(struct options *o)
{
	const char *pat[CLI_MAX_NODE_ARGS * 4];
	char *copy[CLI_MAX_NODE_ARGS] = { 0 };
	struct prom_opts po = { o->prometheus, o->prom_selector, o->interval };
	size_t npat = 0;
	char why[400];
	double scrape = 0;
	int rc = 0;

	for (size_t k = 0; k < o->n_node_args; k++) {
		if (!(copy[k] = strdup(o->node_args[k]))) {
			rc = 1;
			goto out;
		}
		for (char *save, *t = strtok_r(copy[k], ",", &save); t && npat < sizeof pat / sizeof *pat;
		     t = strtok_r(NULL, ",", &save))
			pat[npat++] = t;
	}
	if (prom_discover(&po, pat, npat, &o->nodes, &scrape, why, sizeof why) < 0) {
		fprintf(stderr, "doptop: %s\n", why);
		rc = 1;
		goto out;
	}
	if (scrape > o->interval)
		o->interval = scrape;
	if (o->list_nodes) {
		for (size_t i = 0; i < o->nodes.n; i++)
			puts(o->nodes.v[i].name);
		rc = -1;
		goto out;
	}
	fprintf(stderr, "doptop: prometheus %s: %zu nodes, scrape interval %s%.3g s, "
	        "interval %.3g s\n", o->prometheus, o->nodes.n, scrape > 0 ? "" : "unknown, ",
	        scrape, o->interval);
out:
	for (size_t k = 0; k < o->n_node_args; k++)
		free(copy[k]);
	return rc;
}

int main(int argc, char **argv)
{
	struct options o;
	/* Only the character set comes from the environment: numbers are
	 * read and written in the C locale ("0.5", never "0,5"). */
	setlocale(LC_CTYPE, "");
	int rc = cli_parse(argc, argv, &o);
	bool run = rc == 0;
	if (rc == 1)
		rc = 0;                  /* --help, --version, --list-nodes printed */
	if (run && o.prometheus) {
		rc = prom_nodes(&o);
		run = rc == 0;
		if (rc == -1)
			rc = 0;          /* --list-nodes printed the instances */
	}
	/* --nodes-exporter: every host is read through its node_exporter */
	for (size_t i = 0; run && o.nodes_exporter && i < o.nodes.n; i++)
		o.nodes.v[i].exporter |= !o.nodes.v[i].local;
	if (run)
		rc = loop_run(&o);
	cli_free(&o);
	return rc;
}
