/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the module options (DESIGN.md §2, src/core/config.c): the
 * setter table, and the two-pass load (conf file first, then the PAM
 * line) with the messages it logs. Logs go to stderr (no PAM handle) and
 * are captured to check their text. */
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

#include "baro/config.h"
#include "baro/util.h"

static const struct baro_log lg = { .pamh = NULL };
static struct baro_config cfg, want;

/* --- stderr capture --------------------------------------------------- */

static FILE *cap_file;
static int cap_saved = -1;
static char cap_text[8192];

static void capture_begin(void)
{
	fflush(stderr);
	cap_file = tmpfile();
	assert_non_null(cap_file);
	cap_saved = dup(STDERR_FILENO);
	assert_true(cap_saved >= 0);
	assert_true(dup2(fileno(cap_file), STDERR_FILENO) >= 0);
}

/* Restores stderr and returns everything logged since capture_begin. */
static const char *capture_end(void)
{
	size_t n;

	fflush(stderr);
	dup2(cap_saved, STDERR_FILENO);
	close(cap_saved);
	cap_saved = -1;
	rewind(cap_file);
	n = fread(cap_text, 1, sizeof(cap_text) - 1, cap_file);
	cap_text[n] = '\0';
	fclose(cap_file);
	return cap_text;
}

static bool set_logged(const char *opt, const char **log)
{
	bool ok;

	capture_begin();
	ok = baro_config_set(&cfg, opt, &lg);
	*log = capture_end();
	return ok;
}

static enum baro_config_err load_logged(int argc, const char **argv,
					const char **log)
{
	enum baro_config_err e;

	capture_begin();
	e = baro_config_load(&cfg, argc, argv, &lg);
	*log = capture_end();
	return e;
}

/* --- baro_config_set -------------------------------------------------- */

static void test_defaults(void **state)
{
	(void)state;
	memset(&cfg, 0x5a, sizeof(cfg));
	baro_config_defaults(&cfg);
	assert_string_equal(cfg.secret, "");
	assert_int_equal(cfg.encrypt, BARO_ENCRYPT_UNSET);
	assert_string_equal(cfg.keyfile, "/etc/baropam/host.key");
	assert_string_equal(cfg.acl, "");
	assert_string_equal(cfg.conf, "/etc/security/baro_auth.conf");
	assert_string_equal(cfg.prompt, "Verification code: ");
	assert_false(cfg.conf_named || cfg.nullok || cfg.forward_pass ||
		     cfg.try_first_pass || cfg.use_first_pass ||
		     cfg.echo_code || cfg.debug || cfg.no_log_info ||
		     cfg.silent);
}

/* Each flag sets its own field and nothing else. */
static void test_set_every_flag(void **state)
{
	static const struct {
		const char *name;
		size_t offset;
	} flags[] = {
		{ "nullok", offsetof(struct baro_config, nullok) },
		{ "forward_pass", offsetof(struct baro_config, forward_pass) },
		{ "try_first_pass", offsetof(struct baro_config, try_first_pass) },
		{ "use_first_pass", offsetof(struct baro_config, use_first_pass) },
		{ "echo_verification_code",
		  offsetof(struct baro_config, echo_code) },
		{ "debug", offsetof(struct baro_config, debug) },
		{ "no_log_info", offsetof(struct baro_config, no_log_info) },
		{ "silent", offsetof(struct baro_config, silent) },
	};
	const char *log;
	size_t i;

	(void)state;
	for (i = 0; i < BARO_ARRAY_SIZE(flags); i++) {
		baro_config_defaults(&cfg);
		baro_config_defaults(&want);
		*(bool *)((char *)&want + flags[i].offset) = true;
		assert_true(set_logged(flags[i].name, &log));
		assert_string_equal(log, "");
		if (memcmp(&cfg, &want, sizeof(cfg)) != 0)
			fail_msg("%s did not set exactly its field",
				 flags[i].name);
	}
}

enum field { F_SECRET, F_KEYFILE, F_ACL, F_PROMPT };

static const char *field(const struct baro_config *c, enum field f)
{
	switch (f) {
	case F_SECRET:
		return c->secret;
	case F_KEYFILE:
		return c->keyfile;
	case F_ACL:
		return c->acl;
	case F_PROMPT:
	default:
		return c->prompt;
	}
}

