/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BARO_CHKCODE_H
#define BARO_CHKCODE_H

#include <sys/types.h>

#include "baro/auth.h"

/* The protocol between the module and its setuid-root helper baro_chkcode
 * (DESIGN.md §12), used when the module runs without root (a screen locker):
 *
 *   argv:   baro_chkcode MODE USER SERVICE
 *   stdin:  what the user typed (at most BARO_CHK_INPUT_MAX - 1 bytes,
 *           no NUL), then end of file
 *   exit:   the verdict, below
 *
 * MODE "code": the whole input is the code. MODE "tail": forward_pass, the
 * input is the end of "password + code" (the module sends the last
 * BARO_CHK_TAIL_LEN characters, never the password) and the code is its
 * last DIGITS characters, or 8 for an emergency code. MODE "enrol"
 * (self-enrolment, src/helper/enrol.c) has a dialogue of its own.
 *
 * USER must be the name of the helper's real uid; SERVICE only picks ACL
 * rules and is never trusted to weaken them. */

#define BARO_CHK_MODE_CODE "code"
#define BARO_CHK_MODE_TAIL "tail"
#define BARO_CHK_MODE_ENROL "enrol"
#define BARO_CHK_INPUT_MAX 512
#define BARO_CHK_TAIL_LEN 8
#define BARO_CHK_SERVICE_MAX 128
#define BARO_CHK_IDENT "baro_chkcode"

/* Exit statuses. In tail mode a success says how long the code was so
 * that forward_pass knows where the password ends. A wrong, reused or
 * unrecordable code all give BARO_CHK_WRONG: the caller learns nothing
 * more from the helper than from the module. */
enum baro_chk_status {
	BARO_CHK_OK = 0,           /* code accepted (tail mode: 6 digits) */
	BARO_CHK_OK_7 = 7,         /* tail mode: a code of 7 digits accepted */
	BARO_CHK_OK_8 = 8,         /* tail mode: a code of 8 digits accepted */
	BARO_CHK_OK_EMERGENCY = 9, /* emergency code accepted (8 digits) */
	BARO_CHK_WRONG = 10, /* wrong, reused, or the use not recordable */
	BARO_CHK_RATE_LIMITED = 11,
	BARO_CHK_NO_CODE = 12, /* empty or over-long input */
	BARO_CHK_USER_UNKNOWN = 20,
	BARO_CHK_DENIED = 21,       /* an ACL deny rule */
	BARO_CHK_IGNORE = 22,       /* no secret file and nullok in the conf */
	BARO_CHK_UNAVAIL = 30,      /* conf, ACL, secret file, key, lock */
	BARO_CHK_SYSTEM = 31,       /* HMAC or memory failure */
	BARO_CHK_REFUSED = 40,      /* USER is not the caller */
	BARO_CHK_USAGE = 41,        /* bad invocation, not setuid root, or a
				    * start that cannot be made safe */
	BARO_CHK_ENROL_OFF = 42,    /* enrol: self_enrol is not set */
	BARO_CHK_ENROL_EXISTS = 43, /* enrol: the user has a file already */
	BARO_CHK_EXEC = 127,        /* (module side) the exec failed */
};

/* The helper's path, fixed at build time (BARO_CHKCODE_PATH), unless the
 * program is a test build: only module/clock.c compiled with
 * BARO_TEST_CLOCK defines an override (BARO_TEST_CHKCODE in the
 * environment); the installed module and baro-keygen link the core's weak
 * one, which returns NULL. */
const char *baro_chk_helper_path(void);
const char *baro_chk_helper_path_override(void);

/* Start the helper at path: stdin from in_fd, stdout to out_fd (-1:
 * /dev/null), stderr to /dev/null (checked: baro_open_null()), no other
 * descriptor, no environment. The child's pid, or -1 with *why saying
 * what failed; in_fd and out_fd stay the caller's to close. */
pid_t baro_chk_spawn(const char *path, char *const argv[], int in_fd,
		     int out_fd, const char **why);

/* Wait for it (through EINTR): the wait status, or -1. */
int baro_chk_wait(pid_t pid);

/* One table, both directions, so that the helper's status means to the
 * module exactly the verdict the core gave the helper. code_len: the
 * length of an accepted code at the end of the input (tail mode), else
 * 0. */
int baro_chk_status(enum baro_auth_verdict v, unsigned code_len);

/* The verdict for an exit status (BARO_AUTH_SYSERR for an unknown one);
 * *code_len as above. */
enum baro_auth_verdict baro_chk_verdict(int status, unsigned *code_len);

#endif
