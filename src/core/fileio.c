/* SPDX-License-Identifier: BSD-3-Clause */
#include "baro/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "baro/secret.h"
#include "baro/util.h"

const struct baro_file_rules baro_secret_rules = {
	.forbidden_mode = 077,
	.max_size = BARO_FILE_MAX,
	.allow_empty = false,
	.single_link = true,
	.private_dir = true,
};

static const struct baro_file_rules lock_rules = {
	.forbidden_mode = 077,
	.max_size = 0,
	.allow_empty = true,
	.single_link = true,
};

#define LOCK_SUFFIX ".lock"
#define NAME_MAX_LEN 256

void baro_file_init(struct baro_file *f)
{
	memset(f, 0, sizeof(*f));
	f->dirfd = -1;
	f->fd = -1;
	f->lockfd = -1;
}

/* A directory on the path: root's, and writable only by root unless it is
 * sticky like /tmp. Its fstat is left in *st for the caller's next rule. */
static const char *check_dir(int fd, struct stat *st)
{
	if (fstat(fd, st) != 0)
		return "cannot stat a directory on the path";
	if (!S_ISDIR(st->st_mode))
		return "a path component is not a directory";
	if (st->st_uid != 0)
		return "a directory on the path is not owned by root";
	if ((st->st_mode & 022) != 0 && (st->st_mode & S_ISVTX) == 0)
		return "a directory on the path is writable by group or other";
	return NULL;
}

/* Close fd if open, keeping the errno a caller is about to report. */
static void close_keep_errno(int fd)
{
	int saved = errno;

	if (fd >= 0)
		close(fd);
	errno = saved;
}

static enum baro_io_err open_err(int err)
{
	if (err == ENOENT)
		return BARO_IO_MISSING;
	if (err == ELOOP || err == ENOTDIR)
		return BARO_IO_PERM;
	return BARO_IO_OPEN;
}

static enum baro_io_err open_dir_at(int *fd, const char *name, const char **why,
				    struct stat *st)
{
	int next = openat(*fd, name,
			  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	enum baro_io_err e;

	if (next < 0) {
		e = open_err(errno);
		if (e == BARO_IO_PERM)
			*why = "a path component is a symbolic link or not a directory";
		return e;
	}
	close(*fd);
	*fd = next;
	*why = check_dir(next, st);
	return *why == NULL ? BARO_IO_OK : BARO_IO_PERM;
}

/* baro_open_parent(), leaving the last directory's fstat in *dirst. */
static enum baro_io_err open_parent(const char *path, int *dirfd, char *base,
				    size_t basesz, const char **why,
				    struct stat *dirst)
{
	char copy[PATH_MAX];
	char *comp, *next;
	enum baro_io_err e = BARO_IO_OK;
	int fd = -1;
	size_t n = strlen(path);

	*dirfd = -1;
	*why = "invalid path";
	if (path[0] != '/' || n >= sizeof(copy) || path[n - 1] == '/') {
		errno = EINVAL;
		return BARO_IO_OPEN;
	}
	memcpy(copy, path, n + 1);
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return BARO_IO_OPEN;
	*why = check_dir(fd, dirst);
	if (*why != NULL) {
		e = BARO_IO_PERM;
		goto out;
	}
	comp = copy + 1;
	while ((next = strchr(comp, '/')) != NULL) {
		*next = '\0';
		if (strcmp(comp, "..") == 0) {
			*why = "\"..\" in the path";
			e = BARO_IO_PERM;
			goto out;
		}
		if (comp[0] != '\0' && strcmp(comp, ".") != 0) {
			e = open_dir_at(&fd, comp, why, dirst);
			if (e != BARO_IO_OK)
				goto out;
		}
		comp = next + 1;
	}
	if (strcmp(comp, ".") == 0 || strcmp(comp, "..") == 0 ||
	    strlen(comp) >= basesz || strlen(comp) >= NAME_MAX_LEN) {
		*why = "invalid file name";
		errno = EINVAL;
		e = BARO_IO_OPEN;
		goto out;
	}
	memcpy(base, comp, strlen(comp) + 1);
	*dirfd = fd;
	fd = -1;
out:
	close_keep_errno(fd);
	return e;
}

enum baro_io_err baro_open_parent(const char *path, int *dirfd, char *base,
				  size_t basesz, const char **why)
{
	struct stat dirst;

	return open_parent(path, dirfd, base, basesz, why, &dirst);
}

static const char *check_file(const struct stat *st,
			      const struct baro_file_rules *rules)
{
	if (!S_ISREG(st->st_mode))
		return "not a regular file";
	if (st->st_uid != 0)
		return "not owned by root";
	if ((st->st_mode & rules->forbidden_mode) != 0)
		return "group or other permission bits are set";
	if (rules->single_link && st->st_nlink != 1)
		return "more than one hard link";
	return NULL;
}

/* flock() cannot time out by itself: poll, with a pause that grows but
 * stays short. A login holds the lock for about two fsyncs; a longer pause
 * lets the holder's next login take the lock again and again while the
 * others sleep, which is what the slowest logins of a busy user wait for. */
static bool flock_bounded(int fd)
{
	int64_t deadline = baro_monotonic_ms() + BARO_LOCK_WAIT_MS;
	struct timespec pause = { 0, 1000000 };

	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return true;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return false;
		if (baro_monotonic_ms() >= deadline) {
			errno = ETIMEDOUT;
			return false;
		}
		nanosleep(&pause, NULL);
		if (pause.tv_nsec < 2000000)
			pause.tv_nsec *= 2;
	}
}

