/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BARO_HELPER_H
#define BARO_HELPER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "baro/chkcode.h"
#include "baro/log.h"

/* One request to the setuid helper, after the caller's identity has been
 * checked: the user is the one of the real uid. */
struct chk_request {
	const char *user;
	const char *service;
	bool tail;         /* forward_pass: input ends with the code */
	const char *input; /* NUL-terminated, wiped by the caller */
};

/* Make the process safe to work in (DESIGN.md §12): standard descriptors valid
 * and the rest closed, signals default and unblocked, group ids root,
 * non-dumpable, umask 077, cwd /, environment cleared, the limits the
 * state rewrite needs raised. Returns NULL, or why the start failed. */
const char *chk_start_clean(void);

/* Verify rq through the core with the settings of the root-owned conf
 * file only, the ACL evaluated for a local login (skip ignored). */
enum baro_chk_status chk_verify(const struct chk_request *rq,
				struct baro_log *lg);

#endif
