/* SPDX-License-Identifier: BSD-3-Clause */
/* The command line, parsed once into a read-only struct: the command's
 * row decides which options are allowed and needed; numbers are range
 * checked; anything else is a usage error (exit 2) before any work. */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "baro/util.h"
#include "keygen.h"

static unsigned number(const struct kg_cmd *cmd, const char *s,
		       unsigned long lo, unsigned long hi, const char *what)
{
	unsigned long v;

	if (!baro_parse_ulong(s, lo, hi, &v)) {
		fprintf(stderr, "baro-keygen: %s must be %lu..%lu: \"%s\"\n",
			what, lo, hi, s);
		kg_usage(cmd);
	}
	return (unsigned)v;
}

static void parse_rate(struct kg_opts *o, const char *s)
{
	char buf[64];
	const char *comma = strchr(s, ',');

	if (comma == NULL || strlen(s) >= sizeof(buf)) {
		fprintf(stderr, "baro-keygen: --rate-limit COUNT,SECONDS\n");
		kg_usage(o->cmd);
	}
	memcpy(buf, s, (size_t)(comma - s));
	buf[comma - s] = '\0';
	o->rate_count = number(o->cmd, buf, 1, BARO_RATE_COUNT_MAX,
			       "rate-limit count");
	o->rate_interval = number(o->cmd, comma + 1, 1, BARO_RATE_INTERVAL_MAX,
				  "rate-limit interval");
	o->rate_limit = true;
}

static void parse_hash(struct kg_opts *o, const char *s)
{
	if (!baro_hash_from_name(s, &o->hash)) {
		fprintf(stderr,
			"baro-keygen: --hash must be SHA1, SHA256 or SHA512: \"%s\"\n",
			s);
		kg_usage(o->cmd);
	}
}

static void parse_qr(struct kg_opts *o, const char *s)
{
	if (strcmp(s, "utf8") == 0)
		o->qr = KG_QR_UTF8;
	else if (strcmp(s, "ascii") == 0)
		o->qr = KG_QR_ASCII;
	else if (strcmp(s, "none") == 0)
		o->qr = KG_QR_NONE;
	else {
		fprintf(stderr,
			"baro-keygen: --qr must be utf8, ascii or none: \"%s\"\n",
			s);
		kg_usage(o->cmd);
	}
}

static void parse_qr_file(struct kg_opts *o, const char *s)
{
	o->qr_file = s;
	o->qr_image = kg_image_of(s);
	if (o->qr_image == KG_IMAGE_NONE) {
		fprintf(stderr,
			"baro-keygen: --qr-file must end in .png or .pbm: \"%s\"\n",
			s);
		kg_usage(o->cmd);
	}
}

/* Every option: its names, and how its value is kept (a string, a flag,
 * a number in a range, or a parser of its own). */
enum kind { K_STR, K_FLAG, K_NUM, K_FN };
typedef void (*parse_fn)(struct kg_opts *o, const char *arg);

struct optdef {
	const char *name; /* --name */
	char letter;      /* -x too, or 0 */
	enum kind kind;
	size_t offset; /* K_STR: const char *, K_FLAG: bool, K_NUM: unsigned */
	bool value;    /* K_FLAG: what it sets */
	unsigned long lo, hi; /* K_NUM */
	parse_fn parse;       /* K_FN */
};

#define STR(bit, n, l, field)                                               \
	[KO_##bit##_] = { n,     l, K_STR, offsetof(struct kg_opts, field), \
			  false, 0, 0,     NULL }
#define FLAG(bit, n, field, v)                                           \
	[KO_##bit##_] = { n, 0, K_FLAG, offsetof(struct kg_opts, field), \
			  v, 0, 0,      NULL }
#define NUM(bit, n, field, lo, hi)                                           \
	[KO_##bit##_] = { n,     0,  K_NUM, offsetof(struct kg_opts, field), \
			  false, lo, hi,    NULL }
#define FN(bit, n, fn) [KO_##bit##_] = { n, 0, K_FN, 0, false, 0, 0, fn }

static const struct optdef optdefs[KO_COUNT_] = {
	STR(USER, "user", 'u', user),
	STR(FILE, "file", 'f', file),
	STR(CONF, "conf", 'c', conf),
	FN(HASH, "hash", parse_hash),
	NUM(DIGITS, "digits", digits, BARO_DIGITS_MIN, BARO_DIGITS_MAX),
	NUM(CYCLE, "cycle", cycle, BARO_CYCLE_MIN, BARO_CYCLE_MAX),
	NUM(WINDOW, "window", window, 1, BARO_WINDOW_MAX),
	FN(RATE_LIMIT, "rate-limit", parse_rate),
	FLAG(NO_RATE_LIMIT, "no-rate-limit", rate_limit, false),
	FLAG(NO_DISALLOW_REUSE, "no-disallow-reuse", disallow_reuse, false),
	NUM(EMERGENCY, "emergency", emergency, 0, BARO_EMERGENCY_MAX),
	NUM(KEY_BYTES, "key-bytes", key_bytes, BARO_KEY_MIN, BARO_KEY_MAX),
	STR(ISSUER, "issuer", 0, issuer),
	FN(QR, "qr", parse_qr),
	FN(QR_FILE, "qr-file", parse_qr_file),
	FLAG(ENCRYPT, "encrypt", encrypt, true),
	STR(KEYFILE, "keyfile", 0, keyfile),
	FLAG(FORCE, "force", force, true),
	STR(FROM, "from", 0, from),
	STR(NEW_KEYFILE, "new-keyfile", 0, new_keyfile),
	FLAG(ALL, "all", all, true),
	STR(PAM_DIR, "pam-dir", 0, pam_dir),
	FLAG(REMOVE_SOURCE, "remove-source", remove_source, true),
	STR(DB, "db", 0, db),
};

