/*
 * err.h — every family of error codes in one table, and the one function
 * that names any code (OpenSSH's ssh_err()).  Functions that can fail
 * return 0 or a negative code of their module's family; each family owns
 * its own range, so a code still means the same after it travelled
 * through other modules, and err_text() needs no family beside it.
 * Pure: no I/O.
 */
#ifndef DOPTOP_ERR_H
#define DOPTOP_ERR_H

/* Each family's codes are BASE-1 .. BASE-19. */
#define ERR_PARSE_BASE    0      /* PARSE_E*    parse.h:  text from a node */
#define ERR_REC_BASE    (-20)    /* REC_E*      record.h: recordings */
#define ERR_COUNT_BASE  (-40)    /* COUNT_ERR_* count.h:  counting files */
#define ERR_TEXT_BASE   (-60)    /* TEXT_E*     text.h:   numbers */
#define ERR_SOURCE_BASE (-80)    /* SOURCE_E*   source.h: sources */
#define ERR_SINK_BASE   (-100)   /* SINK_E*     sink.h:   sinks */
#define ERR_EXPO_BASE   (-120)   /* EXPO_E*     expo.h:   Prometheus text */
#define ERR_PROMJ_BASE  (-140)   /* PROMJ_E*    prom_json.h: API answers */

/* A short text for any code above ("ok" for 0; static string). */
const char *err_text(int code);

#endif
