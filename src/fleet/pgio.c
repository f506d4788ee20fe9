/* SPDX-License-Identifier: BSD-3-Clause */
/* One login, one connection, one statement, one deadline (DESIGN.md §11):
 * non-blocking libpq and poll(2); when the time is up the connection is
 * abandoned, and the server's own time-outs end the work (see
 * fill_numbers). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "baro/util.h"
#include "fleet_int.h"

#define VERIFY_SQL                                                     \
	"SELECT verdict, digits_used, retry_secs "                     \
	"FROM baro.verify($1::text, $2::text, $3::boolean, $4::text, " \
	"$5::text, $6::text)"

/* Every keyword libpq would otherwise take from a PG* variable, a service
 * file or the home directory, given here. (libpq treats an empty value as
 * "not given", so keywords that must stay unset are covered by the
 * environment the caller cleans, fleet.c.) */
struct params {
	const char *kw[40];
	const char *val[40];
	size_t n;
	char timeout_s[16];
	char timeout_ms[16];
	char options[96];
};

static void add(struct params *p, const char *kw, const char *val)
{
	if (val == NULL || val[0] == '\0' || p->n + 1 >= BARO_ARRAY_SIZE(p->kw))
		return;
	p->kw[p->n] = kw;
	p->val[p->n] = val;
	p->n++;
	p->kw[p->n] = NULL;
	p->val[p->n] = NULL;
}

static bool fill_numbers(struct params *p, int timeout_ms)
{
	int n1, n2, n3;

	n1 = snprintf(p->timeout_s, sizeof(p->timeout_s), "%d",
		      (timeout_ms + 999) / 1000);
	n2 = snprintf(p->timeout_ms, sizeof(p->timeout_ms), "%d", timeout_ms);
	/* The server stops waiting for the user's row or the statement when
	 * the client would have given up anyway: the client never cancels
	 * (fleet_exchange). */
	n3 = snprintf(p->options, sizeof(p->options),
		      "-c statement_timeout=%d -c lock_timeout=%d "
		      "-c idle_in_transaction_session_timeout=%d",
		      timeout_ms, timeout_ms, timeout_ms);
	return n1 > 0 && (size_t)n1 < sizeof(p->timeout_s) && n2 > 0 &&
	       (size_t)n2 < sizeof(p->timeout_ms) && n3 > 0 &&
	       (size_t)n3 < sizeof(p->options);
}

static bool fill_params(struct params *p, const struct fleet_conn *fc,
			const struct fleet_addrs *a, int timeout_ms)
{
	memset(p, 0, sizeof(*p));
	if (!fill_numbers(p, timeout_ms))
		return false;
	/* Addresses only: libpq resolves nothing (resolve.c). */
	add(p, "host", a->host);
	add(p, "hostaddr", a->hostaddr);
	add(p, "port", a->port);
	add(p, "dbname", fc->dbname);
	add(p, "user", fc->user);
	/* Hosts authenticate by certificate; a password given here keeps
	 * libpq from reading any password file (it reads one whenever the
	 * password is unset, and warns on stderr). It is sent only to a
	 * server that asks for a password, which a verified fleet server
	 * (pg_hba "hostssl ... cert") never does, and it is no secret. */
	add(p, "password", "none:certificate-authentication");
	add(p, "passfile", "/dev/null");
	add(p, "channel_binding", "prefer");
	add(p, "connect_timeout", p->timeout_s);
	add(p, "client_encoding", "UTF8");
	add(p, "options", p->options);
	add(p, "application_name", "pam_baro_auth");
	add(p, "fallback_application_name", "pam_baro_auth");
	add(p, "keepalives", "1");
	add(p, "keepalives_idle", "5");
	add(p, "keepalives_interval", "1");
	add(p, "keepalives_count", "3");
	add(p, "tcp_user_timeout", p->timeout_ms);
	add(p, "sslmode", "verify-full");
	add(p, "sslcompression", "0");
	add(p, "sslcert", fc->sslcert);
	add(p, "sslkey", fc->sslkey);
	add(p, "sslrootcert", fc->sslrootcert);
	add(p, "sslcrl", fc->sslcrl);
	add(p, "sslsni", "1");
	add(p, "ssl_min_protocol_version", "TLSv1.2");
	add(p, "gssencmode", "disable");
	add(p, "krbsrvname", "postgres");
	add(p, "target_session_attrs", "read-write");
	return true;
}

