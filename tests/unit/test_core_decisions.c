/* SPDX-License-Identifier: BSD-3-Clause */
/* The decisions the module, the setuid helper and baro-keygen share, each
 * in one core function (DESIGN.md Part 2): which key a secret file yields
 * under encrypt=yes/no, whether a secret file is missing (nullok), where
 * forward_pass splits the password from the code, and the whole group list
 * of a user. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
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

#include "baro/audit.h"
#include "baro/auth.h"
#include "baro/config.h"
#include "baro/seal.h"
#include "baro/secret.h"
#include "baro/store.h"
#include "baro/user.h"

#define KEY_B32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" /* 20 bytes */

static const struct baro_log quiet = { 0 };

static void secret_with_key(struct baro_secret *s, const char *value)
{
	baro_secret_init(s);
	assert_true(strlen(value) < sizeof(s->secure_key));
	memcpy(s->secure_key, value, strlen(value) + 1);
}

static const char *problem(const char *value, bool encrypt,
			   const char *keyfile, size_t *keylen)
{
	static struct baro_secret s;
	uint8_t key[BARO_KEY_MAX];

	secret_with_key(&s, value);
	return baro_store_key_problem(&s, encrypt, keyfile, "alice", key,
				      sizeof(key), keylen, &quiet);
}

static void plain_key_under_encrypt_no_is_decoded(void **state)
{
	size_t n = 99;

	(void)state;
	assert_null(problem(KEY_B32, false, "/nonexistent", &n));
	assert_int_equal(n, 20);
}

static void every_key_problem_has_its_reason(void **state)
{
	size_t n = 99;

	(void)state;
	assert_string_equal(problem("enc:v1:AAAA", false, "/x", &n),
			    "sealed key but encrypt=no");
	assert_int_equal(n, 0);
	assert_string_equal(problem(KEY_B32, true, "/x", &n),
			    "plain key but encrypt=yes");
	assert_string_equal(problem("GEZDGNBV!!", false, "/x", &n),
			    "invalid base32");
	assert_string_equal(problem("GEZDGNBVGY3TQOJQ", false, "/x", &n),
			    "key too short");
	assert_string_equal(problem("enc:v1:AAAA", true, "/nonexistent/key",
				    &n),
			    "host key unavailable");
}

/* Sealed for alice under a host key in a root-only directory: it opens
 * for alice under encrypt=yes, never for bob, never under encrypt=no. */
static void sealed_key_opens_only_for_its_user(void **state)
{
	char dir[] = "/tmp/baro-decisions.XXXXXX", keyfile[PATH_MAX];
	char text[BARO_HOSTKEY_TEXT_LEN + 1], sealed[BARO_SEALED_BUFSZ];
	uint8_t hostkey[BARO_HOSTKEY_LEN], raw[20], key[BARO_KEY_MAX];
	struct baro_secret s;
	size_t n = 0;
	FILE *f;

	(void)state;
	if (geteuid() != 0)
		skip();
	memset(hostkey, 7, sizeof(hostkey));
	memset(raw, 9, sizeof(raw));
	assert_non_null(mkdtemp(dir));
	snprintf(keyfile, sizeof(keyfile), "%s/host.key", dir);
	assert_true(baro_hostkey_format(hostkey, text, sizeof(text)));
	f = fopen(keyfile, "w");
	assert_non_null(f);
	fprintf(f, "%s%s", text, strchr(text, '\n') != NULL ? "" : "\n");
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(keyfile, 0400), 0);
	assert_int_equal(baro_seal(hostkey, "alice", raw, sizeof(raw), sealed,
				   sizeof(sealed)),
			 BARO_SEAL_OK);
	secret_with_key(&s, sealed);
	assert_null(baro_store_key_problem(&s, true, keyfile, "alice", key,
					   sizeof(key), &n, &quiet));
	assert_int_equal(n, sizeof(raw));
	assert_memory_equal(key, raw, sizeof(raw));
	assert_non_null(baro_store_key_problem(&s, true, keyfile, "bob", key,
					       sizeof(key), &n, &quiet));
	assert_int_equal(n, 0);
	assert_string_equal(baro_store_key_problem(&s, false, keyfile, "alice",
						   key, sizeof(key), &n,
						   &quiet),
			    "sealed key but encrypt=no");
	unlink(keyfile);
	rmdir(dir);
}

static void only_an_absent_file_is_missing(void **state)
{
	char dir[] = "/tmp/baro-decisions.XXXXXX", path[PATH_MAX];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/none", dir);
	assert_true(baro_store_missing(path));
	snprintf(path, sizeof(path), "%s/nodir/none", dir);
	assert_true(baro_store_missing(path));
	snprintf(path, sizeof(path), "%s/file", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fclose(f), 0);
	assert_false(baro_store_missing(path));
	/* A file where a directory should be: a problem, not "missing". */
	snprintf(path, sizeof(path), "%s/file/none", dir);
	assert_false(baro_store_missing(path));
	snprintf(path, sizeof(path), "%s/file", dir);
	unlink(path);
	rmdir(dir);
}

static void forward_pass_splits_the_trailing_code(void **state)
{
	(void)state;
	assert_int_equal(baro_auth_password_len("secret123456", 6), 6);
	assert_int_equal(baro_auth_password_len("secret12345678", 8), 6);
	assert_int_equal(baro_auth_password_len("123456", 6), 0);
	assert_int_equal(baro_auth_password_len("123", 6), 0);
	assert_int_equal(baro_auth_password_len("", 6), 0);
}

/* getgrouplist() answered from a table: `members` groups for "big", or a
 * failure for "broken". */
