/* SPDX-License-Identifier: BSD-3-Clause */
/* The built modules export the pam_sm_* entry points and nothing else
 * (DESIGN.md §6), and only the test build obeys the injected clock. */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <security/pam_appl.h>

#include "baro/util.h"
#include "pamtest.h"

#define T0 1700000000LL
#define FILE_CAP (16 * 1024 * 1024)

static const char *const entry_points[] = {
	"pam_sm_authenticate",
	"pam_sm_setcred",
	"pam_sm_open_session",
	"pam_sm_close_session",
};

static const char *const internal_names[] = {
	"baro_verify",     "baro_secret_parse", "baro_log",
	"baro_clock_now",  "baro_file_open",    "baro_config_load",
	"baro_store_load", "baro_unseal",       "baro_acl_check",
};

static const char *const modules[] = { BARO_PROD_MODULE, BARO_TEST_MODULE };

static void *open_module(const char *path)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);

	if (h == NULL)
		fail_msg("dlopen %s: %s", path, dlerror());
	return h;
}

/* dlsym() finds each of names in every module exactly when exported. */
static void assert_dlsym(const char *const *names, size_t n, bool exported)
{
	size_t m, i;
	void *h;

	for (m = 0; m < BARO_ARRAY_SIZE(modules); m++) {
		h = open_module(modules[m]);
		for (i = 0; i < n; i++)
			if ((dlsym(h, names[i]) != NULL) != exported)
				fail_msg("%s: %s %s", modules[m], names[i],
					 exported ? "missing" : "exported");
		dlclose(h);
	}
}

static void entry_points_are_exported(void **state)
{
	(void)state;
	assert_dlsym(entry_points, BARO_ARRAY_SIZE(entry_points), true);
}

static void internal_names_are_not_exported(void **state)
{
	(void)state;
	assert_dlsym(internal_names, BARO_ARRAY_SIZE(internal_names), false);
}

static bool is_entry_point(const char *name)
{
	size_t i;

	for (i = 0; i < BARO_ARRAY_SIZE(entry_points); i++)
		if (strcmp(name, entry_points[i]) == 0)
			return true;
	return false;
}

/* Every defined dynamic symbol of path, of any type, must be one of the
 * entry points; returns how many entry points were seen. */
static size_t count_defined_symbols(const char *path)
{
	char cmd[PATH_MAX + 64], line[512], name[256];
	size_t found = 0;
	char type;
	FILE *p;
	int n;

	n = snprintf(cmd, sizeof(cmd), "nm -D --defined-only '%s'", path);
	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p) != NULL) {
		if (sscanf(line, "%*s %c %255s", &type, name) != 2)
			fail_msg("unexpected nm line: %s", line);
		if (!is_entry_point(name))
			fail_msg("%s exports %c %s", path, type, name);
		assert_true(type == 'T');
		found++;
	}
	assert_int_equal(pclose(p), 0);
	return found;
}

static void only_pam_sm_functions_are_dynamic_symbols(void **state)
{
	size_t m;

	(void)state;
	for (m = 0; m < BARO_ARRAY_SIZE(modules); m++)
		assert_int_equal(count_defined_symbols(modules[m]),
				 BARO_ARRAY_SIZE(entry_points));
}

static bool file_contains(const char *path, const char *needle)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(FILE_CAP);
	size_t n;
	bool found;

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, FILE_CAP, f);
	assert_true(n > 0 && n < FILE_CAP);
	fclose(f);
	found = memmem(buf, n, needle, strlen(needle)) != NULL;
	free(buf);
	return found;
}

static void only_the_test_module_knows_the_clock_variable(void **state)
{
	(void)state;
	assert_false(file_contains(BARO_PROD_MODULE, "BARO_TEST_NOW"));
	assert_true(file_contains(BARO_TEST_MODULE, "BARO_TEST_NOW"));
}

static int login_at(const struct pt_env *e, const char *module,
		    const char *secret, int64_t t)
{
	char code[16], conf[PATH_MAX];
	struct pt_run r = { .user = PT_USER, .responses = { code } };

	pt_path(e, "none.conf", conf, sizeof(conf));
	pt_write(conf, "", 0644);
	pt_service(e, "baro-test",
		   "auth required %s conf=%s secret=%s encrypt=no\n", module,
		   conf, secret);
	pt_code(t, code, sizeof(code));
	pt_log_clear();
	return pt_login(e, &r);
}

/* BARO_TEST_NOW in the environment moves the test module's clock and not
 * the installed module's. */
static void production_module_ignores_the_injected_clock(void **state)
{
	struct pt_env e;
	char secret[PATH_MAX];
	int64_t now = (int64_t)time(NULL);

	(void)state;
	pt_setup_secret(&e, secret, sizeof(secret));
	pt_write_secret(secret, "");
	pt_set_now(T0);
	assert_int_equal(login_at(&e, BARO_TEST_MODULE, secret, T0),
			 PAM_SUCCESS);
	assert_int_equal(login_at(&e, BARO_PROD_MODULE, secret, T0),
			 PAM_AUTH_ERR);
	assert_int_equal(login_at(&e, BARO_PROD_MODULE, secret, now),
			 PAM_SUCCESS);
	pt_teardown(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(entry_points_are_exported),
		cmocka_unit_test(internal_names_are_not_exported),
		cmocka_unit_test(only_pam_sm_functions_are_dynamic_symbols),
		cmocka_unit_test(only_the_test_module_knows_the_clock_variable),
		cmocka_unit_test(production_module_ignores_the_injected_clock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
