/* SPDX-License-Identifier: BSD-3-Clause */
/* Run the setuid helper baro_chkcode the way pam_unix runs unix_chkpwd:
 * the code on a pipe, a clean child (descriptors, environment), SIGCHLD
 * at its default while we wait, the exit status as the verdict. */
#include "helper_client.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "baro/chkcode.h"

#define REMEDY \
	"install it owned by root with mode 4755 (chown root:root %s; chmod 4755 %s)"

bool baro_helper_needed(void)
{
	return geteuid() != 0;
}

static const char *install_problem(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return strerror(errno);
	if (!S_ISREG(st.st_mode))
		return "not a regular file";
	if (st.st_uid != 0)
		return "not owned by root";
	if ((st.st_mode & S_ISUID) == 0)
		return "not setuid";
	if ((st.st_mode & 022) != 0)
		return "writable by group or other";
	if (access(path, X_OK) != 0)
		return "not executable by the caller";
	return NULL;
}

bool baro_helper_usable(const struct baro_log *lg)
{
	const char *path = baro_chk_helper_path();
	const char *why = install_problem(path);

	if (why == NULL)
		return true;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	baro_log(lg, LOG_ERR,
		 "Cannot check the code as uid %u: the setuid helper %s is unusable[%s]; " REMEDY,
		 (unsigned)getuid(), path, why, path, path);
#pragma GCC diagnostic pop
	return false;
}

/* The code goes into the pipe before the fork: at most a few hundred
 * bytes (below PIPE_BUF) never block, and no write can meet a helper that
 * has already exited (no SIGPIPE for the application). */
static int pipe_with_input(const char *input)
{
	int fds[2];
	size_t len = strlen(input);
	ssize_t w;

	if (len >= BARO_CHK_INPUT_MAX || pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	do
		w = write(fds[1], input, len);
	while (w < 0 && errno == EINTR);
	close(fds[1]);
	if (w != (ssize_t)len) {
		close(fds[0]);
		return -1;
	}
	return fds[0];
}

/* fork, exec, wait; returns the wait status, or -1 with *why. */
static int run_child(const char *path, char *const argv[], const char *input,
		     const char **why)
{
	struct sigaction dfl, old;
	int rfd, status = -1;
	pid_t pid;

	rfd = pipe_with_input(input);
	if (rfd < 0) {
		*why = strerror(errno);
		return -1;
	}
	/* The application may reap children itself: not this one. */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGCHLD, &dfl, &old);
	pid = baro_chk_spawn(path, argv, rfd, -1, why);
	close(rfd);
	if (pid > 0)
		status = baro_chk_wait(pid);
	if (pid > 0 && status == -1)
		*why = strerror(errno);
	sigaction(SIGCHLD, &old, NULL);
	return status;
}

/* The module's own line for the statuses that need the admin. */
static void log_trouble(const struct baro_log *lg, const char *path,
			const char *user, int status)
{
	if (status == BARO_CHK_REFUSED)
		baro_log(lg, LOG_ERR,
			 "The setuid helper refused to check a code for %s: it checks only the calling user's own code (uid %u)",
			 user, (unsigned)getuid());
	else if (status == BARO_CHK_USAGE)
		baro_log(lg, LOG_ERR,
			 "The setuid helper %s did not start as root or refused to start; see its own log line (ident " BARO_CHK_IDENT
			 "), and install it owned by root, mode 4755, on a file system mounted without nosuid",
			 path);
	else if (status == BARO_CHK_EXEC)
		baro_log(lg, LOG_ERR, "Cannot run the setuid helper %s", path);
}

enum baro_auth_verdict baro_helper_verify(const struct baro_log *lg,
					  const char *user, const char *service,
					  const char *input, bool tail,
					  unsigned *code_len)
{
	const char *path = baro_chk_helper_path();
	char *argv[] = { (char *)BARO_CHK_IDENT,
			 (char *)(tail ? BARO_CHK_MODE_TAIL
				       : BARO_CHK_MODE_CODE),
			 (char *)user, (char *)service, NULL };
	const char *why = NULL;
	int ws;

	*code_len = 0;
	baro_log(lg, LOG_INFO,
		 "Not running as root (uid %u): checking the code of %s through the setuid helper %s",
		 (unsigned)getuid(), user, path);
	ws = run_child(path, argv, input, &why);
	if (ws == -1) {
		baro_log(lg, LOG_ERR, "Cannot run the setuid helper %s[%s]",
			 path, why);
		return BARO_AUTH_SYSERR;
	}
	if (!WIFEXITED(ws)) {
		baro_log(lg, LOG_ERR,
			 "The setuid helper %s ended abnormally (wait status %d)",
			 path, ws);
		return BARO_AUTH_SYSERR;
	}
	log_trouble(lg, path, user, WEXITSTATUS(ws));
	return baro_chk_verdict(WEXITSTATUS(ws), code_len);
}
