/* SPDX-License-Identifier: BSD-3-Clause */
/* The fleet tests' driver (the scripts in tests/fleet).
 *
 *   fleet_driver backend CONN USER INPUT [tail|exact|check] [TIMEOUT_MS]
 *       ask the backend through the core loader; prints
 *       "VERDICT DIGITS_USED RETRY_SECS ELAPSED_MS"
 *   fleet_driver totp HEXKEY METHOD DIGITS COUNTER
 *       the C core's code (baro_hotp), to compare with the SQL one
 *   fleet_driver pam CONFDIR SERVICE USER INPUT [RHOST]
 *       one login through libpam (pam_start_confdir); prints
 *       "PAM_RESULT_NAME ELAPSED_MS LIBPQ_MAPPED" where LIBPQ_MAPPED is
 *       yes when libpq is in /proc/self/maps afterwards
 *
 * Log lines (the backend's, and libpam's syslog() calls, interposed here)
 * go to stderr as "log: MESSAGE". */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "baro/fleet.h"
#include "baro/totp.h"

#define EXPORT __attribute__((visibility("default")))

EXPORT void vsyslog(int pri, const char *fmt, va_list ap);
EXPORT void syslog(int pri, const char *fmt, ...);
EXPORT void __syslog_chk(int pri, int flag, const char *fmt, ...);

EXPORT void vsyslog(int pri, const char *fmt, va_list ap)
{
	(void)pri;
	fputs("log: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

EXPORT void syslog(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsyslog(pri, fmt, ap);
	va_end(ap);
}

EXPORT void __syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	vsyslog(pri, fmt, ap);
	va_end(ap);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int usage(void)
{
	fprintf(stderr, "usage: fleet_driver backend CONN USER INPUT [tail] [TIMEOUT_MS]\n"
			"       fleet_driver totp HEXKEY METHOD DIGITS COUNTER\n"
			"       fleet_driver pam CONFDIR SERVICE USER INPUT [RHOST]\n");
	return 2;
}

static int run_backend(int argc, char **argv)
{
	struct baro_fleet_request req = { .abi = BARO_FLEET_ABI };
	struct baro_fleet_reply rep;
	char code[BARO_FLEET_CODE_MAX + 1];
	long long t0;

	if (argc < 5)
		return usage();
	req.tail = argc > 5 && strcmp(argv[5], "tail") == 0;
	req.check = argc > 5 && strcmp(argv[5], "check") == 0;
	baro_fleet_code(argv[4], req.tail, code);
	req.conn_file = argv[2];
	req.user = argv[3];
	req.code = code;
	req.timeout_ms = argc > 6 ? atoi(argv[6]) : BARO_FLEET_TIMEOUT_MS;
	req.host = "driver";
	req.service = "fleet-test";
	req.rhost = "";
	t0 = now_ms();
	baro_fleet_verify(FLEET_BACKEND, &req, &rep, NULL);
	printf("%s %u %u %lld\n", baro_fleet_verdict_name(rep.verdict),
	       rep.digits_used, rep.retry_secs, now_ms() - t0);
	return 0;
}

static int run_totp(int argc, char **argv)
{
	uint8_t key[BARO_KEY_MAX];
	enum baro_hash h;
	size_t n = 0;
	uint32_t v;
	unsigned digits;
	const char *p;

	if (argc != 6 || !baro_hash_from_name(argv[3], &h))
		return usage();
	for (p = argv[2]; p[0] != '\0' && p[1] != '\0' && n < sizeof(key);
	     p += 2) {
		unsigned b;

		if (sscanf(p, "%2x", &b) != 1)
			return usage();
		key[n++] = (uint8_t)b;
	}
	digits = (unsigned)atoi(argv[4]);
	if (!baro_hotp(h, key, n, strtoull(argv[5], NULL, 10), digits, &v))
		return 1;
	printf("%0*u\n", (int)digits, v);
	return 0;
}

static const char *answer;

static int converse(int n, const struct pam_message **msg,
		    struct pam_response **resp, void *data)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	int i;

	(void)data;
	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF ||
		    msg[i]->msg_style == PAM_PROMPT_ECHO_ON)
			r[i].resp = strdup(answer);
		else
			fprintf(stderr, "message: %s\n", msg[i]->msg);
	}
	*resp = r;
	return PAM_SUCCESS;
}

static const char *pam_name(int rc)
{
	switch (rc) {
	case PAM_SUCCESS: return "PAM_SUCCESS";
	case PAM_AUTH_ERR: return "PAM_AUTH_ERR";
	case PAM_USER_UNKNOWN: return "PAM_USER_UNKNOWN";
	case PAM_AUTHINFO_UNAVAIL: return "PAM_AUTHINFO_UNAVAIL";
	case PAM_SYSTEM_ERR: return "PAM_SYSTEM_ERR";
	case PAM_IGNORE: return "PAM_IGNORE";
	case PAM_PERM_DENIED: return "PAM_PERM_DENIED";
	case PAM_MAXTRIES: return "PAM_MAXTRIES";
	default: return "PAM_OTHER";
	}
}

static bool libpq_mapped(void)
{
	char line[1024];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "r");

	if (f == NULL)
		return true; /* cannot tell: say the worse */
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, "libpq") != NULL)
			found = true;
	fclose(f);
	return found;
}

static int run_pam(int argc, char **argv)
{
	struct pam_conv conv = { converse, NULL };
	pam_handle_t *pamh = NULL;
	long long t0;
	int rc;

	if (argc < 6)
		return usage();
	answer = argv[5];
	rc = pam_start_confdir(argv[3], argv[4], &conv, argv[2], &pamh);
	if (rc != PAM_SUCCESS) {
		fprintf(stderr, "pam_start_confdir: %d\n", rc);
		return 1;
	}
	if (argc > 6)
		(void)pam_set_item(pamh, PAM_RHOST, argv[6]);
	t0 = now_ms();
	rc = pam_authenticate(pamh, 0);
	printf("%s %lld %s\n", pam_name(rc), now_ms() - t0,
	       libpq_mapped() ? "yes" : "no");
	pam_end(pamh, rc);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && strcmp(argv[1], "backend") == 0)
		return run_backend(argc, argv);
	if (argc > 1 && strcmp(argv[1], "totp") == 0)
		return run_totp(argc, argv);
	if (argc > 1 && strcmp(argv[1], "pam") == 0)
		return run_pam(argc, argv);
	return usage();
}
