/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BARO_STORE_H
#define BARO_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "baro/fileio.h"
#include "baro/log.h"
#include "baro/secret.h"

/* A user's secret file, loaded and saved with the §7 messages: the one
 * place where file errors become log lines, for the module and the CLI. */

enum baro_store_err {
	BARO_STORE_OK = 0,
	BARO_STORE_MISSING, /* no file: logged (nullok asks baro_store_missing first) */
	BARO_STORE_FILE,     /* permission, size, read, lock: logged */
	BARO_STORE_CONTENTS, /* parse error: logged unless NO_KEY/NO_CYCLE */
};

struct baro_store {
	const char *path;
	struct baro_file file;
	struct baro_secret secret;
	enum baro_parse_err parse; /* why BARO_STORE_CONTENTS */
};

void baro_store_init(struct baro_store *st, const char *path);

/* Open (with the lock held until close when lock is true), check, read
 * and parse the file. */
enum baro_store_err baro_store_load(struct baro_store *st, bool lock,
				    const struct baro_log *lg);

/* A login's load: read and parse without the lock, which a file with
 * nothing a login can write (no RATE_LIMIT, DISALLOW_REUSE or
 * EMERGENCY_KEY line) never needs; a file with such lines is then locked
 * (held until close), read and parsed again under the lock, so that the
 * lock covers every read that a write follows. */
enum baro_store_err baro_store_load_login(struct baro_store *st,
					  const struct baro_log *lg);

/* Serialise the secret and replace the file atomically. */
bool baro_store_save(struct baro_store *st, const struct baro_log *lg);

/* nullok's question, asked before the prompt: is there no file at path
 * (or no directory on its way)? Any other problem is not "missing": it
 * is found, and fails, when the file is loaded. */
bool baro_store_missing(const char *path);

/* The key of a loaded secret as the module will use it: base32-decoded
 * under encrypt=no, unsealed with the host key under encrypt=yes. NULL
 * on success, else the reason (for "Can't find SECURE_KEY[reason]"; the
 * key buffer is then wiped). Logs nothing but host key problems. */
const char *baro_store_key_problem(const struct baro_secret *s, bool encrypt,
				   const char *keyfile, const char *user,
				   uint8_t *key, size_t keysz, size_t *keylen,
				   const struct baro_log *lg);

/* The same, logging "Can't find SECURE_KEY[reason]" on failure. */
bool baro_store_key(const struct baro_store *st, bool encrypt,
		    const char *keyfile, const char *user, uint8_t *key,
		    size_t keysz, size_t *keylen, const struct baro_log *lg);

/* Close, release the lock, wipe everything. */
void baro_store_close(struct baro_store *st);

#endif
