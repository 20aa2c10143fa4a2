/*
 * columns.h — the node table's columns: one table of names, titles (with
 * units), legends, widths and drop priorities, read by the screen (the
 * table, its help legend, the column chooser) and by the checks of the
 * config file's `columns` key, which therefore fail the same way in every
 * mode.  Pure: no curses.
 */
#ifndef DOPTOP_COLUMNS_H
#define DOPTOP_COLUMNS_H

#include <stdbool.h>
#include <stddef.h>

/* Table columns in display order; also the sort keys (COL_BAR sorts by
 * busy %, COL_ADVICE is never a sort key). */
enum col { COL_NAME, COL_STATE, COL_BAR, COL_USR, COL_SYS, COL_IOW, COL_STL, COL_LOAD,
           COL_FORK, COL_CTXT, COL_DR, COL_DW, COL_UTIL, COL_RX, COL_TX, COL_PSI,
           COL_VERDICT, COL_ADVICE, NCOLS };

struct column {
	const char *title;      /* the header, with its unit: "RD B/s" */
	const char *key;        /* the config's and the sort's name: "disk-read" */
	const char *alias;      /* an older title still accepted ("DSK_R"), or NULL */
	const char *legend;     /* what it means, for the help screen */
	int  width;             /* cells (the name column sizes itself) */
	int  prio;              /* dropped first when narrow: higher */
	bool right;             /* numbers: right-aligned */
	bool desc;              /* sorts largest first */
	bool fixed;             /* always shown (name, verdict) */
};

extern const struct column columns[NCOLS];

/* The column a word names (key, title or alias, any case), or -1. */
int columns_find(const char *word);
/* Parse a comma (or space) list of column keys, titles or aliases into
 * want (fixed columns always true).  0, or -1 with the unknown word copied
 * into bad (at most cap bytes) and *why naming the valid keys. */
int columns_parse(const char *list, bool want[NCOLS], char *bad, size_t cap, const char **why);
/* The keys of the shown columns as a comma list ("name,state,busy,...").
 * Returns buf. */
char *columns_format(const bool shown[NCOLS], char *buf, size_t cap);

#endif
