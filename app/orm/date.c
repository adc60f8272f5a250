/* date.c — calendar arithmetic for DATE / DATETIME values (days and
 * seconds since 1970-01-01 UTC) and their ISO 8601 text. Owns nothing. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "orm/orm_impl.h"

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t orm_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void orm_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*m <= 2);
}

int32_t orm_date_from_ymd(int y, int m, int d)
{
	return (int32_t)orm_days_from_civil(y, (unsigned)m, (unsigned)d);
}

void orm_date_to_ymd(int32_t days, int *y, int *m, int *d)
{
	int64_t yy;
	unsigned mm, dd;
	orm_civil_from_days(days, &yy, &mm, &dd);
	*y = (int)yy;
	*m = (int)mm;
	*d = (int)dd;
}

int64_t orm_datetime_from_parts(int y, int mo, int d, int h, int mi, int s)
{
	return orm_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s;
}

/* "00" .. "99": two digits at a time, no division by 10 per digit. */
static const char digits2[201] = "00010203040506070809"
				 "10111213141516171819"
				 "20212223242526272829"
				 "30313233343536373839"
				 "40414243444546474849"
				 "50515253545556575859"
				 "60616263646566676869"
				 "70717273747576777879"
				 "80818283848586878889"
				 "90919293949596979899";

/* v (< 100) as two digits at p. */
static inline void put2(char *p, unsigned v)
{
	memcpy(p, digits2 + 2 * v, 2);
}

/* orm_civil_from_days with the last day remembered: the dates of a page
 * mostly share their day. */
static void civil_cached(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	static _Thread_local int64_t last_days = INT64_MIN, last_y;
	static _Thread_local unsigned last_m, last_d;
	if (days != last_days) {
		orm_civil_from_days(days, &last_y, &last_m, &last_d);
		last_days = days;
	}
	*y = last_y;
	*m = last_m;
	*d = last_d;
}

void orm_datetime_iso(int64_t t, char out[21])
{
	int64_t days = t >= 0 ? t / 86400 : -((-(t + 1)) / 86400) - 1;
	int64_t secs = t - days * 86400;
	int64_t y;
	unsigned m, d;
	civil_cached(days, &y, &m, &d);
	if (y < 0 || y > 9999) {
		y = y < 0 ? 0 : 9999;
		m = y ? 12 : 1;
		d = y ? 31 : 1;
		secs = y ? 86399 : 0;
	}
	memcpy(out, "0000-00-00T00:00:00Z", 21);
	put2(out, (unsigned)y / 100);
	put2(out + 2, (unsigned)y % 100);
	put2(out + 5, m);
	put2(out + 8, d);
	put2(out + 11, (unsigned)(secs / 3600));
	put2(out + 14, (unsigned)(secs / 60 % 60));
	put2(out + 17, (unsigned)(secs % 60));
}

/* The directives orm_datetime_format writes itself (C locale); the
 * others go to strftime. */
