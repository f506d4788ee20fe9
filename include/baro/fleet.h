/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BARO_FLEET_H
#define BARO_FLEET_H

#include <stdbool.h>

#include "baro/config.h"
#include "baro/log.h"

/* The fleet store (DESIGN.md §11): the verdict comes from PostgreSQL. The
 * client lives in a separate shared object (pam_baro_auth_fleet.so, the
 * only object linked with libpq), loaded on demand, so a host with
 * store=file never maps libpq. */

#define BARO_FLEET_ABI 1
#define BARO_FLEET_SYMBOL "baro_fleet_verify_v1"
#define BARO_FLEET_CODE_MAX 8 /* digits sent to the server, at most */
#define BARO_FLEET_TIMEOUT_MS 5000

/* What one login asks. The password of forward_pass never leaves the
 * host: only the trailing digits of the input are sent. */
struct baro_fleet_request {
	int abi;               /* BARO_FLEET_ABI */
	const char *conn_file; /* fleet= */
	int timeout_ms;        /* one deadline over connect + query */
	const char *user;
	const char *code; /* at most BARO_FLEET_CODE_MAX ASCII digits */
	bool tail;        /* code is the tail of "password+code" */
	const char *host; /* gethostname() */
	const char *service;
	const char *rhost; /* "" when unknown */
	bool check;        /* baro-keygen fleet check: first make sure this
			    * role cannot read the keys */
};

enum baro_fleet_verdict {
	BARO_FLEET_OK = 0,
	BARO_FLEET_OK_EMERGENCY,
	BARO_FLEET_WRONG,
	BARO_FLEET_REUSED,
	BARO_FLEET_RATE_LIMITED,
	BARO_FLEET_NO_USER,
	BARO_FLEET_OFFLINE, /* no connection could be opened: nothing sent */
	BARO_FLEET_ERROR,   /* bad set-up, or a failure after sending */
};

struct baro_fleet_reply {
	enum baro_fleet_verdict verdict;
	unsigned digits_used; /* trailing digits the code was (forward_pass) */
	unsigned retry_secs;  /* REUSED: until the next cycle */
};

/* The backend's one exported entry point. Logs every transport problem
 * through lg; fills rep on every path. */
typedef void (*baro_fleet_verify_fn)(const struct baro_fleet_request *req,
				     struct baro_fleet_reply *rep,
				     const struct baro_log *lg);

/* Core side: load the backend (a path fixed at build time: the installed
 * BARO_FLEET_MODULE, or the test module's) and ask. A backend that cannot
 * be loaded is BARO_FLEET_ERROR (a broken installation is not a server
 * that is down). */
void baro_fleet_verify(const char *backend,
		       const struct baro_fleet_request *req,
		       struct baro_fleet_reply *rep, const struct baro_log *lg);

const char *baro_fleet_verdict_name(enum baro_fleet_verdict v);

/* One login's question from the facts the core has: the code's digits
 * from input (the trailing ones with forward_pass), this host's name. */
void baro_fleet_login(const char *backend, const struct baro_config *cfg,
		      const char *user, const char *service, const char *rhost,
		      const char *input, struct baro_fleet_reply *rep,
		      const struct baro_log *lg);

/* The backend this build of the module loads: the installed
 * BARO_FLEET_MODULE, or in the test module the build tree's. Defined with
 * the module's clock (module/clock.c), fixed at build time: nothing at
 * run time names another object. */
const char *baro_fleet_backend(void);

/* The tail of input that may be sent: its trailing ASCII digits, at most
 * BARO_FLEET_CODE_MAX (tail), or the whole input without spaces when it
 * is only digits and at most that long (not tail); "" otherwise. */
void baro_fleet_code(const char *input, bool tail,
		     char out[BARO_FLEET_CODE_MAX + 1]);

#endif
