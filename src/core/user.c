/* SPDX-License-Identifier: BSD-3-Clause */
#include "baro/user.h"

#include <grp.h>
#include <limits.h>
#include <stdlib.h>

/* Linux allows 65536 supplementary groups; the primary one comes on top. */
#define GROUPS_LIMIT 65537
#define GROUPS_FIRST 64

bool baro_user_groups(const char *user, gid_t gid, gid_t **groups,
		      size_t *ngroups)
{
	gid_t *list = NULL, *grown;
	int n = GROUPS_FIRST, want, tries;

	*groups = NULL;
	*ngroups = 0;
	for (tries = 0; tries < 8 && n > 0 && n <= GROUPS_LIMIT; tries++) {
		grown = realloc(list, (size_t)n * sizeof(*list));
		if (grown == NULL)
			break;
		list = grown;
		want = n;
		if (getgrouplist(user, gid, list, &want) >= 0) {
			*groups = list;
			*ngroups = (size_t)want;
			return true;
		}
		/* glibc sets want to the size needed; the list may also have
		 * grown between two calls. */
		n = want > n ? want : n * 2;
	}
	free(list);
	return false;
}
