/* compile.c — Mustache source to the node tree of tmpl_priv.h, once per
 * template: lexing (with set-delimiter tags), tag matching, the spec's
 * standalone-line rules and the ~inheritance indentation rules, so that
 * rendering never looks at the source again. The tree points into the
 * template's own copy of the source, where tag names are NUL-terminated in
 * place.
 *
 * Whitespace model. A tag is "left-clear" when only spaces and tabs precede
 * it on its line and "right-clear" when only spaces and tabs follow it up to
 * the line ending or the end of the template. A left- and right-clear
 * non-interpolation tag is standalone: its whole line, line ending included,
 * disappears. Indentation (of a standalone partial, parent or block) is added
 * at the start of every line of the expanded content; the compiler marks
 * those line starts (TN_INDENT nodes, newlines inside TN_TEXT, tnodes.lead).
 * Inheritance adds, after mustache/spec#131:
 *   - a parent is standalone when its opening tag is left-clear and either
 *     tag is right-clear; then the line ending after {{/parent}} goes too;
 *   - an argument block (a block directly inside a parent) is an inline
 *     template: a line ending right after {{$name}} belongs to the tag, the
 *     indentation of the line after it (intrinsic indentation) is removed
 *     from every line of the block, and white space before a left-clear
 *     {{/name}} is dropped;
 *   - a parameter block (any other block) standalone on its line is
 *     expanded with the indentation of the line after it; an empty one,
 *     {{$name}}{{/name}}, with only white space before it, is expanded with
 *     that white space, keeping the line ending after it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* strdup outside the Makefile too */
#endif
#include "tmpl_priv.h"

#include <json.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tok_kind {
	K_TEXT, K_VAR, K_RAW, K_SECTION, K_INVERTED, K_CLOSE,
	K_COMMENT, K_PARTIAL, K_PARENT, K_BLOCK, K_DELIM,
};

struct tok {
	unsigned char kind;
	bool lclear, rclear;
	bool eat;        /* no indentation marker before the tag: its line start
			    is consumed (standalone, or a standalone site) */
	bool standalone; /* the tag took its line ending too */
	bool site;       /* PARTIAL, PARENT, BLOCK: standalone expansion site */
	bool arg;        /* BLOCK directly inside a PARENT */
	bool intrinsic;  /* BLOCK: indentation comes from the line after it */
	size_t s, e;     /* TEXT: live bytes after trimming; tags: whole tag */
	size_t os, oe;   /* TEXT: bytes as lexed */
	size_t name, nlen;
	uint32_t nparts;
	size_t ind, ind_n; /* indentation of a site (start, length in src) */
	int match;         /* the matching open or close tag */
};

struct cc {
	const char *tname;
	char *src;
	size_t n;
	struct tok *t;
	size_t nt, capt;
	char *err;
	size_t errlen;
};

#define NOT_FOUND ((size_t)-1)

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static int syntax(struct cc *c, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record a syntax error at byte offset at; returns TMPL_ESYNTAX. Called only
 * before names are NUL-terminated, so line counting sees the source. */
static int syntax(struct cc *c, size_t at, const char *fmt, ...)
{
	if (!c->err || !c->errlen)
		return TMPL_ESYNTAX;
	size_t line = 1;
	for (size_t i = 0; i < at && i < c->n; i++)
		line += c->src[i] == '\n';
	int k = snprintf(c->err, c->errlen, "%s:%zu: ", c->tname, line);
	if (k >= 0 && (size_t)k < c->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->err + k, c->errlen - (size_t)k, fmt, ap);
		va_end(ap);
	}
	return TMPL_ESYNTAX;
}

static size_t find(const char *s, size_t n, size_t from, const char *pat, size_t m)
{
	while (from < n && n - from >= m) {
		const char *p = memchr(s + from, pat[0], n - from - m + 1);
		if (!p)
			return NOT_FOUND;
		if (memcmp(p, pat, m) == 0)
			return (size_t)(p - s);
		from = (size_t)(p - s) + 1;
	}
	return NOT_FOUND;
}

static int push_tok(struct cc *c, const struct tok *k)
{
	if (c->nt == c->capt) {
		size_t cap = c->capt ? c->capt * 2 : 64;
		struct tok *t = realloc(c->t, cap * sizeof *t);
		if (!t)
			return TMPL_ENOMEM;
		c->t = t;
		c->capt = cap;
	}
	c->t[c->nt++] = *k;
	return 0;
}

