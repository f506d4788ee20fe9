/* SPDX-License-Identifier: BSD-3-Clause */
/* Import of a google-authenticator ~/.google_authenticator file: the key,
 * its TOTP options and the scratch codes as emergency codes, so the
 * user's phone keeps working. The file is read through the core file
 * layer; it is left in place unless --remove-source is given. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "baro/base32.h"
#include "baro/fileio.h"
#include "baro/util.h"
#include "baro/verify.h"
#include "keygen.h"

static const struct baro_file_rules google_rules = {
	.forbidden_mode = 0, /* judged below: a readable key is still imported */
	.max_size = BARO_FILE_MAX,
	.allow_empty = false,
	.single_link = true,
};

/* One '" OPTION ...' line of ~/.google_authenticator. */
static bool import_option(struct baro_secret *s, char *line, bool *totp)
{
	char *save = NULL;
	char *name = strtok_r(line + 2, " \t", &save);
	char *a = strtok_r(NULL, " \t", &save);
	char *b = a != NULL ? strtok_r(NULL, " \t", &save) : NULL;
	unsigned long v, w;

	if (name == NULL)
		return false;
	if (strcmp(name, "TOTP_AUTH") == 0)
		*totp = true;
	else if (strcmp(name, "DISALLOW_REUSE") == 0)
		s->disallow_reuse = true;
	else if (strcmp(name, "STEP_SIZE") == 0 && a != NULL &&
		 baro_parse_ulong(a, BARO_CYCLE_MIN, BARO_CYCLE_MAX, &v))
		s->cycle_time = (unsigned)v;
	else if (strcmp(name, "WINDOW_SIZE") == 0 && a != NULL &&
		 baro_parse_ulong(a, 1, BARO_WINDOW_MAX, &v))
		s->window = (unsigned)v;
	else if (strcmp(name, "RATE_LIMIT") == 0 && b != NULL &&
		 baro_parse_ulong(a, 1, BARO_RATE_COUNT_MAX, &v) &&
		 baro_parse_ulong(b, 1, BARO_RATE_INTERVAL_MAX, &w)) {
		s->has_rate_limit = true;
		s->rate_count = (unsigned)v;
		s->rate_interval = (unsigned)w;
	} else if (strcmp(name, "HOTP_COUNTER") == 0) {
		kg_err("HOTP (counter-based) files cannot be imported: pam_baro_auth is time-based");
		return false;
	} else {
		kg_err("unsupported option \"%s\"", name);
		return false;
	}
	return true;
}

static bool import_scratch(struct baro_secret *s, struct kg_material *m,
			   const char *line)
{
	size_t i = s->n_emergency;

	if (strlen(line) != BARO_EMERGENCY_DIGITS ||
	    strspn(line, "0123456789") != BARO_EMERGENCY_DIGITS ||
	    i >= BARO_EMERGENCY_MAX ||
	    !baro_emergency_hash(m->key, m->keylen, line, s->emergency[i]))
		return false;
	s->n_emergency++;
	return true;
}

static bool parse_google(char *text, struct baro_secret *s,
			 struct kg_material *m)
{
	char *line, *save = NULL;
	bool totp = false, first = true, ok = true;

	for (line = strtok_r(text, "\n", &save); ok && line != NULL;
	     line = strtok_r(NULL, "\n", &save), first = false) {
		if (first)
			ok = baro_base32_decode(line, m->key, sizeof(m->key),
						&m->keylen) &&
			     baro_base32_encode(m->key, m->keylen, m->b32,
						sizeof(m->b32));
		else if (strncmp(line, "\" ", 2) == 0)
			ok = import_option(s, line, &totp);
		else
			ok = import_scratch(s, m, line);
	}
	if (ok && !totp)
		kg_err("not a TOTP file (no \" TOTP_AUTH)");
	if (ok && totp &&
	    (m->keylen < BARO_KEY_MIN || m->keylen > BARO_KEY_MAX))
		kg_err("the key has %zu bytes; pam_baro_auth needs %d..%d: create a new key instead",
		       m->keylen, BARO_KEY_MIN, BARO_KEY_MAX);
	return ok && totp && m->keylen >= BARO_KEY_MIN &&
	       m->keylen <= BARO_KEY_MAX;
}

