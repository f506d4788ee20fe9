/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BARO_ACL_H
#define BARO_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "baro/log.h"

/* The access-control list .baro_acl (DESIGN.md §4). */

enum baro_acl_action {
	BARO_ACL_REQUIRE = 0, /* no match, or a require rule: ask for a code */
	BARO_ACL_SKIP,        /* PAM_IGNORE without prompting */
	BARO_ACL_DENY,        /* PAM_PERM_DENIED without prompting */
};

/* Who is logging in. rhost NULL or "" means LOCAL. */
struct baro_acl_subject {
	const char *user;
	gid_t gid;                /* primary group */
	const gid_t *groups;      /* all groups (getgrouplist), may be NULL */
	size_t ngroups;
	const char *rhost;
	const char *service;
};

enum baro_acl_err {
	BARO_ACL_OK = 0,
	BARO_ACL_ERR_PERM,   /* ACL file "PATH" must only be accessible by user id root */
	BARO_ACL_ERR_READ,   /* Failed to acl file read "PATH" */
	BARO_ACL_ERR_SYNTAX, /* malformed line: *err_line set */
};

/* Pure: evaluate rules text (len bytes) for subj. First match wins, no
 * match is BARO_ACL_REQUIRE. Any malformed line anywhere in the text fails
 * the whole evaluation (BARO_ACL_ERR_SYNTAX, *err_line 1-based). */
enum baro_acl_err baro_acl_eval(const char *text, size_t len,
				const struct baro_acl_subject *subj,
				enum baro_acl_action *action,
				unsigned *err_line);

/* Open the file safely (owner root, regular, no link, not group/other
 * writable, size bounded), evaluate it, log the §7 message on failure.
 * Any error is returned as such; callers fail closed. */
enum baro_acl_err baro_acl_check(const char *path,
				 const struct baro_acl_subject *subj,
				 enum baro_acl_action *action,
				 const struct baro_log *lg);

#endif
