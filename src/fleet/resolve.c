/* SPDX-License-Identifier: BSD-3-Clause */
/* Host names resolved within the login's deadline (DESIGN.md §11). libpq
 * resolves host= with a blocking getaddrinfo() inside PQconnectPoll(), so
 * a resolver that does not answer would hold the login for its own
 * time-outs (5 s x attempts x servers). Without hostaddr= the names are
 * resolved here, with glibc's asynchronous getaddrinfo_a() waited for by
 * gai_suspend() until the deadline, and handed to libpq as hostaddr=, one
 * entry per address (the host name repeated: libpq still checks the
 * server's certificate against it, sslmode=verify-full). */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "baro/util.h"
#include "fleet_int.h"

#define HOSTS_MAX 16 /* entries in host= */
#define ADDRS_MAX 8  /* addresses used per host, in the resolver's order */

/* One lookup. On the heap: a lookup that glibc's helper thread has begun
 * cannot be stopped (gai_cancel: EAI_NOTCANCELED) and writes its result
 * here when the resolver gives up, so it is then left allocated. */
struct lookup {
	struct gaicb cb;
	struct addrinfo hints;
	char name[FLEET_VALUE_MAX];
};

struct lookups {
	struct lookup *l[HOSTS_MAX];
	const char *port[HOSTS_MAX];
	size_t n;
};

/* Split a comma-separated list in place; false on an empty entry or too
 * many entries. */
static bool split(char *list, char **item, size_t max, size_t *n)
{
	char *p = list, *comma;

	*n = 0;
	for (;;) {
		comma = strchr(p, ',');
		if (comma != NULL)
			*comma = '\0';
		if (p[0] == '\0' || *n == max)
			return false;
		item[(*n)++] = p;
		if (comma == NULL)
			return true;
		p = comma + 1;
	}
}

/* A lookup as libpq would ask it: any address family, TCP. */
static struct lookup *new_lookup(const char *name)
{
	struct lookup *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	memcpy(l->name, name, strlen(name) + 1);
	l->hints.ai_family = AF_UNSPEC;
	l->hints.ai_socktype = SOCK_STREAM;
	l->cb.ar_name = l->name;
	l->cb.ar_request = &l->hints;
	return l;
}

/* Start a lookup for every name in host=; their ports from port= (one
 * for all, or one each) into ports (FLEET_VALUE_MAX). */
static bool start(struct lookups *ls, const struct fleet_conn *fc, char *ports,
		  struct fleet_exchange *x)
{
	char hosts[FLEET_VALUE_MAX];
	char *name[HOSTS_MAX], *port[HOSTS_MAX];
	struct gaicb *list[HOSTS_MAX];
	size_t nports, i;

	memcpy(hosts, fc->host, sizeof(hosts));
	memcpy(ports, fc->port, FLEET_VALUE_MAX);
	if (!split(hosts, name, HOSTS_MAX, &ls->n) ||
	    !split(ports, port, HOSTS_MAX, &nports) ||
	    (nports != 1 && nports != ls->n)) {
		fleet_set_why(x, "invalid host or port list", NULL);
		return false;
	}
	for (i = 0; i < ls->n; i++) {
		ls->l[i] = new_lookup(name[i]);
		if (ls->l[i] == NULL) {
			fleet_set_why(x, "out of memory", NULL);
			return false;
		}
		ls->port[i] = port[nports == 1 ? 0 : i];
		list[i] = &ls->l[i]->cb;
	}
	/* A request glibc could not queue has its own error (gai_error). */
	(void)getaddrinfo_a(GAI_NOWAIT, list, (int)ls->n, NULL);
	return true;
}

static bool any_resolved(const struct lookups *ls)
{
	size_t i;

	for (i = 0; i < ls->n; i++)
		if (gai_error(&ls->l[i]->cb) == 0)
			return true;
	return false;
}

/* Until every lookup is done, or the deadline has passed, or, once one
 * name has resolved, soon has passed: a name whose lookup hangs is then
 * skipped, as libpq skips a name that does not resolve. */
static void wait_lookups(const struct lookups *ls, int64_t soon,
			 int64_t deadline)
{
	const struct gaicb *pending[HOSTS_MAX];
	struct timespec ts;
	int64_t left;
	size_t i, busy;

	for (;;) {
		busy = 0;
		for (i = 0; i < ls->n; i++) {
			pending[i] = gai_error(&ls->l[i]->cb) == EAI_INPROGRESS
					     ? &ls->l[i]->cb
					     : NULL;
			busy += pending[i] != NULL;
		}
		left = (any_resolved(ls) ? soon : deadline) -
		       baro_monotonic_ms();
		if (busy == 0 || left <= 0)
			return;
		ts.tv_sec = (time_t)(left / 1000);
		ts.tv_nsec = (long)(left % 1000) * 1000000;
		(void)gai_suspend(pending, (int)ls->n, &ts);
	}
}

