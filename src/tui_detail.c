/* tui_detail.c — one node in depth. */
#include "tui_view.h"

void tui_detail_draw(struct tui *t, const struct model *m, const struct tui_info *in)
{
	(void)in;
	tui_put(0, 0, COLS, tui_attr(t, TE_HEADER), m->nodes[t->detail].spec->name, true);
}
