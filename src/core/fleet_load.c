/* SPDX-License-Identifier: BSD-3-Clause */
/* The core side of the fleet store: load the backend on demand, so that a
 * host with store=file never maps libpq (DESIGN.md §11). The caller names the
 * backend with a path fixed when it was built (BARO_FLEET_MODULE, or the
 * test module's build-tree path); nothing at run time, least of all the
 * caller's environment, can name another object. */
#include "baro/fleet.h"

#include <dlfcn.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "baro/util.h"

static const char *const verdict_names[] = {
	[BARO_FLEET_OK] = "ok",
	[BARO_FLEET_OK_EMERGENCY] = "ok_emergency",
	[BARO_FLEET_WRONG] = "wrong",
	[BARO_FLEET_REUSED] = "reused",
	[BARO_FLEET_RATE_LIMITED] = "rate_limited",
	[BARO_FLEET_NO_USER] = "no_user",
	[BARO_FLEET_OFFLINE] = "offline",
	[BARO_FLEET_ERROR] = "error",
};

const char *baro_fleet_verdict_name(enum baro_fleet_verdict v)
{
	if ((size_t)v < BARO_ARRAY_SIZE(verdict_names))
		return verdict_names[v];
	return "error";
}

/* Stays loaded once loaded (RTLD_NODELETE): libpq and OpenSSL do not
 * like being unloaded, and the next login needs them again. */
static baro_fleet_verify_fn load_backend(const char *path,
					 const struct baro_log *lg)
{
	baro_fleet_verify_fn fn;
	void *h, *sym;

	h = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (h == NULL) {
		baro_log(lg, LOG_ERR, "Cannot load the fleet backend %s[%s]",
			 path, dlerror());
		return NULL;
	}
	sym = dlsym(h, BARO_FLEET_SYMBOL);
	if (sym == NULL) {
		baro_log(lg, LOG_ERR, "Cannot load the fleet backend %s[%s]",
			 path, "entry point missing");
		(void)dlclose(h);
		return NULL;
	}
	memcpy(&fn, &sym, sizeof(fn));
	(void)dlclose(h); /* a reference count only: RTLD_NODELETE */
	return fn;
}

void baro_fleet_verify(const char *backend,
		       const struct baro_fleet_request *req,
		       struct baro_fleet_reply *rep, const struct baro_log *lg)
{
	baro_fleet_verify_fn fn;

	memset(rep, 0, sizeof(*rep));
	rep->verdict = BARO_FLEET_ERROR;
	fn = load_backend(backend, lg);
	if (fn != NULL)
		fn(req, rep, lg);
}

/* Text for the audit columns: printable ASCII only (the connection is
 * UTF8 and a stray byte must not turn a login into a server error). */
static void printable(const char *in, char *out, size_t outsz)
{
	size_t n = 0;

	for (; in != NULL && *in != '\0' && n + 1 < outsz; in++) {
		out[n] = '?';
		if (*in >= ' ' && *in <= '~')
			out[n] = *in;
		n++;
	}
	out[n] = '\0';
}

void baro_fleet_login(const char *backend, const struct baro_config *cfg,
		      const char *user, const char *service, const char *rhost,
		      const char *input, struct baro_fleet_reply *rep,
		      const struct baro_log *lg)
{
	struct baro_fleet_request req = { .abi = BARO_FLEET_ABI };
	char code[BARO_FLEET_CODE_MAX + 1];
	char name[256], host[256], svc[128], remote[256];

	if (gethostname(name, sizeof(name)) != 0)
		name[0] = '\0';
	name[sizeof(name) - 1] = '\0';
	printable(name, host, sizeof(host));
	printable(service, svc, sizeof(svc));
	printable(rhost, remote, sizeof(remote));
	/* Only the code's digits leave the host, never a password. */
	baro_fleet_code(input, cfg->forward_pass, code);
	req.conn_file = cfg->fleet;
	req.timeout_ms = cfg->fleet_timeout_ms;
	req.user = user;
	req.code = code;
	req.tail = cfg->forward_pass;
	req.host = host;
	req.service = svc;
	req.rhost = remote;
	baro_fleet_verify(backend != NULL ? backend : BARO_FLEET_MODULE, &req,
			  rep, lg);
	OPENSSL_cleanse(code, sizeof(code));
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

void baro_fleet_code(const char *input, bool tail,
		     char out[BARO_FLEET_CODE_MAX + 1])
{
	size_t n = strlen(input), start = n, k = 0;

	out[0] = '\0';
	if (tail) {
		while (start > 0 && n - start < BARO_FLEET_CODE_MAX &&
		       is_digit(input[start - 1]))
			start--;
		memcpy(out, input + start, n - start);
		out[n - start] = '\0';
		return;
	}
	for (; *input != '\0'; input++) {
		if (*input == ' ')
			continue;
		if (!is_digit(*input) || k >= BARO_FLEET_CODE_MAX) {
			out[0] = '\0';
			return;
		}
		out[k++] = *input;
	}
	out[k] = '\0';
}