static char sigil(unsigned char kind)
{
	switch (kind) {
	case K_SECTION: return '#';
	case K_INVERTED: return '^';
	case K_PARENT: return '<';
	case K_BLOCK: return '$';
	case K_CLOSE: return '/';
	default: return '?';
	}
}

/* Trim [*a, *b) of white space and check that what is left is a name: not
 * empty, no white space or NUL inside; dotted names have no empty part. */
static int take_name(struct cc *c, struct tok *k, size_t a, size_t b, bool dotted)
{
	while (a < b && is_space(c->src[a]))
		a++;
	while (b > a && is_space(c->src[b - 1]))
		b--;
	if (a == b)
		return syntax(c, k->s, "empty tag");
	k->name = a;
	k->nlen = b - a;
	k->nparts = 1;
	for (size_t i = a; i < b; i++)
		if (is_space(c->src[i]) || c->src[i] == '\0')
			return syntax(c, k->s, "invalid tag name \"%.*s\"", (int)(b - a),
				      c->src + a);
	if (!dotted || (b - a == 1 && c->src[a] == '.')) {
		k->nparts = dotted ? 0 : 1;
		return 0;
	}
	for (size_t i = a; i < b; i++) {
		if (c->src[i] != '.')
			continue;
		if (i == a || i + 1 == b || c->src[i + 1] == '.')
			return syntax(c, k->s, "invalid dotted name \"%.*s\"", (int)(b - a),
				      c->src + a);
		k->nparts++;
	}
	return 0;
}

/* Split the source into text and tag tokens, following set-delimiter tags. */
static int lex(struct cc *c)
{
	const char *s = c->src;
	size_t n = c->n;
	const char *ot = "{{", *ct = "}}";
	size_t otn = 2, ctn = 2;
	size_t pos = 0;
	int rc;

	while (pos < n) {
		size_t i = find(s, n, pos, ot, otn);
		if (i == NOT_FOUND)
			i = n;
		if (i > pos) {
			struct tok k = {.kind = K_TEXT, .s = pos, .e = i, .os = pos, .oe = i,
					.match = -1};
			if ((rc = push_tok(c, &k)) < 0)
				return rc;
		}
		if (i == n)
			break;

		struct tok k = {.s = i, .match = -1};
		size_t p = i + otn;
		if (p < n && s[p] == '=') {
			size_t q = find(s, n, p + 1, ct, ctn);
			if (q == NOT_FOUND || q < p + 2 || s[q - 1] != '=')
				return syntax(c, i, "unterminated set-delimiter tag");
			size_t a = p + 1, b = q - 1;
			while (a < b && is_space(s[a]))
				a++;
			while (b > a && is_space(s[b - 1]))
				b--;
			size_t a2 = a;
			while (a2 < b && !is_space(s[a2]))
				a2++;
			size_t b1 = a2;
			while (b1 < b && is_space(s[b1]))
				b1++;
			size_t b2 = b1;
			while (b2 < b && !is_space(s[b2]))
				b2++;
			if (a == a2 || b1 == b2 || b2 != b || memchr(s + a, '=', b - a))
				return syntax(c, i, "invalid set-delimiter tag");
			k.kind = K_DELIM;
			k.e = q + ctn;
			ot = s + a;
			otn = a2 - a;
			ct = s + b1;
			ctn = b2 - b1;
		} else if (p < n && s[p] == '{') {
			size_t q = p + 1;
			for (;;) {
				q = find(s, n, q, ct, ctn);
				if (q == NOT_FOUND)
					return syntax(c, i, "unclosed tag");
				if (q > p + 1 && s[q - 1] == '}')
					break;
				q++;
			}
			k.kind = K_RAW;
			k.e = q + ctn;
			if ((rc = take_name(c, &k, p + 1, q - 1, true)) < 0)
				return rc;
		} else {
			size_t q = find(s, n, p, ct, ctn);
			if (q == NOT_FOUND)
				return syntax(c, i, "unclosed tag");
			k.e = q + ctn;
			k.kind = K_VAR;
			switch (p < q ? s[p] : 0) {
			case '!': k.kind = K_COMMENT; break;
			case '&': k.kind = K_RAW; break;
			case '#': k.kind = K_SECTION; break;
			case '^': k.kind = K_INVERTED; break;
			case '/': k.kind = K_CLOSE; break;
			case '>': k.kind = K_PARTIAL; break;
			case '<': k.kind = K_PARENT; break;
			case '$': k.kind = K_BLOCK; break;
			}
			if (k.kind != K_VAR)
				p++;
			if (k.kind != K_COMMENT) {
				bool dotted = k.kind == K_VAR || k.kind == K_RAW ||
					      k.kind == K_SECTION || k.kind == K_INVERTED;
				if ((rc = take_name(c, &k, p, q, dotted)) < 0)
					return rc;
			}
		}
		if ((rc = push_tok(c, &k)) < 0)
			return rc;
		pos = k.e;
	}
	return 0;
}

