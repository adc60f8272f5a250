/* value.c — conversions between the three forms of a column value: a
 * field of a mapped struct, an orm_value parameter, and MariaDB's
 * MYSQL_TIME. Owns nothing. */
#include <stdlib.h>
#include <string.h>

#include "orm/orm_impl.h"

size_t orm_field_size(enum orm_type t)
{
	switch (t) {
	case ORM_INTEGER: return sizeof(int32_t);
	case ORM_SMALLINT: return sizeof(int16_t);
	case ORM_BIGINT: return sizeof(int64_t);
	case ORM_FLOAT: return sizeof(double);
	case ORM_BOOLEAN: return sizeof(bool);
	case ORM_DATE: return sizeof(int32_t);
	case ORM_TIME: return sizeof(int32_t);
	case ORM_DATETIME: return sizeof(int64_t);
	case ORM_BINARY: return sizeof(struct orm_bytes);
	default: return sizeof(const char *);
	}
}

bool orm_type_is_ptr(enum orm_type t)
{
	switch (t) {
	case ORM_NUMERIC:
	case ORM_STRING:
	case ORM_TEXT:
	case ORM_UNICODE:
	case ORM_UNICODE_TEXT:
	case ORM_ENUM:
	case ORM_BINARY:
		return true;
	default:
		return false;
	}
}

bool orm_type_is_int(enum orm_type t)
{
	return t == ORM_INTEGER || t == ORM_SMALLINT || t == ORM_BIGINT;
}

void orm_put_int(void *obj, const struct orm_column *c, int64_t v)
{
	char *f = (char *)obj + c->offset;
	switch (c->type) {
	case ORM_INTEGER:
	case ORM_DATE:
	case ORM_TIME: {
		int32_t x = (int32_t)v;
		memcpy(f, &x, sizeof x);
		break;
	}
	case ORM_SMALLINT: {
		int16_t x = (int16_t)v;
		memcpy(f, &x, sizeof x);
		break;
	}
	case ORM_BOOLEAN: {
		bool x = v != 0;
		memcpy(f, &x, sizeof x);
		break;
	}
	case ORM_BIGINT:
	case ORM_DATETIME:
		memcpy(f, &v, sizeof v);
		break;
	default:
		break;
	}
}

void *orm_get_ptr(const void *obj, size_t off)
{
	void *p;
	memcpy(&p, (const char *)obj + off, sizeof p);
	return p;
}

void orm_put_ptr(void *obj, size_t off, const void *p)
{
	memcpy((char *)obj + off, &p, sizeof p);
}

bool orm_effective_null(const struct orm_obj *o, const struct orm_column *c)
{
	if (c->type == ORM_BINARY) {
		struct orm_bytes b;
		memcpy(&b, (const char *)o + c->offset, sizeof b);
		return b.p == NULL;
	}
	if (orm_type_is_ptr(c->type))
		return orm_get_ptr(o, c->offset) == NULL;
	uint64_t bit = UINT64_C(1) << c->index;
	bool nb = (o->nulls & bit) != 0;
	const struct orm_obj *snap = o->snapshot;
	if (!snap)
		return nb;
	bool sn = (snap->nulls & bit) != 0;
	if (nb != sn)
		return nb; /* orm_set_null / orm_touch said so */
	if (!nb)
		return false;
	/* NULL before and still flagged: a new value means one was assigned. */
	return memcmp((const char *)o + c->offset, (const char *)snap + c->offset,
		      orm_field_size(c->type)) == 0;
}

struct orm_value orm_field_value(const void *obj, const struct orm_column *c)
{
	if (orm_effective_null(obj, c))
		return orm_null();
	const char *f = (const char *)obj + c->offset;
	switch (c->type) {
	case ORM_FLOAT: {
		double d;
		memcpy(&d, f, sizeof d);
		return orm_dbl(d);
	}
	case ORM_NUMERIC:
		return orm_dec(orm_get_ptr(obj, c->offset));
	case ORM_STRING:
	case ORM_TEXT:
	case ORM_UNICODE:
	case ORM_UNICODE_TEXT:
	case ORM_ENUM:
		return orm_str(orm_get_ptr(obj, c->offset));
	case ORM_BINARY: {
		struct orm_bytes b;
		memcpy(&b, f, sizeof b);
		return orm_bytes(b.p, b.n);
	}
	default:
		return orm_int(orm_get_int(obj, c));
	}
}

void orm_time_to_mysql(enum orm_type t, int64_t v, MYSQL_TIME *mt)
{
	memset(mt, 0, sizeof *mt);
	if (t == ORM_TIME) {
		uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
		mt->neg = v < 0;
		/* the wire format holds days + an hour byte */
		mt->day = (unsigned)(a / 86400);
		mt->hour = (unsigned)(a / 3600 % 24);
		mt->minute = (unsigned)(a / 60 % 60);
		mt->second = (unsigned)(a % 60);
		mt->time_type = MYSQL_TIMESTAMP_TIME;
		return;
	}
	int64_t days = v, secs = 0;
	if (t == ORM_DATETIME) {
		days = v >= 0 ? v / 86400 : -((-(v + 1)) / 86400) - 1;
		secs = v - days * 86400;
	}
	int64_t y;
	unsigned m, d;
	orm_civil_from_days(days, &y, &m, &d);
	mt->year = y < 0 ? 0 : (unsigned)y;
	mt->month = m;
	mt->day = d;
	mt->hour = (unsigned)(secs / 3600);
	mt->minute = (unsigned)(secs / 60 % 60);
	mt->second = (unsigned)(secs % 60);
	mt->time_type = t == ORM_DATE ? MYSQL_TIMESTAMP_DATE : MYSQL_TIMESTAMP_DATETIME;
}

int64_t orm_time_from_mysql(enum orm_type t, const MYSQL_TIME *mt)
{
	if (t == ORM_TIME) {
		/* the binary protocol may split long TIMEs into days + hours */
		int64_t s = ((int64_t)mt->day * 24 + mt->hour) * 3600 + mt->minute * 60 + mt->second;
		return mt->neg ? -s : s;
	}
	int64_t days = orm_days_from_civil(mt->year, mt->month ? mt->month : 1, mt->day ? mt->day : 1);
	if (t == ORM_DATE)
		return days;
	return days * 86400 + (int64_t)mt->hour * 3600 + mt->minute * 60 + mt->second;
}

int64_t orm_value_int(struct orm_value v)
{
	switch (v.kind) {
	case ORM_V_INT: return v.i;
	case ORM_V_DOUBLE: return (int64_t)v.d;
	case ORM_V_TEXT:
	case ORM_V_DECIMAL: {
		char tmp[64];
		size_t n = v.s.n < sizeof tmp - 1 ? v.s.n : sizeof tmp - 1;
		memcpy(tmp, v.s.p, n);
		tmp[n] = '\0';
		return strtoll(tmp, NULL, 10);
	}
	default: return 0;
	}
}

double orm_value_double(struct orm_value v)
{
	switch (v.kind) {
	case ORM_V_INT: return (double)v.i;
	case ORM_V_DOUBLE: return v.d;
	case ORM_V_TEXT:
	case ORM_V_DECIMAL: {
		char tmp[128];
		size_t n = v.s.n < sizeof tmp - 1 ? v.s.n : sizeof tmp - 1;
		memcpy(tmp, v.s.p, n);
		tmp[n] = '\0';
		return strtod(tmp, NULL);
	}
	default: return 0;
	}
}
