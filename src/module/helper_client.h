/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BARO_HELPER_CLIENT_H
#define BARO_HELPER_CLIENT_H

#include <stdbool.h>

#include "baro/auth.h"
#include "baro/log.h"

/* The module's side of the setuid helper (DESIGN.md §12), used only when the
 * module runs without root: the caller cannot read the secret files. */

/* Whether the helper is needed: the module is not running as root. */
bool baro_helper_needed(void);

/* Whether the helper is installed as it must be (root's, setuid, not
 * writable by others); logs the remedy when not. */
bool baro_helper_usable(const struct baro_log *lg);

/* Run the helper for user with the input on a pipe; tail: the input is
 * the end of "password + code" (forward_pass). Returns the verdict the
 * helper's exit status stands for; *code_len: the length of an accepted
 * code at the end of the input, else 0. */
enum baro_auth_verdict baro_helper_verify(const struct baro_log *lg,
					  const char *user, const char *service,
					  const char *input, bool tail,
					  unsigned *code_len);

#endif
