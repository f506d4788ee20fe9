/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BARO_FAULT_WRAP_H
#define BARO_FAULT_WRAP_H

/* Failure injection by -Wl,--wrap: fault_wrap.c defines __wrap_open,
 * __wrap_malloc, ... for every call of the core and the module that can
 * fail; each asks fault_decide() whether to fail. Two users decide
 * differently: the fault-injection module (fault_env.c: "fail the Nth
 * call of F", from the environment) and the pam_sm_authenticate fuzzer
 * (a tape of bytes from the fuzz input). */

#include <stdbool.h>
#include <stddef.h>

#include "fault_calls.h"

/* FC_malloc, FC_open, ...: one per name of BARO_FAULT_WRAPPED
 * (tests/CMakeLists.txt, the one list; fault_calls.h is generated from it
 * and each name must have its __wrap_ in fault_wrap.c). */
#define FAULT_CALL_ENUM(name) FC_##name,
enum fault_call { FAULT_CALLS(FAULT_CALL_ENUM) FC_COUNT };
#undef FAULT_CALL_ENUM

/* "malloc", "openat", ...: the names the fault module's BARO_FAULT uses. */
extern const char *const fault_call_names[FC_COUNT];

/* What to do with one call. */
struct fault_action {
	int err;      /* 0: let the call through (maybe shortened); else errno */
	size_t short_len; /* read/write: 0 or at most this many bytes */
};

/* Decide for one call of kind c; name is the path argument of an open
 * (the last component matters), or NULL. */
struct fault_action fault_decide(enum fault_call c, const char *name);

/* A call broke a rule that every call must keep (an open without
 * O_CLOEXEC or, below "/", without O_NOFOLLOW). */
void fault_violation(enum fault_call c, const char *what, const char *name);

#endif
