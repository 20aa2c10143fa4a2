/* cli.c — parse the command line (see cli.h). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "classify.h"
#include "cli.h"
#include "columns.h"
#include "record.h"
#include "ssh_config.h"
#include "text.h"
#include "theme.h"

static const char usage[] =
"Usage: doptop [options]\n"
"Watch a fleet of nodes running a batch job and tell, per node, why it is\n"
"not going faster: cpu-bound, syscall-heavy, io-starved, underused or idle.\n"
"\n"
"Nodes:\n"
"  -n, --nodes SPEC        nodes to watch (repeatable). SPEC is a comma list of\n"
"                          host, user@host, host:port, ranges like\n"
"                          adhoc-preemptible-000..002 (or pdsh style\n"
"                          adhoc-preemptible-[000-002]), @FILE, or local.\n"
"                          Default: local (this machine, no SSH).\n"
"      --list-nodes        print the expanded node list and exit\n"
"      --nodes-exporter    read every host through its node_exporter\n"
"                          (http://HOST:9100/metrics) instead of SSH; a node\n"
"                          written http://host:port does so on its own\n"
"\n"
"Prometheus:\n"
"      --prometheus URL    take the nodes and their numbers from a Prometheus\n"
"                          server (e.g. http://prom:9090): the nodes are its\n"
"                          node_exporter instances, --nodes then holds glob\n"
"                          patterns of instances; the interval is at least\n"
"                          the server's scrape interval\n"
"      --prom-selector SEL only targets matching SEL, e.g. '{job=\"node\"}'\n"
"      --textfile DIR      write verdicts and job progress to DIR/doptop.prom\n"
"                          every interval (node_exporter textfile collector)\n"
"      --listen ADDR:PORT  serve the same as /metrics over HTTP\n"
"\n"
"Sampling and output:\n"
"  -i, --interval SECONDS  sampling interval, " TEXT_STR(INTERVAL_MIN_S) " to " TEXT_STR(INTERVAL_MAX_S)
" (default 1)\n"
"  -b, --batch             no screen: one text block per interval (like top -b)\n"
"      --json              no screen: JSON lines, one per node and interval,\n"
"                          then a cluster line (and a progress line)\n"
"  -c, --count N           stop after N intervals\n"
"      --once              same as --batch --count 1 (first full interval)\n"
"\n"
"SSH (OpenSSH config, agent and known_hosts are used):\n"
"  -F, --ssh-config FILE   ssh config file (default ~/.ssh/config)\n"
"  -l, --user USER         remote user for every node\n"
"  -p, --port PORT         remote port for every node\n"
"  -I, --identity FILE     private key to try first\n"
"      --accept-new        accept and remember unknown host keys\n"
"                          (never a changed one)\n"
"  -C, --compress          zlib on every session, as ssh -C (also per node:\n"
"                          Compression yes in the ssh config): ~9x fewer\n"
"                          bytes on the wire, 110-130 KiB more memory per node\n"
"      --resolve HOST      print what doptop uses for HOST (hostname, port,\n"
"                          user, identities, agent, known_hosts, proxy,\n"
"                          strict mode...) as `ssh -G` does, and exit\n"
"  ProxyJump (one shared session per jump host), ProxyCommand (its stderr\n"
"  is the node's reason), IdentityAgent, IdentitiesOnly, ConnectTimeout,\n"
"  ServerAlive*, AddressFamily and Compression are honoured as ssh does.\n"
"\n"
"Record and replay:\n"
"      --record FILE       record every node's raw frames, zstd-compressed, to\n"
"                          FILE: created with mode 0600, never through a\n"
"                          symbolic link; an existing recording of the same\n"
"                          nodes and interval is appended to\n"
"      --record-max SIZE   keep FILE and its rotated FILE.1, FILE.2, ... within\n"
"                          SIZE in all (e.g. 500M, 2G; at least 1M): FILE is\n"
"                          rotated at SIZE/8 and the oldest files are deleted\n"
"      --replay FILE       replay a recording instead of watching live: FILE\n"
"                          (with FILE.N ... FILE.1 before it, when rotated),\n"
"                          a .gz of one, or - for standard input\n"
"      --speed X           replay speed factor (default 1; 0 = as fast as possible)\n"
"  A recording holds node states and ticks: replayed --json equals live.\n"
"  Replay keys: space/p pause, . , step an interval, + - speed, : or a digit\n"
"  go to (38%, 12:30, +5m, -30s, start, end); the screen stays at the end.\n"
"\n"
"Job progress:\n"
"      --done [DEST:]DIR   directory whose files count as finished items\n"
"      --done-from NODE    count on this watched node instead\n"
"      --done-glob PATTERN count only names matching PATTERN (e.g. '*.jpg')\n"
"      --recursive         count files in subdirectories too\n"
"      --total N           number of items in the job (for percent and ETA)\n"
"      --todo [DEST:]DIR   count the inputs in DIR as the total\n"
"      --stall-after SECS  flag STALLED when nothing finished for this long\n"
"                          (default 120, or 10x the recent time per file)\n"
"      --inputs [DEST:]DIR the job's inputs (default: the --todo DIR): their\n"
"                          bytes and the bytes still to read decide between\n"
"                          memory (/dev/shm) and a faster disk\n"
"      --job-cmd PATTERN   the job's processes: those whose command line\n"
"                          contains PATTERN (workers per node: running,\n"
"                          sleeping, blocked)\n"
"\n"
"Events (stalled, resumed, done, down, up, restarted, verdict):\n"
"      --on-event CMD      run CMD (sh -c) per event, details in DOPTOP_EVENT,\n"
"                          DOPTOP_NODE, DOPTOP_DETAIL, ...; killed after 10 s\n"
"      --exit-when-done    exit with status 0 once the job is done\n"
"                          (done reaches the total)\n"
"\n"
"Screen:\n"
"      --theme NAME        colour theme (default, light, high-contrast, mono)\n"
"      --no-color          no colours (also when NO_COLOR is set)\n"
"\n"
"      --thresholds        print the verdict rules' thresholds and exit\n"
"  -h, --help              this help\n"
"  -V, --version           version\n"
"\n"
"Verdicts: cpu-bound, syscall-heavy, io-starved, underused, idle, unknown.\n"
"Causes: none, steal, syscall, fork, ipc, disk, network, memory.\n"
"States: up, connecting, stale, down, auth-failed, hostkey-mismatch (changed or\n"
"revoked key), hostkey-unknown (no known_hosts entry: --accept-new or ssh once),\n"
"unreachable, local-error (this machine ran short of descriptors or memory).\n"
"Keys: arrows move, Enter details, / filter, s S sort, r reverse, g group,\n"
"c columns, W save the view, R retry a node now, + - interval, space freeze,\n"
"t theme, h help, q quit.\n"
"Config: $XDG_CONFIG_HOME/doptop/config (nodes, interval, theme, columns,\n"
"no-color, sort, reverse, group, filter); the command line wins.\n"
"Exit: 0 ok (also q, SIGINT, SIGTERM, a reader of stdout that went away),\n"
"1 after a local failure, with one line on stderr (out of memory, a write\n"
"error on stdout or on the --record file such as a full disk, a corrupt\n"
"recording), 2 bad usage (also any bad value in the config file), 3 with\n"
"--once/--count when a node was not up or the job stalled or could not be\n"
"counted at the end.\n"
"See doptop(1).\n";

enum { O_LIST = 256, O_JSON, O_ONCE, O_ACCEPT_NEW, O_RECORD, O_RECORD_MAX, O_REPLAY, O_SPEED,
       O_DONE, O_DONE_FROM, O_DONE_GLOB, O_RECURSIVE, O_TOTAL, O_TODO, O_STALL,
       O_THEME, O_NO_COLOR, O_INPUTS, O_JOB_CMD, O_ON_EVENT, O_EXIT_DONE, O_RESOLVE,
       O_THRESHOLDS,
       O_PROMETHEUS, O_PROM_SELECTOR, O_NODES_EXPORTER, O_TEXTFILE, O_LISTEN };

static const struct option longopts[] = {
	{ "nodes", required_argument, 0, 'n' },
	{ "list-nodes", no_argument, 0, O_LIST },
	{ "nodes-exporter", no_argument, 0, O_NODES_EXPORTER },
	{ "prometheus", required_argument, 0, O_PROMETHEUS },
	{ "prom-selector", required_argument, 0, O_PROM_SELECTOR },
	{ "textfile", required_argument, 0, O_TEXTFILE },
	{ "listen", required_argument, 0, O_LISTEN },
	{ "interval", required_argument, 0, 'i' },
	{ "batch", no_argument, 0, 'b' },
	{ "json", no_argument, 0, O_JSON },
	{ "count", required_argument, 0, 'c' },
	{ "once", no_argument, 0, O_ONCE },
	{ "ssh-config", required_argument, 0, 'F' },
	{ "user", required_argument, 0, 'l' },
	{ "port", required_argument, 0, 'p' },
	{ "identity", required_argument, 0, 'I' },
	{ "accept-new", no_argument, 0, O_ACCEPT_NEW },
	{ "compress", no_argument, 0, 'C' },
	{ "resolve", required_argument, 0, O_RESOLVE },
	{ "record", required_argument, 0, O_RECORD },
	{ "record-max", required_argument, 0, O_RECORD_MAX },
	{ "replay", required_argument, 0, O_REPLAY },
	{ "speed", required_argument, 0, O_SPEED },
	{ "done", required_argument, 0, O_DONE },
	{ "done-from", required_argument, 0, O_DONE_FROM },
	{ "done-glob", required_argument, 0, O_DONE_GLOB },
	{ "recursive", no_argument, 0, O_RECURSIVE },
	{ "total", required_argument, 0, O_TOTAL },
	{ "todo", required_argument, 0, O_TODO },
	{ "stall-after", required_argument, 0, O_STALL },
	{ "inputs", required_argument, 0, O_INPUTS },
	{ "job-cmd", required_argument, 0, O_JOB_CMD },
	{ "on-event", required_argument, 0, O_ON_EVENT },
	{ "exit-when-done", no_argument, 0, O_EXIT_DONE },
	{ "theme", required_argument, 0, O_THEME },
	{ "no-color", no_argument, 0, O_NO_COLOR },
	{ "thresholds", no_argument, 0, O_THRESHOLDS },
	{ "help", no_argument, 0, 'h' },
	{ "version", no_argument, 0, 'V' },
	{ 0, 0, 0, 0 },
};

/* One-line error, exit code 2.  The argument is echoed sanitised: an
 * escape sequence typed by mistake (or pasted) never reaches the terminal. */
