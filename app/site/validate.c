/* validate.c — the rules for user input shared by pages, API and the
 * command line (SPEC 7): username, password, title, content. */
#include <string.h>

#include "site/site_priv.h"

const char *site_check_username(const char *u)
{
	size_t n = strlen(u);
	if (n < 3 || n > 32)
		return "Username must be 3 to 32 characters long.";
	for (size_t i = 0; i < n; i++) {
		char c = u[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return "Username may only hold letters, digits, _ . and -.";
	}
	return NULL;
}

const char *site_check_password(const char *p)
{
	size_t n = text_utf8_count(p, strlen(p));
	if (n < 8 || n > 128)
		return "Password must be 8 to 128 characters long.";
	return NULL;
}

const char *site_check_title(const char *t)
{
	size_t n = text_utf8_count(t, strlen(t));
	if (n < 1 || n > 128)
		return "Title must be 1 to 128 characters long.";
	bool blank = true;
	for (const unsigned char *p = (const unsigned char *)t; *p; p++)
		if (!(*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v'))
			blank = false;
	if (blank)
		return "Title must not be only whitespace.";
	return NULL;
}

const char *site_check_content(const char *c)
{
	size_t n = strlen(c);
	if (n < 1 || n > 65535)
		return "Content must be 1 to 65535 bytes long.";
	return NULL;
}
