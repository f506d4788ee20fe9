/* SPDX-License-Identifier: BSD-3-Clause */
#include "baro/log.h"

#include <stdarg.h>
#include <stdio.h>

#include <security/pam_ext.h>

void baro_log(const struct baro_log *lg, int prio, const char *fmt, ...)
{
	va_list ap;

	if (lg != NULL) {
		if (prio == LOG_DEBUG && !lg->debug)
			return;
		if (prio == LOG_INFO && lg->no_log_info)
			return;
	}
	va_start(ap, fmt);
	if (lg != NULL && lg->pamh != NULL) {
		pam_vsyslog(lg->pamh, prio, fmt, ap);
	} else if (lg != NULL && lg->syslog) {
		vsyslog(prio, fmt, ap);
	} else {
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

void baro_log_to_syslog(struct baro_log *lg, const char *ident)
{
	openlog(ident, LOG_PID, LOG_AUTHPRIV);
	lg->syslog = 1;
}
