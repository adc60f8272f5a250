/* arena.c — bump allocator with a block list, and the allocation-failure
 * switch of the tests (arena_fail_after). */
#include "arena.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena_block {
	struct arena_block *next;
	size_t size; /* usable bytes in data[] */
	size_t used;
	_Alignas(max_align_t) unsigned char data[];
};

struct arena_cleanup {
	struct arena_cleanup *next;
	void (*fn)(void *data);
	void *data;
};

#define ALIGN (_Alignof(max_align_t))

/* arena_fail_after(): allocations left before the one that fails (0: off),
 * and how many have been failed. Per thread, so that one test's switch
 * never reaches another thread's arena. */
static _Thread_local long fail_countdown;
static _Thread_local bool fail_sticky; /* arena_fail_from: keep failing */
static _Thread_local unsigned long fail_count;

void arena_fail_after(long n)
{
	fail_countdown = n > 0 ? n : 0;
	fail_sticky = false;
}

void arena_fail_from(long n)
{
	fail_countdown = n > 0 ? n : 0;
	fail_sticky = true;
}

unsigned long arena_failures(void)
{
	return fail_count;
}

void arena_init(struct arena *a, size_t block_size)
{
	a->head = NULL;
	a->blocks = NULL;
	a->cleanups = NULL;
	a->block_size = block_size ? block_size : 16384;
	a->used_total = 0;
}

static struct arena_block *block_new(size_t size)
{
	if (size > SIZE_MAX - sizeof(struct arena_block))
		return NULL;
	struct arena_block *b = malloc(sizeof *b + size);
	if (!b)
		return NULL;
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

static void *alloc_bytes(struct arena *a, size_t n);

void *arena_alloc(struct arena *a, size_t n)
{
	if (__builtin_expect(fail_countdown > 0, 0) && --fail_countdown == 0) {
		if (fail_sticky)
			fail_countdown = 1;
		fail_count++;
		return NULL;
	}
	return alloc_bytes(a, n);
}

static void *alloc_bytes(struct arena *a, size_t n)
{
	if (n == 0)
		n = 1;
	if (n > SIZE_MAX - ALIGN)
		return NULL;
	n = (n + ALIGN - 1) & ~(ALIGN - 1);
	struct arena_block *b = a->head;
	if (b && b->size - b->used >= n) {
		void *p = b->data + b->used;
		b->used += n;
		a->used_total += n;
		return p;
	}
	/* Reuse a kept block after head when one fits (after a reset). */
	if (b && b->next && b->next->size >= n && b->next->used == 0) {
		a->head = b->next;
		return alloc_bytes(a, n);
	}
	size_t size = n > a->block_size ? n : a->block_size;
	struct arena_block *nb = block_new(size);
	if (!nb)
		return NULL;
	if (n > a->block_size && b) {
		/* Oversized: keep the current head carving, and the block at the
		 * front of the list, out of the way of the head's successors
		 * (the blocks a reset kept for reuse). Chained after the head,
		 * it hid them: the head, once full, got a new block every
		 * request, and the arena grew by one block per request. */
		nb->next = a->blocks;
		a->blocks = nb;
		nb->used = n;
		a->used_total += n;
		return nb->data;
	}
	if (b) {
		nb->next = b->next;
		b->next = nb;
	} else {
		nb->next = a->blocks;
		a->blocks = nb;
	}
	a->head = nb;
	nb->used = n;
	a->used_total += n;
	return nb->data;
}

void *arena_calloc(struct arena *a, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	void *p = arena_alloc(a, n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	if (!p)
		return NULL;
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		return NULL;
	char *p = arena_alloc(a, (size_t)len + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)len + 1, fmt, ap);
	va_end(ap);
	return p;
}

int arena_cleanup_add(struct arena *a, void (*fn)(void *data), void *data)
{
	struct arena_cleanup *c = arena_alloc(a, sizeof *c);
	if (!c)
		return -1;
	c->fn = fn;
	c->data = data;
	c->next = a->cleanups;
	a->cleanups = c;
	return 0;
}

void arena_run_cleanups(struct arena *a)
{
	/* A handler may add another (it then runs in this same loop). */
	while (a->cleanups) {
		struct arena_cleanup *c = a->cleanups;
		a->cleanups = c->next;
		c->fn(c->data);
	}
}

void arena_reset(struct arena *a)
{
	arena_run_cleanups(a);
	/* Keep normal-sized blocks (they will be reused), free oversized ones. */
	struct arena_block **pp = &a->blocks;
	while (*pp) {
		struct arena_block *b = *pp;
		if (b->size > a->block_size) {
			*pp = b->next;
			free(b);
			continue;
		}
		b->used = 0;
		pp = &b->next;
	}
	a->head = a->blocks;
	a->used_total = 0;
}

void arena_free(struct arena *a)
{
	arena_run_cleanups(a);
	struct arena_block *b = a->blocks;
	while (b) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
	a->head = a->blocks = NULL;
	a->used_total = 0;
}