/* Pair every opening tag with its closing tag; mark argument blocks. */
static int match_tags(struct cc *c)
{
	int stack[TMPL_MAX_DEPTH];
	int depth = 0;

	for (size_t i = 0; i < c->nt; i++) {
		struct tok *k = &c->t[i];
		switch (k->kind) {
		case K_SECTION:
		case K_INVERTED:
		case K_PARENT:
		case K_BLOCK:
			if (depth == TMPL_MAX_DEPTH)
				return syntax(c, k->s, "sections nested deeper than %d",
					      TMPL_MAX_DEPTH);
			k->arg = k->kind == K_BLOCK && depth > 0 &&
				 c->t[stack[depth - 1]].kind == K_PARENT;
			stack[depth++] = (int)i;
			break;
		case K_CLOSE: {
			if (depth == 0)
				return syntax(c, k->s, "{{/%.*s}} closes nothing", (int)k->nlen,
					      c->src + k->name);
			struct tok *o = &c->t[stack[depth - 1]];
			if (o->nlen != k->nlen ||
			    memcmp(c->src + o->name, c->src + k->name, k->nlen) != 0) {
				size_t line = 1;
				for (size_t j = 0; j < o->s; j++)
					line += c->src[j] == '\n';
				return syntax(c, k->s, "{{/%.*s}} does not close {{%c%.*s}} of line %zu",
					      (int)k->nlen, c->src + k->name, sigil(o->kind),
					      (int)o->nlen, c->src + o->name, line);
			}
			o->match = (int)i;
			k->match = stack[--depth];
			break;
		}
		default:
			break;
		}
	}
	if (depth > 0) {
		struct tok *o = &c->t[stack[depth - 1]];
		return syntax(c, o->s, "unclosed {{%c%.*s}}", sigil(o->kind), (int)o->nlen,
			      c->src + o->name);
	}
	return 0;
}

static void clearances(struct cc *c)
{
	const char *s = c->src;
	for (size_t i = 0; i < c->nt; i++) {
		struct tok *k = &c->t[i];
		if (k->kind == K_TEXT)
			continue;
		if (i == 0) {
			k->lclear = true;
		} else if (c->t[i - 1].kind == K_TEXT) {
			const struct tok *x = &c->t[i - 1];
			size_t j = x->oe;
			while (j > x->os && is_blank(s[j - 1]))
				j--;
			k->lclear = j == x->os ? i == 1 : s[j - 1] == '\n';
		}
		if (i + 1 == c->nt) {
			k->rclear = true;
		} else if (c->t[i + 1].kind == K_TEXT) {
			const struct tok *x = &c->t[i + 1];
			size_t j = x->os;
			while (j < x->oe && is_blank(s[j]))
				j++;
			if (j == x->oe)
				k->rclear = i + 2 == c->nt;
			else
				k->rclear = s[j] == '\n' ||
					    (s[j] == '\r' && j + 1 < x->oe && s[j + 1] == '\n');
		}
	}
}

/* Drop the blanks that end text token i (the indentation of the tag after
 * it) and record them as that tag's site indentation. */
static void trim_tail(struct cc *c, size_t i, struct tok *tag)
{
	if (i >= c->nt || c->t[i].kind != K_TEXT)
		return;
	struct tok *x = &c->t[i];
	size_t j = x->oe;
	while (j > x->os && is_blank(c->src[j - 1]))
		j--;
	tag->ind = j;
	tag->ind_n = x->oe - j;
	if (x->e > j)
		x->e = j;
	if (x->e < x->s)
		x->e = x->s;
}

