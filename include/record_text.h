/*
 * record_text.h — what record.c (writing) and replay.c (reading) share of
 * the recording text (format in record.h).  Internal to those two files.
 */
#ifndef DOPTOP_RECORD_TEXT_H
#define DOPTOP_RECORD_TEXT_H

#include <stddef.h>

#define RECTEXT_MAGIC    "#doptop-record"
#define RECTEXT_LINE_MAX 128   /* "<type> <node> <time> <len>" fits easily */

struct replay;

/* True when s is a non-empty word without commas, whitespace or controls. */
int rectext_word(const char *s);
/* True when s is a record type: 1..RECORD_MAX_TYPE of [A-Za-z0-9_],
 * the first a letter. */
int rectext_type(const char *s);
/* t as "<int>.<6 digits>" whatever the locale (0 when out of range). */
void rectext_time(char *buf, size_t cap, double t);

/* Open one file (no rotated set) to read its header; see replay_open(). */
struct replay *replay_open_single(const char *path, const char **why);
/* True when the file is in doptop's compressed container. */
int replay_compressed(const struct replay *rp);

#endif
