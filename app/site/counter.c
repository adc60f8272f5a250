/* counter.c — the total of visible articles, the framework's maintained
 * counter "articles" (orm/counter.c: a count split into slots, summed on
 * read), kept exact by the article model's flush hook in the transaction
 * that writes the article. */
#include <stdint.h>

#include "site/site_priv.h"

int site_article_after_write(struct orm_session *s, void *obj, enum orm_write what)
{
	struct article *a = obj;
	int64_t delta = 0;
	switch (what) {
	case ORM_WRITE_INSERT:
		delta = a->isdelete ? 0 : 1;
		break;
	case ORM_WRITE_UPDATE:
		if (orm_changed(a, article_col_isdelete))
			delta = a->isdelete ? -1 : 1;
		break;
	case ORM_WRITE_DELETE:
		delta = a->isdelete ? 0 : -1;
		break;
	}
	return orm_counter_add(s, SITE_ARTICLE_COUNTER, delta);
}
