/* SPDX-License-Identifier: BSD-3-Clause */
/* baro-keygen: provision, inspect and check pam_baro_auth secret files.
 * Every read, write and check goes through the core library the module
 * uses (store, fileio, config, seal, acl): one parser, one writer. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "baro/acl.h"
#include "baro/base32.h"
#include "baro/config.h"
#include "baro/fileio.h"
#include "baro/seal.h"
#include "baro/store.h"
#include "baro/util.h"
#include "baro/verify.h"
#include "keygen.h"

#define EXIT_USAGE 2

struct opts {
	const char *cmd;
	const char *user;
	const char *file;   /* -f: explicit secret path */
	const char *conf;   /* -c: conf file for the secret= template */
	const char *issuer;
	const char *keyfile;
	const char *qr_file;
	const char *from;   /* import: the google-authenticator file */
	const char *new_keyfile; /* reseal: the new host key */
	enum kg_qr qr;
	enum baro_hash hash;
	unsigned digits, cycle, window, key_bytes, emergency;
	unsigned rate_count, rate_interval;
	bool rate_limit, disallow_reuse, force, encrypt, all;
	char keyfile_buf[PATH_MAX]; /* keyfile= of the conf file */
};

static void keyfile_from_conf(struct opts *o, const struct baro_config *cfg)
{
	if (o->keyfile != NULL)
		return;
	memcpy(o->keyfile_buf, cfg->keyfile, sizeof(o->keyfile_buf));
	o->keyfile = o->keyfile_buf;
}

static const struct baro_log stderr_log = { NULL, 0, 0 };

static void usage(void)
{
	fprintf(stderr,
		"usage: baro-keygen create|rotate -u USER [-f PATH | -c CONF] [--hash SHA1|SHA256|SHA512]\n"
		"                   [--digits N] [--cycle S] [--window N] [--rate-limit N,S | --no-rate-limit]\n"
		"                   [--no-disallow-reuse] [--emergency N] [--key-bytes N] [--issuer NAME]\n"
		"                   [--qr utf8|ascii|none] [--qr-file FILE.pbm] [--encrypt] [--keyfile PATH] [--force]\n"
		"       baro-keygen emergency -u USER [--emergency N] [-f PATH | -c CONF]\n"
		"       baro-keygen reset|show|check -u USER [-f PATH | -c CONF]\n"
		"       baro-keygen check --all [-c CONF]\n"
		"       baro-keygen import -u USER --from ~USER/.google_authenticator [-f PATH | -c CONF] [--force]\n"
		"       baro-keygen seal|unseal -u USER [--keyfile PATH] [-f PATH | -c CONF]\n"
		"       baro-keygen reseal -u USER --keyfile OLD --new-keyfile NEW [-f PATH | -c CONF]\n"
		"       baro-keygen hostkey [--keyfile PATH] [--force]\n");
	exit(EXIT_USAGE);
}

static unsigned number(const char *s, unsigned long lo, unsigned long hi,
		       const char *what)
{
	unsigned long v;

	if (!baro_parse_ulong(s, lo, hi, &v)) {
		fprintf(stderr, "baro-keygen: %s must be %lu..%lu: \"%s\"\n",
			what, lo, hi, s);
		exit(EXIT_USAGE);
	}
	return (unsigned)v;
}

static void parse_rate(struct opts *o, const char *s)
{
	char buf[64];
	char *comma;

	if (strlen(s) >= sizeof(buf) || (comma = strchr(s, ',')) == NULL) {
		fprintf(stderr, "baro-keygen: --rate-limit COUNT,SECONDS\n");
		exit(EXIT_USAGE);
	}
	memcpy(buf, s, strlen(s) + 1);
	buf[comma - s] = '\0';
	o->rate_count = number(buf, 1, BARO_RATE_COUNT_MAX, "rate-limit count");
	o->rate_interval = number(buf + (comma - s) + 1, 1,
				  BARO_RATE_INTERVAL_MAX, "rate-limit interval");
	o->rate_limit = true;
}

static unsigned default_key_bytes(enum baro_hash h)
{
	return h == BARO_SHA512 ? 64 : h == BARO_SHA256 ? 32 : 20;
}

