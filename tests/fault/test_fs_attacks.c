/* SPDX-License-Identifier: BSD-3-Clause */
/* File-system attacks as root beyond the secret file itself (tests/root
 * covers that, its "~" and its lock): the ACL file and the host key file
 * replaced by a symlink, a FIFO, a second hard link or a directory are
 * refused and the login fails closed; a directory on the path of the
 * secret, the ACL or the host key swapped for a symlink between two
 * logins is refused and nothing is written through it; and no login
 * leaves a descriptor open in the process that called libpam. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <security/pam_appl.h>

#include "baro/base32.h"
#include "baro/seal.h"
#include "baro/totp.h"
#include "pamtest.h"

#define T0 1700000000LL
#define SKIP_NOBODY "skip : nobody : ALL : ALL\n"

struct ctx {
	struct pt_env env;
	char secrets[PATH_MAX]; /* env/secrets */
	char secret[PATH_MAX];  /* env/secrets/.baro_auth */
	char etc[PATH_MAX];     /* env/etc: the ACL and the host key */
	char acl[PATH_MAX];
	char key[PATH_MAX];
	char real[PATH_MAX];    /* env/etc/real: a valid file to point at */
	char code[16];
};

static int setup(void **state)
{
	static struct ctx c;

	memset(&c, 0, sizeof(c));
	pt_setup_secret(&c.env, c.secret, sizeof(c.secret));
	pt_path(&c.env, "secrets", c.secrets, sizeof(c.secrets));
	pt_path(&c.env, "etc", c.etc, sizeof(c.etc));
	pt_mkdir(c.etc, 0755);
	pt_path(&c.env, "etc/baro_acl", c.acl, sizeof(c.acl));
	pt_path(&c.env, "etc/host.key", c.key, sizeof(c.key));
	pt_path(&c.env, "etc/real", c.real, sizeof(c.real));
	pt_write_secret(c.secret, "DISALLOW_REUSE\n");
	pt_code(T0, c.code, sizeof(c.code));
	*state = &c;
	return 0;
}

/* A login at t typing the right code (r is reset); no descriptor may
 * stay open. */
static int login_at(struct ctx *c, int64_t t, struct pt_run *r)
{
	char code[16];
	int before;

	pt_code(t, code, sizeof(code));
	memset(r, 0, sizeof(*r));
	r->user = PT_USER;
	r->responses[0] = code;
	pt_set_now(t);
	pt_log_clear();
	before = pt_count_fds();
	pt_login(&c->env, r);
	assert_int_equal(pt_count_fds(), before);
	return r->rc;
}

static void use_acl(const struct ctx *c)
{
	char args[3 * PATH_MAX];

	/* skip → PAM_SUCCESS through pam_permit: following the planted
	 * file would let the login through without a code. */
	pt_format(args, sizeof(args), "secret=%s encrypt=no acl=%s debug",
		  c->secret, c->acl);
	pt_module_service(&c->env, true, NULL, args);
}

/* What is put in place of a file. */
enum plant { SYMLINK, FIFO, HARD_LINK, DIRECTORY };

static void plant(const struct ctx *c, const char *path, const char *content,
		  mode_t mode, enum plant what)
{
	pt_write(c->real, content, mode);
	switch (what) {
	case SYMLINK:
		assert_int_equal(symlink(c->real, path), 0);
		break;
	case FIFO:
		assert_int_equal(mkfifo(path, mode), 0);
		break;
	case HARD_LINK:
		assert_int_equal(link(c->real, path), 0);
		break;
	case DIRECTORY:
		pt_mkdir(path, 0755);
		break;
	}
}

static void assert_acl_refused(struct ctx *c, enum plant what)
{
	struct pt_run r = { 0 };

	use_acl(c);
	plant(c, c->acl, SKIP_NOBODY, 0444, what);
	alarm(10); /* a FIFO must not block the login */
	assert_int_equal(login_at(c, T0, &r), PAM_AUTHINFO_UNAVAIL);
	alarm(0);
	assert_int_equal(r.n_prompts, 0);
	pt_assert_log("ACL file \"%s\" must only be accessible by user id root",
		      c->acl);
	assert_false(pt_log_contains("code accepted"));
}

