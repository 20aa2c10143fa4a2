/* text.c — the checked number parsers and the display sanitiser (text.h). */
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "text.h"

/* Up to 9 fraction digits count (see text.h); 10^9 fits a uint64_t. */
#define FRAC_DIGITS 9
/* Exponents have at most this many digits ("1e999" is out of any range). */
#define EXP_DIGITS 3

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int text_u64(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	int big = 0;

	if (n == 0)
		return TEXT_EFORMAT;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return TEXT_EFORMAT;
		unsigned d = (unsigned)(s[i] - '0');
		/* Keep reading after an overflow: "12x" is a format error
		 * whatever its length, "99...9" a range error. */
		if (big || v > (UINT64_MAX - d) / 10)
			big = 1;
		else
			v = v * 10 + d;
	}
	if (big || v > max)
		return TEXT_ERANGE;
	*out = v;
	return 0;
}

/* Read a run of digits at s[*i..n): their count; the value goes to *v as a
 * double (exact up to 2^53, rounded beyond). */
static size_t digits(const char *s, size_t n, size_t *i, double *v)
{
	size_t start = *i;
	while (*i < n && is_digit(s[*i])) {
		*v = *v * 10 + (s[*i] - '0');
		(*i)++;
	}
	return *i - start;
}

/* Read the fraction digits at s[*i..n): its first FRAC_DIGITS digits as
 * an integer over *scale, every digit checked. */
static size_t fraction(const char *s, size_t n, size_t *i, uint64_t *f, double *scale)
{
	size_t start = *i;
	while (*i < n && is_digit(s[*i])) {
		if (*i - start < FRAC_DIGITS) {
			*f = *f * 10 + (uint64_t)(s[*i] - '0');
			*scale *= 10;
		}
		(*i)++;
	}
	return *i - start;
}

/* Read "e[+-]ddd" at s[*i..n) into *e; 0 or TEXT_EFORMAT. */
static int exponent(const char *s, size_t n, size_t *i, int *e)
{
	int sign = 1, v = 0;
	size_t nd = 0;

	(*i)++;   /* the 'e' */
	if (*i < n && (s[*i] == '+' || s[*i] == '-'))
		sign = s[(*i)++] == '-' ? -1 : 1;
	for (; *i < n && is_digit(s[*i]); (*i)++, nd++)
		v = v * 10 + (s[*i] - '0');
	if (nd == 0 || nd > EXP_DIGITS)
		return TEXT_EFORMAT;
	*e = sign * v;
	return 0;
}

int text_decimal(const char *s, size_t n, double lo, double hi, double *out)
{
	size_t i = 0, ni, nf = 0;
	double v = 0, scale = 1;
	uint64_t f = 0;
	int e = 0;

	ni = digits(s, n, &i, &v);
	if (i < n && (s[i] == '.' || s[i] == ','))
		i++, nf = fraction(s, n, &i, &f, &scale);
	if (ni + nf == 0)
		return TEXT_EFORMAT;
	if (i < n && (s[i] == 'e' || s[i] == 'E') && exponent(s, n, &i, &e) < 0)
		return TEXT_EFORMAT;
	if (i != n)
		return TEXT_EFORMAT;
	v += (double)f / scale;
	for (; e > 0 && v != 0 && isfinite(v); e--)
		v *= 10;
	for (; e < 0 && v != 0; e++)
		v /= 10;
	if (!isfinite(v) || !(v >= lo && v <= hi))
		return TEXT_ERANGE;
	*out = v;
	return 0;
}

/* The C locale for strtod_l, made once: numbers never follow the
 * process locale (a German LC_NUMERIC would read "0.5" as 0). */
static locale_t c_locale(void)
{
	static locale_t loc;

	if (!loc)
		loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	return loc;
}

/* Count the digits at s[*i..n), moving *i past them. */
static size_t skip_digits(const char *s, size_t n, size_t *i)
{
	size_t start = *i;

	while (*i < n && is_digit(s[*i]))
		(*i)++;
	return *i - start;
}

int text_float(const char *s, size_t n, double *out)
{
	char buf[TEXT_FLOAT_MAX + 1];
	size_t i = 0, k, nd;
	int neg = 0;
	char *end;

	if (n == 0 || n > TEXT_FLOAT_MAX)
		return TEXT_EFORMAT;
	if (s[0] == '+' || s[0] == '-')
		neg = s[i++] == '-';
	k = n - i;
	if ((k == 3 && strncasecmp(s + i, "inf", 3) == 0) ||
	    (k == 8 && strncasecmp(s + i, "infinity", 8) == 0)) {
		*out = neg ? -INFINITY : INFINITY;
		return 0;
	}
	if (k == 3 && i == 0 && strncasecmp(s, "nan", 3) == 0) {
		*out = NAN;
		return 0;
	}
	/* The shape is checked here, so strtod_l never sees "0x1p3",
	 * "nan(...)" or blanks; it only rounds. */
	nd = skip_digits(s, n, &i);
	if (i < n && s[i] == '.') {
		i++;
		nd += skip_digits(s, n, &i);
	}
	if (nd == 0)
		return TEXT_EFORMAT;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (skip_digits(s, n, &i) == 0)
			return TEXT_EFORMAT;
	}
	if (i != n)
		return TEXT_EFORMAT;
	memcpy(buf, s, n);
	buf[n] = '\0';
	locale_t loc = c_locale();
	double v = loc ? strtod_l(buf, &end, loc) : strtod(buf, &end);
	if (end != buf + n)
		return TEXT_EFORMAT;
	if (!isfinite(v))           /* 1e999 */
		return TEXT_ERANGE;
	*out = v;
	return 0;
}

int text_u64_str(const char *s, uint64_t max, uint64_t *out)
{
	return text_u64(s, s ? strlen(s) : 0, max, out);
}

int text_decimal_str(const char *s, double lo, double hi, double *out)
{
	return text_decimal(s, s ? strlen(s) : 0, lo, hi, out);
}

size_t text_utf8_len(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
	if (n == 0 || p[0] >= 0xf5)
		return 0;
	for (size_t k = 1; k < n; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	/* RFC 3629's table: no overlong forms (E0 80-9F, F0 80-8F: an
	 * overlong C1 CSI is E0 82 9B), no surrogates (ED A0-BF), nothing
	 * past U+10FFFF (F4 90-BF). */
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
		return 0;
	/* U+0080-U+009F are C1 controls: some terminals read 0x9b as CSI */
	if (p[0] == 0xc2 && p[1] < 0xa0)
		return 0;
	return n;
}

char *text_sanitize(char *dst, size_t cap, const char *src)
{
	size_t j = 0;
	if (cap == 0)
		return dst;
	const unsigned char *p = (const unsigned char *)(src ? src : "");
	while (*p && j + 1 < cap) {
		if (*p >= 0x20 && *p < 0x7f) {
			dst[j++] = (char)*p++;
			continue;
		}
		/* C0, DEL, C1 and broken UTF-8 never pass; whole valid
		 * characters do. */
		size_t n = *p >= 0x80 ? text_utf8_len((const char *)p) : 0;
		if (n == 0 || j + n >= cap) {
			dst[j++] = '?';
			p++;
			continue;
		}
		memcpy(dst + j, p, n);
		j += n;
		p += n;
	}
	dst[j] = 0;
	return dst;
}

void text_appendf(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	if (*len + 1 >= cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n < cap - *len ? (size_t)n : cap - *len - 1;
}
