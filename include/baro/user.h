/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BARO_USER_H
#define BARO_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Every group of a user, primary and supplementary, however many there
 * are (DESIGN.md §4: a deny rule on a group must not be escaped by joining
 * more groups). Grows the list until it fits; false (nothing allocated)
 * when the list cannot be had, and the caller fails closed. */
bool baro_user_groups(const char *user, gid_t gid, gid_t **groups,
		      size_t *ngroups);

#endif
