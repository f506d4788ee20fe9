/* SPDX-License-Identifier: BSD-3-Clause */
#include "baro/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

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

enum baro_store_err baro_store_load(struct baro_store *st, bool lock,
				    const struct baro_log *lg)
{
	enum baro_io_err e;

	e = baro_file_open(&st->file, st->path, &baro_secret_rules, lock);
	if (e == BARO_IO_MISSING)
		return BARO_STORE_MISSING;
	if (e != BARO_IO_OK) {
		log_open_error(st, e, lg);
		return BARO_STORE_FILE;
	}
	st->parse = baro_secret_parse(st->file.data, st->file.len, &st->secret);
	if (st->parse != BARO_PARSE_OK) {
		log_parse_error(st, lg);
		return BARO_STORE_CONTENTS;
	}
	return BARO_STORE_OK;
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
	e = baro_file_replace(&st->file, buf, len);
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
