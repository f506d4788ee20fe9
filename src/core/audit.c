/* SPDX-License-Identifier: BSD-3-Clause */
#include "baro/audit.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "baro/util.h"

/* One line an entry, so that tests/docs finds every line in the table. */
/* clang-format off */
static const char *const audit_format[] = {
	[BARO_AUDIT_ACCEPTED] = "authentication key : verification code accepted for user %s by %s(local ip=%s,Remote ip=%s)",
	[BARO_AUDIT_ACCEPTED_EMERGENCY] = "emergency authentication key : verification code accepted for user %s by %s(local ip=%s,Remote ip=%s)",
	[BARO_AUDIT_SESSION] = "authentication key : session opened for user %s by %s(local ip=%s,Remote ip=%s)",
	[BARO_AUDIT_SESSION_EMERGENCY] = "emergency authentication key : session opened for user %s by %s(local ip=%s,Remote ip=%s)",
	[BARO_AUDIT_FAILED] = "authentication key : User %s authentication failed by %s(local ip=%s,Remote ip=%s)",
	[BARO_AUDIT_NO_CYCLE] = "authentication key : There is no cycle time for user %s %.0s(local ip=%s,Remote ip=%s)",
	[BARO_AUDIT_NO_CODE] = "authentication key : There is no verification code for user %s %.0s(local ip=%s,Remote ip=%s)",
	[BARO_AUDIT_NO_KEY] = "authentication key : There is no secure key for user %s %.0s(local ip=%s,Remote ip=%s)",
};
/* clang-format on */

void baro_audit_ip(char out[BARO_IP_MAX], const char *in, size_t n)
{
	unsigned char buf[sizeof(struct in6_addr)];
	char tmp[BARO_IP_MAX];

	memcpy(out, "0.0.0.0", sizeof("0.0.0.0"));
	if (in == NULL || n == 0 || n >= sizeof(tmp))
		return;
	memcpy(tmp, in, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET, tmp, buf) == 1 ||
	    inet_pton(AF_INET6, tmp, buf) == 1)
		memcpy(out, tmp, n + 1);
}

void baro_audit_local_ip(char out[BARO_IP_MAX], const char *conn)
{
	const char *p = conn, *sp;
	int field;

	for (field = 0; p != NULL && field < 2; field++) {
		sp = strchr(p, ' ');
		p = sp != NULL ? sp + 1 : NULL;
	}
	if (p == NULL) {
		baro_audit_ip(out, NULL, 0);
		return;
	}
	sp = strchr(p, ' ');
	baro_audit_ip(out, p, sp != NULL ? (size_t)(sp - p) : strlen(p));
}

/* The slot ends with a space when it names someone, so that an empty one
 * reads "by (local ip=…" as BaroPAM's lines do. A caller running as root
 * is a daemon (sshd, login, a display manager) and names nobody; su and
 * sudo run with the real uid of the user who asked. */
bool baro_audit_by_names_caller(const char *ruser, uid_t caller_uid,
				uid_t target_uid, int target_known)
{
	return (ruser == NULL || !baro_user_name_ok(ruser)) &&
	       caller_uid != 0 && (!target_known || caller_uid != target_uid);
}

void baro_audit_by(struct baro_audit_who *who, const char *ruser,
		   const char *caller_name, uid_t caller_uid,
		   uid_t target_uid, int target_known)
{
	int n = 0;

	who->by[0] = '\0';
	if (ruser != NULL && baro_user_name_ok(ruser))
		n = snprintf(who->by, sizeof(who->by), "%s ", ruser);
	else if (baro_audit_by_names_caller(ruser, caller_uid, target_uid,
					    target_known))
		n = snprintf(who->by, sizeof(who->by), "%s(uid=%lu) ",
			     caller_name != NULL &&
					     baro_user_name_ok(caller_name)
				     ? caller_name
				     : "",
			     (unsigned long)caller_uid);
	if (n < 0 || (size_t)n >= sizeof(who->by))
		who->by[0] = '\0';
}

void baro_audit_log(const struct baro_log *lg, enum baro_audit what,
		    const struct baro_audit_who *who)
{
	int prio = what <= BARO_AUDIT_SESSION_EMERGENCY ? LOG_INFO : LOG_NOTICE;

	/* The format table is constant; the strings are sanitised. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	baro_log(lg, prio, audit_format[what], who->user, who->by,
		 who->local_ip, who->remote_ip);
#pragma GCC diagnostic pop
}
