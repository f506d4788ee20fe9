/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BARO_HELPER_H
#define BARO_HELPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "baro/chkcode.h"
#include "baro/log.h"

/* One request to the setuid helper, after the caller's identity has been
 * checked: the user is the one of the real uid. */
struct chk_request {
	const char *user;
	const char *service;
	bool tail;         /* forward_pass: input ends with the code */
	bool enrol;        /* self-enrolment: codes come line by line */
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

/* Self-enrolment (self_enrol in the conf file): a new key for the caller,
 * shown on stdout, and the secret file written after a right first code
 * from stdin. */
enum baro_chk_status chk_enrol(const struct chk_request *rq,
			       struct baro_log *lg);

/* Standard input, read with a deadline (INPUT_WAIT_MS from now): all of
 * it to end of file, at most bufsz - 1 bytes and no NUL; false if not. */
bool chk_read_all(char *buf, size_t bufsz);

/* One line of standard input without its newline, waiting at most until
 * deadline_ms (baro_monotonic_ms()); false at end of file, time-out, or a line
 * too long or with a NUL. */
bool chk_read_line(char *buf, size_t bufsz, int64_t deadline_ms);

/* The delay every failure costs. */
void chk_fail_delay(void);

#endif
