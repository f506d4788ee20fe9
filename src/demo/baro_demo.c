/* SPDX-License-Identifier: BSD-3-Clause */
/* baro-demo: one real login through libpam with a private PAM
 * configuration directory (pam_start_confdir), so that nothing in /etc is
 * touched. Interactive by default (libpam's misc_conv); with --auto the
 * conversation answers the current code computed from the base32 key given,
 * which lets the README's first command run unattended. */
#include <fcntl.h>
#include <getopt.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <security/pam_appl.h>
#include <security/pam_misc.h>

#include "baro/base32.h"
#include "baro/fileio.h"
#include "baro/totp.h"
#include "baro/util.h"

struct auto_answer {
	const char *fixed; /* --code: answer this instead */
	uint8_t key[BARO_KEY_MAX];
	size_t keylen;
	enum baro_hash hash;
	unsigned digits;
	unsigned period;
};

static int auto_conv(int n, const struct pam_message **msg,
		     struct pam_response **resp, void *data)
{
	const struct auto_answer *a = data;
	struct pam_response *out;
	uint32_t value = 0;
	char code[16];
	int i;

	out = calloc((size_t)n, sizeof(*out));
	if (out == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF &&
		    msg[i]->msg_style != PAM_PROMPT_ECHO_ON) {
			printf("%s\n", msg[i]->msg);
			continue;
		}
		if (a->fixed != NULL) {
			out[i].resp = strdup(a->fixed);
			if (out[i].resp == NULL)
				goto fail;
			continue;
		}
		if (!baro_hotp(a->hash, a->key, a->keylen,
			       (uint64_t)baro_totp_counter(time(NULL), a->period),
			       a->digits, &value))
			goto fail;
		if ((unsigned)snprintf(code, sizeof(code), "%0*u",
				       (int)a->digits, value) >= sizeof(code))
			goto fail;
		printf("%s%s   (answered by --auto)\n", msg[i]->msg, code);
		out[i].resp = strdup(code);
		OPENSSL_cleanse(code, sizeof(code));
		if (out[i].resp == NULL)
			goto fail;
	}
	*resp = out;
	return PAM_SUCCESS;
fail:
	for (i = 0; i < n; i++)
		baro_free_secret(out[i].resp);
	free(out);
	return PAM_CONV_ERR;
}

/* --provision: a demo secret file with a fresh 20-byte key, written with
 * the module's own atomic no-follow writer; prints the enrolment URI. */
static int provision(const char *path, const char *user)
{
	uint8_t key[20];
	char b32[64], text[256], base[256];
	const char *why = NULL;
	int dirfd = -1, n, rc = 1;

	if (RAND_bytes(key, sizeof(key)) != 1 ||
	    !baro_base32_encode(key, sizeof(key), b32, sizeof(b32)))
		goto out;
	n = snprintf(text, sizeof(text),
		     "SECURE_KEY %s\nCYCLE_TIME 30\nKEY_METHOD SHA1\nDIGITS 6\n"
		     "WINDOW_SIZE 3\nRATE_LIMIT 3 30\nDISALLOW_REUSE\n",
		     b32);
	if (n < 0 || (size_t)n >= sizeof(text))
		goto out;
	if (baro_open_parent(path, &dirfd, base, sizeof(base), &why) !=
		    BARO_IO_OK ||
	    baro_file_create_at(dirfd, base, text, (size_t)n, false) !=
		    BARO_IO_OK) {
		fprintf(stderr, "baro-demo: cannot create %s: %s\n", path,
			why != NULL ? why : "write failed");
		goto out;
	}
	printf("otpauth://totp/pam_baro_auth%%20demo:%s?secret=%s"
	       "&issuer=pam_baro_auth%%20demo&algorithm=SHA1&digits=6&period=30\n",
	       user, b32);
	rc = 0;
out:
	if (dirfd >= 0)
		close(dirfd);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(b32, sizeof(b32));
	OPENSSL_cleanse(text, sizeof(text));
	return rc;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: baro-demo -d CONFDIR -s SERVICE -u USER "
		"[--auto BASE32 [--hash H] [--digits N] [--period S]]\n"
		"       baro-demo -d CONFDIR -s SERVICE -u USER --code CODE\n"
		"       baro-demo --provision PATH -u USER\n");
	exit(2);
}

static bool parse_number(const char *s, unsigned long lo, unsigned long hi,
			 unsigned *out)
{
	unsigned long v;

	if (!baro_parse_ulong(s, lo, hi, &v))
		return false;
	*out = (unsigned)v;
	return true;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "auto", required_argument, NULL, 'a' },
		{ "hash", required_argument, NULL, 'H' },
		{ "digits", required_argument, NULL, 'D' },
		{ "period", required_argument, NULL, 'P' },
		{ "provision", required_argument, NULL, 'p' },
		{ "code", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct auto_answer a = { .hash = BARO_SHA1, .digits = 6, .period = 30 };
	struct pam_conv conv = { misc_conv, NULL };
	const char *confdir = NULL, *service = NULL, *user = NULL;
	const char *provision_path = NULL;
	pam_handle_t *pamh = NULL;
	bool automatic = false;
	int c, rc;

	while ((c = getopt_long(argc, argv, "d:s:u:", opts, NULL)) != -1) {
		switch (c) {
		case 'd': confdir = optarg; break;
		case 's': service = optarg; break;
		case 'u': user = optarg; break;
		case 'p': provision_path = optarg; break;
		case 'c':
			automatic = true;
			a.fixed = optarg;
			break;
		case 'a':
			automatic = true;
			if (!baro_base32_decode(optarg, a.key, sizeof(a.key),
						&a.keylen))
				usage();
			break;
		case 'H':
			if (!baro_hash_from_name(optarg, &a.hash))
				usage();
			break;
		case 'D':
			if (!parse_number(optarg, 6, 8, &a.digits))
				usage();
			break;
		case 'P':
			if (!parse_number(optarg, 15, 300, &a.period))
				usage();
			break;
		default:
			usage();
		}
	}
	if (provision_path != NULL && user != NULL)
		return provision(provision_path, user);
	if (confdir == NULL || service == NULL || user == NULL)
		usage();
	if (automatic)
		conv = (struct pam_conv){ auto_conv, &a };
	rc = pam_start_confdir(service, user, &conv, confdir, &pamh);
	if (rc == PAM_SUCCESS)
		rc = pam_authenticate(pamh, 0);
	printf("pam_authenticate(%s, %s): %s\n", service, user,
	       pam_strerror(pamh, rc));
	pam_end(pamh, rc);
	OPENSSL_cleanse(&a, sizeof(a));
	return rc == PAM_SUCCESS ? 0 : 1;
}
