/* testclient_form.c — the test client's forms (testclient.h): a form found
 * in a response's HTML, its fields with the values a browser would send
 * (the hidden csrf_token among them), changed by the test and submitted.
 * A scanner for the HTML the framework's templates write, not a parser of
 * every page on the web: tags, quoted or bare attributes, the common
 * entities. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/testclient_priv.h"

struct tc_field {
	const char *name, *value;
};

struct flacon_form {
	struct flacon_client *c;
	const char *action; /* as written (entities decoded); "" when none */
	const char *method; /* "GET" or "POST" */
	const char *page;   /* the path of the page the form came from */
	struct tc_field *v;
	size_t n, cap;
};

/* ---- HTML ----------------------------------------------------------------- */

static size_t utf8_put(char *out, unsigned long cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The character reference e[0..n) (between & and ;) written into out:
 * its length, or 0 when it is not one. */
static size_t entity(const char *e, size_t n, char *out)
{
	static const struct {
		const char *name;
		char c;
	} named[] = {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
		if (strlen(named[i].name) == n && !strncmp(e, named[i].name, n)) {
			*out = named[i].c;
			return 1;
		}
	if (n < 2 || e[0] != '#')
		return 0;
	bool hex = e[1] == 'x' || e[1] == 'X';
	unsigned long cp = 0;
	size_t i = hex ? 2 : 1;
	if (i == n)
		return 0;
	for (; i < n; i++) {
		int d = isdigit((unsigned char)e[i]) ? e[i] - '0'
			: hex && isxdigit((unsigned char)e[i]) ? tolower((unsigned char)e[i]) - 'a' + 10
			: -1;
		if (d < 0)
			return 0;
		cp = cp * (hex ? 16 : 10) + (unsigned long)d;
		if (cp > 0x10ffff)
			return 0;
	}
	if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return utf8_put(out, cp);
}

/* s[0..n) with its character references decoded, in a (never longer than
 * s: a reference takes at least as many bytes as its UTF-8). */
static char *html_decode(struct arena *a, const char *s, size_t n)
{
	char *out = arena_alloc(a, n + 1);
	if (!out)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n;) {
		if (s[i] == '&') {
			const char *semi = memchr(s + i, ';', n - i < 12 ? n - i : 12);
			size_t len = semi ? entity(s + i + 1, (size_t)(semi - s - i - 1), out + k) : 0;
			if (len) {
				k += len;
				i = (size_t)(semi - s) + 1;
				continue;
			}
		}
		out[k++] = s[i++];
	}
	out[k] = '\0';
	return out;
}

/* True when the tag at p ('<') is <name (any case). */
static bool tag_is(const char *p, const char *end, const char *name)
{
	size_t n = strlen(name);
	const char *after = p + 1 + n;
	return after < end && !strncasecmp(p + 1, name, n) &&
	       (isspace((unsigned char)*after) || *after == '>' || *after == '/');
}

/* The next tag <name in [p, end): its '<', or NULL. */
static const char *find_tag(const char *p, const char *end, const char *name)
{
	for (; p < end && (p = memchr(p, '<', (size_t)(end - p))); p++)
		if (tag_is(p, end, name))
			return p;
	return NULL;
}

/* The end of the element opened before p: its </name, or end. */
static const char *find_close(const char *p, const char *end, const char *name)
{
	size_t n = strlen(name);
	for (; p && p < end && (p = memchr(p, '<', (size_t)(end - p))); p++)
		if (p + 2 + n <= end && p[1] == '/' && !strncasecmp(p + 2, name, n))
			return p;
	return end;
}

/* The '>' that ends the tag whose attributes start at p, or NULL. */
static const char *tag_end(const char *p, const char *end)
{
	char q = 0;
	for (; p < end; p++) {
		if (q) {
			if (*p == q)
				q = 0;
		} else if (*p == '"' || *p == '\'') {
			q = *p;
		} else if (*p == '>') {
			return p;
		}
	}
	return NULL;
}

/* The value of attribute want among the attributes [p, gt), decoded, in a
 * ("" for a bare one: checked, selected); NULL when absent. */
static const char *tag_attr(struct arena *a, const char *p, const char *gt, const char *want)
{
	size_t wn = strlen(want);
	while (p < gt) {
		while (p < gt && (isspace((unsigned char)*p) || *p == '/'))
			p++;
		const char *name = p;
		while (p < gt && !isspace((unsigned char)*p) && *p != '=' && *p != '/')
			p++;
		size_t nn = (size_t)(p - name);
		while (p < gt && isspace((unsigned char)*p))
			p++;
		const char *val = NULL;
		size_t vn = 0;
		if (p < gt && *p == '=') {
			p++;
			while (p < gt && isspace((unsigned char)*p))
				p++;
			if (p < gt && (*p == '"' || *p == '\'')) {
				char q = *p++;
				val = p;
				while (p < gt && *p != q)
					p++;
				vn = (size_t)(p - val);
				if (p < gt)
					p++;
			} else {
				val = p;
				while (p < gt && !isspace((unsigned char)*p))
					p++;
				vn = (size_t)(p - val);
			}
		} else if (!nn) {
			p++; /* a stray character */
			continue;
		}
		if (nn == wn && !strncasecmp(name, want, wn))
			return val ? html_decode(a, val, vn) : "";
	}
	return NULL;
}

/* ---- fields ----------------------------------------------------------------- */

static struct tc_field *field_find(const struct flacon_form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].name, name))
			return &f->v[i];
	return NULL;
}

