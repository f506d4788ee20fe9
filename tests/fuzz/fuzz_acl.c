/* SPDX-License-Identifier: BSD-3-Clause */
/* The access-control list (DESIGN.md §4): any text and any subject give an
 * answer or an error, never a crash; an error always means DENY with a
 * line number; a text that validates without a subject evaluates for
 * every subject, and the same input always gives the same answer.
 * Groups come from a synthetic getgrnam_r (-Wl,--wrap): "gN" is gid N,
 * "err…" fails, "range…" always wants a bigger buffer, anything else
 * does not exist. Input: flags, gid, n and n group ids, then user,
 * rhost and service, each up to a NUL, then the ACL text. */
#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>

#include "baro/acl.h"
#include "fuzz_common.h"

#define MAX_GROUPS 8

int __wrap_getgrnam_r(const char *name, struct group *gr, char *buf,
		      size_t n, struct group **res);

int __wrap_getgrnam_r(const char *name, struct group *gr, char *buf,
		      size_t n, struct group **res)
{
	char *end = NULL;
	unsigned long gid;

	*res = NULL;
	if (strncmp(name, "err", 3) == 0)
		return EIO;
	if (strncmp(name, "range", 5) == 0)
		return ERANGE;
	if (name[0] != 'g' || name[1] < '0' || name[1] > '9')
		return 0;
	gid = strtoul(name + 1, &end, 10);
	if (*end != '\0' || n < 2)
		return 0;
	memset(gr, 0, sizeof(*gr));
	buf[0] = '\0';
	gr->gr_name = buf;
	gr->gr_gid = (gid_t)gid;
	*res = gr;
	return 0;
}

static void check_error(enum baro_acl_err e, enum baro_acl_action action,
			unsigned line)
{
	if (e == BARO_ACL_OK) {
		FZ_CHECK(line == 0);
		FZ_CHECK(action == BARO_ACL_REQUIRE || action == BARO_ACL_SKIP ||
			 action == BARO_ACL_DENY);
		return;
	}
	FZ_CHECK(e == BARO_ACL_ERR_SYNTAX || e == BARO_ACL_ERR_READ);
	FZ_CHECK(action == BARO_ACL_DENY && line > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz in = { data, size };
	struct baro_acl_subject subj = { 0 };
	gid_t groups[MAX_GROUPS];
	enum baro_acl_action a1 = BARO_ACL_SKIP, a2 = BARO_ACL_SKIP,
			     a0 = BARO_ACL_SKIP;
	enum baro_acl_err e1, e2, e0;
	unsigned l1 = 99, l2 = 99, l0 = 99, flags;
	char *user, *rhost, *service, *text;
	size_t len = 0, i;

	flags = fz_u8(&in);
	subj.gid = fz_u8(&in);
	subj.ngroups = fz_u8(&in) % (MAX_GROUPS + 1);
	for (i = 0; i < subj.ngroups; i++)
		groups[i] = fz_u8(&in);
	subj.groups = (flags & 4) ? NULL : groups;
	user = fz_field(&in);
	rhost = fz_field(&in);
	service = fz_field(&in);
	text = fz_rest(&in, &len);
	subj.user = user;
	subj.rhost = (flags & 1) ? NULL : rhost;
	subj.service = (flags & 2) ? NULL : service;

	e0 = baro_acl_eval(text, len, NULL, &a0, &l0);
	e1 = baro_acl_eval(text, len, &subj, &a1, &l1);
	e2 = baro_acl_eval(text, len, &subj, &a2, &l2);
	check_error(e0, a0, l0);
	check_error(e1, a1, l1);
	FZ_CHECK(e0 != BARO_ACL_ERR_READ); /* no subject: no lookup */
	FZ_CHECK(e1 == e2 && a1 == a2 && l1 == l2);
	/* Syntax is checked on every line whatever the subject. */
	if (e0 == BARO_ACL_OK)
		FZ_CHECK(e1 != BARO_ACL_ERR_SYNTAX);
	if (e0 == BARO_ACL_ERR_SYNTAX)
		FZ_CHECK((e1 == BARO_ACL_ERR_SYNTAX && l1 == l0) ||
			 (e1 == BARO_ACL_ERR_READ && l1 <= l0));
	if (e1 == BARO_ACL_ERR_SYNTAX)
		FZ_CHECK(e0 == BARO_ACL_ERR_SYNTAX && l0 == l1);
	/* An evaluation needs no output pointers. */
	FZ_CHECK(baro_acl_eval(text, len, &subj, NULL, NULL) == e1);
	free(user);
	free(rhost);
	free(service);
	free(text);
	return 0;
}