/* 1 ready, 0 deadline passed, -1 error. */
static int wait_socket(const PGconn *conn, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = PQsocket(conn), .events = events };
	int64_t left;
	int r;

	if (pfd.fd < 0)
		return -1;
	for (;;) {
		left = deadline - baro_monotonic_ms();
		if (left <= 0)
			return 0;
		r = poll(&pfd, 1, (int)(left > 60000 ? 60000 : left));
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

void fleet_set_why(struct fleet_exchange *x, const char *what,
		   const PGconn *conn)
{
	char line[sizeof(x->why)];
	int n;

	fleet_one_line(conn != NULL ? PQerrorMessage(conn) : "", line,
		       sizeof(line));
	n = snprintf(x->why, sizeof(x->why), "%s%s%s", what,
		     line[0] != '\0' ? ": " : "", line);
	if (n < 0)
		x->why[0] = '\0';
	/* Truncation keeps the start of the message: enough to act on. */
}

static bool connect_within(PGconn *conn, int64_t deadline,
			   struct fleet_exchange *x)
{
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	int r;

	if (PQstatus(conn) == CONNECTION_BAD) {
		fleet_set_why(x, "cannot connect", conn);
		return false;
	}
	while (st != PGRES_POLLING_OK) {
		if (st == PGRES_POLLING_FAILED) {
			fleet_set_why(x, "cannot connect", conn);
			return false;
		}
		r = wait_socket(conn,
				st == PGRES_POLLING_READING ? POLLIN : POLLOUT,
				deadline);
		if (r == 0) {
			fleet_set_why(x, "timed out connecting", NULL);
			return false;
		}
		if (r < 0) {
			fleet_set_why(x, "cannot connect", conn);
			return false;
		}
		st = PQconnectPoll(conn);
	}
	return true;
}

/* Push the query out; the server may answer (or complain) meanwhile. */
static int flush_within(PGconn *conn, int64_t deadline)
{
	int f, r;

	while ((f = PQflush(conn)) == 1) {
		r = wait_socket(conn, POLLIN | POLLOUT, deadline);
		if (r <= 0)
			return r;
		if (!PQconsumeInput(conn))
			return -1;
	}
	return f == 0 ? 1 : -1;
}

static bool take_row(const PGresult *res, struct fleet_exchange *x)
{
	unsigned long digits, retry;
	const char *v;

	if (PQntuples(res) != 1 || PQnfields(res) != 3 ||
	    PQgetisnull(res, 0, 0) || PQgetisnull(res, 0, 1) ||
	    PQgetisnull(res, 0, 2))
		return false;
	v = PQgetvalue(res, 0, 0);
	if (strlen(v) >= sizeof(x->verdict) ||
	    !baro_parse_ulong(PQgetvalue(res, 0, 1), 0, BARO_FLEET_CODE_MAX,
			      &digits) ||
	    !baro_parse_ulong(PQgetvalue(res, 0, 2), 0, 3600, &retry))
		return false;
	memcpy(x->verdict, v, strlen(v) + 1);
	x->digits_used = (unsigned)digits;
	x->retry_secs = (unsigned)retry;
	return true;
}

/* The next result of the statement, waiting at most until deadline: 1 and
 * *res (NULL once libpq is idle again, i.e. after the server's
 * ReadyForQuery), or 0 on time-out or a lost connection. */
static int next_result(PGconn *conn, int64_t deadline, struct fleet_exchange *x,
		       PGresult **res)
{
	int r;

	while (PQisBusy(conn)) {
		r = wait_socket(conn, POLLIN, deadline);
		if (r == 0) {
			fleet_set_why(x, "timed out waiting for the verdict",
				      NULL);
			return 0;
		}
		if (r < 0 || !PQconsumeInput(conn)) {
			fleet_set_why(x, "connection lost", conn);
			return 0;
		}
	}
	*res = PQgetResult(conn);
	return 1;
}

/* Read every result until libpq is idle again: that is after the
 * server's ReadyForQuery, so after the implicit transaction committed.
 * A row followed by an error (a failed commit) is not a verdict. */
static bool results_within(PGconn *conn, int64_t deadline,
			   struct fleet_exchange *x)
{
	PGresult *res = NULL;
	bool have_row = false, failed = false;

	while (next_result(conn, deadline, x, &res)) {
		if (res == NULL)
			return have_row && !failed;
		if (PQresultStatus(res) == PGRES_TUPLES_OK && !have_row &&
		    !failed) {
			have_row = take_row(res, x);
			if (!have_row)
				fleet_set_why(x,
					      "unexpected answer from baro.verify()",
					      NULL);
			failed = !have_row;
		} else if (!failed) {
			fleet_one_line(PQresultErrorMessage(res), x->why,
				       sizeof(x->why));
			failed = true;
			have_row = false;
		}
		PQclear(res);
	}
	return false;
}

static bool send_within(PGconn *conn, const char *sql, int n,
			const char *const *values, int64_t deadline,
			struct fleet_exchange *x)
{
	int r;

	if (PQsetnonblocking(conn, 1) != 0) {
		fleet_set_why(x, "cannot switch to non-blocking mode", conn);
		return false;
	}
	x->sent = true;
	if (!PQsendQueryParams(conn, sql, n, NULL, values, NULL, NULL, 0)) {
		fleet_set_why(x, "cannot send the query", conn);
		return false;
	}
	r = flush_within(conn, deadline);
	if (r == 0) {
		fleet_set_why(x, "timed out sending the query", NULL);
	} else if (r < 0) {
		fleet_set_why(x, "cannot send the query", conn);
	}
	return r > 0;
}

static bool query_within(PGconn *conn, const struct baro_fleet_request *req,
			 int64_t deadline, struct fleet_exchange *x)
{
	const char *values[6] = {
		req->user, req->code,    req->tail ? "true" : "false",
		req->host, req->service, req->rhost
	};

	return send_within(conn, VERIFY_SQL, 6, values, deadline, x) &&
	       results_within(conn, deadline, x);
}

/* check: this host's role must not be able to read the keys. True when
 * the server refused with insufficient_privilege. */
static bool keys_hidden(PGconn *conn, int64_t deadline,
			struct fleet_exchange *x)
{
	PGresult *res = NULL;
	const char *state;
	bool denied = false, other = false;

	if (!send_within(conn, "SELECT key FROM baro.users LIMIT 0", 0, NULL,
			 deadline, x))
		return false;
	for (;;) {
		if (!next_result(conn, deadline, x, &res))
			return false;
		if (res == NULL)
			break;
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		if (state != NULL && strcmp(state, "42501") == 0)
			denied = true;
		else
			other = true;
		PQclear(res);
	}
	if (!denied || other)
		fleet_set_why(x,
			      "the host role can read the key table "
			      "(grant it baro_host only)",
			      NULL);
	return denied && !other;
}

static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

bool fleet_exchange(const struct fleet_conn *fc,
		    const struct baro_fleet_request *req,
		    struct fleet_exchange *x)
{
	int64_t deadline = baro_monotonic_ms() + req->timeout_ms;
	struct fleet_addrs a;
	struct params p;
	PGconn *conn = NULL;
	bool ok = false;

	memset(x, 0, sizeof(*x));
	if (!fleet_resolve(fc, deadline, &a, x))
		return false;
	if (!fill_params(&p, fc, &a, req->timeout_ms)) {
		fleet_set_why(x, "invalid time-out", NULL);
		return false;
	}
	conn = PQconnectStartParams(p.kw, p.val, 0);
	if (conn == NULL) {
		fleet_set_why(x, "out of memory", NULL);
		return false;
	}
	(void)PQsetNoticeProcessor(conn, quiet_notices, NULL);
	if (!connect_within(conn, deadline, x))
		goto out;
	ok = (!req->check || keys_hidden(conn, deadline, x)) &&
	     query_within(conn, req, deadline, x);
	/* No cancel when the time is up (DESIGN.md §11): libpq 15's only
	 * cancel, PQcancel(), opens a blocking connection and waits, with no
	 * time limit, for the server to close it, so a server that froze or
	 * vanished after the query went out would hold the login for the
	 * kernel's TCP time-outs (minutes). libpq 15 has no non-blocking
	 * cancel and its cancel key is not ours to use. PQfinish() below
	 * only writes a Terminate message to the socket (non-blocking) and
	 * closes it; the server ends the statement itself: statement_timeout
	 * and lock_timeout equal the deadline (fill_numbers), and a backend
	 * that finds its client gone exits. A commit waiting for a
	 * synchronous standby has no server-side time limit: it waits like
	 * every other commit until the standby answers or is no longer
	 * required; the verdict was not taken either way. */
out:
	PQfinish(conn);
	return ok;
}

void fleet_one_line(const char *msg, char *out, size_t outsz)
{
	size_t n = 0;
	bool space = true;

	if (outsz == 0)
		return;
	for (; *msg != '\0' && n + 1 < outsz; msg++) {
		char c = *msg;

		if (c < ' ' || c == 0x7f)
			c = ' ';
		if (c == ' ' && space)
			continue;
		space = c == ' ';
		out[n++] = c;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}
