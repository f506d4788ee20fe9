/* SPDX-License-Identifier: BSD-3-Clause */
/* encrypt=yes (DESIGN.md §5) through libpam with the built module: a sealed
 * SECURE_KEY opens only with the right host key for the right user. */
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

struct ctx {
	struct pt_env env;
	char secret[PATH_MAX];
	char keyfile[PATH_MAX];
	uint8_t hostkey[BARO_HOSTKEY_LEN];
	char code[16];
};

static void make_hostkey(struct ctx *c, uint8_t fill)
{
	char text[BARO_HOSTKEY_TEXT_LEN + 1];

	memset(c->hostkey, fill, sizeof(c->hostkey));
	assert_true(baro_hostkey_format(c->hostkey, text, sizeof(text)));
	pt_write(c->keyfile, text, 0400);
}

/* The test key PT_KEY_B32 sealed for user under the current host key. */
static void write_sealed(struct ctx *c, const char *user, const char *extra)
{
	uint8_t key[BARO_KEY_MAX];
	char sealed[BARO_SEALED_BUFSZ], text[1024];
	size_t keylen = 0;

	assert_true(baro_base32_decode(PT_KEY_B32, key, sizeof(key), &keylen));
	assert_int_equal(baro_seal(c->hostkey, user, key, keylen, sealed,
				   sizeof(sealed)),
			 BARO_SEAL_OK);
	snprintf(text, sizeof(text), "SECURE_KEY %s\nCYCLE_TIME 30\n%s", sealed,
		 extra);
	pt_write(c->secret, text, 0400);
}

static void use_module(struct ctx *c, const char *encrypt)
{
	char args[3 * PATH_MAX];

	snprintf(args, sizeof(args), "secret=%s encrypt=%s keyfile=%s",
		 c->secret, encrypt, c->keyfile);
	pt_module_service(&c->env, false, NULL, args);
}

static int setup(void **state)
{
	static struct ctx c;

	pt_setup_secret(&c.env, c.secret, sizeof(c.secret));
	pt_path(&c.env, "host.key", c.keyfile, sizeof(c.keyfile));
	make_hostkey(&c, 0x42);
	pt_set_now(T0);
	pt_code(T0, c.code, sizeof(c.code));
	*state = &c;
	return 0;
}

static int login(struct ctx *c, const char *code)
{
	struct pt_run r = { .user = PT_USER, .responses = { code } };

	pt_log_clear();
	return pt_login(&c->env, &r);
}

static void sealed_key_logs_in_with_oathtool_code(void **state)
{
	struct ctx *c = *state;

	use_module(c, "yes");
	write_sealed(c, PT_USER, "");
	assert_int_equal(login(c, c->code), PAM_SUCCESS);
	assert_int_equal(login(c, "000000"), PAM_AUTH_ERR);
	assert_false(pt_log_contains(PT_KEY_B32));
}

static void state_rewrite_keeps_the_sealed_value(void **state)
{
	struct ctx *c = *state;
	char *before, *after, *line;

	use_module(c, "yes");
	write_sealed(c, PT_USER, "DISALLOW_REUSE\nRATE_LIMIT 3 30\n");
	before = pt_read(c->secret);
	assert_int_equal(login(c, c->code), PAM_SUCCESS);
	after = pt_read(c->secret);
	line = strchr(before, '\n');
	assert_non_null(line);
	assert_memory_equal(before, after, (size_t)(line - before + 1));
	assert_string_not_equal(before, after); /* the state did change */
	free(before);
	free(after);
}

static void expect_no_key(struct ctx *c, const char *reason)
{
	assert_int_equal(login(c, c->code), PAM_AUTHINFO_UNAVAIL);
	pt_assert_log("Can't find SECURE_KEY[%s]", reason);
	assert_false(pt_log_contains("code accepted"));
}