static void acl_symlink_is_refused_not_followed(void **state)
{
	assert_acl_refused(*state, SYMLINK);
}

static void acl_fifo_is_refused_at_once(void **state)
{
	assert_acl_refused(*state, FIFO);
}

static void acl_with_second_hard_link_is_refused(void **state)
{
	assert_acl_refused(*state, HARD_LINK);
}

static void acl_directory_is_refused(void **state)
{
	assert_acl_refused(*state, DIRECTORY);
}

/* --- the host key --- */

static const uint8_t hostkey[BARO_HOSTKEY_LEN] = { 7, 7, 7, 7, 1, 2, 3, 4 };

static void use_sealed_secret(const struct ctx *c)
{
	char sealed[BARO_SEALED_BUFSZ], text[512], args[3 * PATH_MAX];
	uint8_t key[BARO_KEY_MAX];
	size_t keylen = 0;

	assert_true(baro_base32_decode(PT_KEY_B32, key, sizeof(key), &keylen));
	assert_int_equal(baro_seal(hostkey, PT_USER, key, keylen, sealed,
				   sizeof(sealed)),
			 BARO_SEAL_OK);
	pt_format(text, sizeof(text), "SECURE_KEY %s\nCYCLE_TIME 30\n", sealed);
	pt_write(c->secret, text, 0400);
	pt_format(args, sizeof(args), "secret=%s encrypt=yes keyfile=%s debug",
		  c->secret, c->key);
	pt_module_service(&c->env, true, NULL, args);
}

static void key_text(char *out, size_t n)
{
	assert_true(baro_hostkey_format(hostkey, out, n));
}

static void assert_key_refused(struct ctx *c, enum plant what)
{
	char text[BARO_HOSTKEY_TEXT_LEN + 1];
	struct pt_run r = { 0 };

	use_sealed_secret(c);
	key_text(text, sizeof(text));
	/* The real key works. */
	pt_write(c->key, text, 0400);
	assert_int_equal(login_at(c, T0, &r), PAM_SUCCESS);
	assert_int_equal(unlink(c->key), 0);
	plant(c, c->key, text, 0400, what);
	alarm(10);
	assert_int_equal(login_at(c, T0 + 30, &r), PAM_AUTHINFO_UNAVAIL);
	alarm(0);
	pt_assert_log("Host key file \"%s\" must only be accessible by root",
		      c->key);
	pt_assert_log("Can't find SECURE_KEY[host key unavailable]");
	assert_false(pt_log_contains("code accepted"));
}

static void host_key_symlink_is_refused_not_followed(void **state)
{
	assert_key_refused(*state, SYMLINK);
}

static void host_key_fifo_is_refused_at_once(void **state)
{
	assert_key_refused(*state, FIFO);
}

static void host_key_with_second_hard_link_is_refused(void **state)
{
	assert_key_refused(*state, HARD_LINK);
}

static void host_key_directory_is_refused(void **state)
{
	assert_key_refused(*state, DIRECTORY);
}

/* --- a directory on the path swapped for a symlink between logins --- */

/* dir becomes dir.real and dir a symlink to it; returns dir.real. */
static void swap_for_symlink(const char *dir, char *real, size_t n)
{
	pt_format(real, n, "%s.real", dir);
	assert_int_equal(rename(dir, real), 0);
	assert_int_equal(symlink(real, dir), 0);
}

static void secret_directory_swapped_for_symlink_is_refused(void **state)
{
	static const char *const untouched[] = { ".baro_auth", ".baro_auth.lock",
						 NULL };
	struct ctx *c = *state;
	char args[PATH_MAX + 64], real[PATH_MAX], file[PATH_MAX + 16];
	char *before, *after;
	struct pt_run r = { 0 };

	pt_format(args, sizeof(args), "secret=%s encrypt=no", c->secret);
	pt_simple_service(&c->env, args);
	assert_int_equal(login_at(c, T0, &r), PAM_SUCCESS);
	swap_for_symlink(c->secrets, real, sizeof(real));
	pt_format(file, sizeof(file), "%s/.baro_auth", real);
	before = pt_read(file);
	assert_int_equal(login_at(c, T0 + 30, &r), PAM_AUTHINFO_UNAVAIL);
	pt_assert_log("Secret file %s must only be accessible by root",
		      c->secret);
	after = pt_read(file);
	assert_non_null(before);
	assert_non_null(after);
	assert_string_equal(before, after);
	pt_assert_dir_holds(real, untouched);
	free(before);
	free(after);
}