static const char month_abbr[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
/* each padded to 10 bytes: a plan copies a whole one (and writes over
 * what is past the name) */
static const char month_name[12][10] = {"January", "February", "March",	    "April",
					"May",	   "June",     "July",	    "August",
					"September", "October", "November", "December"};
static const unsigned char month_name_len[12] = {7, 8, 5, 5, 3, 4, 4, 6, 9, 7, 8, 8};

/* v in decimal, at least width digits (zero-padded), at p; the length. */
static inline size_t put_num(char *p, int64_t v, int width)
{
	/* the fields of a date: 0 .. 99 in one or two digits, a year of four */
	if (v >= 0 && v < 100 && width <= 2) {
		if (v >= 10 || width == 2) {
			put2(p, (unsigned)v);
			return 2;
		}
		p[0] = (char)('0' + v);
		return 1;
	}
	if (v >= 1000 && v < 10000 && width <= 4) {
		put2(p, (unsigned)v / 100);
		put2(p + 2, (unsigned)v % 100);
		return 4;
	}
	char tmp[24];
	size_t n = 0, k = 0;
	bool neg = v < 0;
	uint64_t u = neg ? -(uint64_t)v : (uint64_t)v;
	do
		tmp[n++] = (char)('0' + u % 10);
	while ((u /= 10));
	while ((int)n < width)
		tmp[n++] = '0';
	if (neg)
		p[k++] = '-';
	while (n)
		p[k++] = tmp[--n];
	return k;
}

/* orm_datetime_format as it reads fmt directly: for the formats no plan
 * holds (a strftime directive, a long format). */
static const char *format_slow(struct arena *a, int64_t t, const char *fmt)
{
	char out[128];
	size_t n = 0;
	int64_t days = t >= 0 ? t / 86400 : -((-(t + 1)) / 86400) - 1;
	int64_t secs = t - days * 86400, y;
	unsigned mo, d;
	orm_civil_from_days(days, &y, &mo, &d);
	for (const char *f = fmt; *f; f++) {
		if (n + 40 > sizeof out)
			return NULL;
		if (*f != '%') {
			out[n++] = *f;
			continue;
		}
		bool nopad = f[1] == '-';
		char c = f[nopad ? 2 : 1];
		const char *name = NULL;
		size_t nlen = 0;
		switch (c) {
		case 'Y': n += put_num(out + n, y, nopad ? 1 : 4); break;
		case 'm': n += put_num(out + n, mo, nopad ? 1 : 2); break;
		case 'd': n += put_num(out + n, d, nopad ? 1 : 2); break;
		case 'H': n += put_num(out + n, secs / 3600, nopad ? 1 : 2); break;
		case 'M': n += put_num(out + n, secs / 60 % 60, nopad ? 1 : 2); break;
		case 'S': n += put_num(out + n, secs % 60, nopad ? 1 : 2); break;
		case 'b': name = month_abbr[mo - 1], nlen = 3; break;
		case 'B': name = month_name[mo - 1], nlen = month_name_len[mo - 1]; break;
		case '%': out[n++] = '%'; break;
		default: { /* anything else: strftime does the whole format */
			char tmp[128];
			time_t tt = (time_t)t;
			struct tm tm;
			if (!gmtime_r(&tt, &tm))
				return NULL;
			size_t k = strftime(tmp, sizeof tmp, fmt, &tm);
			if (k == 0 && *fmt)
				return NULL;
			return arena_strndup(a, tmp, k);
		}
		}
		if (name) {
			memcpy(out + n, name, nlen);
			n += nlen;
		}
		f += nopad ? 2 : 1;
	}
	return arena_strndup(a, out, n);
}

/* A format compiled once per thread (the site formats every date of a
 * list with the same one): each directive with the literal text after it
 * as one step ("%%" already a '%' in that text), so that a date costs a
 * step per directive instead of a test per character of the format, and
 * is written straight into its arena text. */
enum fmt_op { F_NONE, F_Y, F_MON, F_DAY, F_HOUR, F_MIN, F_SEC, F_ABBR, F_NAME };
struct fmt_step {
	uint8_t op;	  /* F_NONE: the literal text only (a format's start) */
	uint8_t width;	  /* the digits at least (numbers) */
	uint8_t off, len; /* the literal text after it, in plan's lit */
};
#define FMT_PLAN_TEXT 64
/* A literal run of up to this many bytes is copied whole (lit is zeroed
 * past its text and the output has room): no call, no loop. */
#define FMT_LIT_WORD 16
struct fmt_plan {
	char fmt[FMT_PLAN_TEXT]; /* the format (the key; "" for an unused plan) */
	char lit[FMT_PLAN_TEXT + FMT_LIT_WORD]; /* the literal text of every step */
	size_t nsteps;
	size_t most; /* the most bytes a date writes (with a year of 20) */
	struct fmt_step step[FMT_PLAN_TEXT];
};
#define FMT_PLANS 4
static _Thread_local struct fmt_plan fmt_plans[FMT_PLANS];
static _Thread_local unsigned fmt_plan_next; /* the plan replaced next */

/* Compile fmt into p: true, or false when fmt is not one a plan holds (too
 * long, a directive left to strftime, or text that could pass the 88 bytes
 * format_slow checks for: a plan's text never does, so it checks none). */
static bool plan_compile(struct fmt_plan *p, const char *fmt)
{
	size_t n = strlen(fmt), most = 0, nlit = 0;
	if (n == 0 || n >= FMT_PLAN_TEXT)
		return false;
	memset(p, 0, offsetof(struct fmt_plan, step));
	memcpy(p->fmt, fmt, n + 1);
	p->nsteps = 0;
	struct fmt_step *st = &p->step[p->nsteps++];
	*st = (struct fmt_step){.op = F_NONE};
	for (size_t i = 0; i < n;) {
		if (fmt[i] != '%' || fmt[i + 1] == '%') {
			/* literal text ("%%" is a '%'): after the current step's */
			p->lit[nlit++] = fmt[i];
			st->len++;
			most++;
			i += fmt[i] == '%' ? 2 : 1;
			continue;
		}
		bool nopad = fmt[i + 1] == '-';
		struct fmt_step d = {.off = (uint8_t)nlit};
		switch (fmt[i + (nopad ? 2 : 1)]) {
		case 'Y': d.op = F_Y, d.width = nopad ? 1 : 4; break;
		case 'm': d.op = F_MON, d.width = nopad ? 1 : 2; break;
		case 'd': d.op = F_DAY, d.width = nopad ? 1 : 2; break;
		case 'H': d.op = F_HOUR, d.width = nopad ? 1 : 2; break;
		case 'M': d.op = F_MIN, d.width = nopad ? 1 : 2; break;
		case 'S': d.op = F_SEC, d.width = nopad ? 1 : 2; break;
		case 'b': d.op = F_ABBR; break;
		case 'B': d.op = F_NAME; break;
		default: return false;
		}
		i += nopad ? 3 : 2;
		/* the most bytes a directive writes: a year of an int64_t's
		 * days has at most 20 characters, other numbers 2, a name 9 */
		most += d.op == F_Y ? 20 : d.op == F_NAME ? 9 : 3;
		st = &p->step[p->nsteps++];
		*st = d;
	}
	p->most = most;
	return most <= 88;
}

/* The plan of fmt, compiled on first use; NULL when fmt has none. */
static const struct fmt_plan *plan_for(const char *fmt)
{
	for (unsigned k = 0; k < FMT_PLANS; k++)
		if (fmt_plans[k].fmt[0] && !strcmp(fmt_plans[k].fmt, fmt))
			return &fmt_plans[k];
	/* compiled aside: a format no plan holds evicts no plan */
	struct fmt_plan tmp;
	if (!plan_compile(&tmp, fmt))
		return NULL;
	struct fmt_plan *p = &fmt_plans[fmt_plan_next];
	*p = tmp;
	fmt_plan_next = (fmt_plan_next + 1) % FMT_PLANS;
	return p;
}

/* v (< 100) at p: two digits, or one when width is 1 and v < 10. */
static inline size_t put_field(char *p, unsigned v, unsigned width)
{
	if (v >= 10 || width == 2) {
		put2(p, v);
		return 2;
	}
	p[0] = (char)('0' + v);
	return 1;
}

const char *orm_datetime_format_len(struct arena *a, int64_t t, const char *fmt, size_t *len)
{
	const struct fmt_plan *p = plan_for(fmt);
	if (!p) {
		const char *s = format_slow(a, t, fmt);
		if (s && len)
			*len = strlen(s);
		return s;
	}
	/* room for the most a date writes and a whole literal word after it */
	char *r = arena_alloc(a, p->most + FMT_LIT_WORD + 1), *o = r;
	if (!r)
		return NULL;
	int64_t days = t >= 0 ? t / 86400 : -((-(t + 1)) / 86400) - 1;
	unsigned secs = (unsigned)(t - days * 86400), mo, d;
	int64_t y;
	civil_cached(days, &y, &mo, &d);
	/* a format that starts with a directive: no text before it */
	const struct fmt_step *st = p->step + (p->step[0].len == 0), *end = p->step + p->nsteps;
	for (; st < end; st++) {
		switch ((enum fmt_op)st->op) {
		case F_NONE: break;
		case F_Y:
			if (y >= 1000 && y < 10000) { /* put_num's, in line */
				put2(o, (unsigned)y / 100);
				put2(o + 2, (unsigned)y % 100);
				o += 4;
			} else {
				o += put_num(o, y, st->width);
			}
			break;
		case F_MON: o += put_field(o, mo, st->width); break;
		case F_DAY: o += put_field(o, d, st->width); break;
		case F_HOUR: o += put_field(o, secs / 3600, st->width); break;
		case F_MIN: o += put_field(o, secs / 60 % 60, st->width); break;
		case F_SEC: o += put_field(o, secs % 60, st->width); break;
		case F_ABBR:
			memcpy(o, month_abbr[mo - 1], 4); /* its NUL: overwritten or the end */
			o += 3;
			break;
		case F_NAME:
			memcpy(o, month_name[mo - 1], sizeof month_name[0]);
			o += month_name_len[mo - 1];
			break;
		}
		if (st->len <= FMT_LIT_WORD) /* within lit's zeroed tail and r's room */
			memcpy(o, p->lit + st->off, FMT_LIT_WORD);
		else
			memcpy(o, p->lit + st->off, st->len);
		o += st->len;
	}
	assert((size_t)(o - r) <= p->most);
	*o = '\0';
	if (len)
		*len = (size_t)(o - r);
	return r;
}

const char *orm_datetime_format(struct arena *a, int64_t t, const char *fmt)
{
	return orm_datetime_format_len(a, t, fmt, NULL);
}
