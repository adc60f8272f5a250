/* tmpl_priv.h — what the tmpl layer's files share and nobody else may use:
 * the compiled form of a template (a tree of nodes over the template's own
 * copy of its source) and the hooks between compiler, set and renderer. */
#ifndef FLACON_TMPL_PRIV_H
#define FLACON_TMPL_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tmpl.h"

enum tnode_kind {
	TN_TEXT,     /* str/len: literal bytes; every '\n' not at the end starts
			a line that gets the current indentation */
	TN_INDENT,   /* start of a line that begins with a tag: current indentation */
	TN_VAR,      /* {{name}}: escaped */
	TN_RAW,      /* {{{name}}} or {{&name}} */
	TN_SECTION,  /* {{#name}} body {{/name}} */
	TN_INVERTED, /* {{^name}} body {{/name}} */
	TN_PARTIAL,  /* {{>name}} */
	TN_PARENT,   /* {{<name}} ... {{/name}}: body holds its argument blocks */
	TN_BLOCK,    /* {{$name}} body {{/name}}: default content or, inside a
			parent's body, the argument passed to the parent */
};

struct tnode;
struct tprog;

#define TID_NONE UINT32_MAX

struct tnodes {
	struct tnode *v;
	uint32_t n, cap;
	bool lead; /* the first line of this body starts at its first node: a
		      standalone expansion site indents it */
};

struct tnode {
	unsigned char kind;  /* enum tnode_kind */
	bool site;           /* PARTIAL, PARENT, BLOCK: standalone, so the content
				is indented by str/len more than the tag's line */
	uint32_t nparts;     /* VAR, RAW, SECTION, INVERTED: dotted parts; 0 = "." */
	uint32_t hash;       /* PARTIAL, PARENT, BLOCK: tmpl_hash(name); VAR, RAW,
				SECTION, INVERTED: tmpl_hash of the first part */
	uint32_t plen;       /* VAR, RAW, SECTION, INVERTED: length of the first part */
	unsigned long jhash; /* VAR, RAW, SECTION, INVERTED: json-c's hash of
				the first part, valid when jhash_fn is set */
	unsigned long (*jhash_fn)(const void *);
	const char *name;    /* NUL-terminated (dotted parts NUL-separated), in
				the template's source copy */
	const char *str;     /* TEXT: the bytes; sites: the added indentation;
				VAR, RAW, SECTION, INVERTED: text put before
				the tag, as a TEXT node would be */
	size_t len;
	uint32_t tid;        /* VAR, RAW, SECTION, INVERTED with a one-part
				name: the tag's number in its template (depth
				first, from 0), what a planned section's run
				indexes; TID_NONE for "." and dotted names */
	uint32_t tid_begin, tid_end; /* SECTION: the numbered tags of its body
				(nested bodies included) are tid_begin ..
				tid_end - 1 */
	bool bare;           /* SECTION: no tag of its body (nested bodies
				included) is "." and none expands a partial,
				parent or block: over a truthy scalar, whose
				frame holds no names, the body renders in the
				section's own frame */
	bool pair;           /* SECTION: the next node of its list is an
				inverted section of the same name with no
				text before it ({{#x}}a{{/x}}{{^x}}b{{/x}}):
				one lookup renders one of the two bodies */
	struct tnodes body;
	struct tprog *prog;  /* SECTION with numbered tags in its body: its
				row program (render.c, tmpl_plan), or NULL;
				freed with the node */
};

/* Bytes after a template's source copy that may be read (never used): the
 * renderer copies text of up to TMPL_SRC_PAD bytes with one fixed-size
 * move (of 32 bytes, or of TMPL_SRC_PAD for text longer than that). */
#define TMPL_SRC_PAD 64

/* A compiled template; owns name, src and the tree (which points into src). */
struct tmpl {
	char *name;
	uint32_t hash;
	char *src;           /* the source, NUL and TMPL_SRC_PAD bytes after it */
	struct tnodes root;
};

/* 32-bit FNV-1a: tmpl_hash (and tmpl_name_hash, the same) folds each byte
 * of s into TMPL_HASH_INIT with tmpl_hash_byte; a caller that walks a
 * string anyway (a NUL-terminated key) may hash it on the way. */
#define TMPL_HASH_INIT 2166136261u
static inline uint32_t tmpl_hash_byte(uint32_t h, unsigned char c)
{
	return (h ^ c) * 16777619u;
}
uint32_t tmpl_hash(const char *s, size_t n);

/* Compile n bytes of src as template name. Returns 0 and *out (free with
 * tmpl_free()), or TMPL_ESYNTAX with "name:line: message" in err, or
 * TMPL_ENOMEM; *out is NULL on failure. src is copied. */
int tmpl_compile(const char *name, const char *src, size_t n, struct tmpl **out,
		 char *err, size_t errlen);
void tmpl_free(struct tmpl *t);

/* The template called name (hash = tmpl_hash(name)) in set, or NULL. */
const struct tmpl *tmpl_find(const struct tmpl_set *set, const char *name, uint32_t hash);

/* Build the row program of every section of the tree whose body has
 * numbered tags (render.c), once the tree is final (numbered, marked).
 * 0 or TMPL_ENOMEM (programs built so far stay on their nodes). */
int tmpl_plan(struct tnodes *root);

/* Test hook: true renders every planned list by walking its body's tree,
 * not through a row program (render.c), so that tests can compare the
 * two byte for byte. Not for production use; not thread-safe to change
 * during a render. */
extern bool tmpl_row_programs_off;

#endif
