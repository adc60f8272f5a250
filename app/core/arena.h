/* arena.h — a bump allocator: everything a request allocates lives in the
 * request's arena and dies with it in one arena_reset() (nginx's ngx_pool_t).
 * Blocks are kept across resets, so a steady worker stops calling malloc. */
#ifndef FLACON_ARENA_H
#define FLACON_ARENA_H

#include <stddef.h>

struct arena_block;
struct arena_cleanup;

struct arena {
	struct arena_block *head;    /* block being carved */
	struct arena_block *blocks;  /* all blocks, for reset/free */
	struct arena_cleanup *cleanups; /* run (last added first) at reset/free */
	size_t block_size;
	size_t used_total;           /* bytes handed out since the last reset */
};

/* Initialise an empty arena whose blocks are block_size bytes (larger
 * requests get a block of their own). Never fails: memory comes lazily. */
void arena_init(struct arena *a, size_t block_size);
/* n bytes aligned for any type, or NULL when out of memory. The memory is
 * owned by the arena: never free() it. */
void *arena_alloc(struct arena *a, size_t n);
/* Zeroed n*size bytes (overflow-checked), or NULL. */
void *arena_calloc(struct arena *a, size_t n, size_t size);
/* Copy of n bytes of s, NUL-terminated, or NULL. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Allocation-failure injection, for tests of out-of-memory paths (as
 * SQLite's): after arena_fail_after(n) with n >= 1, the n-th arena
 * allocation this thread makes from then on (arena_alloc and everything
 * built on it: calloc, strndup, strdup, printf; whichever arena) returns
 * NULL, once; the allocations after it succeed again. arena_fail_from(n)
 * is the same, but the n-th and every allocation after it fail (memory
 * that stays exhausted: cleanup paths must cope too). n = 0 turns either
 * off. The switch is per thread and always compiled in;
 * while it is off an allocation pays one well-predicted branch.
 * arena_failures() is how many allocations it has failed in this thread
 * (a test compares it before and after to know whether its run met the
 * failure). */
void arena_fail_after(long n);
void arena_fail_from(long n);
unsigned long arena_failures(void);
/* Cleanup handlers (nginx's ngx_pool_cleanup_add): fn(data) runs when the
 * arena is reset or freed, or at arena_run_cleanups(), the last added
 * first, whatever path led there. For what the arena does not own itself:
 * json-c trees, an ORM session, a web session. 0, or -1 when out of
 * memory: then nothing is registered and the caller still owns data. */
int arena_cleanup_add(struct arena *a, void (*fn)(void *data), void *data);
/* Run and forget the registered cleanups now (the allocations stay). */
void arena_run_cleanups(struct arena *a);
/* Forget every allocation (after running the cleanups); keep the first
 * block, free oversized ones. */
void arena_reset(struct arena *a);
/* Run the cleanups, then free every block. The arena may be re-initialised afterwards. */
void arena_free(struct arena *a);

#endif
