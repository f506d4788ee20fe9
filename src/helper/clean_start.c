/* SPDX-License-Identifier: BSD-3-Clause */
/* The setuid helper's first steps: everything the caller could have chosen
 * for the process it started (descriptors, signals, limits, umask, cwd,
 * environment, credentials) is put back to a known state before the
 * helper reads a file or a byte of input. */
#include "helper.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "baro/fileio.h"
#include "baro/util.h"

#define SAFE_PATH "/usr/sbin:/usr/bin:/sbin:/bin"

/* 0, 1 and 2 open, so that no file the helper opens becomes "stdout";
 * what is put there must be the null device. NULL, or why not. */
static const char *fix_std_fds(void)
{
	const char *why = NULL;
	int fd, nul;

	for (fd = 0; fd <= 2 && why == NULL; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* (close-on-exec: the helper runs nothing) */
		nul = baro_open_null(&why);
		if (nul >= 0 && nul != fd) {
			close(nul);
			why = "/dev/null did not open on the closed descriptor";
		}
	}
	return why;
}

static bool close_listed_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	unsigned long fd;
	bool ok = d != NULL;

	while (ok && (e = readdir(d)) != NULL) {
		if (!baro_parse_ulong(e->d_name, 3, (unsigned long)INT32_MAX,
				      &fd))
			continue;
		if ((int)fd != dirfd(d))
			(void)close((int)fd);
	}
	if (d != NULL)
		closedir(d);
	return ok;
}

/* Every inherited descriptor above stderr. */
static bool close_other_fds(void)
{
	if (close_range(3, ~0U, 0) == 0)
		return true;
	return close_listed_fds();
}

/* Handlers do not survive exec, but ignored signals and the mask do: a
 * caller could ignore SIGXFSZ or block SIGTERM. */
static bool reset_signals(void)
{
	struct sigaction dfl;
	sigset_t none;
	int sig;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	for (sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		/* The C library's own signals refuse: nothing to reset. */
		(void)sigaction(sig, &dfl, NULL);
	}
	sigemptyset(&none);
	return sigprocmask(SIG_SETMASK, &none, NULL) == 0;
}

/* The limits the state rewrite and the verification depend on, and the
 * least each must allow; a caller's lower limit is raised (to unlimited
 * where the kernel lets root, else to the hard limit) or the helper
 * refuses before reading the code, whatever the code. */
static const struct limit_floor {
	int resource;
	rlim_t floor;
} limit_floors[] = {
	{ RLIMIT_FSIZE, 1024 * 1024 },
	{ RLIMIT_NOFILE, 64 },
	{ RLIMIT_CPU, 60 },
	{ RLIMIT_AS, 256 * 1024 * 1024 },
	{ RLIMIT_DATA, 256 * 1024 * 1024 },
	{ RLIMIT_STACK, 1024 * 1024 },
};

static bool raise_limit(const struct limit_floor *l)
{
	struct rlimit r = { RLIM_INFINITY, RLIM_INFINITY };

	if (setrlimit(l->resource, &r) != 0) {
		if (getrlimit(l->resource, &r) != 0)
			return false;
		r.rlim_cur = r.rlim_max;
		(void)setrlimit(l->resource, &r);
	}
	if (getrlimit(l->resource, &r) != 0)
		return false;
	return r.rlim_cur == RLIM_INFINITY || r.rlim_cur >= l->floor;
}

static const char *reset_limits(void)
{
	static const struct rlimit no_core = { 0, 0 };
	size_t i;

	for (i = 0; i < BARO_ARRAY_SIZE(limit_floors); i++)
		if (!raise_limit(&limit_floors[i]))
			return "a resource limit (ulimit) is too low and cannot be raised";
	if (setrlimit(RLIMIT_CORE, &no_core) != 0)
		return "cannot disable core dumps";
	return NULL;
}

/* Group root and no supplementary groups: the files the helper creates
 * are root's, group too. The real uid stays the caller's, as with
 * unix_chkpwd: the helper counts against the caller's process limit and
 * the caller may stop it (which only fails the caller's own attempt). */
static bool become_root_group(void)
{
	return setgroups(0, NULL) == 0 && setresgid(0, 0, 0) == 0;
}

const char *chk_start_clean(void)
{
	const char *why = fix_std_fds();

	if (why != NULL)
		return why;
	if (!close_other_fds())
		return "cannot close inherited descriptors";
	if (!reset_signals())
		return "cannot reset the signal mask";
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return "cannot make the process non-dumpable";
	if (!become_root_group())
		return "cannot switch the group ids to root";
	umask(077);
	if (chdir("/") != 0)
		return "cannot change directory to /";
	/* No locale is ever loaded (no setlocale call): messages and
	 * parsing stay in the C locale whatever LC_* say. */
	if (clearenv() != 0 || setenv("PATH", SAFE_PATH, 1) != 0)
		return "cannot clear the environment";
	return reset_limits();
}
