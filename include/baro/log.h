/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BARO_LOG_H
#define BARO_LOG_H

#include <security/pam_modules.h>
#include <syslog.h>

/* Logger shared by the module and the CLI: pam_syslog() when it has a PAM
 * handle, stderr when it has none (faillock_config.c does the same), or
 * syslog(3) once a program without PAM (the setuid helper) has called
 * baro_log_to_syslog() on it. The choice travels with the struct, so the
 * fleet backend (a shared object with a copy of this logger) logs where
 * its caller does. */
struct baro_log {
	pam_handle_t *pamh;
	unsigned debug : 1;       /* emit LOG_DEBUG lines */
	unsigned no_log_info : 1; /* drop LOG_INFO lines */
	unsigned syslog : 1;      /* no PAM handle: syslog(3), not stderr */
};

void baro_log(const struct baro_log *lg, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* From now on, lg's lines (it has no PAM handle) go to syslog, facility
 * authpriv, as "IDENT[PID]: MESSAGE", not to stderr. */
void baro_log_to_syslog(struct baro_log *lg, const char *ident);

#endif
