/* SPDX-License-Identifier: BSD-3-Clause */
#include "baro/config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "baro/fileio.h"
#include "baro/util.h"

typedef bool (*setter_fn)(struct baro_config *cfg, const char *value);

static bool copy_value(char *dst, size_t dstsz, const char *value)
{
	size_t n = strlen(value);

	if (n == 0 || n >= dstsz)
		return false;
	memcpy(dst, value, n + 1);
	return true;
}

/* A secret template starts with "/", "~" or a variable ("${HOME}/…",
 * "${USER}…"); whether it expands to an absolute path is known only for a
 * given user, when the path is computed (DESIGN.md §2). */
static bool set_secret(struct baro_config *cfg, const char *v)
{
	return (v[0] == '/' || v[0] == '~' || strncmp(v, "${", 2) == 0) &&
	       copy_value(cfg->secret, sizeof(cfg->secret), v);
}

static bool set_keyfile(struct baro_config *cfg, const char *v)
{
	return v[0] == '/' && copy_value(cfg->keyfile, sizeof(cfg->keyfile), v);
}

static bool set_acl(struct baro_config *cfg, const char *v)
{
	return v[0] == '/' && copy_value(cfg->acl, sizeof(cfg->acl), v);
}

static bool set_prompt(struct baro_config *cfg, const char *v)
{
	return copy_value(cfg->prompt, sizeof(cfg->prompt), v);
}

/* A bad encrypt= value leaves the flag unset so that the check after both
 * passes logs "Failed to compute location of encrypt flag" (DESIGN.md §2). */
static bool set_encrypt(struct baro_config *cfg, const char *v)
{
	if (strcmp(v, "yes") == 0)
		cfg->encrypt = BARO_ENCRYPT_YES;
	else if (strcmp(v, "no") == 0)
		cfg->encrypt = BARO_ENCRYPT_NO;
	else
		cfg->encrypt = BARO_ENCRYPT_UNSET;
	return true;
}

/* --- the fleet store (DESIGN.md §11) --- */
static bool set_store(struct baro_config *cfg, const char *v)
{
	if (strcmp(v, "file") == 0)
		cfg->store = BARO_STORE_KIND_FILE;
	else if (strcmp(v, "pgsql") == 0)
		cfg->store = BARO_STORE_KIND_PGSQL;
	else
		return false;
	return true;
}

static bool set_fleet(struct baro_config *cfg, const char *v)
{
	return v[0] == '/' && copy_value(cfg->fleet, sizeof(cfg->fleet), v);
}

static bool set_fleet_timeout(struct baro_config *cfg, const char *v)
{
	unsigned long s;

	if (!baro_parse_ulong(v, 1, BARO_FLEET_TIMEOUT_MAX_S, &s))
		return false;
	cfg->fleet_timeout_ms = (int)s * 1000;
	return true;
}

static bool set_fleet_offline(struct baro_config *cfg, const char *v)
{
	if (strcmp(v, "deny") == 0)
		cfg->fleet_offline = BARO_OFFLINE_DENY;
	else if (strcmp(v, "local") == 0)
		cfg->fleet_offline = BARO_OFFLINE_LOCAL;
	else
		return false;
	return true;
}

/* A fleet host that never falls back needs no secret file. */
bool baro_config_local_file(const struct baro_config *cfg)
{
	return cfg->store == BARO_STORE_KIND_FILE ||
	       cfg->fleet_offline == BARO_OFFLINE_LOCAL;
}
/* --- end of the fleet store --- */

static const struct value_option {
	const char *name;
	setter_fn set;
} value_options[] = {
	{ "secret", set_secret },
	{ "encrypt", set_encrypt },
	{ "keyfile", set_keyfile },
	{ "acl", set_acl },
	{ "prompt", set_prompt },
	{ "store", set_store },
	{ "fleet", set_fleet },
	{ "fleet_timeout", set_fleet_timeout },
	{ "fleet_offline", set_fleet_offline },
};

#define FLAG(name) { #name, offsetof(struct baro_config, name) }

static const struct flag_option {
	const char *name;
	size_t offset;
} flag_options[] = {
	FLAG(nullok),
	FLAG(forward_pass),
	FLAG(try_first_pass),
	FLAG(use_first_pass),
	{ "echo_verification_code", offsetof(struct baro_config, echo_code) },
	FLAG(debug),
	FLAG(no_log_info),
	FLAG(silent),
	FLAG(nodelay),
	FLAG(self_enrol),
};

static bool set_flag(struct baro_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < BARO_ARRAY_SIZE(flag_options); i++) {
		if (strcmp(flag_options[i].name, name) == 0) {
			*(bool *)((char *)cfg + flag_options[i].offset) = true;
			return true;
		}
	}
	return false;
}

static const struct value_option *find_value_option(const char *name,
						    size_t n)
{
	size_t i;

	for (i = 0; i < BARO_ARRAY_SIZE(value_options); i++)
		if (strlen(value_options[i].name) == n &&
		    strncmp(value_options[i].name, name, n) == 0)
			return &value_options[i];
	return NULL;
}

bool baro_config_set(struct baro_config *cfg, const char *opt,
		     const struct baro_log *lg)
{
	const char *eq = strchr(opt, '=');
	const struct value_option *vo;

	if (eq == NULL) {
		if (set_flag(cfg, opt))
			return true;
		baro_log(lg, LOG_ERR, "Unknown module argument \"%s\"", opt);
		return false;
	}
	vo = find_value_option(opt, (size_t)(eq - opt));
	if (vo == NULL) {
		baro_log(lg, LOG_ERR, "Unknown module argument \"%s\"", opt);
		return false;
	}
	if (!vo->set(cfg, eq + 1)) {
		baro_log(lg, LOG_ERR, "Invalid value for module argument \"%s\"",
			 opt);
		return false;
	}
	return true;
}

