/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BARO_FILEIO_H
#define BARO_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "baro/log.h"

/* Safe file access shared by the module and baro-keygen. Every open uses
 * O_NOFOLLOW|O_CLOEXEC (and O_NONBLOCK where a FIFO could stand), then
 * fstat checks on the descriptor. */

enum baro_io_err {
	BARO_IO_OK = 0,
	BARO_IO_MISSING, /* ENOENT on the file or a directory on its path */
	BARO_IO_OPEN,    /* other open failure: errno kept */
	BARO_IO_PERM,    /* ownership/mode/type/link/path check failed */
	BARO_IO_SIZE,    /* empty or larger than the cap */
	BARO_IO_READ,    /* read() failed */
	BARO_IO_NOMEM,
	BARO_IO_LOCK,    /* lock not had in time, or lock file unsafe */
	BARO_IO_TMP_OPEN,  /* Failed to open tmp secret file PATH~ */
	BARO_IO_TMP_WRITE, /* Failed to create tmp secret file */
	BARO_IO_CHANGED,   /* the file changed under the lock */
	BARO_IO_UPDATE,    /* rename or directory fsync failed */
};

/* The file policy a descriptor must meet. */
struct baro_file_rules {
	mode_t forbidden_mode; /* bits that must be clear, e.g. 077 or 022 */
	size_t max_size;
	bool allow_empty;
	bool single_link;
	bool private_dir; /* the containing directory: no group/other write,
			   * sticky or not (lock and temporary files go there) */
};

/* An open secret file and its directory, from baro_file_open(). */
struct baro_file {
	int dirfd;        /* the containing directory, O_RDONLY|O_DIRECTORY */
	int fd;           /* the file, -1 if not opened */
	int lockfd;       /* flock()ed lock file, -1 if not locked */
	char base[256];   /* last path component */
	struct stat st;   /* fstat of fd at open time */
	char *data;       /* contents read, NUL-terminated, wiped on close */
	size_t len;
	int saved_errno;
	const char *why;  /* short reason of a BARO_IO_PERM failure */
};

/* Open every directory of path from "/" without following links, each
 * owned by root and not writable by group/other unless root-owned and
 * sticky. On success *dirfd is the last directory (O_RDONLY|O_DIRECTORY)
 * and base holds the last component. */
enum baro_io_err baro_open_parent(const char *path, int *dirfd, char *base,
				  size_t basesz, const char **why);

/* Open path (checked parents), fstat check against rules, read it whole.
 * With lock=true an exclusive flock on "<base>.lock" in the same
 * directory is taken first, with a bounded wait. */
enum baro_io_err baro_file_open(struct baro_file *f, const char *path,
				const struct baro_file_rules *rules, bool lock);

/* Take the exclusive flock (as baro_file_open() with lock=true) on a file
 * that baro_file_open() opened and read without it, then open, check and
 * read the file again under the lock, which is held until
 * baro_file_close(). The file passed its checks before the lock file can
 * be created beside it. */
enum baro_io_err baro_file_lock(struct baro_file *f,
				const struct baro_file_rules *rules);

/* Replace the file atomically: write "<base>~" (exclusive, no follow,
 * 0400), fsync, check the original is unchanged, rename, fsync the dir. */
enum baro_io_err baro_file_replace(struct baro_file *f, const char *data,
				   size_t len);

/* Create a new file (mode 0400) atomically the same way; fails with
 * BARO_IO_UPDATE/EEXIST if it exists and !force. Needs an open dirfd. */
enum baro_io_err baro_file_create_at(int dirfd, const char *base,
				     const char *data, size_t len, bool force);

/* Take the exclusive flock on "<base>.lock" in dirfd (created 0600 root if
 * missing, then checked like a secret file), waiting at most
 * BARO_LOCK_WAIT_MS. */
enum baro_io_err baro_lock_at(int dirfd, const char *base, int *lockfd);

void baro_file_close(struct baro_file *f);

/* Read a file that belongs to a user, not to root (baro-keygen import of
 * ~USER/.google_authenticator): the directories are the user's, so only
 * the last component is opened without following links; the descriptor
 * must be a regular file owned by uid or root that meets rules (mode
 * bits, links, size; never empty). f->dirfd stays open
 * (the file's directory) so that the caller can remove that same file. */
enum baro_io_err baro_file_open_owned(struct baro_file *f, const char *path,
				      uid_t uid,
				      const struct baro_file_rules *rules);

/* Initialise f so that baro_file_close() is safe on every path. */
void baro_file_init(struct baro_file *f);

/* Whether st is the kernel's null device: a character device 1:3. */
bool baro_is_null_device(const struct stat *st);

/* Open /dev/null read-write (O_NOFOLLOW|O_CLOEXEC|O_NOCTTY|O_NONBLOCK)
 * and keep it only if fstat says it is the null device. The descriptor,
 * or -1 with *why "cannot open /dev/null" (errno kept) or "/dev/null is
 * not the null device (character device 1:3)" (errno ENODEV). */
int baro_open_null(const char **why);

/* The lock wait bound in milliseconds. */
#define BARO_LOCK_WAIT_MS 5000

/* The secret file's rules (DESIGN.md §3). The other files have theirs beside
 * their readers: the host key in seal.c, the ACL in acl.c, the conf file
 * in config.c, the lock file in fileio.c. */
extern const struct baro_file_rules baro_secret_rules;

#endif
