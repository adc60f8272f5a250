/* headers.c — the security headers of SPEC section 7 on every response,
 * and the development-only X-Flacon-Queries counter. */
#include "web/internal.h"

#include <stdio.h>

#include "db/db.h"

/* Everything from our origin; images may also be data: URLs; no inline
 * script or style; forms post only to us; never framed. */
static const char csp[] = "default-src 'self'; img-src 'self' data:; style-src 'self'; "
			  "form-action 'self'; frame-ancestors 'none'; base-uri 'self'";

int web_security_headers(struct http_request *req, struct http_response *resp)
{
	if (http_resp_header(resp, "X-Content-Type-Options", "nosniff") < 0 ||
	    http_resp_header(resp, "X-Frame-Options", "DENY") < 0 ||
	    http_resp_header(resp, "Content-Security-Policy", csp) < 0 ||
	    http_resp_header(resp, "Referrer-Policy", "same-origin") < 0)
		return -1;
	/* SPEC 6: nothing a logged-in user sees, and no page holding a CSRF
	 * token, is kept by a cache. A request with a session cookie counts
	 * as a logged-in user's even when the route never read the session. */
	const struct web_session *s = web_req_session(req);
	if (((s && s->no_store) || (req->cfg && http_req_cookie(req, req->cfg->cookie_name))) &&
	    http_resp_header(resp, "Cache-Control", "no-store") < 0)
		return -1;
	if (req->cfg && req->cfg->development) {
		char n[32];
		snprintf(n, sizeof n, "%lu", web_db(req) ? web_db(req)->queries : 0UL);
		if (http_resp_header(resp, "X-Flacon-Queries", n) < 0)
			return -1;
	}
	return 0;
}
