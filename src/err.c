/* err.c — one name for every error code (see err.h). */
#include "count.h"
#include "err.h"
#include "expo.h"
#include "parse.h"
#include "prom_json.h"
#include "record.h"
#include "sink.h"
#include "source.h"
#include "text.h"

const char *err_text(int code)
{
	switch (code) {
	case 0:                  return "ok";
	case PARSE_EFORMAT:      return "unexpected text";
	case PARSE_ERANGE:       return "number out of range";
	case PARSE_ELINE:        return "line too long";
	case PARSE_EFRAME:       return "frame too large";
	case PARSE_EPROTO:       return "protocol error";
	case PARSE_ENOFRAME:     return "no frame marker";
	case PARSE_ECONTROL:     return "control characters in frame";
	case PARSE_EDELTA:       return "delta frame does not fit the frame before it";
	case REC_EIO:            return "cannot read or write the recording";
	case REC_EFORMAT:        return "not a doptop recording, or corrupt";
	case REC_ENOMEM:         return "out of memory";
	case REC_EARG:           return "bad node name or index for the recording";
	case COUNT_ERR_NOMEM:    return "out of memory";
	case COUNT_ERR_MISSING:  return "directory does not exist";
	case COUNT_ERR_NOTDIR:   return "not a directory";
	case COUNT_ERR_READ:     return "cannot read directory";
	case COUNT_ERR_ARG:      return "bad argument";
	case COUNT_ERR_SPACE:    return "buffer too small";
	case TEXT_EFORMAT:       return "not a number";
	case TEXT_ERANGE:        return "number out of range";
	case SOURCE_ENOMEM:      return "out of memory";
	case SOURCE_EIO:         return "cannot read";
	case SOURCE_EFORMAT:     return "corrupt input";
	case SINK_ENOMEM:        return "out of memory";
	case SINK_EIO:           return "write error";
	case EXPO_EFORMAT:       return "not Prometheus exposition format";
	case EXPO_ENOMEM:        return "out of memory";
	case EXPO_ESTOP:         return "stopped";
	case PROMJ_ESYNTAX:      return "answer is not JSON";
	case PROMJ_ESHAPE:       return "answer is not a Prometheus API answer";
	case PROMJ_ESERVER:      return "server refused the query";
	case PROMJ_ENUMBER:      return "a value is not a number";
	case PROMJ_ETOOBIG:      return "answer too large";
	case PROMJ_ESTOP:        return "stopped";
	}
	if (code < 0 && code > ERR_REC_BASE)
		return "unknown parse error";
	if (code < 0 && code > ERR_COUNT_BASE)
		return "unknown recording error";
	if (code < 0 && code > ERR_TEXT_BASE)
		return "unknown count error";
	return "unknown error";
}