enum baro_io_err baro_lock_at(int dirfd, const char *base, int *lockfd)
{
	char name[NAME_MAX_LEN + sizeof(LOCK_SUFFIX)];
	struct stat st;
	int fd = -1, n;
	enum baro_io_err e = BARO_IO_LOCK;

	*lockfd = -1;
	n = snprintf(name, sizeof(name), "%s" LOCK_SUFFIX, base);
	if (n < 0 || (size_t)n >= sizeof(name)) {
		errno = ENAMETOOLONG;
		return BARO_IO_LOCK;
	}
	/* flock() needs no write access: an existing lock file is opened
	 * read-only, so a read-only file system with no state to write still
	 * lets logins through. */
	fd = openat(dirfd, name,
		    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 && errno == ENOENT)
		fd = openat(dirfd, name,
			    O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
				    O_NONBLOCK | O_NOCTTY,
			    0600);
	if (fd < 0)
		goto out;
	if (fstat(fd, &st) != 0)
		goto out;
	if (check_file(&st, &lock_rules) != NULL) {
		errno = EPERM;
		goto out;
	}
	if (!flock_bounded(fd))
		goto out;
	*lockfd = fd;
	fd = -1;
	e = BARO_IO_OK;
out:
	close_keep_errno(fd);
	return e;
}

static enum baro_io_err read_all(struct baro_file *f)
{
	size_t size = (size_t)f->st.st_size;
	ssize_t r;

	f->data = malloc(size + 1);
	if (f->data == NULL)
		return BARO_IO_NOMEM;
	while (f->len < size) {
		r = read(f->fd, f->data + f->len, size - f->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			return BARO_IO_READ;
		}
		f->len += (size_t)r;
	}
	f->data[f->len] = '\0';
	return BARO_IO_OK;
}

static enum baro_io_err open_once(struct baro_file *f,
				  const struct baro_file_rules *rules)
{
	f->fd = openat(f->dirfd, f->base,
		       O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK |
			       O_NOCTTY);
	if (f->fd < 0) {
		if (errno == ELOOP)
			f->why = "a symbolic link";
		return open_err(errno);
	}
	if (fstat(f->fd, &f->st) != 0)
		return BARO_IO_OPEN;
	f->why = check_file(&f->st, rules);
	if (f->why != NULL)
		return BARO_IO_PERM;
	if (f->st.st_size < 0 || (size_t)f->st.st_size > rules->max_size ||
	    (f->st.st_size == 0 && !rules->allow_empty))
		return BARO_IO_SIZE;
	return BARO_IO_OK;
}

/* A file renamed over (a concurrent login's rewrite) between the open
 * and the fstat has no link left: the name holds the new file now, which
 * is opened and checked in its turn. Each retry needs another rewrite in
 * that window, so a few suffice; a file with no link is never accepted. */
#define REOPEN_MAX 3

static enum baro_io_err open_checked(struct baro_file *f,
				     const struct baro_file_rules *rules)
{
	enum baro_io_err e = open_once(f, rules);
	unsigned i;

	for (i = 0; i < REOPEN_MAX && e == BARO_IO_PERM && f->fd >= 0 &&
		    f->st.st_nlink == 0;
	     i++) {
		close(f->fd);
		f->fd = -1;
		f->why = NULL;
		e = open_once(f, rules);
	}
	return e;
}

/* The directory that will hold a lock file and temporary files: nobody
 * but root may create names in it, so none can be planted (a sticky
 * directory lets any user create one). */
static enum baro_io_err check_private_dir(struct baro_file *f,
					  const struct stat *dirst)
{
	if ((dirst->st_mode & 022) == 0)
		return BARO_IO_OK;
	f->why = "the directory holding it is writable by group or other";
	return BARO_IO_PERM;
}

