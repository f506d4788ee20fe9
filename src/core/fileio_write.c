/* SPDX-License-Identifier: BSD-3-Clause */
/* The atomic rewrite of DESIGN.md §3: a temporary file beside the target,
 * created exclusively without following links, written with the caller's
 * file size limit and SIGXFSZ held off, fsynced, checked unchanged,
 * renamed over the target, the directory fsynced. */
#include "baro/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <unistd.h>

#define TMP_SUFFIX "~"
#define NAME_MAX_LEN 256

static bool write_all(int fd, const char *data, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = write(fd, data, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return false;
		}
		data += w;
		len -= (size_t)w;
	}
	return true;
}

/* Remove whatever a crash (or anyone) left at the temporary name: a file,
 * a symlink (unlinked, never followed), a FIFO, an empty directory. */
static void remove_stale(int dirfd, const char *name)
{
	if (unlinkat(dirfd, name, 0) != 0 &&
	    (errno == EISDIR || errno == EPERM))
		(void)unlinkat(dirfd, name, AT_REMOVEDIR);
}

static int create_exclusive(int dirfd, const char *name)
{
	return openat(dirfd, name,
		      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC |
			      O_NOCTTY,
		      0400);
}

/* "<base>~", or if something there cannot be removed, a unique variant:
 * a planted name must never block logins for good. */
static int open_tmp(int dirfd, const char *base, char *tmp, size_t tmpsz)
{
	uint32_t rnd;
	int fd, n, i;

	n = snprintf(tmp, tmpsz, "%s" TMP_SUFFIX, base);
	if (n < 0 || (size_t)n >= tmpsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = create_exclusive(dirfd, tmp);
	if (fd < 0 && errno == EEXIST) {
		remove_stale(dirfd, tmp);
		fd = create_exclusive(dirfd, tmp);
	}
	for (i = 0; fd < 0 && errno == EEXIST && i < 8; i++) {
		if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
			return -1;
		n = snprintf(tmp, tmpsz, "%s" TMP_SUFFIX "%08x", base, rnd);
		if (n < 0 || (size_t)n >= tmpsz) {
			errno = ENAMETOOLONG;
			return -1;
		}
		fd = create_exclusive(dirfd, tmp);
	}
	return fd;
}

struct tmp_file {
	char name[NAME_MAX_LEN + 16];
	int fd;
};

/* The caller of a setuid program chooses its file size limit and whether
 * SIGXFSZ kills it or is ignored. The write must not depend on either
 * (DESIGN.md §3): lift the limit and hold SIGXFSZ off for the write. */
struct write_guard {
	struct rlimit fsize;
	struct sigaction xfsz;
	bool limit_saved;
	bool signal_saved;
};

static void guard_write(struct write_guard *g)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	struct sigaction ign;
	bool known = getrlimit(RLIMIT_FSIZE, &g->fsize) == 0;

	g->limit_saved = false;
	g->signal_saved = false;
	/* No limit: nothing to lift and no SIGXFSZ to hold off. */
	if (known && g->fsize.rlim_cur == RLIM_INFINITY)
		return;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	g->signal_saved = sigaction(SIGXFSZ, &ign, &g->xfsz) == 0;
	g->limit_saved = known;
	if (known && setrlimit(RLIMIT_FSIZE, &unlimited) != 0) {
		/* Without the privilege to raise the hard limit, the soft one
		 * can still go up to it. */
		unlimited.rlim_cur = unlimited.rlim_max = g->fsize.rlim_max;
		(void)setrlimit(RLIMIT_FSIZE, &unlimited);
	}
}

static void unguard_write(const struct write_guard *g)
{
	int saved = errno;

	if (g->limit_saved)
		(void)setrlimit(RLIMIT_FSIZE, &g->fsize);
	if (g->signal_saved)
		(void)sigaction(SIGXFSZ, &g->xfsz, NULL);
	errno = saved;
}

static bool write_sync(int fd, uid_t uid, gid_t gid, const char *data,
		       size_t len)
{
	struct write_guard g;
	bool ok;

	guard_write(&g);
	ok = fchown(fd, uid, gid) == 0 && write_all(fd, data, len) &&
	     fsync(fd) == 0;
	unguard_write(&g);
	return ok;
}

static enum baro_io_err write_tmp(int dirfd, const char *base, const char *data,
				  size_t len, uid_t uid, gid_t gid,
				  struct tmp_file *t)
{
	bool ok;
	int saved;

	t->fd = open_tmp(dirfd, base, t->name, sizeof(t->name));
	if (t->fd < 0)
		return BARO_IO_TMP_OPEN;
	ok = write_sync(t->fd, uid, gid, data, len);
	saved = errno;
	/* close() releases the descriptor even when it fails: never twice. */
	if (close(t->fd) != 0 && ok) {
		ok = false;
		saved = errno;
	}
	t->fd = -1;
	if (ok)
		return BARO_IO_OK;
	(void)unlinkat(dirfd, t->name, 0);
	errno = saved;
	return BARO_IO_TMP_WRITE;
}

static bool unchanged(int dirfd, const char *base, const struct stat *was)
{
	struct stat now;

	if (fstatat(dirfd, base, &now, AT_SYMLINK_NOFOLLOW) != 0)
		return false;
	return now.st_dev == was->st_dev && now.st_ino == was->st_ino &&
	       now.st_size == was->st_size &&
	       now.st_mtim.tv_sec == was->st_mtim.tv_sec &&
	       now.st_mtim.tv_nsec == was->st_mtim.tv_nsec;
}

static enum baro_io_err commit_tmp(int dirfd, const struct tmp_file *t,
				   const char *base, unsigned flags)
{
	int saved;

	if (renameat2(dirfd, t->name, dirfd, base, flags) != 0) {
		saved = errno;
		(void)unlinkat(dirfd, t->name, 0);
		errno = saved;
		return BARO_IO_UPDATE;
	}
	return fsync(dirfd) == 0 ? BARO_IO_OK : BARO_IO_UPDATE;
}

enum baro_io_err baro_file_replace(struct baro_file *f, const char *data,
				   size_t len)
{
	struct tmp_file t;
	enum baro_io_err e;

	e = write_tmp(f->dirfd, f->base, data, len, f->st.st_uid, f->st.st_gid,
		      &t);
	if (e != BARO_IO_OK)
		goto out;
	if (!unchanged(f->dirfd, f->base, &f->st)) {
		(void)unlinkat(f->dirfd, t.name, 0);
		errno = ESTALE;
		e = BARO_IO_CHANGED;
		goto out;
	}
	e = commit_tmp(f->dirfd, &t, f->base, 0);
out:
	if (e != BARO_IO_OK)
		f->saved_errno = errno;
	return e;
}

enum baro_io_err baro_file_create_at(int dirfd, const char *base,
				     const char *data, size_t len, bool force)
{
	struct tmp_file t;
	enum baro_io_err e;

	e = write_tmp(dirfd, base, data, len, 0, 0, &t);
	if (e != BARO_IO_OK)
		return e;
	return commit_tmp(dirfd, &t, base, force ? 0 : RENAME_NOREPLACE);
}
