/* SPDX-License-Identifier: BSD-3-Clause */
/* pam_baro_auth_fleet.so: the fleet store's client (DESIGN.md §11). Its one
 * exported function asks the database for a verdict. */
#include <stdlib.h>
#include <string.h>

#include "baro/fleet.h"
#include "baro/util.h"
#include "fleet_int.h"

#define BARO_EXPORT __attribute__((visibility("default")))

extern char **environ;

#define ENV_MAX 4096

/* libpq reads PG* variables for every keyword left unset, and a few it
 * has no keyword for (PGSERVICE, PGSERVICEFILE, PGSYSCONFDIR,
 * PGLOCALEDIR, PGTZ, PGDATESTYLE...). A setuid caller (su, sudo) chooses
 * them: for the time of the call libpq sees the environment without
 * them, and nothing else of the process changes. */
static const char *const hidden_prefixes[] = {
	"PG", "OPENSSL_", "SSL_CERT_", "KRB5", "SSLKEYLOGFILE",
};

static bool hidden(const char *var)
{
	size_t i;

	for (i = 0; i < BARO_ARRAY_SIZE(hidden_prefixes); i++)
		if (strncmp(var, hidden_prefixes[i],
			    strlen(hidden_prefixes[i])) == 0)
			return true;
	return false;
}

/* The caller's environment without the hidden variables (pointers to the
 * same strings); NULL on failure. */
static char **clean_environment(void)
{
	size_t n = 0, kept = 0, i;
	char **env;

	while (environ != NULL && environ[n] != NULL && n < ENV_MAX)
		n++;
	env = calloc(n + 1, sizeof(*env));
	if (env == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (!hidden(environ[i]))
			env[kept++] = environ[i];
	env[kept] = NULL;
	return env;
}

static const struct {
	const char *name;
	enum baro_fleet_verdict verdict;
} verdicts[] = {
	{ "ok", BARO_FLEET_OK },
	{ "ok_emergency", BARO_FLEET_OK_EMERGENCY },
	{ "wrong", BARO_FLEET_WRONG },
	{ "reused", BARO_FLEET_REUSED },
	{ "rate_limited", BARO_FLEET_RATE_LIMITED },
	{ "no_user", BARO_FLEET_NO_USER },
};

static bool map_verdict(const char *name, enum baro_fleet_verdict *v)
{
	size_t i;

	for (i = 0; i < BARO_ARRAY_SIZE(verdicts); i++) {
		if (strcmp(verdicts[i].name, name) == 0) {
			*v = verdicts[i].verdict;
			return true;
		}
	}
	return false;
}

static bool request_ok(const struct baro_fleet_request *req)
{
	return req->abi == BARO_FLEET_ABI && req->user != NULL &&
	       req->code != NULL && strlen(req->code) <= BARO_FLEET_CODE_MAX &&
	       req->host != NULL && req->service != NULL &&
	       req->rhost != NULL && req->timeout_ms > 0 &&
	       req->timeout_ms <= 600000;
}

static void ask(const struct fleet_conn *fc,
		const struct baro_fleet_request *req,
		struct baro_fleet_reply *rep, const struct baro_log *lg)
{
	struct fleet_exchange x;

	if (fleet_exchange(fc, req, &x)) {
		if (map_verdict(x.verdict, &rep->verdict)) {
			rep->digits_used = x.digits_used;
			rep->retry_secs = x.retry_secs;
			return;
		}
		baro_log(lg, LOG_ERR, "Fleet verification failed[%s]",
			 "unknown verdict");
		return;
	}
	if (!x.sent) {
		rep->verdict = BARO_FLEET_OFFLINE;
		baro_log(lg, LOG_ERR, "Fleet server unreachable[%s]", x.why);
		return;
	}
	baro_log(lg, LOG_ERR, "Fleet verification failed[%s]", x.why);
}

BARO_EXPORT void baro_fleet_verify_v1(const struct baro_fleet_request *req,
				      struct baro_fleet_reply *rep,
				      const struct baro_log *lg);

BARO_EXPORT void baro_fleet_verify_v1(const struct baro_fleet_request *req,
				      struct baro_fleet_reply *rep,
				      const struct baro_log *lg)
{
	struct fleet_conn fc;
	char **saved = environ, **env = NULL;

	memset(rep, 0, sizeof(*rep));
	rep->verdict = BARO_FLEET_ERROR;
	if (!request_ok(req)) {
		baro_log(lg, LOG_ERR, "Fleet verification failed[%s]",
			 "invalid request");
		return;
	}
	if (!fleet_conn_load(req->conn_file, &fc, lg))
		return;
	env = clean_environment();
	if (env == NULL) {
		baro_log(lg, LOG_ERR, "Fleet verification failed[%s]",
			 "out of memory");
		return;
	}
	environ = env;
	ask(&fc, req, rep, lg);
	environ = saved;
	free(env);
}