static int members;

int __wrap_getgrouplist(const char *user, gid_t group, gid_t *groups,
			int *ngroups);
int __wrap_getgrouplist(const char *user, gid_t group, gid_t *groups,
			int *ngroups)
{
	int i, want = strcmp(user, "broken") == 0 ? INT32_MAX : members;

	if (*ngroups < want) {
		*ngroups = want == INT32_MAX ? -1 : want;
		return -1;
	}
	for (i = 0; i < want; i++)
		groups[i] = (gid_t)(i == 0 ? group : 10000 + (unsigned)i);
	*ngroups = want;
	return want;
}

static void group_list_grows_to_every_group(void **state)
{
	gid_t *groups = NULL;
	size_t n = 0;

	(void)state;
	members = 1001;
	assert_true(baro_user_groups("big", 5, &groups, &n));
	assert_int_equal(n, 1001);
	assert_int_equal(groups[0], 5);
	assert_int_equal(groups[1000], 11000);
	free(groups);
	members = 3;
	assert_true(baro_user_groups("small", 5, &groups, &n));
	assert_int_equal(n, 3);
	free(groups);
}

static void group_list_that_cannot_be_had_fails(void **state)
{
	gid_t *groups = (gid_t *)1;
	size_t n = 7;

	(void)state;
	assert_false(baro_user_groups("broken", 5, &groups, &n));
	assert_null(groups);
	assert_int_equal(n, 0);
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n > 0 && b[n - 1] == 0)
		n--;
	return n == 0;
}

/* A check wipes what is secret, whatever its verdict: the decoded key and
 * the parsed file (its key text among the rest). The per-login struct is
 * not wiped as a whole: nothing else in it is secret. Root only (the
 * file must be root's). */
static void check_leaves_no_key_behind(void **state)
{
	static const char *const inputs[] = { "000000", "755224" };
	char dir[] = "/tmp/baro-decisions.XXXXXX", path[PATH_MAX];
	static struct baro_config cfg;
	static struct baro_auth a;
	struct passwd *pw = getpwuid(0);
	size_t i;
	FILE *f;

	(void)state;
	if (geteuid() != 0 || pw == NULL)
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/secret", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("SECURE_KEY " KEY_B32 "\nCYCLE_TIME 30\nDISALLOW_REUSE\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0400), 0);
	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		baro_config_defaults(&cfg);
		memcpy(cfg.secret, path, strlen(path) + 1);
		cfg.encrypt = BARO_ENCRYPT_NO;
		baro_auth_init(&a, &cfg, &quiet);
		a.user = "root";
		a.pw = pw;
		assert_int_equal(baro_auth_prepare(&a), BARO_AUTH_PROMPT);
		/* 755224: RFC 4226's HOTP of this key at counter 0. */
		assert_int_equal(baro_auth_check(&a, inputs[i], 29),
				 i == 0 ? BARO_AUTH_WRONG : BARO_AUTH_OK);
		assert_true(all_zero(a.key, sizeof(a.key)));
		assert_true(all_zero(a.store.secret.secure_key,
				     sizeof(a.store.secret.secure_key)));
		assert_null(memmem(&a, sizeof(a), KEY_B32, 8));
		assert_null(a.store.file.data);
		baro_auth_end(&a);
		assert_null(memmem(&a, sizeof(a), KEY_B32, 8));
	}
	unlink(path);
	/* DISALLOW_REUSE is state: the logins locked the file. */
	snprintf(path, sizeof(path), "%s/secret.lock", dir);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

/* The "by" slot of the audit lines, and whether the caller's passwd entry
 * is needed for it: a look-up for nothing costs a login a read of the
 * passwd database (DESIGN.md §7). */
static void by_slot_names_the_caller_only_when_needed(void **state)
{
	static const struct {
		const char *ruser;
		uid_t caller, target;
		int known;
		bool names;
		const char *by;
	} t[] = {
		{ NULL, 0, 1000, 1, false, "" },     /* sshd, su run by root */
		{ NULL, 1000, 1000, 1, false, "" },  /* sudo, a screen locker */
		{ NULL, 1000, 0, 1, true, "alice(uid=1000) " }, /* su */
		{ NULL, 1000, 0, 0, true, "alice(uid=1000) " }, /* unknown user */
		{ NULL, 1000, 1000, 0, true, "alice(uid=1000) " },
		{ "bob", 1000, 0, 1, false, "bob " }, /* PAM_RUSER wins */
		{ "bad/name", 1000, 0, 1, true, "alice(uid=1000) " },
		{ "", 0, 0, 1, false, "" },
	};
	struct baro_audit_who who;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(baro_audit_by_names_caller(t[i].ruser,
							    t[i].caller,
							    t[i].target,
							    t[i].known),
				 t[i].names);
		memset(&who, 0, sizeof(who));
		baro_audit_by(&who, t[i].ruser, t[i].names ? "alice" : NULL,
			      t[i].caller, t[i].target, t[i].known);
		assert_string_equal(who.by, t[i].by);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_key_under_encrypt_no_is_decoded),
		cmocka_unit_test(every_key_problem_has_its_reason),
		cmocka_unit_test(sealed_key_opens_only_for_its_user),
		cmocka_unit_test(only_an_absent_file_is_missing),
		cmocka_unit_test(forward_pass_splits_the_trailing_code),
		cmocka_unit_test(group_list_grows_to_every_group),
		cmocka_unit_test(group_list_that_cannot_be_had_fails),
		cmocka_unit_test(check_leaves_no_key_behind),
		cmocka_unit_test(by_slot_names_the_caller_only_when_needed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
