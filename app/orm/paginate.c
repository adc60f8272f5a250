/* paginate.c — Flask-SQLAlchemy 3 pagination: a page of a query and its
 * total, the arithmetic (pages, prev / next, first / last), and
 * iter_pages with its gaps. */
#include <string.h>

#include "orm/orm_impl.h"

/* The page's items. With a counter (and no total given) its value rides
 * in the same statement as a last added column (SUM over the counter's
 * slot rows: a scalar subquery), so the total costs no statement of its
 * own; out->total stays -1 when the page has no row to carry it. */
static int page_items(struct orm_query *q, const struct orm_page_args *a, int64_t page, int64_t per,
		      struct orm_pagination *out)
{
	struct orm_query *pq = orm_limit(orm_offset(q, (page - 1) * per), per);
	if (!a->counter || a->total >= 0)
		return orm_all(pq, &out->items);
	const struct orm_expr *total = orm_counter_total(q->s, a->counter);
	if (!total) {
		size_t n = strlen(a->counter);
		return n == 0 || n > ORM_COUNTER_NAME_MAX
			       ? orm_fail(q->s, ORM_MISUSE, "paginate: a counter name has 1 to %d bytes",
					  ORM_COUNTER_NAME_MAX)
			       : orm_fail(q->s, ORM_NOMEM, "out of memory");
	}
	struct orm_rows extra;
	int rc = orm_all_with(orm_add_column(pq, total), &out->items, &extra);
	if (rc == 0 && extra.nrows && extra.ncols)
		out->total = orm_value_int(extra.v[extra.ncols - 1]);
	return rc;
}

int orm_paginate(struct orm_query *q, const struct orm_page_args *a, struct orm_pagination *out)
{
	memset(out, 0, sizeof *out);
	out->total = -1;
	if (!q)
		return ORM_NOMEM;
	int64_t page = a->page, per = a->per_page;
	if (a->max_per_page > 0 && per > a->max_per_page)
		per = a->max_per_page;
	if (page < 1) {
		if (a->error_out)
			return orm_fail(q->s, ORM_NOT_FOUND, "page %lld < 1", (long long)page);
		page = 1;
	}
	if (per < 1) {
		if (a->error_out)
			return orm_fail(q->s, ORM_NOT_FOUND, "per_page %lld < 1", (long long)per);
		per = 20;
	}
	out->page = page;
	out->per_page = per;
	int rc;
	if (page - 1 > INT64_MAX / per) {
		/* an offset beyond any table: certainly an empty page */
		if (a->error_out)
			return orm_fail(q->s, ORM_NOT_FOUND, "page %lld is beyond the last",
					(long long)page);
	} else if ((rc = page_items(q, a, page, per, out))) {
		return rc;
	}
	if (out->items.n == 0 && page != 1 && a->error_out)
		return orm_fail(q->s, ORM_NOT_FOUND, "page %lld is beyond the last", (long long)page);
	if (a->total >= 0)
		out->total = a->total;
	else if (a->counter && out->total < 0 && (rc = orm_counter_read(q->s, a->counter, &out->total)))
		return rc;
	else if (!a->counter && a->count && (rc = orm_count(q, &out->total)))
		return rc;
	orm_pagination_fill(out, out->items.n);
	return 0;
}

void orm_pagination_fill(struct orm_pagination *p, size_t n_items)
{
	int64_t page = p->page, per = p->per_page;
	p->pages = p->total <= 0 ? 0 : (p->total - 1) / per + 1;
	p->has_prev = page > 1;
	p->prev_num = p->has_prev ? page - 1 : 0;
	p->has_next = page < p->pages;
	p->next_num = p->has_next ? page + 1 : 0;
	p->first = n_items ? (page - 1) * per + 1 : 0;
	p->last = n_items ? p->first + (int64_t)n_items - 1 : p->first;
}

size_t orm_iter_pages(const struct orm_pagination *p, int left_edge, int left_current,
		      int right_current, int right_edge, int64_t *out, size_t cap)
{
	size_t n = 0;
#define EMIT(x)                      \
	do {                         \
		if (n < cap)         \
			out[n] = (x); \
		n++;                 \
	} while (0)
	/* Flask-SQLAlchemy 3.x Pagination.iter_pages, step for step. */
	int64_t pages_end = p->pages + 1;
	if (pages_end == 1)
		return 0;
	int64_t left_end = 1 + left_edge < pages_end ? 1 + left_edge : pages_end;
	for (int64_t i = 1; i < left_end; i++)
		EMIT(i);
	if (left_end == pages_end)
		return n;
	int64_t mid_start = p->page - left_current > left_end ? p->page - left_current : left_end;
	int64_t mid_end = p->page + right_current + 1 < pages_end ? p->page + right_current + 1
								   : pages_end;
	if (mid_start - left_end > 0)
		EMIT(0);
	for (int64_t i = mid_start; i < mid_end; i++)
		EMIT(i);
	if (mid_end == pages_end)
		return n;
	int64_t right_start = pages_end - right_edge > mid_end ? pages_end - right_edge : mid_end;
	if (right_start - mid_end > 0)
		EMIT(0);
	for (int64_t i = right_start; i < pages_end; i++)
		EMIT(i);
#undef EMIT
	return n;
}

size_t orm_iter_pages_default(const struct orm_pagination *p, int64_t *out, size_t cap)
{
	return orm_iter_pages(p, 2, 2, 4, 2, out, cap);
}