static void test_set_value_options(void **state)
{
	static const struct {
		const char *opt;
		enum field f;
		const char *value;
	} cases[] = {
		{ "secret=/var/lib/baropam/${USER}/.baro_auth", F_SECRET,
		  "/var/lib/baropam/${USER}/.baro_auth" },
		{ "secret=~/.baro_auth", F_SECRET, "~/.baro_auth" },
		{ "secret=/usr/baropam/.baro_auth", F_SECRET,
		  "/usr/baropam/.baro_auth" },
		{ "keyfile=/etc/baropam/other.key", F_KEYFILE,
		  "/etc/baropam/other.key" },
		{ "acl=/etc/baropam/.baro_acl", F_ACL, "/etc/baropam/.baro_acl" },
		{ "prompt=OTP: ", F_PROMPT, "OTP: " },
		{ "prompt=a=b", F_PROMPT, "a=b" },
		{ "prompt= ", F_PROMPT, " " },
	};
	const char *log;
	size_t i;

	(void)state;
	for (i = 0; i < BARO_ARRAY_SIZE(cases); i++) {
		baro_config_defaults(&cfg);
		if (!set_logged(cases[i].opt, &log))
			fail_msg("\"%s\" refused: %s", cases[i].opt, log);
		assert_string_equal(field(&cfg, cases[i].f), cases[i].value);
		assert_string_equal(log, "");
	}
}

static void test_set_encrypt_values(void **state)
{
	static const struct {
		const char *opt;
		enum baro_encrypt e;
	} cases[] = {
		{ "encrypt=yes", BARO_ENCRYPT_YES },
		{ "encrypt=no", BARO_ENCRYPT_NO },
		/* Accepted here, left unset: the load then fails with the
		 * message of DESIGN.md §2. */
		{ "encrypt=maybe", BARO_ENCRYPT_UNSET },
		{ "encrypt=YES", BARO_ENCRYPT_UNSET },
		{ "encrypt=", BARO_ENCRYPT_UNSET },
		{ "encrypt=1", BARO_ENCRYPT_UNSET },
	};
	const char *log;
	size_t i;

	(void)state;
	for (i = 0; i < BARO_ARRAY_SIZE(cases); i++) {
		baro_config_defaults(&cfg);
		cfg.encrypt = cases[i].e == BARO_ENCRYPT_YES ? BARO_ENCRYPT_NO
							      : BARO_ENCRYPT_YES;
		assert_true(set_logged(cases[i].opt, &log));
		assert_int_equal(cfg.encrypt, cases[i].e);
	}
	/* A bad value overrides a good one given earlier. */
	baro_config_defaults(&cfg);
	assert_true(set_logged("encrypt=no", &log));
	assert_true(set_logged("encrypt=maybe", &log));
	assert_int_equal(cfg.encrypt, BARO_ENCRYPT_UNSET);
}

/* Refused options leave the configuration untouched and say why. */
static void test_set_refuses_unknown_and_bad_values(void **state)
{
	static const struct {
		const char *opt;
		const char *log;
	} cases[] = {
		{ "foo", "Unknown module argument \"foo\"\n" },
		{ "NULLOK", "Unknown module argument \"NULLOK\"\n" },
		{ "nullok=1", "Unknown module argument \"nullok=1\"\n" },
		{ "debug=yes", "Unknown module argument \"debug=yes\"\n" },
		{ "secret", "Unknown module argument \"secret\"\n" },
		{ "secrets=/a", "Unknown module argument \"secrets=/a\"\n" },
		{ "", "Unknown module argument \"\"\n" },
		{ "=", "Unknown module argument \"=\"\n" },
		{ "=/a", "Unknown module argument \"=/a\"\n" },
		{ "window_size=3", "Unknown module argument \"window_size=3\"\n" },
		{ "secret=var/lib/x",
		  "Invalid value for module argument \"secret=var/lib/x\"\n" },
		{ "secret=./x", "Invalid value for module argument \"secret=./x\"\n" },
		{ "secret=", "Invalid value for module argument \"secret=\"\n" },
		{ "keyfile=host.key",
		  "Invalid value for module argument \"keyfile=host.key\"\n" },
		{ "keyfile=~/host.key",
		  "Invalid value for module argument \"keyfile=~/host.key\"\n" },
		{ "keyfile=", "Invalid value for module argument \"keyfile=\"\n" },
		{ "acl=baro_acl", "Invalid value for module argument \"acl=baro_acl\"\n" },
		{ "acl=", "Invalid value for module argument \"acl=\"\n" },
		{ "prompt=", "Invalid value for module argument \"prompt=\"\n" },
	};
	const char *log;
	size_t i;

	(void)state;
	for (i = 0; i < BARO_ARRAY_SIZE(cases); i++) {
		baro_config_defaults(&cfg);
		baro_config_defaults(&want);
		if (set_logged(cases[i].opt, &log))
			fail_msg("\"%s\" accepted", cases[i].opt);
		assert_string_equal(log, cases[i].log);
		assert_memory_equal(&cfg, &want, sizeof(cfg));
	}
}