/* Append "host,addr,port" to the three lists, all or nothing. */
static bool append(struct fleet_addrs *a, const char *host, const char *addr,
		   const char *port)
{
	size_t nh = strlen(a->host), na = strlen(a->hostaddr),
	       np = strlen(a->port);
	const char *sep = nh > 0 ? "," : "";
	int r1, r2, r3;

	if (nh + strlen(host) + 2 > sizeof(a->host) ||
	    na + strlen(addr) + 2 > sizeof(a->hostaddr) ||
	    np + strlen(port) + 2 > sizeof(a->port))
		return false;
	r1 = snprintf(a->host + nh, sizeof(a->host) - nh, "%s%s", sep, host);
	r2 = snprintf(a->hostaddr + na, sizeof(a->hostaddr) - na, "%s%s", sep,
		      addr);
	r3 = snprintf(a->port + np, sizeof(a->port) - np, "%s%s", sep, port);
	return r1 > 0 && (size_t)r1 < sizeof(a->host) - nh && r2 > 0 &&
	       (size_t)r2 < sizeof(a->hostaddr) - na && r3 > 0 &&
	       (size_t)r3 < sizeof(a->port) - np;
}

/* The addresses of one finished lookup, in the resolver's order. */
static void take_addresses(const struct lookup *l, const char *port,
			   struct fleet_addrs *a)
{
	const struct addrinfo *ai;
	char addr[NI_MAXHOST];
	unsigned used = 0;

	for (ai = l->cb.ar_result; ai != NULL && used < ADDRS_MAX;
	     ai = ai->ai_next) {
		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, sizeof(addr),
				NULL, 0, NI_NUMERICHOST) != 0)
			continue;
		if (!append(a, l->name, addr, port))
			return;
		used++;
	}
}

static void set_lookup_why(struct fleet_exchange *x, const char *what,
			   const char *name, const char *detail)
{
	int n = snprintf(x->why, sizeof(x->why), "%s %s%s%s", what, name,
			 detail != NULL ? ": " : "",
			 detail != NULL ? detail : "");

	if (n < 0)
		x->why[0] = '\0';
	/* Truncation keeps the start of the message: enough to act on. */
}

/* Take what resolved. With nothing, say why: the first name still
 * pending (the time is up), else the first that failed. */
static void collect(const struct lookups *ls, struct fleet_addrs *a,
		    struct fleet_exchange *x)
{
	const struct lookup *pending = NULL, *failed = NULL;
	int e, failed_e = 0;
	size_t i;

	for (i = 0; i < ls->n; i++) {
		e = gai_error(&ls->l[i]->cb);
		if (e == 0)
			take_addresses(ls->l[i], ls->port[i], a);
		else if (e == EAI_INPROGRESS && pending == NULL)
			pending = ls->l[i];
		else if (e != EAI_INPROGRESS && failed == NULL) {
			failed = ls->l[i];
			failed_e = e;
		}
	}
	if (a->hostaddr[0] != '\0')
		return;
	if (pending != NULL) {
		set_lookup_why(x, "timed out resolving", pending->name, NULL);
	} else if (failed != NULL) {
		set_lookup_why(x, "cannot resolve", failed->name,
			       gai_strerror(failed_e));
	} else {
		set_lookup_why(x, "no address for", ls->l[0]->name, NULL);
	}
}

/* Free the lookups, except one still running (see struct lookup). */
static void finish(struct lookups *ls)
{
	size_t i;

	for (i = 0; i < ls->n; i++) {
		if (ls->l[i] == NULL)
			continue;
		if (gai_error(&ls->l[i]->cb) == EAI_INPROGRESS &&
		    gai_cancel(&ls->l[i]->cb) == EAI_NOTCANCELED)
			continue;
		if (ls->l[i]->cb.ar_result != NULL)
			freeaddrinfo(ls->l[i]->cb.ar_result);
		free(ls->l[i]);
	}
}

bool fleet_resolve(const struct fleet_conn *fc, int64_t deadline,
		   struct fleet_addrs *a, struct fleet_exchange *x)
{
	struct lookups ls = { .n = 0 };
	char ports[FLEET_VALUE_MAX];
	int64_t now = baro_monotonic_ms(), soon = now + (deadline - now) / 2;
	bool ok = false;

	memset(a, 0, sizeof(*a));
	if (fc->hostaddr[0] != '\0') {
		/* Addresses given: libpq does not resolve anything. */
		memcpy(a->host, fc->host, sizeof(fc->host));
		memcpy(a->hostaddr, fc->hostaddr, sizeof(fc->hostaddr));
		memcpy(a->port, fc->port, sizeof(fc->port));
		return true;
	}
	if (start(&ls, fc, ports, x)) {
		wait_lookups(&ls, soon, deadline);
		collect(&ls, a, x);
		ok = a->hostaddr[0] != '\0';
	}
	finish(&ls);
	return ok;
}
