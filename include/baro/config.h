/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BARO_CONFIG_H
#define BARO_CONFIG_H

#include <limits.h>
#include <stdbool.h>

#include "baro/log.h"

#define BARO_DEFAULT_CONF "/etc/security/baro_auth.conf"
#define BARO_DEFAULT_KEYFILE "/etc/baropam/host.key"
#define BARO_DEFAULT_PROMPT "Verification code: "
#define BARO_FORWARD_PROMPT "Password & verification code: "
#define BARO_PROMPT_MAX 128
#define BARO_CONF_MAX 65536

enum baro_encrypt { BARO_ENCRYPT_UNSET = -1, BARO_ENCRYPT_NO = 0, BARO_ENCRYPT_YES = 1 };

/* Where the key and the state live (DESIGN.md §11). */
enum baro_store_kind { BARO_STORE_KIND_FILE = 0, BARO_STORE_KIND_PGSQL };
/* store=pgsql with the server out of reach: fail, or the local file. */
enum baro_fleet_offline { BARO_OFFLINE_DENY = 0, BARO_OFFLINE_LOCAL };
#define BARO_FLEET_TIMEOUT_DEFAULT_MS 5000
#define BARO_FLEET_TIMEOUT_MAX_S 60

struct baro_config {
	char secret[PATH_MAX]; /* template, before ${USER} expansion */
	enum baro_encrypt encrypt;
	char keyfile[PATH_MAX];
	char acl[PATH_MAX]; /* empty: no ACL */
	char conf[PATH_MAX];
	char prompt[BARO_PROMPT_MAX];
	bool conf_named; /* conf= given: the file must exist */
	bool nullok;
	bool forward_pass;
	bool try_first_pass;
	bool use_first_pass;
	bool echo_code;
	bool debug;
	bool no_log_info;
	bool silent;
	bool nodelay;    /* no fail delay requested from libpam */
	bool self_enrol; /* conf file: a user without a secret file may
			  * create their own through the setuid helper */
	/* the fleet store */
	enum baro_store_kind store;
	char fleet[PATH_MAX]; /* connection file */
	int fleet_timeout_ms;
	enum baro_fleet_offline fleet_offline;
};

enum baro_config_err {
	BARO_CONFIG_OK = 0,
	BARO_CONFIG_BAD,       /* unknown option, bad value, unreadable conf */
	BARO_CONFIG_NO_SECRET, /* Failed to compute location of secret file */
	BARO_CONFIG_NO_ENCRYPT /* Failed to compute location of encrypt flag */
};

/* Two passes as pam_faillock: find conf=, read the file, then let argv
 * override through the same setter, then baro_config_finish(). Logs every
 * problem through lg. */
enum baro_config_err baro_config_load(struct baro_config *cfg, int argc,
				      const char **argv,
				      const struct baro_log *lg);

/* Apply the options file at path (faillock.conf style) to cfg. A missing
 * file is fine unless must_exist; an unsafe or unreadable one is not. */
enum baro_config_err baro_config_read_file(struct baro_config *cfg,
					   const char *path, bool must_exist,
					   const struct baro_log *lg);

/* The checks after every source was applied: conflicting flags, and the
 * required secret= and encrypt= (with their §7 messages). */
enum baro_config_err baro_config_finish(const struct baro_config *cfg,
					const struct baro_log *lg);

/* Set one "name" or "name=value" option, as given on the PAM line or in
 * the options file; unknown names and bad values are logged and refused. */
bool baro_config_set(struct baro_config *cfg, const char *opt,
		     const struct baro_log *lg);

void baro_config_defaults(struct baro_config *cfg);

/* Whether logins may read the local secret file: store=file, or
 * store=pgsql with fleet_offline=local. */
bool baro_config_local_file(const struct baro_config *cfg);

#endif