void baro_config_defaults(struct baro_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->encrypt = BARO_ENCRYPT_UNSET;
	memcpy(cfg->keyfile, BARO_DEFAULT_KEYFILE, sizeof(BARO_DEFAULT_KEYFILE));
	memcpy(cfg->conf, BARO_DEFAULT_CONF, sizeof(BARO_DEFAULT_CONF));
	memcpy(cfg->prompt, BARO_DEFAULT_PROMPT, sizeof(BARO_DEFAULT_PROMPT));
	cfg->fleet_timeout_ms = BARO_FLEET_TIMEOUT_DEFAULT_MS;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* One line of the file: "name", "name=value" or "name = value". */
static bool apply_conf_line(struct baro_config *cfg, char *line,
			    const struct baro_log *lg)
{
	char opt[PATH_MAX + 64];
	char *end, *eq;
	int n;

	while (is_space(*line))
		line++;
	if (*line == '\0' || *line == '#')
		return true;
	end = line + strlen(line);
	while (end > line && is_space(end[-1]))
		*--end = '\0';
	eq = strchr(line, '=');
	if (eq == NULL)
		return baro_config_set(cfg, line, lg);
	for (end = eq; end > line && is_space(end[-1]); end--)
		;
	for (eq++; is_space(*eq); eq++)
		;
	n = snprintf(opt, sizeof(opt), "%.*s=%s", (int)(end - line), line, eq);
	if (n < 0 || (size_t)n >= sizeof(opt)) {
		baro_log(lg, LOG_ERR, "Invalid value for module argument \"%.32s\"",
			 line);
		return false;
	}
	return baro_config_set(cfg, opt, lg);
}

static const struct baro_file_rules conf_rules = {
	.forbidden_mode = 022,
	.max_size = BARO_CONF_MAX,
	.allow_empty = true,
	.single_link = false,
};

enum baro_config_err baro_config_read_file(struct baro_config *cfg,
					   const char *path, bool must_exist,
					   const struct baro_log *lg)
{
	struct baro_file f;
	enum baro_io_err io;
	char *line, *next;
	bool ok = true;

	baro_file_init(&f);
	io = baro_file_open(&f, path, &conf_rules, false);
	if (io == BARO_IO_MISSING && !must_exist)
		goto out;
	if (io != BARO_IO_OK) {
		baro_log(lg, LOG_ERR, "Failed to read conf file \"%s\"[%s]",
			 path,
			 io == BARO_IO_PERM ? f.why : strerror(f.saved_errno));
		ok = false;
		goto out;
	}
	for (line = f.data; ok && line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		ok = apply_conf_line(cfg, line, lg);
	}
out:
	baro_file_close(&f);
	return ok ? BARO_CONFIG_OK : BARO_CONFIG_BAD;
}

static bool find_conf_arg(struct baro_config *cfg, int argc,
			  const char **argv, const struct baro_log *lg)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], "conf=", 5) != 0)
			continue;
		if (argv[i][5] != '/' ||
		    !copy_value(cfg->conf, sizeof(cfg->conf), argv[i] + 5)) {
			baro_log(lg, LOG_ERR,
				 "Invalid value for module argument \"%s\"",
				 argv[i]);
			return false;
		}
		cfg->conf_named = true;
	}
	return true;
}

static bool check_combination(const struct baro_config *cfg,
			      const struct baro_log *lg)
{
	if (cfg->forward_pass && (cfg->use_first_pass || cfg->try_first_pass)) {
		baro_log(lg, LOG_ERR,
			 "Module arguments forward_pass and use_first_pass/try_first_pass conflict");
		return false;
	}
	if (cfg->store == BARO_STORE_KIND_PGSQL && cfg->fleet[0] == '\0') {
		baro_log(lg, LOG_ERR,
			 "Module argument store=pgsql needs fleet=PATH");
		return false;
	}
	return true;
}

enum baro_config_err baro_config_finish(const struct baro_config *cfg,
					const struct baro_log *lg)
{
	if (!check_combination(cfg, lg))
		return BARO_CONFIG_BAD;
	if (cfg->secret[0] == '\0' && baro_config_local_file(cfg)) {
		baro_log(lg, LOG_ERR,
			 "Failed to compute location of secret file");
		return BARO_CONFIG_NO_SECRET;
	}
	if (cfg->encrypt == BARO_ENCRYPT_UNSET && baro_config_local_file(cfg)) {
		baro_log(lg, LOG_ERR,
			 "Failed to compute location of encrypt flag");
		return BARO_CONFIG_NO_ENCRYPT;
	}
	return BARO_CONFIG_OK;
}

enum baro_config_err baro_config_load(struct baro_config *cfg, int argc,
				      const char **argv,
				      const struct baro_log *lg)
{
	int i;

	baro_config_defaults(cfg);
	if (!find_conf_arg(cfg, argc, argv, lg) ||
	    baro_config_read_file(cfg, cfg->conf, cfg->conf_named, lg) !=
		    BARO_CONFIG_OK)
		return BARO_CONFIG_BAD;
	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], "conf=", 5) == 0)
			continue;
		if (!baro_config_set(cfg, argv[i], lg))
			return BARO_CONFIG_BAD;
	}
	return baro_config_finish(cfg, lg);
}
