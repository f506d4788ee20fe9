/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BARO_FLEET_INT_H
#define BARO_FLEET_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "baro/fleet.h"
#include "baro/log.h"

/* Inside the fleet backend (pam_baro_auth_fleet.so) only. */

#define FLEET_VALUE_MAX 1024

/* The fleet= connection file: root-owned, 0400/0600, checked like the
 * secret file (DESIGN.md §3). */
struct fleet_conn {
	char host[FLEET_VALUE_MAX];     /* one or more, comma-separated */
	char hostaddr[FLEET_VALUE_MAX]; /* optional, as many as host */
	char port[FLEET_VALUE_MAX];     /* one, or one per host */
	char dbname[FLEET_VALUE_MAX];
	char user[FLEET_VALUE_MAX];
	char sslrootcert[PATH_MAX];
	char sslcert[PATH_MAX];
	char sslkey[PATH_MAX];
	char sslcrl[PATH_MAX]; /* optional */
};

/* Read and check the file, then the certificate, CA and key files it
 * names. Logs the reason; false on any problem. */
bool fleet_conn_load(const char *path, struct fleet_conn *fc,
		     const struct baro_log *lg);

/* Outcome of one exchange with the server. */
struct fleet_exchange {
	bool sent;     /* the query may have reached the server */
	char why[512]; /* one sanitised line */
	char verdict[32];
	unsigned digits_used;
	unsigned retry_secs;
};

/* What libpq is given to connect to: addresses only, so that it has no
 * name to resolve (resolve.c). */
#define FLEET_LIST_MAX (8 * FLEET_VALUE_MAX)
struct fleet_addrs {
	char host[FLEET_LIST_MAX];     /* the names, for the certificate */
	char hostaddr[FLEET_LIST_MAX]; /* one address per entry */
	char port[FLEET_LIST_MAX];
};

/* fc's hosts as addresses: hostaddr as given, else every name resolved
 * before deadline (baro_monotonic_ms()). False with x->why when no address is
 * known in time. */
bool fleet_resolve(const struct fleet_conn *fc, int64_t deadline,
		   struct fleet_addrs *a, struct fleet_exchange *x);

/* x->why = "WHAT: libpq's message" (conn may be NULL), one line. */
void fleet_set_why(struct fleet_exchange *x, const char *what,
		   const PGconn *conn);

/* Connect, run baro.verify(), wait for the commit, all before
 * timeout_ms has passed. True when a verdict row came back from a
 * committed statement. */
bool fleet_exchange(const struct fleet_conn *fc,
		    const struct baro_fleet_request *req,
		    struct fleet_exchange *x);

/* Copy msg into out on one line: control characters become spaces,
 * runs of spaces one, trimmed. */
void fleet_one_line(const char *msg, char *out, size_t outsz);

#endif
