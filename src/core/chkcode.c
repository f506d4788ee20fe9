/* SPDX-License-Identifier: BSD-3-Clause */
#include "baro/chkcode.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "baro/fileio.h"
#include "baro/secret.h"
#include "baro/util.h"

/* Looked up from the top: a verdict's first row is the status the helper
 * exits with; the rows after it are statuses only the helper itself (or
 * the module's fork) produces. */
#ifndef BARO_CHKCODE_PATH
#error "BARO_CHKCODE_PATH must be defined by the build"
#endif

__attribute__((weak)) const char *baro_chk_helper_path_override(void)
{
	return NULL;
}

const char *baro_chk_helper_path(void)
{
	const char *p = baro_chk_helper_path_override();

	/* The weak override above is replaced at link time in test builds. */
	/* cppcheck-suppress knownConditionTrueFalse */
	return p != NULL ? p : BARO_CHKCODE_PATH;
}

static const struct status_verdict {
	int status;
	enum baro_auth_verdict verdict;
	unsigned code_len;
} table[] = {
	{ BARO_CHK_OK, BARO_AUTH_OK, 6 },
	{ BARO_CHK_OK_7, BARO_AUTH_OK, 7 },
	{ BARO_CHK_OK_8, BARO_AUTH_OK, 8 },
	{ BARO_CHK_OK_EMERGENCY, BARO_AUTH_OK_EMERGENCY,
	  BARO_EMERGENCY_DIGITS },
	{ BARO_CHK_WRONG, BARO_AUTH_WRONG, 0 },
	{ BARO_CHK_RATE_LIMITED, BARO_AUTH_RATE_LIMITED, 0 },
	{ BARO_CHK_NO_CODE, BARO_AUTH_NO_CODE, 0 },
	{ BARO_CHK_USER_UNKNOWN, BARO_AUTH_UNKNOWN_USER, 0 },
	{ BARO_CHK_DENIED, BARO_AUTH_DENY, 0 },
	{ BARO_CHK_IGNORE, BARO_AUTH_IGNORE, 0 },
	{ BARO_CHK_UNAVAIL, BARO_AUTH_UNAVAIL, 0 },
	{ BARO_CHK_SYSTEM, BARO_AUTH_SYSERR, 0 },
	{ BARO_CHK_REFUSED, BARO_AUTH_WRONG, 0 },
	{ BARO_CHK_USAGE, BARO_AUTH_UNAVAIL, 0 },
	{ BARO_CHK_EXEC, BARO_AUTH_UNAVAIL, 0 },
};

int baro_chk_status(enum baro_auth_verdict v, unsigned code_len)
{
	size_t i;

	if (v == BARO_AUTH_OK && code_len != 7 && code_len != 8)
		code_len = 6;
	for (i = 0; i < BARO_ARRAY_SIZE(table); i++)
		if (table[i].verdict == v &&
		    (v != BARO_AUTH_OK || table[i].code_len == code_len))
			return table[i].status;
	return BARO_CHK_SYSTEM;
}

enum baro_auth_verdict baro_chk_verdict(int status, unsigned *code_len)
{
	size_t i;

	*code_len = 0;
	for (i = 0; i < BARO_ARRAY_SIZE(table); i++) {
		if (table[i].status == status) {
			*code_len = table[i].code_len;
			return table[i].verdict;
		}
	}
	return BARO_AUTH_SYSERR;
}

/* fd as target, open across exec. */
static bool dup_to(int fd, int target)
{
	if (fd == target)
		return fcntl(fd, F_SETFD, 0) == 0;
	return dup3(fd, target, 0) == target;
}

/* In the child, async-signal-safe calls only. The descriptors are first
 * moved above stderr so that none is overwritten by another's dup. */
static void exec_child(const char *path, char *const argv[], int in_fd,
		       int out_fd, int null_fd)
{
	static char *const envp[] = { NULL };
	int nul = fcntl(null_fd, F_DUPFD_CLOEXEC, 3);
	int in = fcntl(in_fd, F_DUPFD_CLOEXEC, 3);
	int out = out_fd >= 0 ? fcntl(out_fd, F_DUPFD_CLOEXEC, 3) : nul;

	if (nul < 0 || in < 0 || out < 0 || !dup_to(in, STDIN_FILENO) ||
	    !dup_to(out, STDOUT_FILENO) || !dup_to(nul, STDERR_FILENO) ||
	    close_range(3, ~0U, 0) != 0)
		_exit(BARO_CHK_EXEC);
	execve(path, argv, envp);
	_exit(BARO_CHK_EXEC);
}

/* /dev/null is opened and checked here, before the fork, where a refusal
 * can be said. */
pid_t baro_chk_spawn(const char *path, char *const argv[], int in_fd,
		     int out_fd, const char **why)
{
	int nul = baro_open_null(why);
	pid_t pid;

	if (nul < 0)
		return -1;
	pid = fork();
	if (pid == 0)
		exec_child(path, argv, in_fd, out_fd, nul);
	if (pid < 0)
		*why = strerror(errno);
	close(nul);
	return pid;
}

int baro_chk_wait(pid_t pid)
{
	int status = -1;
	pid_t r;

	do
		r = waitpid(pid, &status, 0);
	while (r < 0 && errno == EINTR);
	return r == pid ? status : -1;
}