/* The source, owned by the user (or root), never through a final link. */
static bool read_google(const char *path, uid_t uid, struct baro_file *f)
{
	enum baro_io_err e = baro_file_open_owned(f, path, uid, &google_rules);

	if (e == BARO_IO_OK) {
		if ((f->st.st_mode & 077) != 0)
			kg_err("warning: %s is readable by others (mode %04o): the key may be known; consider rotate after the import",
			       path, (unsigned)(f->st.st_mode & 07777));
		return true;
	}
	kg_err("cannot read %s: %s", path,
	       e == BARO_IO_PERM && f->why != NULL ? f->why
	       : e == BARO_IO_SIZE                 ? "empty or too large"
						   : strerror(f->saved_errno));
	return false;
}

/* Remove exactly the file that was read: same directory, same inode. */
static void remove_source(const char *path, const struct baro_file *f)
{
	struct stat now;

	if (fstatat(f->dirfd, f->base, &now, AT_SYMLINK_NOFOLLOW) != 0 ||
	    now.st_dev != f->st.st_dev || now.st_ino != f->st.st_ino) {
		kg_err("%s changed since it was read: not removed", path);
		return;
	}
	if (unlinkat(f->dirfd, f->base, 0) != 0)
		kg_err("cannot remove %s: %s", path, strerror(errno));
	else
		printf("removed %s\n", path);
}

static void report(const struct kg_opts *o, const struct kg_target *t,
		   const struct baro_file *f, size_t n_scratch)
{
	printf("imported %s into %s (%zu scratch codes as emergency codes)\n",
	       o->from, t->path, n_scratch);
	if (o->remove_source)
		remove_source(o->from, f);
	else
		printf("%s is left in place: it still holds the key and the scratch codes.\n"
		       "Remove it once the import works (or run again with --remove-source).\n",
		       o->from);
}

/* The google file's settings, then its key and scratch codes. */
static bool build_import(char *text, struct baro_secret *s,
			 struct kg_material *m)
{
	size_t i, n_scratch;

	baro_secret_init(s);
	s->method = BARO_SHA1; /* google-authenticator: SHA1, 6 digits */
	s->digits = 6;
	s->cycle_time = 30; /* its STEP_SIZE default */
	if (!parse_google(text, s, m))
		return false;
	n_scratch = s->n_emergency;
	kg_add_option_lines(s);
	for (i = 0; i < n_scratch; i++)
		baro_secret_add_line(s, BARO_LINE_EMERGENCY_KEY, (unsigned)i);
	return true;
}

int kg_cmd_import(const struct kg_opts *o)
{
	struct kg_target t;
	struct kg_material m;
	struct baro_file f;
	struct baro_secret *s = NULL;
	const struct passwd *pw;
	int rc = KG_EXIT_ERR;

	memset(&m, 0, sizeof(m));
	baro_file_init(&f);
	if (!kg_target_resolve(o, &t) || (pw = getpwnam(t.user)) == NULL ||
	    !read_google(o->from, pw->pw_uid, &f) ||
	    (s = malloc(sizeof(*s))) == NULL || !build_import(f.data, s, &m) ||
	    !kg_set_secure_key(t.encrypt, t.keyfile, t.user, &m, s) ||
	    !kg_make_parents(t.path))
		goto out;
	rc = kg_write_new(t.path, s, o->force);
	if (rc == KG_EXIT_OK)
		report(o, &t, &f, s->n_emergency);
out:
	baro_file_close(&f);
	kg_material_wipe(&m);
	if (s != NULL)
		baro_secret_wipe(s);
	free(s);
	return rc;
}