/* Add name=value (both already in the client's arena). 0 or -1. */
static int field_add(struct flacon_form *f, const char *name, const char *value)
{
	if (!name || !value)
		return -1;
	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 8;
		struct tc_field *v = arena_calloc(&f->c->keep, cap, sizeof *v);
		if (!v)
			return -1;
		if (f->n)
			memcpy(v, f->v, f->n * sizeof *v);
		f->v = v;
		f->cap = cap;
	}
	f->v[f->n++] = (struct tc_field){name, value};
	return 0;
}

const char *flacon_form_get(const struct flacon_form *f, const char *name)
{
	const struct tc_field *x = field_find(f, name);
	return x ? x->value : NULL;
}

int flacon_form_set(struct flacon_form *f, const char *name, const char *value)
{
	const char *v = arena_strdup(&f->c->keep, value ? value : "");
	struct tc_field *x = field_find(f, name);
	if (x && v) {
		x->value = v;
		return 0;
	}
	return v ? field_add(f, arena_strdup(&f->c->keep, name), v) : -1;
}

/* An <input> whose attributes are [p, gt): added when a browser would
 * send it. 0 or -1. */
static int take_input(struct flacon_form *f, const char *p, const char *gt)
{
	struct arena *a = &f->c->keep;
	const char *name = tag_attr(a, p, gt, "name");
	const char *type = tag_attr(a, p, gt, "type");
	if (!name || !*name || tag_attr(a, p, gt, "disabled"))
		return 0;
	if (type && (!strcasecmp(type, "submit") || !strcasecmp(type, "button") ||
		     !strcasecmp(type, "reset") || !strcasecmp(type, "image") || !strcasecmp(type, "file")))
		return 0;
	bool check = type && (!strcasecmp(type, "checkbox") || !strcasecmp(type, "radio"));
	if (check && !tag_attr(a, p, gt, "checked"))
		return 0;
	const char *value = tag_attr(a, p, gt, "value");
	return field_add(f, name, value ? value : check ? "on" : "");
}

/* A <textarea> whose attributes are [p, gt): its text up to </textarea>
 * (a first newline dropped, as browsers do). 0 or -1. */
static int take_textarea(struct flacon_form *f, const char *p, const char *gt, const char *end)
{
	struct arena *a = &f->c->keep;
	const char *name = tag_attr(a, p, gt, "name");
	if (!name || !*name || tag_attr(a, p, gt, "disabled"))
		return 0;
	const char *s = gt + 1;
	const char *e = find_close(s, end, "textarea");
	if (s < e && *s == '\n')
		s++;
	return field_add(f, name, html_decode(a, s, (size_t)(e - s)));
}

/* A <select> whose attributes are [p, gt): the option selected, else the
 * first (its value attribute, else its text). 0 or -1. */
