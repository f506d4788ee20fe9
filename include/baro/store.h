/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BARO_STORE_H
#define BARO_STORE_H

#include <stdbool.h>

#include "baro/fileio.h"
#include "baro/log.h"
#include "baro/secret.h"

/* A user's secret file, loaded and saved with the §7 messages: the one
 * place where file errors become log lines, for the module and the CLI. */

enum baro_store_err {
	BARO_STORE_OK = 0,
	BARO_STORE_MISSING,  /* no file (not logged: nullok decides) */
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

/* Serialise the secret and replace the file atomically. */
bool baro_store_save(struct baro_store *st, const struct baro_log *lg);

/* Close, release the lock, wipe everything. */
void baro_store_close(struct baro_store *st);

#endif