static void parse_options(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "file", required_argument, NULL, 'f' },
		{ "conf", required_argument, NULL, 'c' },
		{ "hash", required_argument, NULL, 'H' },
		{ "digits", required_argument, NULL, 'd' },
		{ "cycle", required_argument, NULL, 'C' },
		{ "window", required_argument, NULL, 'w' },
		{ "rate-limit", required_argument, NULL, 'r' },
		{ "no-rate-limit", no_argument, NULL, 'R' },
		{ "no-disallow-reuse", no_argument, NULL, 'D' },
		{ "emergency", required_argument, NULL, 'e' },
		{ "key-bytes", required_argument, NULL, 'k' },
		{ "issuer", required_argument, NULL, 'i' },
		{ "qr", required_argument, NULL, 'q' },
		{ "qr-file", required_argument, NULL, 'Q' },
		{ "encrypt", no_argument, NULL, 'E' },
		{ "keyfile", required_argument, NULL, 'K' },
		{ "force", no_argument, NULL, 'F' },
		{ "from", required_argument, NULL, 'g' },
		{ "new-keyfile", required_argument, NULL, 'N' },
		{ "all", no_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	if (argc < 2)
		usage();
	o->cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "u:f:c:", longopts, NULL)) != -1) {
		switch (c) {
		case 'u': o->user = optarg; break;
		case 'f': o->file = optarg; break;
		case 'c': o->conf = optarg; break;
		case 'H':
			if (!baro_hash_from_name(optarg, &o->hash))
				usage();
			break;
		case 'd': o->digits = number(optarg, 6, 8, "digits"); break;
		case 'C':
			o->cycle = number(optarg, BARO_CYCLE_MIN, BARO_CYCLE_MAX,
					  "cycle");
			break;
		case 'w':
			o->window = number(optarg, 1, BARO_WINDOW_MAX, "window");
			break;
		case 'r': parse_rate(o, optarg); break;
		case 'R': o->rate_limit = false; break;
		case 'D': o->disallow_reuse = false; break;
		case 'e':
			o->emergency = number(optarg, 0, BARO_EMERGENCY_MAX,
					      "emergency");
			break;
		case 'k':
			o->key_bytes = number(optarg, BARO_KEY_MIN, BARO_KEY_MAX,
					      "key-bytes");
			break;
		case 'i': o->issuer = optarg; break;
		case 'q':
			if (strcmp(optarg, "utf8") == 0)
				o->qr = KG_QR_UTF8;
			else if (strcmp(optarg, "ascii") == 0)
				o->qr = KG_QR_ASCII;
			else if (strcmp(optarg, "none") == 0)
				o->qr = KG_QR_NONE;
			else
				usage();
			break;
		case 'Q': o->qr_file = optarg; break;
		case 'E': o->encrypt = true; break;
		case 'K': o->keyfile = optarg; break;
		case 'F': o->force = true; break;
		case 'g': o->from = optarg; break;
		case 'N': o->new_keyfile = optarg; break;
		case 'A': o->all = true; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (o->key_bytes == 0)
		o->key_bytes = default_key_bytes(o->hash);
}

/* The secret path: -f, or the conf file's secret= template. */
static bool secret_path(struct opts *o, const struct passwd *pw, char *out,
			size_t outsz)
{
	struct baro_config cfg;
	const char *argv[1];
	char confarg[PATH_MAX + 8];
	int n;

	if (o->file != NULL) {
		n = snprintf(out, outsz, "%s", o->file);
		return n > 0 && (size_t)n < outsz && out[0] == '/';
	}
	n = snprintf(confarg, sizeof(confarg), "conf=%s",
		     o->conf != NULL ? o->conf : BARO_DEFAULT_CONF);
	if (n < 0 || (size_t)n >= sizeof(confarg))
		return false;
	argv[0] = confarg;
	if (baro_config_load(&cfg, 1, argv, &stderr_log) != BARO_CONFIG_OK)
		return false;
	if (cfg.encrypt == BARO_ENCRYPT_YES)
		o->encrypt = true;
	keyfile_from_conf(o, &cfg);
	if (!baro_expand_path(cfg.secret, pw->pw_name, pw->pw_dir, out, outsz)) {
		fprintf(stderr, "Failed to compute location of secret file\n");
		return false;
	}
	return true;
}

static const struct passwd *lookup(const char *user)
{
	const struct passwd *pw;

	if (user == NULL) {
		fprintf(stderr, "baro-keygen: -u USER is required\n");
		exit(EXIT_USAGE);
	}
	pw = getpwnam(user);
	if (pw == NULL || !baro_user_name_ok(user)) {
		fprintf(stderr, "Cannot look up user id %s\n", user);
		return NULL;
	}
	return pw;
}

/* --- key material --- */

struct material {
	uint8_t key[BARO_KEY_MAX];
	size_t keylen;
	char b32[BARO_SECURE_KEY_TEXT_MAX + 1];
	char codes[BARO_EMERGENCY_MAX][BARO_EMERGENCY_DIGITS + 1];
	unsigned n_codes;
};

static void wipe(struct material *m)
{
	OPENSSL_cleanse(m, sizeof(*m));
}

/* 8 digits, uniform: reject the top of the 32-bit range. */
static bool random_code(char out[BARO_EMERGENCY_DIGITS + 1])
{
	uint32_t v;
	int n;

	do {
		if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
			return false;
	} while (v >= 4200000000u);
	n = snprintf(out, BARO_EMERGENCY_DIGITS + 1, "%08u", v % 100000000u);
	OPENSSL_cleanse(&v, sizeof(v));
	return n == BARO_EMERGENCY_DIGITS;
}

static bool new_key(struct material *m, unsigned bytes)
{
	m->keylen = bytes;
	return RAND_bytes(m->key, (int)bytes) == 1 &&
	       baro_base32_encode(m->key, bytes, m->b32, sizeof(m->b32));
}

static bool load_hostkey(const struct opts *o, uint8_t hk[BARO_HOSTKEY_LEN])
{
	return baro_hostkey_load(o->keyfile != NULL ? o->keyfile
						    : BARO_DEFAULT_KEYFILE,
				 hk, &stderr_log);
}

/* SECURE_KEY as written: base32, or sealed for user under the host key. */
static bool set_secure_key(const struct opts *o, const char *user,
			   const struct material *m, struct baro_secret *s)
{
	uint8_t hk[BARO_HOSTKEY_LEN];
	bool ok;

	if (!o->encrypt) {
		memcpy(s->secure_key, m->b32, strlen(m->b32) + 1);
		return true;
	}
	ok = load_hostkey(o, hk) &&
	     baro_seal(hk, user, m->key, m->keylen, s->secure_key,
		       sizeof(s->secure_key)) == BARO_SEAL_OK;
	OPENSSL_cleanse(hk, sizeof(hk));
	return ok;
}

/* Replace the emergency codes by n new ones (hashes under the key). */
static bool new_emergency(struct baro_secret *s, struct material *m,
			  unsigned n)
{
	size_t i, kept = 0;
	unsigned j;

	for (i = 0; i < s->n_lines; i++)
		if (s->lines[i].kind != BARO_LINE_EMERGENCY_KEY)
			s->lines[kept++] = s->lines[i];
	s->n_lines = kept;
	s->n_emergency = 0;
	for (j = 0; j < n; j++) {
		if (!random_code(m->codes[j]) ||
		    !baro_emergency_hash(m->key, m->keylen, m->codes[j],
					 s->emergency[j]) ||
		    !baro_secret_add_line(s, BARO_LINE_EMERGENCY_KEY, j))
			return false;
		s->emergency_used[j] = false;
		s->n_emergency++;
	}
	m->n_codes = n;
	return true;
}

static void print_codes(const struct material *m)
{
	unsigned i;

	if (m->n_codes == 0)
		return;
	printf("Emergency codes (each works once; shown only now):\n");
	for (i = 0; i < m->n_codes; i++)
		printf("  %s\n", m->codes[i]);
}

static bool show_enrolment(const struct opts *o, const char *user,
			   const struct baro_secret *s,
			   const struct material *m)
{
	char host[256] = "pam_baro_auth";
	struct kg_enrol e = {
		.issuer = o->issuer, .user = user, .secret_b32 = m->b32,
		.hash = s->method, .digits = s->digits, .period = s->cycle_time,
	};

	if (e.issuer == NULL) {
		if (gethostname(host, sizeof(host) - 1) != 0)
			strcpy(host, "pam_baro_auth");
		e.issuer = host;
	}
	if (!kg_show_enrolment(&e, o->qr, o->qr_file))
		return false;
	print_codes(m);
	return true;
}

/* --- create --- */

/* The option lines of a new file, in the canonical order. */
static void add_option_lines(struct baro_secret *s)
{
	baro_secret_add_line(s, BARO_LINE_SECURE_KEY, 0);
	baro_secret_add_line(s, BARO_LINE_CYCLE_TIME, 0);
	baro_secret_add_line(s, BARO_LINE_KEY_METHOD, 0);
	baro_secret_add_line(s, BARO_LINE_DIGITS, 0);
	baro_secret_add_line(s, BARO_LINE_WINDOW_SIZE, 0);
	if (s->has_rate_limit)
		baro_secret_add_line(s, BARO_LINE_RATE_LIMIT, 0);
	if (s->disallow_reuse)
		baro_secret_add_line(s, BARO_LINE_DISALLOW_REUSE, 0);
}

static void build_secret(const struct opts *o, struct baro_secret *s)
{
	baro_secret_init(s);
	s->method = o->hash;
	s->digits = o->digits;
	s->cycle_time = o->cycle;
	s->window = o->window;
	s->has_rate_limit = o->rate_limit;
	s->rate_count = o->rate_count;
	s->rate_interval = o->rate_interval;
	s->disallow_reuse = o->disallow_reuse;
	add_option_lines(s);
}

/* The per-user directory: created 0700 root under a safe parent. */
static bool make_parent(const char *path)
{
	char dir[PATH_MAX], base[256];
	const char *why = NULL;
	char *slash;
	int fd = -1;
	bool ok;

	if ((size_t)snprintf(dir, sizeof(dir), "%s", path) >= sizeof(dir))
		return false;
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return true;
	*slash = '\0';
	if (baro_open_parent(dir, &fd, base, sizeof(base), &why) != BARO_IO_OK) {
		fprintf(stderr, "baro-keygen: %s: %s\n", dir,
			why != NULL ? why : strerror(errno));
		return false;
	}
	ok = mkdirat(fd, base, 0700) == 0 || errno == EEXIST;
	if (!ok)
		fprintf(stderr, "baro-keygen: mkdir %s: %s\n", dir,
			strerror(errno));
	close(fd);
	return ok;
}

static int write_new(const char *path, const struct baro_secret *s,
		     bool force)
{
	char base[256];
	const char *why = NULL;
	char *text;
	size_t len = 0;
	int dirfd = -1, lockfd = -1, rc = 1;
	enum baro_io_err e;

	text = baro_secret_format(s, &len);
	if (text == NULL)
		return 1;
	e = baro_open_parent(path, &dirfd, base, sizeof(base), &why);
	if (e == BARO_IO_OK)
		e = baro_lock_at(dirfd, base, &lockfd);
	if (e == BARO_IO_OK)
		e = baro_file_create_at(dirfd, base, text, len, force);
	if (e == BARO_IO_OK)
		rc = 0;
	else if (errno == EEXIST)
		fprintf(stderr, "baro-keygen: %s exists (use --force to replace it)\n",
			path);
	else
		fprintf(stderr, "baro-keygen: cannot write %s: %s\n", path,
			e == BARO_IO_PERM && why != NULL ? why : strerror(errno));
	OPENSSL_cleanse(text, len);
	free(text);
	if (lockfd >= 0)
		close(lockfd);
	if (dirfd >= 0)
		close(dirfd);
	return rc;
}

static int cmd_create(struct opts *o)
{
	const struct passwd *pw = lookup(o->user);
	char path[PATH_MAX];
	struct material m = { 0 };
	struct baro_secret *s = NULL;
	int rc = 1;

	if (pw == NULL || !secret_path(o, pw, path, sizeof(path)))
		return 1;
	s = malloc(sizeof(*s));
	if (s == NULL)
		return 1;
	build_secret(o, s);
	if (!new_key(&m, o->key_bytes) || !set_secure_key(o, o->user, &m, s) ||
	    !new_emergency(s, &m, o->emergency) || !make_parent(path))
		goto out;
	rc = write_new(path, s, o->force);
	if (rc == 0)
		rc = show_enrolment(o, o->user, s, &m) ? 0 : 1;
out:
	wipe(&m);
	baro_secret_wipe(s);
	free(s);
	return rc;
}

/* --- commands on an existing file --- */

typedef bool (*edit_fn)(struct opts *o, struct baro_store *st,
			struct material *m);

static bool key_of(struct opts *o, struct baro_store *st, struct material *m)
{
	uint8_t hk[BARO_HOSTKEY_LEN];
	bool ok;

	if (!baro_secret_is_sealed(&st->secret))
		return baro_base32_decode(st->secret.secure_key, m->key,
					  sizeof(m->key), &m->keylen);
	ok = load_hostkey(o, hk) &&
	     baro_unseal(hk, o->user, st->secret.secure_key, m->key,
			 sizeof(m->key), &m->keylen) == BARO_SEAL_OK;
	OPENSSL_cleanse(hk, sizeof(hk));
	if (!ok)
		fprintf(stderr, "Can't find SECURE_KEY[sealed value does not open]\n");
	return ok;
}

static void clear_state(struct baro_secret *s)
{
	s->n_rate_ts = 0;
	s->n_used = 0;
}

static bool edit_rotate(struct opts *o, struct baro_store *st,
			struct material *m)
{
	unsigned n = o->emergency;

	o->encrypt = baro_secret_is_sealed(&st->secret);
	clear_state(&st->secret);
	return new_key(m, (unsigned)st->secret.cycle_time > 0
				  ? default_key_bytes(st->secret.method)
				  : o->key_bytes) &&
	       set_secure_key(o, o->user, m, &st->secret) &&
	       new_emergency(&st->secret, m, n) &&
	       show_enrolment(o, o->user, &st->secret, m);
}

static bool edit_emergency(struct opts *o, struct baro_store *st,
			   struct material *m)
{
	if (!key_of(o, st, m) || !new_emergency(&st->secret, m, o->emergency))
		return false;
	print_codes(m);
	return true;
}

static bool edit_reset(struct opts *o, struct baro_store *st,
		       struct material *m)
{
	(void)o;
	(void)m;
	clear_state(&st->secret);
	printf("RATE_LIMIT and DISALLOW_REUSE state cleared\n");
	return true;
}

static int edit_file(struct opts *o, edit_fn fn)
{
	const struct passwd *pw = lookup(o->user);
	char path[PATH_MAX];
	struct baro_store *st = NULL;
	struct material m = { 0 };
	int rc = 1;

	if (pw == NULL || !secret_path(o, pw, path, sizeof(path)))
		return 1;
	st = malloc(sizeof(*st));
	if (st == NULL)
		return 1;
	baro_store_init(st, path);
	switch (baro_store_load(st, true, &stderr_log)) {
	case BARO_STORE_OK:
		break;
	case BARO_STORE_MISSING:
		fprintf(stderr, "Failed to secret file read %s\n", path);
		goto out;
	default:
		goto out;
	}
	if (fn(o, st, &m) && baro_store_save(st, &stderr_log))
		rc = 0;
out:
	wipe(&m);
	baro_store_close(st);
	free(st);
	return rc;
}

/* Sealing changes SECURE_KEY only: the codes stay the same. */
static bool edit_seal(struct opts *o, struct baro_store *st,
		      struct material *m)
{
	if (baro_secret_is_sealed(&st->secret)) {
		fprintf(stderr, "baro-keygen: %s is sealed already\n", st->path);
		return false;
	}
	o->encrypt = true;
	return key_of(o, st, m) && set_secure_key(o, o->user, m, &st->secret);
}

static bool edit_unseal(struct opts *o, struct baro_store *st,
			struct material *m)
{
	if (!baro_secret_is_sealed(&st->secret)) {
		fprintf(stderr, "baro-keygen: %s is not sealed\n", st->path);
		return false;
	}
	o->encrypt = false;
	return key_of(o, st, m) &&
	       baro_base32_encode(m->key, m->keylen, m->b32, sizeof(m->b32)) &&
	       set_secure_key(o, o->user, m, &st->secret);
}

/* Host key rotation: open under --keyfile, seal under --new-keyfile. */
static bool edit_reseal(struct opts *o, struct baro_store *st,
			struct material *m)
{
	if (o->new_keyfile == NULL || !baro_secret_is_sealed(&st->secret)) {
		fprintf(stderr, "baro-keygen: reseal needs a sealed file and --new-keyfile\n");
		return false;
	}
	if (!key_of(o, st, m))
		return false;
	o->keyfile = o->new_keyfile;
	o->encrypt = true;
	return set_secure_key(o, o->user, m, &st->secret);
}

/* --- show --- */

static void show_secret(const char *path, const struct baro_secret *s)
{
	size_t i, left = 0;

	for (i = 0; i < s->n_emergency; i++)
		left += !s->emergency_used[i];
	printf("file:           %s\n", path);
	printf("secure key:     %s\n", baro_secret_is_sealed(s)
						   ? "sealed (encrypt=yes)"
						   : "plain base32 (encrypt=no)");
	printf("key method:     %s\ndigits:         %u\n",
	       baro_hash_name(s->method), s->digits);
	printf("cycle time:     %u s\nwindow size:    %u\n", s->cycle_time,
	       s->window);
	if (s->has_rate_limit) {
		printf("rate limit:     %u per %u s; recent attempts:",
		       s->rate_count, s->rate_interval);
		for (i = 0; i < s->n_rate_ts; i++)
			printf(" %lld", (long long)s->rate_ts[i]);
		printf("\n");
	} else {
		printf("rate limit:     off\n");
	}
	if (s->disallow_reuse) {
		printf("disallow reuse: on; used cycles:");
		for (i = 0; i < s->n_used; i++)
			printf(" %lld", (long long)s->used[i]);
		printf("\n");
	} else {
		printf("disallow reuse: off\n");
	}
	printf("emergency codes: %zu unused\n", left);
}

static int cmd_show(struct opts *o)
{
	const struct passwd *pw = lookup(o->user);
	char path[PATH_MAX];
	struct baro_store *st;
	int rc = 1;

	if (pw == NULL || !secret_path(o, pw, path, sizeof(path)))
		return 1;
	st = malloc(sizeof(*st));
	if (st == NULL)
		return 1;
	baro_store_init(st, path);
	switch (baro_store_load(st, false, &stderr_log)) {
	case BARO_STORE_OK:
		show_secret(path, &st->secret);
		rc = 0;
		break;
	case BARO_STORE_MISSING:
		fprintf(stderr, "Failed to secret file read %s\n", path);
		break;
	default:
		break;
	}
	baro_store_close(st);
	free(st);
	return rc;
}

/* --- check --- */

static void remedy(const char *text)
{
	fprintf(stderr, "  remedy: %s\n", text);
}

static int check_secret(struct opts *o, const char *path,
			enum baro_encrypt encrypt)
{
	struct baro_store *st = malloc(sizeof(*st));
	struct material m = { 0 };
	int problems = 0;

	if (st == NULL)
		return 1;
	baro_store_init(st, path);
	switch (baro_store_load(st, false, &stderr_log)) {
	case BARO_STORE_OK:
		if ((encrypt == BARO_ENCRYPT_YES) != baro_secret_is_sealed(&st->secret)) {
			fprintf(stderr, "Can't find SECURE_KEY[%s]\n",
				encrypt == BARO_ENCRYPT_YES ? "plain key but encrypt=yes"
							    : "sealed key but encrypt=no");
			remedy("match encrypt= to the file: baro-keygen rotate, or re-create it");
			problems++;
		} else if (!key_of(o, st, &m)) {
			remedy("restore the host key, or re-create the user's key");
			problems++;
		}
		break;
	case BARO_STORE_MISSING:
		fprintf(stderr, "Failed to secret file read %s\n", path);
		remedy("baro-keygen create -u USER");
		problems++;
		break;
	case BARO_STORE_FILE:
		remedy("chown root:root FILE; chmod 0400 FILE; directories root-owned, not group/other-writable (docs/TROUBLESHOOTING.md)");
		problems++;
		break;
	case BARO_STORE_CONTENTS:
		if (st->parse == BARO_PARSE_NO_KEY)
			fprintf(stderr, "There is no secure key for user %s\n", o->user);
		if (st->parse == BARO_PARSE_NO_CYCLE)
			fprintf(stderr, "There is no cycle time for user %s\n", o->user);
		if (st->secret.err_line > 0)
			fprintf(stderr, "  at line %u\n", st->secret.err_line);
		remedy("fix the line, or re-create the file with baro-keygen create --force");
		problems++;
		break;
	}
	wipe(&m);
	baro_store_close(st);
	free(st);
	return problems;
}

static int check_acl(const char *acl, const struct passwd *pw)
{
	struct baro_acl_subject subj = {
		.user = pw->pw_name, .gid = pw->pw_gid, .service = "sshd",
	};
	enum baro_acl_action action;

	if (baro_acl_check(acl, &subj, &action, &stderr_log) == BARO_ACL_OK)
		return 0;
	remedy("chown root:root ACL; chmod 0444 ACL; fix the named line (conf/baro_acl.example)");
	return 1;
}

static int cmd_check(struct opts *o)
{
	const struct passwd *pw = lookup(o->user);
	struct baro_config cfg;
	char path[PATH_MAX], confarg[PATH_MAX + 8];
	const char *argv[1];
	uint8_t hk[BARO_HOSTKEY_LEN];
	int problems = 0;

	if (pw == NULL)
		return 1;
	if ((size_t)snprintf(confarg, sizeof(confarg), "conf=%s",
			     o->conf != NULL ? o->conf : BARO_DEFAULT_CONF) >=
	    sizeof(confarg))
		return EXIT_USAGE;
	argv[0] = confarg;
	if (o->file != NULL) {
		baro_config_defaults(&cfg);
		cfg.encrypt = o->encrypt ? BARO_ENCRYPT_YES : BARO_ENCRYPT_NO;
		if ((size_t)snprintf(path, sizeof(path), "%s", o->file) >=
		    sizeof(path))
			return EXIT_USAGE;
	} else if (baro_config_load(&cfg, 1, argv, &stderr_log) != BARO_CONFIG_OK) {
		remedy("fix the conf file (conf/baro_auth.conf shows every option)");
		return 1;
	} else if (!secret_path(o, pw, path, sizeof(path))) {
		return 1;
	}
	keyfile_from_conf(o, &cfg);
	if (cfg.encrypt == BARO_ENCRYPT_YES && !load_hostkey(o, hk)) {
		remedy("chown root:root KEYFILE; chmod 0400 KEYFILE, or baro-keygen hostkey");
		problems++;
	}
	OPENSSL_cleanse(hk, sizeof(hk));
	if (cfg.acl[0] != '\0')
		problems += check_acl(cfg.acl, pw);
	problems += check_secret(o, path, cfg.encrypt);
	if (problems == 0)
		printf("%s: OK\n", path);
	return problems == 0 ? 0 : 1;
}

/* check --all: every user whose expanded secret path exists. */
static int cmd_check_all(struct opts *o)
{
	struct baro_config cfg;
	char path[PATH_MAX], confarg[PATH_MAX + 8];
	const char *argv[1];
	const struct passwd *pw;
	struct stat st;
	unsigned files = 0;
	int problems = 0;

	if (o->file != NULL ||
	    (size_t)snprintf(confarg, sizeof(confarg), "conf=%s",
			     o->conf != NULL ? o->conf : BARO_DEFAULT_CONF) >=
		    sizeof(confarg))
		return EXIT_USAGE;
	argv[0] = confarg;
	if (baro_config_load(&cfg, 1, argv, &stderr_log) != BARO_CONFIG_OK) {
		remedy("fix the conf file (conf/baro_auth.conf shows every option)");
		return 1;
	}
	keyfile_from_conf(o, &cfg);
	setpwent();
	while ((pw = getpwent()) != NULL) {
		if (!baro_user_name_ok(pw->pw_name) ||
		    !baro_expand_path(cfg.secret, pw->pw_name, pw->pw_dir, path,
				      sizeof(path)) ||
		    lstat(path, &st) != 0)
			continue;
		o->user = pw->pw_name;
		files++;
		problems += check_secret(o, path, cfg.encrypt);
	}
	endpwent();
	printf("%u secret file(s) checked, %d problem(s)\n", files, problems);
	return problems == 0 ? 0 : 1;
}

/* --- import of a google-authenticator file --- */

/* One '" OPTION ...' line of ~/.google_authenticator. */
static bool import_option(struct baro_secret *s, char *line, bool *totp)
{
	char *name = strtok(line + 2, " \t");
	char *a = strtok(NULL, " \t"), *b = a != NULL ? strtok(NULL, " \t") : NULL;
	unsigned long v, w;

	if (name == NULL)
		return false;
	if (strcmp(name, "TOTP_AUTH") == 0)
		*totp = true;
	else if (strcmp(name, "DISALLOW_REUSE") == 0)
		s->disallow_reuse = true;
	else if (strcmp(name, "STEP_SIZE") == 0 && a != NULL &&
		 baro_parse_ulong(a, BARO_CYCLE_MIN, BARO_CYCLE_MAX, &v))
		s->cycle_time = (unsigned)v;
	else if (strcmp(name, "WINDOW_SIZE") == 0 && a != NULL &&
		 baro_parse_ulong(a, 1, BARO_WINDOW_MAX, &v))
		s->window = (unsigned)v;
	else if (strcmp(name, "RATE_LIMIT") == 0 && b != NULL &&
		 baro_parse_ulong(a, 1, BARO_RATE_COUNT_MAX, &v) &&
		 baro_parse_ulong(b, 1, BARO_RATE_INTERVAL_MAX, &w)) {
		s->has_rate_limit = true;
		s->rate_count = (unsigned)v;
		s->rate_interval = (unsigned)w;
	} else if (strcmp(name, "HOTP_COUNTER") == 0) {
		fprintf(stderr, "baro-keygen: HOTP (counter-based) files cannot be imported: pam_baro_auth is time-based\n");
		return false;
	} else {
		fprintf(stderr, "baro-keygen: unsupported option \"%s\"\n", name);
		return false;
	}
	return true;
}

static bool import_scratch(struct baro_secret *s, struct material *m,
			   const char *line)
{
	size_t i = s->n_emergency;

	if (strlen(line) != BARO_EMERGENCY_DIGITS ||
	    strspn(line, "0123456789") != BARO_EMERGENCY_DIGITS ||
	    i >= BARO_EMERGENCY_MAX ||
	    !baro_emergency_hash(m->key, m->keylen, line, s->emergency[i]))
		return false;
	s->n_emergency++;
	return true;
}

static bool parse_google(char *text, struct baro_secret *s,
			 struct material *m)
{
	char *line, *save = NULL;
	bool totp = false, first = true, ok = true;

	for (line = strtok_r(text, "\n", &save); ok && line != NULL;
	     line = strtok_r(NULL, "\n", &save), first = false) {
		if (first)
			ok = baro_base32_decode(line, m->key, sizeof(m->key),
						&m->keylen) &&
			     baro_base32_encode(m->key, m->keylen, m->b32,
						sizeof(m->b32));
		else if (strncmp(line, "\" ", 2) == 0)
			ok = import_option(s, line, &totp);
		else
			ok = import_scratch(s, m, line);
	}
	if (ok && !totp)
		fprintf(stderr, "baro-keygen: not a TOTP file (no \" TOTP_AUTH)\n");
	if (ok && totp && (m->keylen < BARO_KEY_MIN || m->keylen > BARO_KEY_MAX))
		fprintf(stderr, "baro-keygen: the key has %zu bytes; pam_baro_auth needs %d..%d: create a new key instead\n",
			m->keylen, BARO_KEY_MIN, BARO_KEY_MAX);
	return ok && totp && m->keylen >= BARO_KEY_MIN && m->keylen <= BARO_KEY_MAX;
}

static char *read_google(const char *path)
{
	struct stat st;
	char *buf = NULL;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size > 0 && st.st_size <= 65536) {
		size_t size = (size_t)st.st_size;

		buf = calloc(1, size + 1);
		if (buf != NULL && read(fd, buf, size) != (ssize_t)size) {
			OPENSSL_cleanse(buf, size);
			free(buf);
			buf = NULL;
		}
	}
	if (buf == NULL)
		fprintf(stderr, "baro-keygen: cannot read %s: %s\n", path,
			errno != 0 ? strerror(errno) : "not a regular file");
	if (fd >= 0)
		close(fd);
	return buf;
}

