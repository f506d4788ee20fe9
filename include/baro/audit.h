/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BARO_AUDIT_H
#define BARO_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "baro/log.h"

/* The audit lines of DESIGN.md §7, in BaroPAM's cross-platform form, for
 * fail2ban and the administrator. */

#define BARO_IP_MAX 64
#define BARO_BY_MAX 300

enum baro_audit {
	BARO_AUDIT_ACCEPTED, /* auth phase: the code was right */
	BARO_AUDIT_ACCEPTED_EMERGENCY,
	BARO_AUDIT_SESSION, /* session phase: a session opened */
	BARO_AUDIT_SESSION_EMERGENCY,
	BARO_AUDIT_FAILED,
	BARO_AUDIT_NO_CYCLE,
	BARO_AUDIT_NO_CODE,
	BARO_AUDIT_NO_KEY,
};

/* Who logs in, who asked, and from where: only sanitised text. */
struct baro_audit_who {
	const char *user;           /* safe to log, or a placeholder */
	char by[BARO_BY_MAX];       /* "" or "alice" or "alice(uid=1000)" */
	char local_ip[BARO_IP_MAX]; /* a literal address or 0.0.0.0 */
	char remote_ip[BARO_IP_MAX];
};

/* out = the address in in[0..n) if it is a literal IPv4/IPv6 address,
 * else 0.0.0.0: never attacker-chosen text in the log. */
void baro_audit_ip(char out[BARO_IP_MAX], const char *in, size_t n);

/* The local address from "client port server port" (SSH_CONNECTION). */
void baro_audit_local_ip(char out[BARO_IP_MAX], const char *conn);

/* Whether the "by" slot names the caller: no valid PAM_RUSER, and the
 * calling uid is neither root nor the target's. Only then is the caller's
 * name worth a passwd look-up. */
bool baro_audit_by_names_caller(const char *ruser, uid_t caller_uid,
				uid_t target_uid, int target_known);

/* The "by" slot: the requesting user (PAM_RUSER) if given and valid, else
 * the calling uid's name with "(uid=N)" when it is neither root nor the
 * target's. */
void baro_audit_by(struct baro_audit_who *who, const char *ruser,
		   const char *caller_name, uid_t caller_uid, uid_t target_uid,
		   int target_known);

void baro_audit_log(const struct baro_log *lg, enum baro_audit what,
		    const struct baro_audit_who *who);

#endif