/* Drop the blanks and the line ending that start text token i. */
static void trim_head(struct cc *c, size_t i)
{
	if (i >= c->nt || c->t[i].kind != K_TEXT)
		return;
	struct tok *x = &c->t[i];
	size_t j = x->os;
	while (j < x->oe && is_blank(c->src[j]))
		j++;
	if (j < x->oe && c->src[j] == '\r')
		j++;
	if (j < x->oe && c->src[j] == '\n')
		j++;
	if (x->s < j)
		x->s = j;
	if (x->e < x->s)
		x->e = x->s;
}

static void standalone(struct cc *c, size_t i)
{
	struct tok *k = &c->t[i];
	if (!k->lclear || !k->rclear)
		return;
	k->eat = k->standalone = true;
	if (i > 0)
		trim_tail(c, i - 1, k);
	trim_head(c, i + 1);
	if (k->kind == K_PARTIAL || (k->kind == K_BLOCK && !k->arg))
		k->site = true;
}

/* The line after a right-clear opening block tag at i: where it starts
 * (ind) and its leading blanks (ind_n). */
static void line_after(struct cc *c, size_t i)
{
	struct tok *k = &c->t[i];
	k->intrinsic = true;
	k->ind = k->e;
	k->ind_n = 0;
	if (i + 1 >= c->nt || c->t[i + 1].kind != K_TEXT)
		return;
	const struct tok *x = &c->t[i + 1];
	const char *nl = memchr(c->src + x->os, '\n', x->oe - x->os);
	if (!nl)
		return;
	size_t j = (size_t)(nl - c->src) + 1;
	k->ind = j;
	while (j < x->oe && is_blank(c->src[j]))
		j++;
	k->ind_n = j - k->ind;
}

/* Decide, for every tag, which white space around it disappears. */
static void whitespace(struct cc *c)
{
	for (size_t i = 0; i < c->nt; i++) {
		struct tok *k = &c->t[i];
		switch (k->kind) {
		case K_SECTION:
		case K_INVERTED:
		case K_COMMENT:
		case K_DELIM:
		case K_PARTIAL:
			standalone(c, i);
			break;
		case K_CLOSE: {
			const struct tok *o = &c->t[k->match];
			if (o->kind == K_BLOCK && o->arg) {
				if (k->lclear) {
					k->eat = true;
					trim_tail(c, i - 1, k);
				}
			} else if (o->kind != K_PARENT) {
				standalone(c, i);
			}
			break;
		}
		case K_BLOCK:
			if (k->arg) {
				if (k->rclear) {
					line_after(c, i);
					trim_head(c, i + 1);
				}
			} else if (k->lclear && k->rclear) {
				standalone(c, i);
				line_after(c, i);
			} else if (k->lclear && k->match == (int)i + 1 && c->t[i + 1].rclear) {
				k->site = k->eat = true;
				k->ind = k->ind_n = 0;
				if (i > 0)
					trim_tail(c, i - 1, k);
			}
			break;
		case K_PARENT: {
			struct tok *cl = &c->t[k->match];
			k->ind = k->ind_n = 0;
			if (k->lclear && (k->rclear || cl->rclear)) {
				k->site = k->eat = true;
				if (i > 0)
					trim_tail(c, i - 1, k);
			}
			if (cl->rclear && (k->site || cl->lclear)) {
				cl->standalone = true;
				trim_head(c, (size_t)k->match + 1);
			}
			break;
		}
		default:
			break;
		}
	}
}

/* NUL-terminate every name in place (dotted parts too). Tag names sit
 * inside their tags, where no text node points. */
static void terminate_names(struct cc *c)
{
	for (size_t i = 0; i < c->nt; i++) {
		struct tok *k = &c->t[i];
		if (k->kind == K_TEXT || k->kind == K_COMMENT || k->kind == K_DELIM)
			continue;
		char *p = c->src + k->name;
		if (k->nparts > 1)
			for (size_t j = 0; j < k->nlen; j++)
				if (p[j] == '.')
					p[j] = '\0';
		p[k->nlen] = '\0';
	}
}

enum { B_BODY, B_PARENT };

struct bframe {
	struct tnodes *list;
	int open;          /* token that opened it, -1 for the template */
	int mode;          /* B_BODY, or B_PARENT: keep only argument blocks */
	size_t dedent;     /* blanks removed from every line start */
	bool lead_ok;      /* a marker here, before any node, becomes list->lead */
};