static int cmd_import(struct opts *o)
{
	const struct passwd *pw = lookup(o->user);
	char path[PATH_MAX];
	struct material m = { 0 };
	struct baro_secret *s = NULL;
	char *text = NULL;
	size_t n_scratch;
	unsigned i;
	int rc = 1;

	if (o->from == NULL)
		usage();
	if (pw == NULL || !secret_path(o, pw, path, sizeof(path)) ||
	    (text = read_google(o->from)) == NULL ||
	    (s = malloc(sizeof(*s))) == NULL)
		goto out;
	o->rate_limit = false;
	o->disallow_reuse = false;
	build_secret(o, s);
	s->n_lines = 0;
	s->method = BARO_SHA1; /* google-authenticator: SHA1, 6 digits */
	s->digits = 6;
	if (!parse_google(text, s, &m))
		goto out;
	n_scratch = s->n_emergency;
	add_option_lines(s);
	for (i = 0; i < n_scratch; i++)
		baro_secret_add_line(s, BARO_LINE_EMERGENCY_KEY, i);
	if (!set_secure_key(o, o->user, &m, s) || !make_parent(path))
		goto out;
	rc = write_new(path, s, o->force);
	if (rc == 0)
		printf("imported %s into %s (%zu scratch codes as emergency codes)\n",
		       o->from, path, n_scratch);
out:
	if (text != NULL)
		OPENSSL_cleanse(text, strlen(text));
	free(text);
	wipe(&m);
	if (s != NULL)
		baro_secret_wipe(s);
	free(s);
	return rc;
}