static void acl_directory_swapped_for_symlink_is_refused(void **state)
{
	struct ctx *c = *state;
	char real[PATH_MAX];
	struct pt_run r = { 0 };

	use_acl(c);
	pt_write(c->acl, SKIP_NOBODY, 0444);
	assert_int_equal(login_at(c, T0, &r), PAM_SUCCESS);
	assert_int_equal(r.n_prompts, 0); /* skipped by the ACL */
	swap_for_symlink(c->etc, real, sizeof(real));
	assert_int_equal(login_at(c, T0 + 30, &r), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(r.n_prompts, 0);
	pt_assert_log("ACL file \"%s\" must only be accessible by user id root",
		      c->acl);
}

static void host_key_directory_swapped_for_symlink_is_refused(void **state)
{
	struct ctx *c = *state;
	char text[BARO_HOSTKEY_TEXT_LEN + 1], real[PATH_MAX];
	struct pt_run r = { 0 };

	use_sealed_secret(c);
	key_text(text, sizeof(text));
	pt_write(c->key, text, 0400);
	assert_int_equal(login_at(c, T0, &r), PAM_SUCCESS);
	swap_for_symlink(c->etc, real, sizeof(real));
	assert_int_equal(login_at(c, T0 + 30, &r), PAM_AUTHINFO_UNAVAIL);
	pt_assert_log("Host key file \"%s\" must only be accessible by root",
		      c->key);
}

/* --- descriptors --- */

/* Every outcome, success and each kind of failure, leaves the caller's
 * descriptor table as it found it (login_at asserts it). */
static void no_login_outcome_leaves_a_descriptor_open(void **state)
{
	struct ctx *c = *state;
	char args[PATH_MAX + 64], lock[PATH_MAX + 8];
	struct pt_run r = { 0 };

	pt_format(args, sizeof(args), "secret=%s encrypt=no nullok", c->secret);
	pt_module_service(&c->env, true, NULL, args); /* PAM_IGNORE: success */
	assert_int_equal(login_at(c, T0, &r), PAM_SUCCESS);
	assert_int_equal(login_at(c, T0, &r), PAM_AUTH_ERR); /* reused */
	pt_write_secret(c->secret, "BOGUS 1\n");
	assert_int_equal(login_at(c, T0, &r), PAM_AUTHINFO_UNAVAIL);
	pt_write_secret(c->secret, "");
	assert_int_equal(chmod(c->secret, 0440), 0);
	assert_int_equal(login_at(c, T0, &r), PAM_AUTHINFO_UNAVAIL);
	pt_format(lock, sizeof(lock), "%s.lock", c->secret);
	assert_int_equal(unlink(lock), 0);
	assert_int_equal(symlink("/etc/passwd", lock), 0);
	pt_write_secret(c->secret, "DISALLOW_REUSE\n"); /* the lock is needed */
	assert_int_equal(login_at(c, T0, &r), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(unlink(lock), 0);
	assert_int_equal(unlink(c->secret), 0);
	assert_int_equal(login_at(c, T0, &r), PAM_SUCCESS); /* nullok */
	assert_acl_refused(c, FIFO);
	assert_int_equal(unlink(c->acl), 0);
	assert_int_equal(unlink(c->real), 0);
	assert_key_refused(c, SYMLINK);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, pt_teardown_state)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(acl_symlink_is_refused_not_followed),
		T(acl_fifo_is_refused_at_once),
		T(acl_with_second_hard_link_is_refused),
		T(acl_directory_is_refused),
		T(host_key_symlink_is_refused_not_followed),
		T(host_key_fifo_is_refused_at_once),
		T(host_key_with_second_hard_link_is_refused),
		T(host_key_directory_is_refused),
		T(secret_directory_swapped_for_symlink_is_refused),
		T(acl_directory_swapped_for_symlink_is_refused),
		T(host_key_directory_swapped_for_symlink_is_refused),
		T(no_login_outcome_leaves_a_descriptor_open),
	};

	pt_require_root("test_fs_attacks", "root-owned files");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