static bool same_file(int dirfd, const char *base, const struct stat *st)
{
	struct stat now;

	return fstatat(dirfd, base, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
	       now.st_dev == st->st_dev && now.st_ino == st->st_ino;
}

/* The lock is taken only once the file has passed every check, so that
 * nothing is created beside a path that is refused; a file replaced
 * between the check and the lock is opened and checked again. */
static enum baro_io_err lock_checked(struct baro_file *f,
				     const struct baro_file_rules *rules)
{
	enum baro_io_err e;

	e = baro_lock_at(f->dirfd, f->base, &f->lockfd);
	if (e != BARO_IO_OK || same_file(f->dirfd, f->base, &f->st))
		return e;
	close(f->fd);
	f->fd = -1;
	return open_checked(f, rules);
}

/* What was read without the lock may be stale by the time the lock is
 * had: open, check and read the file again under it. */
enum baro_io_err baro_file_lock(struct baro_file *f,
				const struct baro_file_rules *rules)
{
	enum baro_io_err e;

	e = baro_lock_at(f->dirfd, f->base, &f->lockfd);
	if (e == BARO_IO_OK) {
		OPENSSL_cleanse(f->data, f->len);
		free(f->data);
		f->data = NULL;
		f->len = 0;
		close(f->fd);
		f->fd = -1;
		e = open_checked(f, rules);
	}
	if (e == BARO_IO_OK)
		e = read_all(f);
	if (e != BARO_IO_OK)
		f->saved_errno = errno;
	return e;
}

enum baro_io_err baro_file_open(struct baro_file *f, const char *path,
				const struct baro_file_rules *rules, bool lock)
{
	struct stat dirst;
	enum baro_io_err e;

	e = open_parent(path, &f->dirfd, f->base, sizeof(f->base), &f->why,
			&dirst);
	if (e == BARO_IO_OK && rules->private_dir)
		e = check_private_dir(f, &dirst);
	if (e == BARO_IO_OK)
		e = open_checked(f, rules);
	if (e == BARO_IO_OK && lock)
		e = lock_checked(f, rules);
	if (e == BARO_IO_OK)
		e = read_all(f);
	if (e != BARO_IO_OK)
		f->saved_errno = errno;
	return e;
}

void baro_file_close(struct baro_file *f)
{
	if (f->data != NULL) {
		OPENSSL_cleanse(f->data, f->len);
		free(f->data);
		f->data = NULL;
	}
	f->len = 0;
	if (f->fd >= 0)
		close(f->fd);
	if (f->lockfd >= 0)
		close(f->lockfd);
	if (f->dirfd >= 0)
		close(f->dirfd);
	f->fd = f->lockfd = f->dirfd = -1;
}

static enum baro_io_err open_user_dir(struct baro_file *f, const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n;

	if (path[0] != '/' || slash == NULL || slash[1] == '\0' ||
	    strlen(slash + 1) >= sizeof(f->base)) {
		errno = EINVAL;
		return BARO_IO_OPEN;
	}
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return BARO_IO_OPEN;
	}
	memcpy(dir, path, n);
	dir[n] = '\0';
	memcpy(f->base, slash + 1, strlen(slash + 1) + 1);
	f->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return f->dirfd >= 0 ? BARO_IO_OK : open_err(errno);
}

static const char *check_owned(const struct stat *st, uid_t uid,
			       const struct baro_file_rules *rules)
{
	if (!S_ISREG(st->st_mode))
		return "not a regular file";
	if (st->st_uid != uid && st->st_uid != 0)
		return "not owned by the user or root";
	if ((st->st_mode & rules->forbidden_mode) != 0)
		return "group or other permission bits are set";
	if (rules->single_link && st->st_nlink != 1)
		return "more than one hard link";
	return NULL;
}

enum baro_io_err baro_file_open_owned(struct baro_file *f, const char *path,
				      uid_t uid,
				      const struct baro_file_rules *rules)
{
	enum baro_io_err e = open_user_dir(f, path);

	if (e == BARO_IO_OK) {
		f->fd = openat(f->dirfd, f->base,
			       O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK |
				       O_NOCTTY);
		if (f->fd < 0)
			e = open_err(errno);
	}
	if (e == BARO_IO_OK && fstat(f->fd, &f->st) != 0)
		e = BARO_IO_OPEN;
	if (e == BARO_IO_OK) {
		f->why = check_owned(&f->st, uid, rules);
		if (f->why != NULL)
			e = BARO_IO_PERM;
	}
	if (e == BARO_IO_OK &&
	    (f->st.st_size <= 0 || (size_t)f->st.st_size > rules->max_size))
		e = BARO_IO_SIZE;
	if (e == BARO_IO_OK)
		e = read_all(f);
	if (e != BARO_IO_OK)
		f->saved_errno = errno;
	return e;
}
