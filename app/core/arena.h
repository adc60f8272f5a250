/* arena.h — a bump allocator: everything a request allocates lives in the
 * request's arena and dies with it in one arena_reset() (nginx's ngx_pool_t).
 * Blocks are kept across resets, so a steady worker stops calling malloc. */
#ifndef FLACON_ARENA_H
#define FLACON_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;    /* block being carved */
	struct arena_block *blocks;  /* all blocks, for reset/free */
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
/* Forget every allocation; keep the first block, free oversized ones. */
void arena_reset(struct arena *a);
/* Free every block. The arena may be re-initialised afterwards. */
void arena_free(struct arena *a);

#endif