static void wrong_host_key_fails_closed(void **state)
{
	struct ctx *c = *state;

	use_module(c, "yes");
	write_sealed(c, PT_USER, "");
	make_hostkey(c, 0x43);
	expect_no_key(c, baro_seal_strerror(BARO_SEAL_AUTH));
	make_hostkey(c, 0x42);
}

static void key_sealed_for_another_user_fails_closed(void **state)
{
	struct ctx *c = *state;

	use_module(c, "yes");
	write_sealed(c, "root", "");
	expect_no_key(c, baro_seal_strerror(BARO_SEAL_AUTH));
}

static void tampered_sealed_value_fails_closed(void **state)
{
	struct ctx *c = *state;
	char *text, *p;

	use_module(c, "yes");
	write_sealed(c, PT_USER, "");
	text = pt_read(c->secret);
	p = text + strlen("SECURE_KEY enc:v1:") + 20;
	*p = *p == 'A' ? 'B' : 'A';
	pt_write(c->secret, text, 0400);
	free(text);
	expect_no_key(c, baro_seal_strerror(BARO_SEAL_AUTH));
}

static void truncated_sealed_value_fails_closed(void **state)
{
	struct ctx *c = *state;

	use_module(c, "yes");
	pt_write(c->secret, "SECURE_KEY enc:v1:AAAA\nCYCLE_TIME 30\n", 0400);
	expect_no_key(c, baro_seal_strerror(BARO_SEAL_FORMAT));
}

static void plain_key_under_encrypt_yes_fails_closed(void **state)
{
	struct ctx *c = *state;

	use_module(c, "yes");
	pt_write_secret(c->secret, "");
	expect_no_key(c, "plain key but encrypt=yes");
}

static void sealed_key_under_encrypt_no_fails_closed(void **state)
{
	struct ctx *c = *state;

	use_module(c, "no");
	write_sealed(c, PT_USER, "");
	expect_no_key(c, "sealed key but encrypt=no");
}

static void unsafe_host_key_file_fails_closed(void **state)
{
	struct ctx *c = *state;

	use_module(c, "yes");
	write_sealed(c, PT_USER, "");
	assert_int_equal(chmod(c->keyfile, 0440), 0);
	expect_no_key(c, "host key unavailable");
	pt_assert_log("Host key file \"%s\" must only be accessible by root",
		      c->keyfile);
	assert_int_equal(chmod(c->keyfile, 0400), 0);
}

static void malformed_host_key_fails_closed(void **state)
{
	struct ctx *c = *state;

	use_module(c, "yes");
	write_sealed(c, PT_USER, "");
	pt_write(c->keyfile, "0123\n", 0400);
	expect_no_key(c, "host key unavailable");
	pt_assert_log("Invalid host key in \"%s\"", c->keyfile);
	make_hostkey(c, 0x42);
}

static void missing_host_key_fails_closed(void **state)
{
	struct ctx *c = *state;

	use_module(c, "yes");
	write_sealed(c, PT_USER, "");
	assert_int_equal(unlink(c->keyfile), 0);
	expect_no_key(c, "host key unavailable");
	assert_true(pt_log_contains("Failed to host key file read"));
	make_hostkey(c, 0x42);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sealed_key_logs_in_with_oathtool_code),
		cmocka_unit_test(state_rewrite_keeps_the_sealed_value),
		cmocka_unit_test(wrong_host_key_fails_closed),
		cmocka_unit_test(key_sealed_for_another_user_fails_closed),
		cmocka_unit_test(tampered_sealed_value_fails_closed),
		cmocka_unit_test(truncated_sealed_value_fails_closed),
		cmocka_unit_test(plain_key_under_encrypt_yes_fails_closed),
		cmocka_unit_test(sealed_key_under_encrypt_no_fails_closed),
		cmocka_unit_test(unsafe_host_key_file_fails_closed),
		cmocka_unit_test(malformed_host_key_fails_closed),
		cmocka_unit_test(missing_host_key_fails_closed),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "test_module_encrypt: needs root\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, pt_teardown_state);
}