/* --- host key --- */

static int cmd_hostkey(struct opts *o)
{
	const char *path = o->keyfile != NULL ? o->keyfile : BARO_DEFAULT_KEYFILE;
	uint8_t key[BARO_HOSTKEY_LEN];
	char text[BARO_HOSTKEY_TEXT_LEN + 1], base[256];
	const char *why = NULL;
	int dirfd = -1, rc = 1;

	if (RAND_bytes(key, sizeof(key)) != 1 ||
	    !baro_hostkey_format(key, text, sizeof(text)))
		goto out;
	if (baro_open_parent(path, &dirfd, base, sizeof(base), &why) !=
	    BARO_IO_OK) {
		fprintf(stderr, "baro-keygen: %s: %s\n", path,
			why != NULL ? why : strerror(errno));
		goto out;
	}
	if (baro_file_create_at(dirfd, base, text, strlen(text), o->force) !=
	    BARO_IO_OK) {
		fprintf(stderr, "baro-keygen: cannot write %s: %s\n", path,
			errno == EEXIST ? "exists (use --force)" : strerror(errno));
		goto out;
	}
	printf("host key written to %s\n", path);
	rc = 0;
out:
	if (dirfd >= 0)
		close(dirfd);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(text, sizeof(text));
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o = {
		.qr = KG_QR_UTF8, .hash = BARO_SHA1, .digits = 6, .cycle = 30,
		.window = 3, .emergency = 5, .rate_count = 3,
		.rate_interval = 30, .rate_limit = true, .disallow_reuse = true,
	};

	umask(077);
	parse_options(argc, argv, &o);
	if (strcmp(o.cmd, "create") == 0)
		return cmd_create(&o);
	if (strcmp(o.cmd, "rotate") == 0)
		return edit_file(&o, edit_rotate);
	if (strcmp(o.cmd, "emergency") == 0)
		return edit_file(&o, edit_emergency);
	if (strcmp(o.cmd, "reset") == 0)
		return edit_file(&o, edit_reset);
	if (strcmp(o.cmd, "show") == 0)
		return cmd_show(&o);
	if (strcmp(o.cmd, "check") == 0 && o.all)
		return cmd_check_all(&o);
	if (strcmp(o.cmd, "check") == 0)
		return cmd_check(&o);
	if (strcmp(o.cmd, "seal") == 0)
		return edit_file(&o, edit_seal);
	if (strcmp(o.cmd, "unseal") == 0)
		return edit_file(&o, edit_unseal);
	if (strcmp(o.cmd, "reseal") == 0)
		return edit_file(&o, edit_reseal);
	if (strcmp(o.cmd, "import") == 0)
		return cmd_import(&o);
	if (strcmp(o.cmd, "hostkey") == 0)
		return cmd_hostkey(&o);
	usage();
}