static int take_select(struct flacon_form *f, const char *p, const char *gt, const char *end)
{
	struct arena *a = &f->c->keep;
	const char *name = tag_attr(a, p, gt, "name");
	if (!name || !*name || tag_attr(a, p, gt, "disabled"))
		return 0;
	const char *e = find_close(gt + 1, end, "select");
	const char *value = NULL;
	for (const char *o = find_tag(gt + 1, e, "option"); o; o = find_tag(o + 1, e, "option")) {
		const char *ogt = tag_end(o + 7, e);
		if (!ogt)
			break;
		const char *v = tag_attr(a, o + 7, ogt, "value");
		if (!v) {
			const char *t = ogt + 1, *te = memchr(t, '<', (size_t)(e - t));
			if (!te)
				te = e;
			while (t < te && isspace((unsigned char)*t))
				t++;
			while (te > t && isspace((unsigned char)te[-1]))
				te--;
			v = html_decode(a, t, (size_t)(te - t));
		}
		bool selected = tag_attr(a, o + 7, ogt, "selected") != NULL;
		if (!value || selected)
			value = v;
		if (selected)
			break;
	}
	return value ? field_add(f, name, value) : 0;
}

/* The fields of the form whose content is [p, end). 0 or -1. */
static int take_fields(struct flacon_form *f, const char *p, const char *end)
{
	while (p < end && (p = memchr(p, '<', (size_t)(end - p)))) {
		static const char *const tags[] = {"input", "textarea", "select"};
		int which = -1;
		for (int i = 0; i < 3 && which < 0; i++)
			if (tag_is(p, end, tags[i]))
				which = i;
		if (which < 0) {
			p++;
			continue;
		}
		const char *attrs = p + 1 + strlen(tags[which]);
		const char *gt = tag_end(attrs, end);
		if (!gt)
			return 0; /* a tag cut short: the fields so far */
		int rc = which == 0 ? take_input(f, attrs, gt)
		       : which == 1 ? take_textarea(f, attrs, gt, end)
				    : take_select(f, attrs, gt, end);
		if (rc < 0)
			return -1;
		p = gt + 1;
	}
	return 0;
}

struct flacon_form *flacon_client_form(struct flacon_client *c, const struct flacon_response *r,
				       const char *action)
{
	struct arena *a = &c->keep;
	const char *end = r->body + r->body_len;
	for (const char *p = find_tag(r->body, end, "form"); p; p = find_tag(p + 1, end, "form")) {
		const char *gt = tag_end(p + 5, end);
		if (!gt)
			return NULL;
		const char *act = tag_attr(a, p + 5, gt, "action");
		if (action && (!act || strcmp(act, action)))
			continue;
		const char *method = tag_attr(a, p + 5, gt, "method");
		struct flacon_form *f = arena_calloc(a, 1, sizeof *f);
		if (!f)
			return NULL;
		f->c = c;
		f->action = act ? act : "";
		f->method = method && !strcasecmp(method, "post") ? "POST" : "GET";
		f->page = r->path;
		if (take_fields(f, gt + 1, find_close(gt + 1, end, "form")) < 0)
			return NULL;
		return f;
	}
	return NULL;
}

const struct flacon_response *flacon_form_submit(struct flacon_client *c, const struct flacon_form *f)
{
	const char **pairs = arena_calloc(&c->keep, 2 * f->n + 1, sizeof *pairs);
	char *body = NULL;
	if (pairs) {
		for (size_t i = 0; i < f->n; i++) {
			pairs[2 * i] = f->v[i].name;
			pairs[2 * i + 1] = f->v[i].value;
		}
		body = tc_form_encode(c, pairs, f->n);
	}
	const char *target = *f->action ? tc_resolve(c, f->page, f->action) : f->page;
	if (!body || !target)
		return tc_failed("test client: out of memory");
	if (!strcmp(f->method, "GET")) {
		const char *q = strchr(target, '?');
		const char *path = arena_printf(&c->keep, "%.*s?%s", (int)(q ? q - target : (long)strlen(target)),
						target, body);
		return path ? flacon_client_get(c, path) : tc_failed("test client: out of memory");
	}
	struct flacon_request rq = {
		.method = "POST", .path = target, .body = body, .body_len = strlen(body),
		.content_type = "application/x-www-form-urlencoded",
	};
	return flacon_client_request(c, &rq);
}
