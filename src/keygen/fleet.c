/* SPDX-License-Identifier: BSD-3-Clause */
/* Fleet users (store=pgsql, docs/FLEET.md): the administrator's commands
 * through the SQL functions of sql/001_init.sql, as a member of
 * baro_admin; and a host's set-up check through the module's own backend.
 *
 * The admin connection is libpq's usual one (--db CONNINFO, else the PG*
 * environment and ~/.pg_service.conf, as for psql): baro-keygen is the
 * administrator's own program, never setuid. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <openssl/crypto.h>

#include "baro/fleet.h"
#include "baro/util.h"
#include "keygen.h"

#define HEX_MAX (2 * BARO_KEY_MAX + 1)
#define HASHES_MAX (BARO_EMERGENCY_MAX * (2 * BARO_EMERGENCY_HASH_LEN + 1) + 1)

static PGconn *admin_connect(const struct kg_opts *o)
{
	PGconn *c = PQconnectdb(o->db != NULL ? o->db : "");

	if (c == NULL || PQstatus(c) != CONNECTION_OK) {
		kg_err("cannot connect to the fleet database: %s",
		       c != NULL ? PQerrorMessage(c) : "out of memory");
		PQfinish(c);
		return NULL;
	}
	return c;
}

/* Run sql with text parameters; the result on success (to PQclear), NULL
 * after printing the server's message. */
static PGresult *run(PGconn *c, const char *sql, int n,
		     const char *const *values)
{
	PGresult *r = PQexecParams(c, sql, n, NULL, values, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);

	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return r;
	kg_err("%s", PQresultErrorMessage(r));
	PQclear(r);
	return NULL;
}

static bool run_ok(PGconn *c, const char *sql, int n, const char *const *values)
{
	PGresult *r = run(c, sql, n, values);

	PQclear(r);
	return r != NULL;
}

