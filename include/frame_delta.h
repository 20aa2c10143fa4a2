/*
 * frame_delta.h — rebuild a full probe frame (protocol 1) from a delta
 * frame (protocol 2, probe.h) and the frame before it.  Pure: no curses,
 * no libssh2, no state of its own: the caller keeps the previous frame
 * (struct fparse does, per node).
 *
 * A delta frame's body (the lines between its header and its end line)
 * says, line by line, how the previous frame's body lines (its non-empty
 * lines between header and end) become the new ones.  New line k stands
 * for old line k (positions, not a search), so every op also moves past
 * one old line when one is left:
 *
 *   =N       the next N old lines, unchanged (1 <= N <= lines left)
 *   +TEXT    a new line TEXT (any text, not empty)
 *   ~ITEMS   the old line's words (split on runs of blanks and tabs) with
 *            ITEMS applied, written back joined by single blanks.  ITEMS
 *            are split on single blanks, item i for word i, missing items
 *            at the end are empty:
 *              (empty)   the word is unchanged
 *              'WORD     the word becomes WORD
 *              -?DIGITS  the word's number plus this one: the word
 *                        ends in 1 to 18 digits without a leading zero
 *                        ("0" itself is fine), which are its number
 *                        ("total=123": 123, "0.52": 52, "5678": 5678);
 *                        the sum must be 0 .. 10^18-1 and replaces them
 *
 * Every count, number and word is checked against the previous frame: a
 * delta that does not fit it is PARSE_EDELTA, never a guess.
 */
#ifndef DOPTOP_FRAME_DELTA_H
#define DOPTOP_FRAME_DELTA_H

#include <stddef.h>

/* Largest number a ~ item may produce or apply to: 18 digits, so the bash
 * loop's 64-bit arithmetic never overflows. */
#define DELTA_NUM_DIGITS 18

/* Rebuild the protocol 1 frame that delta (a whole protocol 2 frame,
 * header line to end line) stands for, given prev (the whole frame before
 * it, protocol 1, as this function or the probe wrote it).  The result
 * has delta's header with version 1, the rebuilt body and delta's end
 * line.  On success *out is malloc'd and NUL-terminated (caller frees)
 * and *outlen is its length without the NUL;
 * returns 0, or PARSE_EDELTA (does not fit prev), PARSE_EPROTO (not a
 * delta frame) or PARSE_EFRAME (result larger than FPARSE_MAX_FRAME, or
 * out of memory), and *out is NULL. */
int frame_delta_apply(const char *prev, size_t prevlen, const char *delta,
                      size_t dlen, char **out, size_t *outlen);

#endif
