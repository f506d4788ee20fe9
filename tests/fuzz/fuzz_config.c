/* SPDX-License-Identifier: BSD-3-Clause */
/* Module arguments and the conf file (DESIGN.md §2): any conf file text and
 * any argument list load or fail with a log line, and what loads keeps
 * the promises of §2. Input: a flags byte, the conf file text up to a
 * NUL (written to a root-owned 0644 file on a tmpfs), then the arguments
 * one a line. Flag 1: no conf= argument (the default file, which the
 * fuzzer does not create, may be missing); flag 2: each argument also
 * goes through baro_config_set() alone; flag 4: the whole rest is the
 * conf file, NUL bytes and all, with no further arguments. */
#include <stdlib.h>
#include <string.h>

#include "baro/config.h"
#include "fuzz_common.h"

#define MAX_ARGS 32

static struct baro_config cfg, one;

static void check_loaded(const struct baro_config *c)
{
	/* The fleet store without a local fallback needs no local file. */
	if (baro_config_local_file(c)) {
		FZ_CHECK(c->secret[0] == '/' || c->secret[0] == '~' ||
			 strncmp(c->secret, "${", 2) == 0);
		FZ_CHECK(c->encrypt == BARO_ENCRYPT_NO ||
			 c->encrypt == BARO_ENCRYPT_YES);
	}
	FZ_CHECK(c->keyfile[0] == '/');
	FZ_CHECK(c->acl[0] == '\0' || c->acl[0] == '/');
	FZ_CHECK(c->prompt[0] != '\0' && strlen(c->prompt) < BARO_PROMPT_MAX);
	FZ_CHECK(!(c->forward_pass && (c->use_first_pass || c->try_first_pass)));
	FZ_CHECK(strlen(c->secret) < sizeof(c->secret));
}

/* Split text into argv at '\n' (in place). */
static int split_args(char *text, const char **argv, int max)
{
	int n = 0;
	char *p = text, *nl;

	while (n < max && p != NULL && *p != '\0') {
		nl = strchr(p, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		argv[n++] = p;
		p = nl;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz in = { data, size };
	struct baro_log lg = { .pamh = fz_pamh, .debug = 1 };
	const char *argv[MAX_ARGS + 1];
	char confarg[300], *conf, *args;
	enum baro_config_err e;
	unsigned flags = fz_u8(&in);
	size_t len = 0, conflen;
	int argc = 0, i;

	if (flags & 4) {
		conf = fz_rest(&in, &conflen);
		args = fz_field(&in);
	} else {
		conf = fz_field(&in);
		conflen = strlen(conf);
		args = fz_rest(&in, &len);
	}
	fz_write("conf", conf, conflen, 0644);
	if (!(flags & 1)) {
		memcpy(confarg, "conf=", 5);
		fz_path(confarg + 5, sizeof(confarg) - 5, "conf");
		argv[argc++] = confarg;
	}
	argc += split_args(args, argv + argc, MAX_ARGS - argc);
	fz_log_clear();
	e = baro_config_load(&cfg, argc, argv, &lg);
	if (e == BARO_CONFIG_OK)
		check_loaded(&cfg);
	else
		FZ_CHECK(fz_log_text()[0] != '\0');
	if (e == BARO_CONFIG_NO_SECRET)
		FZ_CHECK(fz_log_contains("Failed to compute location of secret file"));
	if (e == BARO_CONFIG_NO_ENCRYPT)
		FZ_CHECK(fz_log_contains("Failed to compute location of encrypt flag"));
	if (flags & 2) {
		for (i = 0; i < argc; i++) {
			baro_config_defaults(&one);
			fz_log_clear();
			if (!baro_config_set(&one, argv[i], &lg))
				FZ_CHECK(fz_log_text()[0] != '\0');
		}
	}
	free(conf);
	free(args);
	return 0;
}
