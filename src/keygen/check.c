/* SPDX-License-Identifier: BSD-3-Clause */
/* check: the conf file, the user's secret file, the ACL and the host key,
 * exactly as the module checks them, each problem with its remedy. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "baro/acl.h"
#include "baro/seal.h"
#include "baro/util.h"
#include "keygen.h"

static int check_secret(const char *keyfile, const char *user,
			const char *path, enum baro_encrypt encrypt)
{
	struct baro_store *st = malloc(sizeof(*st));
	struct kg_material m;
	int problems = 0;

	if (st == NULL)
		return 1;
	memset(&m, 0, sizeof(m));
	baro_store_init(st, path);
	switch (baro_store_load(st, false, &kg_log)) {
	case BARO_STORE_OK:
		if ((encrypt == BARO_ENCRYPT_YES) != baro_secret_is_sealed(&st->secret)) {
			fprintf(stderr, "Can't find SECURE_KEY[%s]\n",
				encrypt == BARO_ENCRYPT_YES ? "plain key but encrypt=yes"
							    : "sealed key but encrypt=no");
			kg_remedy("match encrypt= to the file: baro-keygen rotate, or re-create it");
			problems++;
		} else if (!kg_key_of(keyfile, user, &st->secret, &m)) {
			kg_remedy("restore the host key, or re-create the user's key");
			problems++;
		}
		break;
	case BARO_STORE_MISSING:
		fprintf(stderr, "Failed to secret file read %s\n", path);
		kg_remedy("baro-keygen create -u USER");
		problems++;
		break;
	case BARO_STORE_FILE:
		kg_remedy("chown root:root FILE; chmod 0400 FILE; directories root-owned, not group/other-writable (docs/TROUBLESHOOTING.md)");
		problems++;
		break;
	case BARO_STORE_CONTENTS:
		if (st->parse == BARO_PARSE_NO_KEY)
			fprintf(stderr, "There is no secure key for user %s\n", user);
		if (st->parse == BARO_PARSE_NO_CYCLE)
			fprintf(stderr, "There is no cycle time for user %s\n", user);
		if (st->secret.err_line > 0)
			fprintf(stderr, "  at line %u\n", st->secret.err_line);
		kg_remedy("fix the line, or re-create the file with baro-keygen create --force");
		problems++;
		break;
	}
	kg_material_wipe(&m);
	baro_store_close(st);
	free(st);
	return problems;
}

static int check_acl(const char *acl, const struct passwd *pw)
{
	struct baro_acl_subject subj = {
		.user = pw->pw_name, .gid = pw->pw_gid, .service = "sshd",
	};
	enum baro_acl_action action;

	if (baro_acl_check(acl, &subj, &action, &kg_log) == BARO_ACL_OK)
		return 0;
	kg_remedy("chown root:root ACL; chmod 0444 ACL; fix the named line (conf/baro_acl.example)");
	return 1;
}

static bool load_conf(const struct kg_opts *o, struct baro_config *cfg)
{
	char confarg[PATH_MAX + 8];
	const char *argv[1] = { confarg };
	int n = snprintf(confarg, sizeof(confarg), "conf=%s",
			 o->conf != NULL ? o->conf : BARO_DEFAULT_CONF);

	if (n < 0 || (size_t)n >= sizeof(confarg) ||
	    baro_config_load(cfg, 1, argv, &kg_log) != BARO_CONFIG_OK) {
		kg_remedy("fix the conf file (conf/baro_auth.conf shows every option)");
		return false;
	}
	if (o->keyfile != NULL)
		(void)snprintf(cfg->keyfile, sizeof(cfg->keyfile), "%s", o->keyfile);
	return true;
}

static int check_user(const struct kg_opts *o)
{
	const struct passwd *pw = getpwnam(o->user);
	struct baro_config cfg;
	char path[PATH_MAX];
	uint8_t hk[BARO_HOSTKEY_LEN];
	int problems = 0;

	if (pw == NULL || !baro_user_name_ok(o->user)) {
		fprintf(stderr, "Cannot look up user id %s\n", o->user);
		return KG_EXIT_ERR;
	}
	if (o->file != NULL) {
		baro_config_defaults(&cfg);
		cfg.encrypt = BARO_ENCRYPT_NO;
		if ((size_t)snprintf(path, sizeof(path), "%s", o->file) >= sizeof(path))
			return KG_EXIT_USAGE;
	} else if (!load_conf(o, &cfg)) {
		return KG_EXIT_ERR;
	} else if (!baro_expand_path(cfg.secret, pw->pw_name, pw->pw_dir, path,
				     sizeof(path))) {
		fprintf(stderr, "Failed to compute location of secret file\n");
		return KG_EXIT_ERR;
	}
	if (cfg.encrypt == BARO_ENCRYPT_YES && !baro_hostkey_load(cfg.keyfile, hk, &kg_log)) {
		kg_remedy("chown root:root KEYFILE; chmod 0400 KEYFILE, or baro-keygen hostkey");
		problems++;
	}
	OPENSSL_cleanse(hk, sizeof(hk));
	if (cfg.acl[0] != '\0')
		problems += check_acl(cfg.acl, pw);
	problems += check_secret(cfg.keyfile, o->user, path, cfg.encrypt);
	if (problems == 0)
		printf("%s: OK\n", path);
	return problems == 0 ? KG_EXIT_OK : KG_EXIT_ERR;
}

static int check_all(const struct kg_opts *o)
{
	struct baro_config cfg;
	char path[PATH_MAX];
	const struct passwd *pw;
	struct stat st;
	unsigned files = 0;
	int problems = 0;

	if (!load_conf(o, &cfg))
		return KG_EXIT_ERR;
	setpwent();
	while ((pw = getpwent()) != NULL) {
		if (!baro_user_name_ok(pw->pw_name) ||
		    !baro_expand_path(cfg.secret, pw->pw_name, pw->pw_dir, path,
				      sizeof(path)) ||
		    lstat(path, &st) != 0)
			continue;
		files++;
		problems += check_secret(cfg.keyfile, pw->pw_name, path, cfg.encrypt);
	}
	endpwent();
	printf("%u secret file(s) checked, %d problem(s)\n", files, problems);
	return problems == 0 ? KG_EXIT_OK : KG_EXIT_ERR;
}

int kg_cmd_check(const struct kg_opts *o)
{
	return o->all ? check_all(o) : check_user(o);
}