/* Values must fit their buffer with the NUL. */
static void test_set_value_length_limits(void **state)
{
	static char opt[PATH_MAX + 16];
	const char *log;
	size_t n;

	(void)state;
	baro_config_defaults(&cfg);
	n = (size_t)snprintf(opt, sizeof(opt), "prompt=");
	memset(opt + n, 'p', BARO_PROMPT_MAX - 1);
	opt[n + BARO_PROMPT_MAX - 1] = '\0';
	assert_true(set_logged(opt, &log));
	assert_int_equal(strlen(cfg.prompt), BARO_PROMPT_MAX - 1);
	opt[n + BARO_PROMPT_MAX - 1] = 'p';
	opt[n + BARO_PROMPT_MAX] = '\0';
	assert_false(set_logged(opt, &log));

	n = (size_t)snprintf(opt, sizeof(opt), "secret=/");
	memset(opt + n, 's', PATH_MAX - 2);
	opt[n + PATH_MAX - 2] = '\0';
	assert_true(set_logged(opt, &log));
	assert_int_equal(strlen(cfg.secret), PATH_MAX - 1);
	opt[n + PATH_MAX - 2] = 's';
	opt[n + PATH_MAX - 1] = '\0';
	assert_false(set_logged(opt, &log));
	assert_int_equal(strlen(cfg.secret), PATH_MAX - 1);
}

/* --- baro_config_load with a conf file -------------------------------- */

static char dir[64];
static char conf_path[128];

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/baro-config-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	return snprintf(conf_path, sizeof(conf_path), "%s/baro_auth.conf",
			dir) < (int)sizeof(conf_path) ? 0 : -1;
}

static int remove_dir(void **state)
{
	(void)state;
	unlink(conf_path);
	return rmdir(dir);
}

/* The file checks want a root-owned file: only root can make one. */
static void need_root(void)
{
	if (geteuid() != 0) {
		print_message("conf file tests need root\n");
		skip();
	}
}

