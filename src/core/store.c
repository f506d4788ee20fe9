/* SPDX-License-Identifier: BSD-3-Clause */
#include "baro/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "baro/base32.h"
#include "baro/seal.h"

void baro_store_init(struct baro_store *st, const char *path)
{
	st->path = path;
	baro_file_init(&st->file);
	baro_secret_init(&st->secret);
	st->parse = BARO_PARSE_OK;
}

static void log_open_error(const struct baro_store *st, enum baro_io_err e,
			   const struct baro_log *lg)
{
	const char *p = st->path;

	switch (e) {
	case BARO_IO_PERM:
		baro_log(lg, LOG_ERR,
			 "Secret file %s must only be accessible by root", p);
		baro_log(lg, LOG_DEBUG, "Secret file %s: %s", p,
			 st->file.why != NULL ? st->file.why : "unsafe");
		break;
	case BARO_IO_SIZE:
		baro_log(lg, LOG_ERR, "Invalid file size for %s", p);
		break;
	case BARO_IO_READ:
	case BARO_IO_NOMEM:
		baro_log(lg, LOG_ERR, "Could not read %s", p);
		break;
	case BARO_IO_LOCK:
		baro_log(lg, LOG_ERR, "Failed to lock secret file %s[%s]", p,
			 strerror(st->file.saved_errno));
		break;
	default:
		baro_log(lg, LOG_ERR, "Failed to secret file read %s", p);
		baro_log(lg, LOG_DEBUG, "Secret file %s: %s", p,
			 strerror(st->file.saved_errno));
		break;
	}
}

static void log_parse_error(const struct baro_store *st,
			    const struct baro_log *lg)
{
	const char *p = st->path;

	switch (st->parse) {
	case BARO_PARSE_BAD_RATE_LIMIT:
		baro_log(lg, LOG_ERR, "Invalid RATE_LIMIT option. Check %s", p);
		break;
	case BARO_PARSE_BAD_TIMESTAMPS:
		baro_log(lg, LOG_ERR,
			 "Invalid list of timestamps in RATE_LIMIT. Check %s", p);
		break;
	case BARO_PARSE_BAD_WINDOW:
		baro_log(lg, LOG_ERR, "Invalid WINDOW_SIZE option in %s", p);
		break;
	case BARO_PARSE_NO_KEY:
	case BARO_PARSE_NO_CYCLE:
		/* The caller writes the audit line that names the user. */
		break;
	default:
		baro_log(lg, LOG_ERR, "Invalid file contents in %s", p);
		break;
	}
	if (st->secret.err_line > 0)
		baro_log(lg, LOG_DEBUG, "%s: error on line %u", p,
			 st->secret.err_line);
}

static enum baro_store_err opened(struct baro_store *st, enum baro_io_err e,
				  const struct baro_log *lg)
{
	if (e != BARO_IO_OK) {
		log_open_error(st, e, lg);
		return e == BARO_IO_MISSING ? BARO_STORE_MISSING
					    : BARO_STORE_FILE;
	}
	st->parse = baro_secret_parse(st->file.data, st->file.len, &st->secret);
	if (st->parse != BARO_PARSE_OK) {
		log_parse_error(st, lg);
		return BARO_STORE_CONTENTS;
	}
	return BARO_STORE_OK;
}

enum baro_store_err baro_store_load(struct baro_store *st, bool lock,
				    const struct baro_log *lg)
{
	enum baro_io_err e;

	e = baro_file_open(&st->file, st->path, &baro_secret_rules, lock);
	return opened(st, e, lg);
}

/* What a login can write back (verify.c): the RATE_LIMIT attempts, the
 * DISALLOW_REUSE cycles, the EMERGENCY_KEY slots. */
static bool has_state(const struct baro_secret *s)
{
	return s->has_rate_limit || s->disallow_reuse || s->n_emergency > 0;
}

enum baro_store_err baro_store_load_login(struct baro_store *st,
					  const struct baro_log *lg)
{
	enum baro_store_err e = baro_store_load(st, false, lg);

	if (e != BARO_STORE_OK || !has_state(&st->secret))
		return e;
	/* The parse points into the data the lock replaces. */
	baro_secret_wipe(&st->secret);
	return opened(st, baro_file_lock(&st->file, &baro_secret_rules), lg);
}

