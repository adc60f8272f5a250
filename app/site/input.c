/* input.c — reading the request's arguments: form fields, fields of the
 * JSON body, the path's id. */
#include <string.h>

#include "site/site_priv.h"

const char *site_form_str(struct http_request *req, const char *name)
{
	const struct text_param *p = text_params_get(&req->form, name);
	if (!p || strlen(p->value) != p->value_len)
		return "";
	return p->value;
}

const char *site_body_str(struct http_request *req, const char *name)
{
	json_object *body = web_json(req), *v;
	if (!body || !json_object_object_get_ex(body, name, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	const char *s = json_object_get_string(v);
	/* A JSON string may carry \u0000: not a valid value of any field here. */
	if ((size_t)json_object_get_string_len(v) != strlen(s))
		return NULL;
	return s;
}

int64_t site_path_id(struct http_request *req)
{
	const char *a = http_req_arg(req, 0);
	long long v;
	if (!a || !text_parse_digits(a, strlen(a), 1LL << 53, &v) || v < 1)
		return 0;
	return v;
}
