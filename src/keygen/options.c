/* SPDX-License-Identifier: BSD-3-Clause */
/* The command line, parsed once into a read-only struct: the command's
 * row decides which options are allowed and needed; numbers are range
 * checked; anything else is a usage error (exit 2) before any work. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "baro/util.h"
#include "keygen.h"

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
	{ "pam-dir", required_argument, NULL, 'P' },
	{ "remove-source", no_argument, NULL, 'X' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* getopt's character of each option bit, for the messages. */
static const char opt_chars[KO_COUNT_] = {
	[KO_USER_] = 'u', [KO_FILE_] = 'f', [KO_CONF_] = 'c',
	[KO_HASH_] = 'H', [KO_DIGITS_] = 'd', [KO_CYCLE_] = 'C',
	[KO_WINDOW_] = 'w', [KO_RATE_LIMIT_] = 'r', [KO_NO_RATE_LIMIT_] = 'R',
	[KO_NO_DISALLOW_REUSE_] = 'D', [KO_EMERGENCY_] = 'e',
	[KO_KEY_BYTES_] = 'k', [KO_ISSUER_] = 'i', [KO_QR_] = 'q',
	[KO_QR_FILE_] = 'Q', [KO_ENCRYPT_] = 'E', [KO_KEYFILE_] = 'K',
	[KO_FORCE_] = 'F', [KO_FROM_] = 'g', [KO_NEW_KEYFILE_] = 'N',
	[KO_ALL_] = 'A', [KO_PAM_DIR_] = 'P', [KO_REMOVE_SOURCE_] = 'X',
};

static const char *opt_name(unsigned bit)
{
	static char buf[32];
	const struct option *lo;

	for (lo = longopts; lo->name != NULL; lo++)
		if (lo->val == opt_chars[bit])
			break;
	if (bit == KO_USER_ || bit == KO_FILE_ || bit == KO_CONF_)
		(void)snprintf(buf, sizeof(buf), "-%c", opt_chars[bit]);
	else
		(void)snprintf(buf, sizeof(buf), "--%s", lo->name);
	return buf;
}

static int bit_of(int c)
{
	int i;

	for (i = 0; i < KO_COUNT_; i++)
		if (opt_chars[i] == c)
			return i;
	return -1;
}

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

static void parse_qr(struct kg_opts *o, const char *s)
{
	if (strcmp(s, "utf8") == 0)
		o->qr = KG_QR_UTF8;
	else if (strcmp(s, "ascii") == 0)
		o->qr = KG_QR_ASCII;
	else if (strcmp(s, "none") == 0)
		o->qr = KG_QR_NONE;
	else
		kg_usage(o->cmd);
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

static void set_value(struct kg_opts *o, int c, const char *arg)
{
	const struct kg_cmd *cmd = o->cmd;

	switch (c) {
	case 'u': o->user = arg; break;
	case 'f': o->file = arg; break;
	case 'c': o->conf = arg; break;
	case 'H':
		if (!baro_hash_from_name(arg, &o->hash))
			kg_usage(cmd);
		break;
	case 'd':
		o->digits = number(cmd, arg, BARO_DIGITS_MIN, BARO_DIGITS_MAX,
				   "digits");
		break;
	case 'C':
		o->cycle = number(cmd, arg, BARO_CYCLE_MIN, BARO_CYCLE_MAX,
				  "cycle");
		break;
	case 'w': o->window = number(cmd, arg, 1, BARO_WINDOW_MAX, "window"); break;
	case 'r': parse_rate(o, arg); break;
	case 'R': o->rate_limit = false; break;
	case 'D': o->disallow_reuse = false; break;
	case 'e':
		o->emergency = number(cmd, arg, 0, BARO_EMERGENCY_MAX,
				      "emergency");
		break;
	case 'k':
		o->key_bytes = number(cmd, arg, BARO_KEY_MIN, BARO_KEY_MAX,
				      "key-bytes");
		break;
	case 'i': o->issuer = arg; break;
	case 'q': parse_qr(o, arg); break;
	case 'Q': parse_qr_file(o, arg); break;
	case 'E': o->encrypt = true; break;
	case 'K': o->keyfile = arg; break;
	case 'F': o->force = true; break;
	case 'g': o->from = arg; break;
	case 'N': o->new_keyfile = arg; break;
	case 'A': o->all = true; break;
	case 'P': o->pam_dir = arg; break;
	case 'X': o->remove_source = true; break;
	default: break;
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
		fprintf(stderr, "baro-keygen: %s needs exactly one of:",
			cmd->name);
		print_bits(cmd->one_of);
		kg_usage(cmd);
	}
	for (g = 0; g < 2; g++) {
		if (popcount(o->given & cmd->exclusive[g]) > 1) {
			fprintf(stderr, "baro-keygen: %s: these options exclude each other:",
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
	int c, bit;

	defaults(o);
	if (argc < 2)
		kg_usage(NULL);
	o->cmd = kg_find_cmd(argv[1]);
	if (o->cmd == NULL && (strcmp(argv[1], "--help") == 0 ||
			       strcmp(argv[1], "-h") == 0 ||
			       strcmp(argv[1], "help") == 0))
		kg_help(NULL);
	if (o->cmd == NULL) {
		fprintf(stderr, "baro-keygen: unknown command \"%s\"\n", argv[1]);
		kg_usage(NULL);
	}
	optind = 2;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "u:f:c:h", longopts, NULL)) != -1) {
		if (c == 'h')
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
		set_value(o, c, optarg);
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