static int fail(const char *what, const char *arg, const char *why)
{
	char clean[512];
	if (arg)
		arg = text_sanitize(clean, sizeof clean, arg);
	fprintf(stderr, "doptop: %s%s%s%s%s%s\n", what, arg ? " '" : "", arg ? arg : "",
	        arg ? "'" : "", why && why[0] ? ": " : "", why ? why : "");
	return 2;
}

/* Edit distance between a and b (at most 64 characters each are
 * compared), for "did you mean". */
static int distance(const char *a, const char *b)
{
	size_t na = strnlen(a, 64), nb = strnlen(b, 64);
	int row[65];
	for (size_t j = 0; j <= nb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= na; i++) {
		int diag = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= nb; j++) {
			int up = row[j];
			int best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[nb];
}

/* An unknown option, with the nearest long option when one is close
 * ("--totl" -> "did you mean --total?").  Returns 2. */
static int unknown_option(const char *arg)
{
	char name[80], hint[128] = "";
	const char *best = NULL;
	int bestd = 3;             /* at most two edits away */
	if (strncmp(arg, "--", 2) == 0) {
		snprintf(name, sizeof name, "%s", arg + 2);
		name[strcspn(name, "=")] = 0;
		int np = 0;
		size_t hl = 0;
		for (const struct option *lo = longopts; lo->name && name[0]; lo++)
			if (strncmp(lo->name, name, strlen(name)) == 0 && hl + 40 < sizeof hint) {
				hl += (size_t)snprintf(hint + hl, sizeof hint - hl, "%s--%s",
				                       np ? " or " : "ambiguous: ", lo->name);
				np++;
			}
		if (np > 1)
			return fail("unknown option", arg, hint);
		hint[0] = 0;
		for (const struct option *lo = longopts; lo->name; lo++) {
			int d = distance(name, lo->name);
			/* a prefix of an option is the likelier slip ("--rec") */
			if (strncmp(lo->name, name, strlen(name)) == 0 && strlen(name) >= 3)
				d = 1;
			if (d < bestd) {
				bestd = d;
				best = lo->name;
			}
		}
	}
	if (best)
		snprintf(hint, sizeof hint, "did you mean --%s? (doptop --help lists them all)", best);
	return fail("unknown option", arg, best ? hint : "doptop --help lists the options");
}

/* A size in bytes: digits with an optional K, M, G or T (powers of 1024),
 * optionally followed by "B" or "iB". */
static bool size_arg(const char *s, unsigned long long *out)
{
	static const char units[] = "KMGT";
	uint64_t v, mul = 1;
	size_t n = strspn(s, "0123456789");
	const char *end = s + n, *u;

	if (text_u64(s, n, UINT64_MAX, &v) < 0)
		return false;
	if (*end && (u = strchr(units, *end & ~0x20))) {
		for (int i = 0; i <= (int)(u - units); i++)
			mul *= 1024;
		end++;
		if (*end == 'i')
			end++;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || v > UINT64_MAX / mul)
		return false;
	*out = v * mul;
	return true;
}

/* Apply one parsed option; 0, or 2 after an error message. */
static int apply(int c, const char *arg, struct options *o)
{
	double v;
	switch (c) {
	case 'n':
		/* expanded once every option is known (--prometheus makes
		 * them patterns) */
		if (o->n_node_args >= CLI_MAX_NODE_ARGS)
			return fail("too many --nodes options", NULL, NULL);
		o->node_args[o->n_node_args++] = arg;
		return 0;
	case O_PROMETHEUS:
		if (strncmp(arg, "http://", 7) != 0 && strncmp(arg, "https://", 8) != 0)
			return fail("bad --prometheus", arg, "an http:// or https:// URL");
		o->prometheus = arg;
		return 0;
	case O_PROM_SELECTOR: o->prom_selector = arg; return 0;
	case O_NODES_EXPORTER: o->nodes_exporter = true; return 0;
	case O_TEXTFILE: o->textfile = arg; return 0;
	case O_LISTEN: o->listen = arg; return 0;
	case 'i':
		if (text_decimal_str(arg, INTERVAL_MIN_S, INTERVAL_MAX_S, &o->interval) < 0)
			return fail("bad --interval", arg, "seconds from "
			            TEXT_STR(INTERVAL_MIN_S) " to " TEXT_STR(INTERVAL_MAX_S));
		return 0;
	case 'c':
		if (text_decimal_str(arg, 1, 1e9, &v) < 0 || v != floor(v))
			return fail("bad --count", arg, "a whole number >= 1");
		o->count = (long)v;
		return 0;
	case 'p':
		if (text_decimal_str(arg, 1, 65535, &v) < 0 || v != floor(v))
			return fail("bad --port", arg, "1 to 65535");
		o->ssh_port = (int)v;
		return 0;
	case O_SPEED:
		if (text_decimal_str(arg, 0, 1e6, &o->speed) < 0)
			return fail("bad --speed", arg, "a factor >= 0 (0 = as fast as possible)");
		return 0;
	case O_TOTAL:
		if (text_decimal_str(arg, 1, 9e18, &v) < 0 || v != floor(v))
			return fail("bad --total", arg, "a whole number >= 1");
		o->total = (int64_t)v;
		return 0;
	case O_STALL:
		if (text_decimal_str(arg, 1, 1e7, &o->stall_after) < 0)
			return fail("bad --stall-after", arg, "seconds >= 1");
		o->stall_set = true;
		return 0;
	case 'b': o->batch = true; return 0;
	case O_JSON: o->json = true; return 0;
	case O_ONCE: o->once = true; o->batch = true; o->count = 1; return 0;
	case O_LIST: o->list_nodes = true; return 0;
	case 'F': o->ssh_config = arg; return 0;
	case 'l': o->ssh_user = arg; return 0;
	case 'I': o->identity = arg; return 0;
	case O_ACCEPT_NEW: o->accept_new = true; return 0;
	case 'C': o->compress = true; return 0;
	case O_RESOLVE: o->resolve = arg; return 0;
	case O_RECORD: o->record = arg; return 0;
	case O_RECORD_MAX:
		if (!size_arg(arg, &o->record_max) || o->record_max < RECORD_MIN_CAP)
			return fail("bad --record-max", arg, "a size of at least 1M (e.g. 500M, 2G)");
		return 0;
	case O_REPLAY: o->replay = arg; return 0;
	case O_DONE: o->done = arg; return 0;
	case O_DONE_FROM: o->done_from = arg; return 0;
	case O_DONE_GLOB: o->done_glob = arg; return 0;
	case O_RECURSIVE: o->recursive = true; return 0;
	case O_TODO: o->todo = arg; return 0;
	case O_INPUTS: o->inputs = arg; return 0;
	case O_JOB_CMD:
		if (!arg[0])
			return fail("bad --job-cmd", arg, "an empty pattern matches everything");
		o->job_cmd = arg;
		return 0;
	case O_ON_EVENT: o->on_event = arg; return 0;
	case O_EXIT_DONE: o->exit_when_done = true; return 0;
	case O_THEME: o->theme = arg; return 0;
	case O_NO_COLOR: o->no_color = true; return 0;
	}
	return fail("unknown option", NULL, NULL);
}

/* --resolve HOST: print the resolved ssh settings like ssh -G; 1 when
 * printed, 2 for a bad HOST, 3 when the config refuses it. */
static int resolve(const struct options *o)
{
	struct node_list one = { 0 };
	struct ssh_host_cfg cfg;
	const char *why = NULL;

	if (nodespec_add(&one, o->resolve, &why) < 0 || one.n != 1 || one.v[0].local) {
		nodespec_clear(&one);
		return fail("bad --resolve", o->resolve, why ? why : "one host, user@host or host:port");
	}
	const struct node_spec *n = &one.v[0];
	int rc = 1;
	if (ssh_config_resolve(n->host, o->ssh_config, NULL, &cfg, &why) < 0) {
		fail(n->host, NULL, why);
		rc = 3;
	} else {
		/* What the connection uses: user@/:port of the spec, then -l/-p. */
		const char *user = n->user ? n->user : o->ssh_user;
		int port = n->port ? n->port : o->ssh_port;
		if (user) {
			free(cfg.user);
			cfg.user = strdup(user);
		}
		if (port)
			cfg.port = port;
		if (cfg.user)
			ssh_config_print(stdout, &cfg);
		else
			rc = 3;
		ssh_config_free(&cfg);
	}
	nodespec_clear(&one);
	return rc;
}

/* Options that only make sense together; 0 or 2. */
static int check(struct options *o)
{
	if (o->record && o->replay)
		return fail("--record and --replay cannot be used together", NULL, NULL);
	if (o->record_max && !o->record)
		return fail("--record-max needs --record FILE", NULL, NULL);
	if (o->total > 0 && o->todo)
		return fail("--total and --todo cannot be used together", NULL, NULL);
	if ((o->done_glob || o->recursive || o->done_from) && !o->done)
		return fail("--done-glob, --recursive and --done-from need --done DIR", NULL, NULL);
	if ((o->total > 0 || o->todo || o->stall_set) && !o->done)
		return fail("--total, --todo and --stall-after need --done DIR (what to count)",
		            NULL, NULL);
	if (o->exit_when_done && (!o->done || (o->total <= 0 && !o->todo)))
		return fail("--exit-when-done needs --done DIR and --total N or --todo DIR", NULL, NULL);
	if (o->prometheus && (o->replay || o->nodes_exporter))
		return fail("--prometheus cannot be used with --replay or --nodes-exporter", NULL, NULL);
	if (o->prom_selector && !o->prometheus)
		return fail("--prom-selector needs --prometheus URL", NULL, NULL);
	if (o->inputs && !o->inputs[0])
		return fail("bad --inputs", o->inputs, "empty directory");
	if (o->done && !o->done[0])
		return fail("bad --done", o->done, "empty directory");
	return 0;
}

/* Values that need a look beyond their own text, checked the same way in
 * every mode (screen, batch, JSON, replay): the theme must exist (the
 * config file's columns are checked as it is read).  0 or 2. */
static int check_values(struct options *o)
{
	char why[512], where[600];
	if (o->theme) {
		struct theme th;
		if (theme_load(&th, o->theme, why, sizeof why) < 0) {
			char names[THEME_MAX_THEMES][THEME_NAME_MAX], list[256] = "";
			int n = theme_list(names, THEME_MAX_THEMES);
			for (int i = 0; i < n; i++) {
				size_t l = strlen(list);
				snprintf(list + l, sizeof list - l, "%s%s", i ? ", " : "", names[i]);
			}
			why[strcspn(why, ";")] = 0;    /* "...; using default": not here */
			size_t l = strlen(why);
			snprintf(why + l, sizeof why - l, " (themes: %.250s)", list);
			if (o->theme != o->cfg.theme)
				return fail("bad --theme", o->theme, why);
			if (config_path(where, sizeof where - 40) < 0)
				where[0] = 0;
			strcat(where, ": bad theme");
			return fail(where, o->theme, why);
		}
	}
	return 0;
}

int cli_parse(int argc, char **argv, struct options *o)
{
	memset(o, 0, sizeof *o);
	o->interval = 1.0;
	o->speed = 1.0;
	o->total = -1;
	o->stall_after = 120;
	opterr = 0;
	optind = 1;
	int c, rc;
	bool interval_set = false;
	char cwhy[256];
	if (config_load(&o->cfg, NULL, cwhy, sizeof cwhy) < 0)
		return fail(cwhy, NULL, NULL);
	while ((c = getopt_long(argc, argv, ":n:i:bc:F:l:p:I:ChV", longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return 1;
		}
		if (c == O_THRESHOLDS) {
			char buf[4096];
			classify_thresholds(buf, sizeof buf);
			fputs(buf, stdout);
			return 1;
		}
		if (c == 'V') {
			printf("doptop %s\n", DOPTOP_VERSION);
			return 1;
		}
		if (c == '?')
			return unknown_option(argv[optind - 1]);
		if (c == ':')
			return fail("missing value for", argv[optind - 1], NULL);
		if ((rc = apply(c, optarg, o)) != 0)
			return rc;
		interval_set |= c == 'i';
	}
	if (optind < argc)
		return fail("unexpected argument", argv[optind], NULL);
	if (o->once)
		o->count = 1;      /* --once wins over -c, whatever the order */
	if ((rc = check(o)) != 0)
		return rc;
	if (o->resolve)
		return resolve(o);
	const char *why = NULL;
	for (size_t k = 0; !o->prometheus && k < o->n_node_args; k++)
		if (nodespec_add(&o->nodes, o->node_args[k], &why) < 0)
			return fail("bad --nodes", o->node_args[k], why);
	/* The config file fills in what the command line left unset. */
	if (!interval_set && o->cfg.interval > 0)
		o->interval = o->cfg.interval;
	if (!o->theme && o->cfg.theme[0])
		o->theme = o->cfg.theme;
	o->no_color |= o->cfg.no_color;
	if ((rc = check_values(o)) != 0)
		return rc;
	/* --prometheus: the nodes come from the server (prom_discover) */
	if (o->prometheus)
		return 0;
	if (o->nodes.n == 0 && !o->replay && o->cfg.nodes[0] &&
	    nodespec_add(&o->nodes, o->cfg.nodes, &why) < 0)
		return fail("bad nodes in the config file", o->cfg.nodes, why);
	if (o->nodes.n == 0 && !o->replay && nodespec_add(&o->nodes, "local", &why) < 0)
		return fail("internal error", NULL, why);
	if (o->list_nodes) {
		for (size_t i = 0; i < o->nodes.n; i++)
			puts(o->nodes.v[i].name);
		return 1;
	}
	return 0;
}

void cli_free(struct options *o)
{
	nodespec_clear(&o->nodes);
}