#define HELP 'h'
#define LONG_ONLY 256 /* getopt's value of a long-only option: 256 + bit */

static const char *opt_name(unsigned bit)
{
	static char buf[32];
	int n;

	if (optdefs[bit].letter != 0)
		n = snprintf(buf, sizeof(buf), "-%c", optdefs[bit].letter);
	else
		n = snprintf(buf, sizeof(buf), "--%s", optdefs[bit].name);
	return n > 0 && (size_t)n < sizeof(buf) ? buf : "?";
}

static void make_longopts(struct option *lo)
{
	int i;

	for (i = 0; i < KO_COUNT_; i++) {
		lo[i].name = optdefs[i].name;
		lo[i].has_arg = optdefs[i].kind == K_FLAG ? no_argument
							  : required_argument;
		lo[i].flag = NULL;
		lo[i].val = optdefs[i].letter != 0 ? optdefs[i].letter
						   : LONG_ONLY + i;
	}
	lo[KO_COUNT_] = (struct option){ "help", no_argument, NULL, HELP };
	lo[KO_COUNT_ + 1] = (struct option){ NULL, 0, NULL, 0 };
}

/* The option bit of getopt's value, or -1. */
static int bit_of(int c)
{
	int i;

	if (c >= LONG_ONLY && c < LONG_ONLY + KO_COUNT_)
		return c - LONG_ONLY;
	for (i = 0; i < KO_COUNT_; i++)
		if (optdefs[i].letter != 0 && optdefs[i].letter == c)
			return i;
	return -1;
}

static void set_value(struct kg_opts *o, int bit, const char *arg)
{
	const struct optdef *d = &optdefs[bit];
	char *field = (char *)o + d->offset;

	switch (d->kind) {
	case K_STR:
		*(const char **)(void *)field = arg;
		break;
	case K_FLAG:
		*(bool *)(void *)field = d->value;
		break;
	case K_NUM:
		*(unsigned *)(void *)field = number(o->cmd, arg, d->lo, d->hi,
						    d->name);
		break;
	case K_FN:
		d->parse(o, arg);
		break;
	}
}

static int popcount(unsigned v)
{
	return __builtin_popcount(v);
}

static void print_bits(unsigned bits)
{
	int i;

	for (i = 0; i < KO_COUNT_; i++)
		if ((bits & (1u << i)) != 0)
			fprintf(stderr, " %s", opt_name((unsigned)i));
	fputc('\n', stderr);
}

/* The row's rules, checked before the command runs. */
static void check_rules(const struct kg_opts *o)
{
	const struct kg_cmd *cmd = o->cmd;
	unsigned missing = cmd->required & ~o->given;
	int g;

	if (missing != 0) {
		fprintf(stderr, "baro-keygen: %s needs", cmd->name);
		print_bits(missing);
		kg_usage(cmd);
	}
	if (cmd->one_of != 0 && popcount(o->given & cmd->one_of) != 1) {
		fprintf(stderr,
			"baro-keygen: %s needs exactly one of:", cmd->name);
		print_bits(cmd->one_of);
		kg_usage(cmd);
	}
	for (g = 0; g < 2; g++) {
		if (popcount(o->given & cmd->exclusive[g]) > 1) {
			fprintf(stderr,
				"baro-keygen: %s: these options exclude each other:",
				cmd->name);
			print_bits(o->given & cmd->exclusive[g]);
			kg_usage(cmd);
		}
	}
}

static void defaults(struct kg_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->qr = KG_QR_UTF8;
	o->hash = BARO_SHA1;
	o->digits = 6;
	o->cycle = 30;
	o->window = 3;
	o->emergency = 5;
	o->rate_count = 3;
	o->rate_interval = 30;
	o->rate_limit = true;
	o->disallow_reuse = true;
}

void kg_parse(int argc, char **argv, struct kg_opts *o)
{
	struct option longopts[KO_COUNT_ + 2];
	int c, bit;

	defaults(o);
	make_longopts(longopts);
	if (argc < 2)
		kg_usage(NULL);
	o->cmd = kg_find_cmd(argv[1]);
	if (o->cmd == NULL &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	     strcmp(argv[1], "help") == 0))
		kg_help(NULL);
	if (o->cmd == NULL) {
		fprintf(stderr, "baro-keygen: unknown command \"%s\"\n",
			argv[1]);
		kg_usage(NULL);
	}
	optind = 2;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "u:f:c:h", longopts, NULL)) != -1) {
		if (c == HELP)
			kg_help(o->cmd);
		bit = bit_of(c);
		if (bit < 0)
			kg_usage(o->cmd);
		if ((o->cmd->allowed & (1u << bit)) == 0) {
			fprintf(stderr, "baro-keygen: %s does not take %s\n",
				o->cmd->name, opt_name((unsigned)bit));
			kg_usage(o->cmd);
		}
		o->given |= 1u << bit;
		set_value(o, bit, optarg);
	}
	if ((unsigned)(argc - optind) != o->cmd->args) {
		fprintf(stderr, "baro-keygen: %s takes %u argument(s)\n",
			o->cmd->name, o->cmd->args);
		kg_usage(o->cmd);
	}
	if (o->cmd->args == 1)
		o->code = argv[optind];
	if (o->key_bytes == 0)
		o->key_bytes = kg_default_key_bytes(o->hash);
	check_rules(o);
}