struct builder {
	struct cc *c;
	struct bframe fr[TMPL_MAX_DEPTH + 1];
	int top;
	bool bol; /* the next live byte starts a line */
};

static struct tnode *add_node(struct tnodes *l, unsigned char kind)
{
	if (l->n == l->cap) {
		uint32_t cap = l->cap ? l->cap * 2 : 4;
		struct tnode *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	struct tnode *nd = &l->v[l->n++];
	memset(nd, 0, sizeof *nd);
	nd->kind = kind;
	return nd;
}

/* If a line starts here, mark it for indentation. */
static int mark_line(struct builder *b)
{
	struct bframe *f = &b->fr[b->top];
	if (!b->bol)
		return 0;
	b->bol = false;
	if (f->lead_ok && f->list->n == 0) {
		f->list->lead = true;
		f->lead_ok = false;
		return 0;
	}
	f->lead_ok = false;
	return add_node(f->list, TN_INDENT) ? 0 : TMPL_ENOMEM;
}

static int emit_text(struct builder *b, const struct tok *k)
{
	struct bframe *f = &b->fr[b->top];
	const char *src = b->c->src;
	size_t s = k->s, e = k->e;

	while (s < e) {
		size_t le = e;
		if (f->dedent) {
			const char *nl = memchr(src + s, '\n', e - s);
			if (nl)
				le = (size_t)(nl - src) + 1;
		}
		size_t ps = s;
		if (f->dedent && (ps == 0 || src[ps - 1] == '\n'))
			for (size_t d = 0; d < f->dedent && ps < le && is_blank(src[ps]); d++)
				ps++;
		if (ps < le) {
			if (mark_line(b) < 0)
				return TMPL_ENOMEM;
			struct tnode *nd = add_node(f->list, TN_TEXT);
			if (!nd)
				return TMPL_ENOMEM;
			nd->str = src + ps;
			nd->len = le - ps;
			b->bol = src[le - 1] == '\n';
		}
		s = le;
	}
	return 0;
}

/* json-c's string hash (what every object's table uses), or NULL. */
static lh_hash_fn *json_hash_fn(void)
{
	static lh_hash_fn *fn;
	if (!fn) {
		json_object *o = json_object_new_object();
		if (o)
			fn = json_object_get_object(o)->hash_fn;
		json_object_put(o);
	}
	return fn;
}

/* Pre-hash the first part of a looked-up name for json-c, so rendering
 * does not hash it again for every object it is looked up in. */
static void prehash(struct tnode *nd, const char *name, size_t nlen, uint32_t nparts)
{
	char first[128];
	size_t n = 0;
	if (nparts == 0)
		return;
	while (n < nlen && name[n] != '.' && name[n] != '\0')
		n++;
	nd->hash = tmpl_hash(name, n);
	nd->plen = (uint32_t)n;
	lh_hash_fn *fn = json_hash_fn();
	if (!fn || n >= sizeof first)
		return;
	memcpy(first, name, n);
	first[n] = '\0';
	nd->jhash = fn(first);
	nd->jhash_fn = fn;
}

static struct tnode *add_named(struct builder *b, const struct tok *k, unsigned char kind)
{
	struct bframe *f = &b->fr[b->top];
	struct tnode *nd = add_node(f->list, kind);
	if (!nd)
		return NULL;
	nd->name = b->c->src + k->name;
	nd->nparts = k->nparts;
	nd->site = k->site;
	if (kind == TN_PARTIAL || kind == TN_PARENT || kind == TN_BLOCK)
		nd->hash = tmpl_hash(nd->name, k->nlen);
	else
		prehash(nd, nd->name, k->nlen, k->nparts);
	if (k->site) {
		/* Indentation inside an argument block is relative to it. */
		size_t cut = k->ind_n < f->dedent ? k->ind_n : f->dedent;
		nd->str = b->c->src + k->ind + cut;
		nd->len = k->ind_n - cut;
	}
	return nd;
}

static void push_frame(struct builder *b, struct tnodes *list, size_t i, int mode,
		       size_t dedent, bool lead_ok)
{
	b->fr[++b->top] = (struct bframe){list, (int)i, mode, dedent, lead_ok};
}

static int build(struct cc *c, struct tnodes *root)
{
	struct builder *b = malloc(sizeof *b);
	int rc = 0;
	if (!b)
		return TMPL_ENOMEM;
	b->c = c;
	b->top = 0;
	b->fr[0] = (struct bframe){root, -1, B_BODY, 0, true};
	b->bol = true;

	for (size_t i = 0; i < c->nt; i++) {
		const struct tok *k = &c->t[i];
		struct bframe *f = &b->fr[b->top];
		struct tnode *nd;

		if (f->mode == B_PARENT) {
			/* Only argument blocks count inside a parent. */
			if (k->kind == K_BLOCK) {
				if (!(nd = add_named(b, k, TN_BLOCK)))
					goto nomem;
				size_t dedent = f->dedent;
				if (k->intrinsic && k->ind_n > dedent)
					dedent = k->ind_n;
				push_frame(b, &nd->body, i, B_BODY, dedent, true);
				b->bol = true;
			} else if (k->kind == K_CLOSE && k->match == f->open) {
				b->top--;
				b->bol = k->standalone;
			} else if (k->match > (int)i) {
				i = (size_t)k->match; /* skip what it encloses */
			}
			continue;
		}

		switch (k->kind) {
		case K_TEXT:
			if ((rc = emit_text(b, k)) < 0)
				goto out;
			continue;
		case K_COMMENT:
		case K_DELIM:
			if (!k->eat && mark_line(b) < 0)
				goto nomem;
			break;
		case K_VAR:
		case K_RAW:
		case K_PARTIAL:
			if (!k->eat && mark_line(b) < 0)
				goto nomem;
			if (!add_named(b, k, k->kind == K_VAR ? TN_VAR :
					     k->kind == K_RAW ? TN_RAW : TN_PARTIAL))
				goto nomem;
			break;
		case K_SECTION:
		case K_INVERTED:
		case K_PARENT:
		case K_BLOCK: {
			if (!k->eat && mark_line(b) < 0)
				goto nomem;
			unsigned char kind = k->kind == K_SECTION ? TN_SECTION :
					     k->kind == K_INVERTED ? TN_INVERTED :
					     k->kind == K_PARENT ? TN_PARENT : TN_BLOCK;
			if (!(nd = add_named(b, k, kind)))
				goto nomem;
			push_frame(b, &nd->body, i, kind == TN_PARENT ? B_PARENT : B_BODY,
				   f->dedent, false);
			break;
		}
		case K_CLOSE:
			if (!k->eat && mark_line(b) < 0)
				goto nomem;
			b->top--;
			break;
		}
		if (!k->standalone)
			b->bol = false;
	}
	if (b->top != 0)
		rc = TMPL_ESYNTAX; /* cannot happen after match_tags() */
	goto out;
nomem:
	rc = TMPL_ENOMEM;
out:
	free(b);
	return rc;
}

/* Fold each text node that a tag without a site of its own follows
 * ({{x}}, {{{x}}}, {{#x}}, {{^x}}) into that tag as the text put before
 * it, in l and every body in it: a row of "<td>{{x}}</td>" is walked as
 * half as many nodes. */
static void fold_text(struct tnodes *l)
{
	uint32_t w = 0;
	for (uint32_t i = 0; i < l->n; i++) {
		struct tnode *nd = &l->v[i];
		if (nd->kind == TN_TEXT && i + 1 < l->n) {
			struct tnode *next = &l->v[i + 1];
			if (next->kind == TN_VAR || next->kind == TN_RAW ||
			    next->kind == TN_SECTION || next->kind == TN_INVERTED) {
				next->str = nd->str;
				next->len = nd->len;
				continue;
			}
		}
		fold_text(&nd->body);
		if (w != i)
			l->v[w] = *nd;
		w++;
	}
	l->n = w;
}

/* Number the tags of l and of every body in it depth first from *next, so
 * that a section's body holds a run of numbers: the renderer plans a
 * section over a list in an array indexed by them. */
static void number_tags(struct tnodes *l, uint32_t *next)
{
	for (uint32_t i = 0; i < l->n; i++) {
		struct tnode *nd = &l->v[i];
		switch (nd->kind) {
		case TN_VAR:
		case TN_RAW:
		case TN_SECTION:
		case TN_INVERTED:
			nd->tid = nd->nparts == 1 ? (*next)++ : TID_NONE;
			break;
		default:
			nd->tid = TID_NONE;
			break;
		}
		nd->tid_begin = *next;
		number_tags(&nd->body, next);
		nd->tid_end = *next;
	}
}

/* Whether every node of l (bodies included) is a tag that reads no "."
 * or text; marks the sections of l that are bare (see struct tnode). */
static bool mark_bare(struct tnodes *l)
{
	bool all = true;
	for (uint32_t i = 0; i < l->n; i++) {
		struct tnode *nd = &l->v[i];
		bool body = mark_bare(&nd->body);
		if (nd->kind == TN_SECTION)
			nd->bare = body;
		switch (nd->kind) {
		case TN_VAR:
		case TN_RAW:
		case TN_SECTION:
		case TN_INVERTED:
			all = all && body && nd->nparts != 0;
			break;
		case TN_PARTIAL:
		case TN_PARENT:
		case TN_BLOCK:
			all = false;
			break;
		default:
			break;
		}
	}
	return all;
}

/* Whether tags a and b name the same (dotted) name. */
static bool same_name(const struct tnode *a, const struct tnode *b)
{
	if (a->nparts != b->nparts)
		return false;
	const char *p = a->name, *q = b->name;
	for (uint32_t i = 0; i < a->nparts; i++) {
		size_t n = strlen(p);
		if (strcmp(p, q) != 0)
			return false;
		p += n + 1;
		q += n + 1;
	}
	return true;
}

/* Mark the sections of l and of every body in it that an inverted section
 * of the same name follows with no text between them (see struct tnode). */
static void mark_pairs(struct tnodes *l)
{
	for (uint32_t i = 0; i < l->n; i++) {
		struct tnode *nd = &l->v[i];
		mark_pairs(&nd->body);
		if (nd->kind == TN_SECTION && i + 1 < l->n) {
			const struct tnode *next = &l->v[i + 1];
			nd->pair = next->kind == TN_INVERTED && next->len == 0 && same_name(nd, next);
		}
	}
}

static void free_nodes(struct tnodes *l)
{
	for (uint32_t i = 0; i < l->n; i++) {
		if (l->v[i].body.v)
			free_nodes(&l->v[i].body);
		free(l->v[i].prog);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

void tmpl_free(struct tmpl *t)
{
	if (!t)
		return;
	free_nodes(&t->root);
	free(t->src);
	free(t->name);
	free(t);
}

uint32_t tmpl_name_hash(const char *name, size_t len)
{
	return tmpl_hash(name, len);
}

uint32_t tmpl_hash(const char *s, size_t n)
{
	uint32_t h = TMPL_HASH_INIT;
	for (size_t i = 0; i < n; i++)
		h = tmpl_hash_byte(h, (unsigned char)s[i]);
	return h;
}

int tmpl_compile(const char *name, const char *src, size_t n, struct tmpl **out,
		 char *err, size_t errlen)
{
	struct cc c = {.tname = name, .n = n, .err = err, .errlen = errlen};
	struct tmpl *t = NULL;
	int rc;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	t = calloc(1, sizeof *t);
	if (!t)
		goto nomem;
	t->name = strdup(name);
	t->src = malloc(n + 1 + TMPL_SRC_PAD);
	if (!t->name || !t->src)
		goto nomem;
	if (n)
		memcpy(t->src, src, n);
	memset(t->src + n, 0, 1 + TMPL_SRC_PAD);
	t->hash = tmpl_hash(name, strlen(name));
	c.src = t->src;

	if ((rc = lex(&c)) < 0 || (rc = match_tags(&c)) < 0)
		goto out;
	clearances(&c);
	whitespace(&c);
	terminate_names(&c);
	if ((rc = build(&c, &t->root)) < 0)
		goto out;
	uint32_t tags = 0;
	fold_text(&t->root);
	number_tags(&t->root, &tags);
	mark_bare(&t->root);
	mark_pairs(&t->root);
	if ((rc = tmpl_plan(&t->root)) < 0)
		goto out;
	*out = t;
	t = NULL;
	rc = 0;
	goto out;
nomem:
	rc = TMPL_ENOMEM;
out:
	if (rc == TMPL_ENOMEM && err && errlen)
		snprintf(err, errlen, "%s: out of memory", name);
	free(c.t);
	tmpl_free(t);
	return rc;
}