static void write_conf(const char *text, mode_t mode)
{
	size_t n = strlen(text);
	int fd;

	unlink(conf_path);
	fd = open(conf_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static char conf_arg[160];

static const char *conf_argument(void)
{
	snprintf(conf_arg, sizeof(conf_arg), "conf=%s", conf_path);
	return conf_arg;
}

/* The file is read first; the PAM line then overrides it, wherever conf=
 * stands on that line. */
static void test_load_conf_file_then_argv_overrides(void **state)
{
	const char *log;
	const char *argv[3];

	(void)state;
	need_root();
	write_conf("# /etc/security/baro_auth.conf\n"
		   "\n"
		   "   \n"
		   "secret = /var/lib/baropam/${USER}/.baro_auth\n"
		   "encrypt=no\n"
		   "  debug  \n"
		   "\t# indented comment\n"
		   "prompt =  One-time code:\n"
		   "acl=/etc/baropam/.baro_acl\n"
		   "keyfile\t=\t/etc/baropam/other.key\n"
		   "nullok",
		   0644);
	argv[0] = conf_argument();
	assert_int_equal(load_logged(1, argv, &log), BARO_CONFIG_OK);
	assert_string_equal(log, "");
	assert_string_equal(cfg.secret, "/var/lib/baropam/${USER}/.baro_auth");
	assert_int_equal(cfg.encrypt, BARO_ENCRYPT_NO);
	assert_true(cfg.debug);
	assert_true(cfg.nullok);
	assert_true(cfg.conf_named);
	assert_string_equal(cfg.conf, conf_path);
	assert_string_equal(cfg.prompt, "One-time code:");
	assert_string_equal(cfg.acl, "/etc/baropam/.baro_acl");
	assert_string_equal(cfg.keyfile, "/etc/baropam/other.key");
	assert_false(cfg.silent);

	argv[0] = "encrypt=yes";
	argv[1] = conf_argument();
	argv[2] = "prompt=Code: ";
	assert_int_equal(load_logged(3, argv, &log), BARO_CONFIG_OK);
	assert_int_equal(cfg.encrypt, BARO_ENCRYPT_YES);
	assert_string_equal(cfg.prompt, "Code: ");
	assert_string_equal(cfg.secret, "/var/lib/baropam/${USER}/.baro_auth");
}

static void test_load_conf_accepts_crlf_and_empty_file(void **state)
{
	const char *log;
	const char *argv[3];

	(void)state;
	need_root();
	write_conf("secret=/s/${USER}\r\nencrypt = yes\r\n\r\n# c\r\n", 0600);
	argv[0] = conf_argument();
	assert_int_equal(load_logged(1, argv, &log), BARO_CONFIG_OK);
	assert_string_equal(cfg.secret, "/s/${USER}");
	assert_int_equal(cfg.encrypt, BARO_ENCRYPT_YES);

	write_conf("", 0444);
	argv[1] = "secret=/s";
	argv[2] = "encrypt=no";
	assert_int_equal(load_logged(3, argv, &log), BARO_CONFIG_OK);
	assert_string_equal(log, "");
}

/* The default file may be missing: the PAM line alone is enough. */
static void test_load_missing_default_conf_is_ignored(void **state)
{
	const char *argv[] = { "secret=/var/lib/baropam/${USER}/.baro_auth",
			       "encrypt=no" };
	const char *log;

	(void)state;
	if (access(BARO_DEFAULT_CONF, F_OK) == 0 || errno != ENOENT) {
		print_message("%s exists here\n", BARO_DEFAULT_CONF);
		skip();
	}
	assert_int_equal(load_logged(2, argv, &log), BARO_CONFIG_OK);
	assert_string_equal(log, "");
	assert_false(cfg.conf_named);
	assert_int_equal(cfg.encrypt, BARO_ENCRYPT_NO);
}

static void expect_load_fails(int argc, const char **argv,
			      enum baro_config_err err, const char *log)
{
	const char *got;

	assert_int_equal(load_logged(argc, argv, &got), err);
	assert_string_equal(got, log);
}

/* A named conf file may not be missing, nor relative. */
static void test_load_named_conf_must_exist(void **state)
{
	char arg[200], msg[300];
	const char *argv[] = { arg, "secret=/s", "encrypt=no" };

	(void)state;
	snprintf(arg, sizeof(arg), "conf=%s/missing.conf", dir);
	snprintf(msg, sizeof(msg),
		 "Failed to read conf file \"%s/missing.conf\"[No such file or directory]\n",
		 dir);
	expect_load_fails(3, argv, BARO_CONFIG_BAD, msg);
	argv[0] = "conf=baro_auth.conf";
	expect_load_fails(3, argv, BARO_CONFIG_BAD,
			  "Invalid value for module argument \"conf=baro_auth.conf\"\n");
	argv[0] = "conf=";
	expect_load_fails(3, argv, BARO_CONFIG_BAD,
			  "Invalid value for module argument \"conf=\"\n");
}

/* A conf file others can write is refused like a bad secret file. */
static void test_load_conf_writable_by_others_fails(void **state)
{
	static const mode_t bad[] = { 0664, 0666, 0646, 0622 };
	const char *argv[1], *log;
	char msg[300];
	size_t i;

	(void)state;
	need_root();
	snprintf(msg, sizeof(msg),
		 "Failed to read conf file \"%s\"[group or other permission bits are set]\n",
		 conf_path);
	argv[0] = conf_argument();
	for (i = 0; i < BARO_ARRAY_SIZE(bad); i++) {
		write_conf("secret=/s\nencrypt=no\n", bad[i]);
		expect_load_fails(1, argv, BARO_CONFIG_BAD, msg);
	}
	write_conf("secret=/s\nencrypt=no\n", 0640);
	assert_int_equal(load_logged(1, argv, &log), BARO_CONFIG_OK);
}

static void test_load_bad_line_in_conf_fails(void **state)
{
	static const struct {
		const char *text;
		const char *log;
	} cases[] = {
		{ "secret=/s\nencrypt=no\nbogus\n",
		  "Unknown module argument \"bogus\"\n" },
		{ "secret=/s\nencrypt=no\nconf=/etc/other.conf\n",
		  "Unknown module argument \"conf=/etc/other.conf\"\n" },
		{ "secret = relative/path\nencrypt=no\n",
		  "Invalid value for module argument \"secret=relative/path\"\n" },
		{ "secret=/s\nWINDOW_SIZE 3\n",
		  "Unknown module argument \"WINDOW_SIZE 3\"\n" },
	};
	const char *argv[1];
	size_t i;

	(void)state;
	need_root();
	argv[0] = conf_argument();
	for (i = 0; i < BARO_ARRAY_SIZE(cases); i++) {
		write_conf(cases[i].text, 0644);
		expect_load_fails(1, argv, BARO_CONFIG_BAD, cases[i].log);
	}
}

/* A line too long for the option buffer is refused, not cut short. */
static void test_load_overlong_conf_line_fails(void **state)
{
	static char text[PATH_MAX + 200];
	const char *argv[1];
	size_t n;

	(void)state;
	need_root();
	n = (size_t)snprintf(text, sizeof(text), "prompt=");
	memset(text + n, 'x', PATH_MAX + 100);
	text[n + PATH_MAX + 100] = '\0';
	write_conf(text, 0644);
	argv[0] = conf_argument();
	expect_load_fails(1, argv, BARO_CONFIG_BAD,
			  "Invalid value for module argument "
			  "\"prompt=xxxxxxxxxxxxxxxxxxxxxxxxx\"\n");
}

static void test_load_without_secret_fails(void **state)
{
	const char *argv[3];

	(void)state;
	need_root();
	write_conf("encrypt=no\n", 0644);
	argv[0] = conf_argument();
	argv[1] = "nullok";
	expect_load_fails(2, argv, BARO_CONFIG_NO_SECRET,
			  "Failed to compute location of secret file\n");
	/* Neither secret nor encrypt: the secret is reported. */
	write_conf("# nothing\n", 0644);
	expect_load_fails(1, argv, BARO_CONFIG_NO_SECRET,
			  "Failed to compute location of secret file\n");
	argv[1] = "secret=";
	expect_load_fails(2, argv, BARO_CONFIG_BAD,
			  "Invalid value for module argument \"secret=\"\n");
}

static void test_load_without_valid_encrypt_fails(void **state)
{
	static const char msg[] = "Failed to compute location of encrypt flag\n";
	const char *argv[2];

	(void)state;
	need_root();
	argv[0] = conf_argument();
	write_conf("secret=/var/lib/baropam/${USER}/.baro_auth\n", 0644);
	expect_load_fails(1, argv, BARO_CONFIG_NO_ENCRYPT, msg);
	argv[1] = "encrypt=maybe";
	expect_load_fails(2, argv, BARO_CONFIG_NO_ENCRYPT, msg);
	/* A bad value on the PAM line spoils a good one in the file. */
	write_conf("secret=/s\nencrypt=yes\n", 0644);
	expect_load_fails(2, argv, BARO_CONFIG_NO_ENCRYPT, msg);
	write_conf("secret=/s\nencrypt = sometimes\n", 0644);
	expect_load_fails(1, argv, BARO_CONFIG_NO_ENCRYPT, msg);
}

static void test_load_forward_pass_conflicts(void **state)
{
	static const char msg[] =
		"Module arguments forward_pass and "
		"use_first_pass/try_first_pass conflict\n";
	const char *argv[] = { "secret=/s", "encrypt=no", "forward_pass",
			       "use_first_pass" };
	const char *log;

	(void)state;
	expect_load_fails(4, argv, BARO_CONFIG_BAD, msg);
	argv[3] = "try_first_pass";
	expect_load_fails(4, argv, BARO_CONFIG_BAD, msg);
	argv[3] = "nullok";
	assert_int_equal(load_logged(4, argv, &log), BARO_CONFIG_OK);
	assert_true(cfg.forward_pass);
	/* One half in the file, the other on the PAM line. */
	need_root();
	write_conf("forward_pass\n", 0644);
	argv[2] = conf_argument();
	argv[3] = "use_first_pass";
	expect_load_fails(4, argv, BARO_CONFIG_BAD, msg);
}

static void test_load_unknown_argv_fails(void **state)
{
	const char *argv[] = { "secret=/s", "encrypt=no", "nullok", "bogus" };

	(void)state;
	expect_load_fails(4, argv, BARO_CONFIG_BAD,
			  "Unknown module argument \"bogus\"\n");
	argv[3] = "acl=relative";
	expect_load_fails(4, argv, BARO_CONFIG_BAD,
			  "Invalid value for module argument \"acl=relative\"\n");
}

/* --- the fleet store (DESIGN.md §11) -------------------------------------- */

static void test_fleet_options(void **state)
{
	const char *log;
	static const char *const bad[] = {
		"store=mysql",     "store=",           "fleet=relative",
		"fleet=",          "fleet_timeout=0",  "fleet_timeout=61",
		"fleet_timeout=2s", "fleet_timeout=-1", "fleet_offline=allow",
		"fleet_offline=",
	};
	size_t i;

	(void)state;
	baro_config_defaults(&cfg);
	assert_int_equal(cfg.store, BARO_STORE_KIND_FILE);
	assert_int_equal(cfg.fleet_timeout_ms, 5000);
	assert_int_equal(cfg.fleet_offline, BARO_OFFLINE_DENY);
	assert_string_equal(cfg.fleet, "");
	assert_true(set_logged("store=pgsql", &log));
	assert_int_equal(cfg.store, BARO_STORE_KIND_PGSQL);
	assert_true(set_logged("store=file", &log));
	assert_int_equal(cfg.store, BARO_STORE_KIND_FILE);
	assert_true(set_logged("fleet=/etc/baropam/fleet.conf", &log));
	assert_string_equal(cfg.fleet, "/etc/baropam/fleet.conf");
	assert_true(set_logged("fleet_timeout=1", &log));
	assert_int_equal(cfg.fleet_timeout_ms, 1000);
	assert_true(set_logged("fleet_timeout=60", &log));
	assert_int_equal(cfg.fleet_timeout_ms, 60000);
	assert_true(set_logged("fleet_offline=local", &log));
	assert_int_equal(cfg.fleet_offline, BARO_OFFLINE_LOCAL);
	assert_true(set_logged("fleet_offline=deny", &log));
	assert_int_equal(cfg.fleet_offline, BARO_OFFLINE_DENY);
	for (i = 0; i < BARO_ARRAY_SIZE(bad); i++) {
		char want_log[128];

		assert_false(set_logged(bad[i], &log));
		snprintf(want_log, sizeof(want_log),
			 "Invalid value for module argument \"%s\"\n", bad[i]);
		assert_string_equal(log, want_log);
	}
}

/* store=pgsql needs fleet=; secret= and encrypt= only when the local file
 * may be used (fleet_offline=local). */
static void test_load_fleet(void **state)
{
	const char *argv[5] = { "store=pgsql" };
	const char *log;

	(void)state;
	expect_load_fails(1, argv, BARO_CONFIG_BAD,
			  "Module argument store=pgsql needs fleet=PATH\n");
	argv[1] = "fleet=/etc/baropam/fleet.conf";
	assert_int_equal(load_logged(2, argv, &log), BARO_CONFIG_OK);
	assert_string_equal(log, "");
	assert_int_equal(cfg.store, BARO_STORE_KIND_PGSQL);
	argv[2] = "fleet_offline=local";
	expect_load_fails(3, argv, BARO_CONFIG_NO_SECRET,
			  "Failed to compute location of secret file\n");
	argv[3] = "secret=/s";
	expect_load_fails(4, argv, BARO_CONFIG_NO_ENCRYPT,
			  "Failed to compute location of encrypt flag\n");
	argv[4] = "encrypt=no";
	assert_int_equal(load_logged(5, argv, &log), BARO_CONFIG_OK);
	assert_int_equal(cfg.fleet_offline, BARO_OFFLINE_LOCAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_set_every_flag),
		cmocka_unit_test(test_set_value_options),
		cmocka_unit_test(test_set_encrypt_values),
		cmocka_unit_test(test_set_refuses_unknown_and_bad_values),
		cmocka_unit_test(test_set_value_length_limits),
		cmocka_unit_test(test_load_conf_file_then_argv_overrides),
		cmocka_unit_test(test_load_conf_accepts_crlf_and_empty_file),
		cmocka_unit_test(test_load_missing_default_conf_is_ignored),
		cmocka_unit_test(test_load_named_conf_must_exist),
		cmocka_unit_test(test_load_conf_writable_by_others_fails),
		cmocka_unit_test(test_load_bad_line_in_conf_fails),
		cmocka_unit_test(test_load_overlong_conf_line_fails),
		cmocka_unit_test(test_load_without_secret_fails),
		cmocka_unit_test(test_load_without_valid_encrypt_fails),
		cmocka_unit_test(test_load_forward_pass_conflicts),
		cmocka_unit_test(test_load_unknown_argv_fails),
		cmocka_unit_test(test_fleet_options),
		cmocka_unit_test(test_load_fleet),
	};

	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