static void log_save_error(const struct baro_store *st, enum baro_io_err e,
			   const struct baro_log *lg)
{
	const char *p = st->path;
	const char *why = strerror(st->file.saved_errno);

	switch (e) {
	case BARO_IO_TMP_OPEN:
		baro_log(lg, LOG_ERR, "Failed to open tmp secret file %s~[%s]",
			 p, why);
		break;
	case BARO_IO_TMP_WRITE:
		baro_log(lg, LOG_ERR, "Failed to create tmp secret file[%s]",
			 why);
		break;
	case BARO_IO_CHANGED:
		baro_log(lg, LOG_ERR,
			 "Secret file %s changed while trying to use one-time authentication key",
			 p);
		break;
	default:
		baro_log(lg, LOG_ERR, "Failed to update secret file %s[%s]", p,
			 why);
		break;
	}
}

bool baro_store_save(struct baro_store *st, const struct baro_log *lg)
{
	enum baro_io_err e;
	char *buf;
	size_t len = 0;

	buf = baro_secret_format(&st->secret, &len);
	if (buf == NULL) {
		baro_log(lg, LOG_ERR, "Failed to allocate memory when updating %s",
			 st->path);
		return false;
	}
	/* Never write what the reader refuses: the old file stays. */
	if (len > baro_secret_rules.max_size) {
		st->file.saved_errno = EFBIG;
		e = BARO_IO_UPDATE;
	} else {
		e = baro_file_replace(&st->file, buf, len);
	}
	OPENSSL_cleanse(buf, len);
	free(buf);
	if (e != BARO_IO_OK) {
		log_save_error(st, e, lg);
		return false;
	}
	return true;
}

void baro_store_close(struct baro_store *st)
{
	baro_file_close(&st->file);
	baro_secret_wipe(&st->secret);
}

bool baro_store_missing(const char *path)
{
	char base[256];
	const char *why = NULL;
	struct stat st;
	int dirfd = -1;
	bool missing;
	enum baro_io_err e;

	e = baro_open_parent(path, &dirfd, base, sizeof(base), &why);
	missing = e == BARO_IO_MISSING ||
		  (e == BARO_IO_OK &&
		   fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) != 0 &&
		   errno == ENOENT);
	if (dirfd >= 0)
		close(dirfd);
	return missing;
}

static const char *unseal_key(const struct baro_secret *s, const char *keyfile,
			      const char *user, uint8_t *key, size_t keysz,
			      size_t *keylen, const struct baro_log *lg)
{
	uint8_t hostkey[BARO_HOSTKEY_LEN];
	enum baro_seal_err e;

	if (!baro_hostkey_load(keyfile, hostkey, lg))
		return "host key unavailable";
	e = baro_unseal(hostkey, user, s->secure_key, key, keysz, keylen);
	OPENSSL_cleanse(hostkey, sizeof(hostkey));
	return e == BARO_SEAL_OK ? NULL : baro_seal_strerror(e);
}

const char *baro_store_key_problem(const struct baro_secret *s, bool encrypt,
				   const char *keyfile, const char *user,
				   uint8_t *key, size_t keysz, size_t *keylen,
				   const struct baro_log *lg)
{
	const char *why = NULL;

	*keylen = 0;
	if (!encrypt && baro_secret_is_sealed(s))
		why = "sealed key but encrypt=no";
	else if (!encrypt &&
		 !baro_base32_decode(s->secure_key, key, keysz, keylen))
		why = "invalid base32";
	else if (encrypt && !baro_secret_is_sealed(s))
		why = "plain key but encrypt=yes";
	else if (encrypt)
		why = unseal_key(s, keyfile, user, key, keysz, keylen, lg);
	if (why == NULL && *keylen < BARO_KEY_MIN)
		why = "key too short";
	if (why != NULL) {
		OPENSSL_cleanse(key, keysz);
		*keylen = 0;
	}
	return why;
}

bool baro_store_key(const struct baro_store *st, bool encrypt,
		    const char *keyfile, const char *user, uint8_t *key,
		    size_t keysz, size_t *keylen, const struct baro_log *lg)
{
	const char *why;

	why = baro_store_key_problem(&st->secret, encrypt, keyfile, user, key,
				     keysz, keylen, lg);
	if (why != NULL)
		baro_log(lg, LOG_ERR, "Can't find SECURE_KEY[%s]", why);
	return why == NULL;
}
