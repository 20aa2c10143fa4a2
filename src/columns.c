/* columns.c — the node table's columns (see columns.h). */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "columns.h"

const struct column columns[NCOLS] = {
	[COL_NAME] = { "NODE", "name", NULL, "the node (long names cut in the middle)",
	               4, 0, false, false, true },
	[COL_STATE] = { "STATE", "state", NULL,
	                "connection state and for how long, or why not up", 16, 2, false, false, false },
	[COL_BAR] = { "CPU", "busy", NULL, "CPU bar: user, system, iowait, steal",
	              22, 3, false, true, false },
	[COL_USR] = { "USR%", "user", NULL, "user + nice time, % of all cores", 5, 4, true, true, false },
	[COL_SYS] = { "SYS%", "system", NULL, "system + irq + softirq time, % of all cores",
	              5, 4, true, true, false },
	[COL_IOW] = { "IOW%", "iowait", NULL, "idle while waiting for I/O, % of all cores",
	              5, 5, true, true, false },
	[COL_STL] = { "STL%", "steal", NULL, "time the hypervisor gave to others, % of all cores",
	              5, 7, true, true, false },
	[COL_LOAD] = { "LOAD", "load", NULL, "1-minute load average", 5, 9, true, true, false },
	[COL_FORK] = { "FORK/s", "forks", NULL, "processes created per second", 6, 8, true, true, false },
	[COL_CTXT] = { "CTXT/s", "ctxt", NULL, "context switches per second", 6, 8, true, true, false },
	[COL_DR] = { "RD B/s", "disk-read", "DSK_R", "disk bytes read per second (K = KiB)",
	             6, 6, true, true, false },
	[COL_DW] = { "WR B/s", "disk-write", "DSK_W", "disk bytes written per second",
	             6, 6, true, true, false },
	[COL_UTIL] = { "UTIL%", "util", "UTIL", "busiest disk's utilisation (time busy), %",
	               5, 9, true, true, false },
	[COL_RX] = { "RX B/s", "net-rx", "NETRX", "network bytes received per second",
	             6, 6, true, true, false },
	[COL_TX] = { "TX B/s", "net-tx", "NETTX", "network bytes sent per second",
	             6, 6, true, true, false },
	[COL_PSI] = { "PSIO%", "psi-io", "PSIO",
	              "I/O pressure: % of time some task waited on I/O (PSI)", 5, 8, true, true, false },
	[COL_VERDICT] = { "VERDICT", "verdict", NULL, "why the node is not faster, and the cause",
	                  22, 1, false, false, true },
	[COL_ADVICE] = { "ADVICE", "advice", NULL, "what to do about it", 10, 10, false, false, false },
};

int columns_find(const char *w)
{
	for (int c = 0; c < NCOLS; c++)
		if (strcasecmp(w, columns[c].key) == 0 || strcasecmp(w, columns[c].title) == 0 ||
		    (columns[c].alias && strcasecmp(w, columns[c].alias) == 0))
			return c;
	return -1;
}

int columns_parse(const char *list, bool want[NCOLS], char *bad, size_t cap, const char **why)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", list);
	for (int c = 0; c < NCOLS; c++)
		want[c] = columns[c].fixed;
	for (char *save = NULL, *tok = strtok_r(buf, ", \t", &save); tok;
	     tok = strtok_r(NULL, ", \t", &save)) {
		int c = columns_find(tok);
		if (c < 0) {
			snprintf(bad, cap, "%s", tok);
			*why = "unknown column (name, state, busy, user, system, iowait, steal, "
			       "load, forks, ctxt, disk-read, disk-write, util, net-rx, net-tx, "
			       "psi-io, verdict, advice)";
			return -1;
		}
		want[c] = true;
	}
	return 0;
}

char *columns_format(const bool shown[NCOLS], char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = 0;
	for (int c = 0; c < NCOLS; c++) {
		if (!shown[c])
			continue;
		int w = snprintf(buf + n, cap - n, "%s%s", n ? "," : "", columns[c].key);
		if (w < 0 || (size_t)w >= cap - n)
			break;
		n += (size_t)w;
	}
	return buf;
}