static void to_hex(const uint8_t *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

/* The unused emergency hashes of s, as "hex,hex,...". */
static void hashes_of(const struct baro_secret *s, char *out)
{
	size_t i, k = 0;

	out[0] = '\0';
	for (i = 0; i < s->n_emergency; i++) {
		if (s->emergency_used[i])
			continue;
		if (k > 0)
			out[k++] = ',';
		to_hex(s->emergency[i], BARO_EMERGENCY_HASH_LEN, out + k);
		k += 2 * BARO_EMERGENCY_HASH_LEN;
	}
}

/* Replace the user's emergency codes by the unused ones of s. */
static bool put_hashes(PGconn *c, const char *user, const struct baro_secret *s)
{
	char hashes[HASHES_MAX];
	const char *v[] = { user, hashes };

	hashes_of(s, hashes);
	return run_ok(c,
		      "SELECT baro.emergency_put($1, ARRAY(SELECT decode(h, "
		      "'hex') FROM unnest(string_to_array($2, ',')) AS h), "
		      "true)",
		      2, v);
}

static bool valid_user(const char *user)
{
	if (baro_user_name_ok(user))
		return true;
	kg_err("invalid user name \"%s\"", user);
	return false;
}

/* A parameter's text; false on truncation. */
static bool put_uint(char *out, size_t outsz, unsigned v)
{
	int n = snprintf(out, outsz, "%u", v);

	return n > 0 && (size_t)n < outsz;
}

/* A user's row and emergency codes in one transaction. */
static bool put_user(PGconn *c, const char *user, const struct baro_secret *s,
		     const struct kg_material *m, bool replace)
{
	char key[HEX_MAX], digits[8], cycle[8], window[8], count[8],
		interval[8];
	const char *put[] = { user,
			      key,
			      baro_hash_name(s->method),
			      digits,
			      cycle,
			      window,
			      s->has_rate_limit ? count : NULL,
			      s->has_rate_limit ? interval : NULL,
			      s->disallow_reuse ? "true" : "false",
			      replace ? "true" : "false" };
	bool ok;

	to_hex(m->key, m->keylen, key);
	ok = put_uint(digits, sizeof(digits), s->digits) &&
	     put_uint(cycle, sizeof(cycle), s->cycle_time) &&
	     put_uint(window, sizeof(window), s->window) &&
	     put_uint(count, sizeof(count), s->rate_count) &&
	     put_uint(interval, sizeof(interval), s->rate_interval) &&
	     run_ok(c, "BEGIN", 0, NULL) &&
	     run_ok(c,
		    "SELECT baro.user_put($1, decode($2, 'hex'), $3, $4::int, "
		    "$5::int, $6::int, $7::int, $8::int, $9::boolean, "
		    "$10::boolean)",
		    10, put) &&
	     put_hashes(c, user, s) && run_ok(c, "COMMIT", 0, NULL);
	OPENSSL_cleanse(key, sizeof(key));
	return ok;
}

/* The options of a new user, from the command line (as create). */
static struct baro_secret *new_secret(const struct kg_opts *o)
{
	struct baro_secret *s = malloc(sizeof(*s));

	if (s != NULL)
		kg_build_secret(o, s);
	return s;
}

/* Every command's end: close, wipe, free. */
static int done(PGconn *c, struct kg_material *m, struct baro_secret *s, int rc)
{
	PQfinish(c);
	kg_material_wipe(m);
	if (s != NULL)
		baro_secret_wipe(s);
	free(s);
	return rc;
}

static unsigned key_bytes(const struct kg_opts *o, enum baro_hash h)
{
	return (o->given & KO(KEY_BYTES)) != 0 ? o->key_bytes
					       : kg_default_key_bytes(h);
}

int kg_cmd_fleet_create(const struct kg_opts *o)
{
	struct baro_secret *s = NULL;
	struct kg_material m;
	PGconn *c = NULL;
	int rc = KG_EXIT_ERR;

	memset(&m, 0, sizeof(m));
	if (!valid_user(o->user))
		return KG_EXIT_ERR;
	s = new_secret(o);
	if (s == NULL || !kg_new_key(&m, key_bytes(o, o->hash)) ||
	    !kg_new_emergency(s, &m, o->emergency))
		goto out;
	c = admin_connect(o);
	if (c == NULL || !put_user(c, o->user, s, &m, o->force))
		goto out;
	rc = kg_show_enrolment(o, o->user, s, &m) ? KG_EXIT_OK : KG_EXIT_ERR;
out:
	return done(c, &m, s, rc);
}

/* The stored options of user into s (for the URI of a new key). */
static bool load_options(PGconn *c, const char *user, struct baro_secret *s)
{
	const char *v[] = { user };
	PGresult *r = run(c,
			  "SELECT method, digits, cycle FROM baro.user_show($1)",
			  1, v);
	unsigned long d = 0, cy = 0;
	bool ok;

	if (r == NULL)
		return false;
	ok = PQntuples(r) == 1 &&
	     baro_hash_from_name(PQgetvalue(r, 0, 0), &s->method) &&
	     baro_parse_ulong(PQgetvalue(r, 0, 1), BARO_DIGITS_MIN,
			      BARO_DIGITS_MAX, &d) &&
	     baro_parse_ulong(PQgetvalue(r, 0, 2), BARO_CYCLE_MIN,
			      BARO_CYCLE_MAX, &cy);
	if (!ok)
		kg_err("no fleet user %s", user);
	s->digits = (unsigned)d;
	s->cycle_time = (unsigned)cy;
	PQclear(r);
	return ok;
}

int kg_cmd_fleet_rotate(const struct kg_opts *o)
{
	struct baro_secret *s = new_secret(o);
	struct kg_material m;
	char key[HEX_MAX];
	const char *rot[] = { o->user, key };
	PGconn *c = NULL;
	int rc = KG_EXIT_ERR;

	memset(&m, 0, sizeof(m));
	key[0] = '\0';
	if (s == NULL || !valid_user(o->user))
		goto out;
	c = admin_connect(o);
	if (c == NULL || !load_options(c, o->user, s) ||
	    !kg_new_key(&m, key_bytes(o, s->method)) ||
	    !kg_new_emergency(s, &m, o->emergency))
		goto out;
	to_hex(m.key, m.keylen, key);
	if (!run_ok(c, "BEGIN", 0, NULL) ||
	    !run_ok(c, "SELECT baro.user_rotate($1, decode($2, 'hex'))", 2,
		    rot) ||
	    !put_hashes(c, o->user, s) || !run_ok(c, "COMMIT", 0, NULL))
		goto out;
	rc = kg_show_enrolment(o, o->user, s, &m) ? KG_EXIT_OK : KG_EXIT_ERR;
out:
	OPENSSL_cleanse(key, sizeof(key));
	return done(c, &m, s, rc);
}

/* The stored key of user, through baro.user_key() (admins only). */
static bool fetch_key(PGconn *c, const char *user, struct kg_material *m)
{
	const char *v[] = { user };
	PGresult *r = run(c, "SELECT baro.user_key($1)", 1, v);
	unsigned char *raw = NULL;
	size_t n = 0;
	bool ok;

	if (r == NULL)
		return false;
	if (PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
		raw = PQunescapeBytea((unsigned char *)PQgetvalue(r, 0, 0), &n);
	ok = raw != NULL && n >= BARO_KEY_MIN && n <= sizeof(m->key);
	if (ok) {
		memcpy(m->key, raw, n);
		m->keylen = n;
	} else {
		kg_err("no fleet user %s", user);
	}
	if (raw != NULL) {
		OPENSSL_cleanse(raw, n);
		PQfreemem(raw);
	}
	if (PQntuples(r) == 1)
		OPENSSL_cleanse(PQgetvalue(r, 0, 0),
				strlen(PQgetvalue(r, 0, 0)));
	PQclear(r);
	return ok;
}

/* New emergency codes need the key (they are HMACs under it): read it
 * with baro.user_key(), hash here, store the hashes. */
int kg_cmd_fleet_emergency(const struct kg_opts *o)
{
	struct baro_secret *s = new_secret(o);
	struct kg_material m;
	PGconn *c = NULL;
	int rc = KG_EXIT_ERR;

	memset(&m, 0, sizeof(m));
	if (s == NULL || !valid_user(o->user))
		goto out;
	c = admin_connect(o);
	if (c == NULL)
		goto out;
	if (!fetch_key(c, o->user, &m))
		goto out;
	if (!kg_new_emergency(s, &m, o->emergency))
		goto out;
	if (!put_hashes(c, o->user, s))
		goto out;
	kg_print_codes(&m);
	rc = KG_EXIT_OK;
out:
	return done(c, &m, s, rc);
}

int kg_cmd_fleet_reset(const struct kg_opts *o)
{
	const char *v[] = { o->user };
	PGconn *c;
	PGresult *r;
	int rc = KG_EXIT_ERR;

	if (!valid_user(o->user))
		return KG_EXIT_ERR;
	c = admin_connect(o);
	if (c == NULL)
		return KG_EXIT_ERR;
	r = run(c, "SELECT baro.user_reset($1)", 1, v);
	if (r != NULL && strcmp(PQgetvalue(r, 0, 0), "t") == 0) {
		printf("RATE_LIMIT and DISALLOW_REUSE state of %s reset\n",
		       o->user);
		rc = KG_EXIT_OK;
	} else if (r != NULL) {
		kg_err("no fleet user %s", o->user);
	}
	PQclear(r);
	PQfinish(c);
	return rc;
}

int kg_cmd_fleet_show(const struct kg_opts *o)
{
	const char *v[] = { o->all ? NULL : o->user };
	PGconn *c;
	PGresult *r;
	int i, rc = KG_EXIT_ERR;

	if (!o->all && !valid_user(o->user))
		return KG_EXIT_ERR;
	c = admin_connect(o);
	if (c == NULL)
		return KG_EXIT_ERR;
	r = run(c,
		"SELECT name, method, digits, cycle, window_size, "
		"coalesce(rate_count || ' ' || rate_interval, 'off'), "
		"disallow_reuse, emergency_left, attempts, used_cycles "
		"FROM baro.user_show($1)",
		1, v);
	if (r != NULL && PQntuples(r) == 0)
		kg_err("no fleet user %s", o->all ? "at all" : o->user);
	for (i = 0; r != NULL && i < PQntuples(r); i++)
		printf("%s: KEY_METHOD %s, DIGITS %s, CYCLE_TIME %s, "
		       "WINDOW_SIZE %s, RATE_LIMIT %s, DISALLOW_REUSE %s, "
		       "%s emergency codes left, %s recent attempts, "
		       "%s used cycles\n",
		       PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
		       PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
		       PQgetvalue(r, i, 4), PQgetvalue(r, i, 5),
		       strcmp(PQgetvalue(r, i, 6), "t") == 0 ? "on" : "off",
		       PQgetvalue(r, i, 7), PQgetvalue(r, i, 8),
		       PQgetvalue(r, i, 9));
	if (r != NULL && PQntuples(r) > 0)
		rc = KG_EXIT_OK;
	PQclear(r);
	PQfinish(c);
	return rc;
}

/* An existing .baro_auth, read and opened as the module does, becomes the
 * user's fleet row: key, options and unused emergency hashes unchanged. */
static bool upload_file(const struct kg_opts *o, struct kg_target *t,
			struct baro_store *st, struct kg_material *m)
{
	PGconn *c;
	bool ok;

	if (!kg_key_of(t->keyfile, t->user, st, m))
		return false;
	c = admin_connect(o);
	ok = c != NULL && put_user(c, t->user, &st->secret, m, o->force);
	PQfinish(c);
	if (ok)
		printf("%s uploaded from %s\n", t->user, t->path);
	return ok;
}

int kg_cmd_fleet_upload(const struct kg_opts *o)
{
	return kg_with_file(o, false, upload_file);
}

/* A host's set-up, as its module sees it: the conf file's store=pgsql and
 * fleet=, the connection file and certificates, TLS, the host role able
 * to call baro.verify() and unable to read the keys. */
int kg_cmd_fleet_check(const struct kg_opts *o)
{
	struct baro_fleet_request req = { .abi = BARO_FLEET_ABI };
	struct baro_fleet_reply rep;
	struct baro_config cfg;
	const char *conf = o->conf != NULL ? o->conf : BARO_DEFAULT_CONF;

	baro_config_defaults(&cfg);
	if (baro_config_read_file(&cfg, conf, true, &kg_log) != BARO_CONFIG_OK)
		return KG_EXIT_ERR;
	if (cfg.store != BARO_STORE_KIND_PGSQL || cfg.fleet[0] == '\0') {
		kg_err("%s: no store=pgsql with fleet=PATH", conf);
		return KG_EXIT_ERR;
	}
	req.conn_file = cfg.fleet;
	req.timeout_ms = cfg.fleet_timeout_ms;
	req.user = "";
	req.code = "";
	req.host = "baro-keygen";
	req.service = "baro-keygen-check";
	req.rhost = "";
	req.check = true;
	baro_fleet_verify(baro_fleet_backend(), &req, &rep, &kg_log);
	if (rep.verdict != BARO_FLEET_NO_USER) {
		kg_remedy("see docs/FLEET.md and TROUBLESHOOTING.md");
		return KG_EXIT_ERR;
	}
	printf("%s: the fleet server answered over TLS; this host's role may "
	       "verify and cannot read keys\n",
	       cfg.fleet);
	return KG_EXIT_OK;
}
