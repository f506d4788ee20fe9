/* SPDX-License-Identifier: BSD-3-Clause */
/* What the commands share: messages, the user's file and its directory,
 * and the locked read-modify-write of an existing file. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "baro/fileio.h"
#include "baro/util.h"
#include "keygen.h"

const struct baro_log kg_log = { NULL, 0, 0, 0 };

static void vsay(const char *prefix, const char *fmt, va_list ap)
{
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void kg_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("baro-keygen: ", fmt, ap);
	va_end(ap);
}

void kg_remedy(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("  remedy: ", fmt, ap);
	va_end(ap);
}

static bool copy(char *dst, size_t dstsz, const char *src)
{
	int n = snprintf(dst, dstsz, "%s", src);

	return n >= 0 && (size_t)n < dstsz;
}

/* The conf file: secret= template, encrypt= and keyfile= defaults. */
static bool resolve_from_conf(const struct kg_opts *o, const struct passwd *pw,
			      struct kg_target *t)
{
	struct baro_config cfg;

	baro_config_defaults(&cfg);
	if (baro_config_read_file(&cfg,
				  o->conf != NULL ? o->conf : BARO_DEFAULT_CONF,
				  o->conf != NULL, &kg_log) != BARO_CONFIG_OK ||
	    baro_config_finish(&cfg, &kg_log) != BARO_CONFIG_OK)
		return false;
	t->encrypt = o->encrypt || cfg.encrypt == BARO_ENCRYPT_YES;
	if (o->keyfile == NULL &&
	    !copy(t->keyfile, sizeof(t->keyfile), cfg.keyfile))
		return false;
	if (!baro_expand_path(cfg.secret, pw->pw_name, pw->pw_dir, t->path,
			      sizeof(t->path))) {
		fprintf(stderr, "Failed to compute location of secret file\n");
		return false;
	}
	return true;
}

bool kg_target_resolve(const struct kg_opts *o, struct kg_target *t)
{
	const struct passwd *pw;

	memset(t, 0, sizeof(*t));
	pw = getpwnam(o->user);
	if (pw == NULL || !baro_user_name_ok(o->user) ||
	    !copy(t->user, sizeof(t->user), o->user)) {
		fprintf(stderr, "Cannot look up user id %s\n", o->user);
		return false;
	}
	t->encrypt = o->encrypt;
	if (!copy(t->keyfile, sizeof(t->keyfile),
		  o->keyfile != NULL ? o->keyfile : BARO_DEFAULT_KEYFILE))
		return false;
	if (o->file == NULL)
		return resolve_from_conf(o, pw, t);
	if (!copy(t->path, sizeof(t->path), o->file) || t->path[0] != '/') {
		kg_err("-f needs an absolute path: \"%s\"", o->file);
		return false;
	}
	return true;
}

/* One directory: made if missing, then it must pass the module's checks
 * (root's, not group/other writable) with everything above it. */
static bool make_dir(const char *dir, mode_t mode)
{
	char base[256];
	const char *why = NULL;
	int dirfd = -1, fd = -1;
	bool ok = false;

	if (baro_open_parent(dir, &dirfd, base, sizeof(base), &why) !=
	    BARO_IO_OK) {
		kg_err("%s: %s", dir, why != NULL ? why : strerror(errno));
		goto out;
	}
	if (mkdirat(dirfd, base, mode) != 0) {
		ok = errno == EEXIST;
		if (!ok)
			kg_err("mkdir %s: %s", dir, strerror(errno));
		goto out;
	}
	/* mkdir's mode went through the umask: set it exactly. */
	fd = openat(dirfd, base,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	ok = fd >= 0 && fchmod(fd, mode) == 0;
	if (!ok)
		kg_err("chmod %s: %s", dir, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	if (dirfd >= 0)
		close(dirfd);
	return ok;
}

bool kg_make_parents(const char *path)
{
	char dir[PATH_MAX];
	char *slash, *end;
	bool ok = true;

	if (!copy(dir, sizeof(dir), path) || dir[0] != '/')
		return false;
	end = strrchr(dir, '/');
	if (end == dir)
		return true;
	*end = '\0';
	for (slash = strchr(dir + 1, '/'); ok; slash = strchr(slash + 1, '/')) {
		if (slash != NULL)
			*slash = '\0';
		ok = make_dir(dir, slash == NULL ? 0700 : 0755);
		if (slash == NULL)
			break;
		*slash = '/';
	}
	return ok;
}

int kg_write_new(const char *path, const struct baro_secret *s, bool force)
{
	char base[256];
	const char *why = NULL;
	char *text;
	size_t len = 0;
	int dirfd = -1, lockfd = -1, rc = KG_EXIT_ERR;
	enum baro_io_err e;

	text = baro_secret_format(s, &len);
	if (text == NULL)
		return KG_EXIT_ERR;
	e = baro_open_parent(path, &dirfd, base, sizeof(base), &why);
	if (e == BARO_IO_OK)
		e = baro_lock_at(dirfd, base, &lockfd);
	if (e == BARO_IO_OK)
		e = baro_file_create_at(dirfd, base, text, len, force);
	if (e == BARO_IO_OK)
		rc = KG_EXIT_OK;
	else if (errno == EEXIST)
		kg_err("%s exists (use --force to replace it)", path);
	else
		kg_err("cannot write %s: %s", path,
		       e == BARO_IO_PERM && why != NULL ? why
							: strerror(errno));
	OPENSSL_cleanse(text, len);
	free(text);
	if (lockfd >= 0)
		close(lockfd);
	if (dirfd >= 0)
		close(dirfd);
	return rc;
}

int kg_with_file(const struct kg_opts *o, bool write, kg_file_fn fn)
{
	struct kg_target t;
	struct baro_store *st = NULL;
	struct kg_material m;
	int rc = KG_EXIT_ERR;

	memset(&m, 0, sizeof(m));
	if (!kg_target_resolve(o, &t))
		return KG_EXIT_ERR;
	st = malloc(sizeof(*st));
	if (st == NULL)
		return KG_EXIT_ERR;
	baro_store_init(st, t.path);
	if (baro_store_load(st, write, &kg_log) != BARO_STORE_OK)
		goto out;
	if (fn(o, &t, st, &m) && (!write || baro_store_save(st, &kg_log))) {
		if (t.done != NULL)
			t.done(o, &t);
		rc = KG_EXIT_OK;
	}
out:
	kg_material_wipe(&m);
	baro_store_close(st);
	free(st);
	return rc;
}
