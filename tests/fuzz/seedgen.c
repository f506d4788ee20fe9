/* SPDX-License-Identifier: BSD-3-Clause */
/* Writes the seed corpora of tests/fuzz/corpus: valid and near-valid
 * secret files, ACLs, conf files, base32 texts, sealed keys, and whole
 * logins for fuzz_pam (right, wrong, emergency, sealed, ACL, nullok,
 * forward_pass, first_pass, with a fault tape). The codes are computed
 * with the core's HOTP, which tests/unit checks against oathtool.
 * Usage: fuzz_seedgen DIR   (DIR/<target>/ must exist). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baro/base32.h"
#include "baro/seal.h"
#include "baro/totp.h"
#include "baro/verify.h"

#define T0 1700000000LL
#define KEY_B32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
#define EMERGENCY "12345678"

static const char *outdir;

static void put(const char *target, const char *name, const void *data,
		size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", outdir, target, name);
	f = fopen(path, "wbe");
	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "seedgen: %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

static void put_text(const char *target, const char *name, const char *text)
{
	put(target, name, text, strlen(text));
}

/* --- a growing byte buffer --- */

struct buf {
	char b[16384];
	size_t n;
};

static void add(struct buf *b, const void *p, size_t n)
{
	if (b->n + n > sizeof(b->b))
		exit(2);
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void add_byte(struct buf *b, unsigned v)
{
	unsigned char c = (unsigned char)v;

	add(b, &c, 1);
}

/* A field and its terminating NUL. */
static void add_field(struct buf *b, const char *s)
{
	add(b, s, strlen(s) + 1);
}

static void code_at(int64_t t, char *out)
{
	uint8_t key[BARO_KEY_MAX];
	size_t keylen = 0;
	uint32_t v = 0;

	if (!baro_base32_decode(KEY_B32, key, sizeof(key), &keylen) ||
	    !baro_hotp(BARO_SHA1, key, keylen, (uint64_t)(t / 30), 6, &v))
		exit(3);
	snprintf(out, 16, "%06u", v);
}

static void emergency_line(char *out, size_t n)
{
	uint8_t key[BARO_KEY_MAX], h[BARO_EMERGENCY_HASH_LEN];
	size_t keylen = 0, i, pos;

	if (!baro_base32_decode(KEY_B32, key, sizeof(key), &keylen) ||
	    !baro_emergency_hash(key, keylen, EMERGENCY, h))
		exit(3);
	pos = (size_t)snprintf(out, n, "EMERGENCY_KEY ");
	for (i = 0; i < sizeof(h); i++)
		pos += (size_t)snprintf(out + pos, n - pos, "%02x", h[i]);
	snprintf(out + pos, n - pos, "\n");
}

static const uint8_t hostkey[BARO_HOSTKEY_LEN] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
};

static void sealed_key(const char *user, char *out, size_t n)
{
	uint8_t key[BARO_KEY_MAX];
	size_t keylen = 0;

	if (!baro_base32_decode(KEY_B32, key, sizeof(key), &keylen) ||
	    baro_seal(hostkey, user, key, keylen, out, n) != BARO_SEAL_OK)
		exit(3);
}

/* --- secret files --- */

static void secret_seeds(void)
{
	char em[128], sealed[BARO_SEALED_BUFSZ], text[2048];

	emergency_line(em, sizeof(em));
	sealed_key("nobody", sealed, sizeof(sealed));
	put_text("secret", "minimal", "SECURE_KEY " KEY_B32 "\nCYCLE_TIME 30\n");
	snprintf(text, sizeof(text),
		 "# BaroPAM secret file\n\nSECURE_KEY " KEY_B32 "\n"
		 "CYCLE_TIME 60\nKEY_METHOD SHA256\nDIGITS 8\nWINDOW_SIZE 5\n"
		 "RATE_LIMIT 3 30 1700000000 1700000010\n"
		 "DISALLOW_REUSE 56666666 56666667\n%s%s"
		 "  # trailing comment\n",
		 em, em);
	put_text("secret", "full", text);
	snprintf(text, sizeof(text), "SECURE_KEY %s\nCYCLE_TIME 30\n"
		 "KEY_METHOD SHA512\nDISALLOW_REUSE\n", sealed);
	put_text("secret", "sealed", text);
	put_text("secret", "lowercase_padded",
		 "CYCLE_TIME 300\nsecure_key x\nSECURE_KEY mzxw6ytboi======\n");
	put_text("secret", "repeated",
		 "SECURE_KEY " KEY_B32 "\nCYCLE_TIME 30\nCYCLE_TIME 30\n");
	put_text("secret", "bad_rate_limit",
		 "SECURE_KEY " KEY_B32 "\nCYCLE_TIME 30\nRATE_LIMIT 2 30 1 2 3\n");
	put_text("secret", "no_cycle", "SECURE_KEY " KEY_B32 "\n");
	put_text("secret", "crlf", "SECURE_KEY " KEY_B32 "\r\nCYCLE_TIME 30\r\n");
}

/* --- ACLs: flags, gid, groups, user, rhost, service, rules --- */

static const char example_acl[] =
	"# action : users            : origins                  : services\n"
	"skip     : deploy           : 10.0.0.0/8 192.168.1.7   : sshd\n"
	"deny     : guest @contract  : ALL                      : ALL\n"
	"skip     : alice            : 2001:db8::/32 ::ffff:10.0.0.0/104 : sshd su\n"
	"skip     : bob @g7          : LOCAL                    : ALL # why\n"
	"require  : ALL              : ALL                      : ALL\n";

static void acl_seed(const char *name, unsigned flags, const char *user,
		     const char *rhost, const char *service, const char *rules)
{
	struct buf b = { .n = 0 };

	add_byte(&b, flags);
	add_byte(&b, 100);
	add_byte(&b, 2);
	add_byte(&b, 7);
	add_byte(&b, 100);
	add_field(&b, user);
	add_field(&b, rhost);
	add_field(&b, service);
	add(&b, rules, strlen(rules));
	put("acl", name, b.b, b.n);
}

static void acl_seeds(void)
{
	acl_seed("deploy_skip", 0, "deploy", "10.1.2.3", "sshd", example_acl);
	acl_seed("alice_v6", 0, "alice", "2001:db8::5", "su", example_acl);
	acl_seed("bob_local", 1, "bob", "", "login", example_acl);
	acl_seed("group_match", 0, "carol", "192.168.1.7", "sshd",
		 "deny : @g7 @err1 : ALL : ALL\n");
	acl_seed("group_range", 0, "carol", "", "sshd",
		 "skip : @range : ALL : ALL\nrequire : ALL : ALL : ALL\n");
	acl_seed("ambiguous", 0, "u", "fe80::1", "sshd",
		 "skip : u : fe80::1:beef\n");
	acl_seed("empty", 0, "u", "", "", "");
	acl_seed("malformed", 0, "u", "", "", "allow : ALL : ALL : ALL\n");
}

/* --- conf files: flags, conf text, arguments --- */

static void config_seed(const char *name, unsigned flags, const char *conf,
			const char *args)
{
	struct buf b = { .n = 0 };

	add_byte(&b, flags);
	add_field(&b, conf);
	add(&b, args, strlen(args));
	put("config", name, b.b, b.n);
}

static void config_seeds(void)
{
	config_seed("conf_file", 2,
		    "# baro_auth.conf\nsecret = /var/lib/baropam/${USER}/.baro_auth\n"
		    "encrypt=no\n  nullok\nprompt=Code: \n",
		    "debug\nacl=/etc/baropam/baro_acl");
	config_seed("args_only", 3, "",
		    "secret=~/.baro_auth\nencrypt=yes\nkeyfile=/etc/baropam/host.key\n"
		    "forward_pass\necho_verification_code\nno_log_info\nsilent");
	config_seed("conflict", 0, "forward_pass\nuse_first_pass\n",
		    "secret=/s\nencrypt=no");
	config_seed("bad_values", 2, "encrypt=maybe\n",
		    "secret=relative\nprompt=\nbogus\nconf=/x");
	config_seed("nul_in_conf", 4, "secret=/a\0encrypt=no\n", "");
}

/* --- base32: mode byte, then text (even) or bytes (odd) --- */

static void base32_seeds(void)
{
	put("base32", "key", "\x00" KEY_B32, sizeof(KEY_B32));
	put("base32", "padded_lower", "\x00mzxw6ytboi======", 17);
	put("base32", "bad_tail", "\x00MZXW6YTBOJ", 11);
	put("base32", "bytes", "\x01\x00\xff\x10\x20\x30\x40\x50", 8);
}

/* --- sealed values: host key, user, text --- */

static void seal_seed(const char *name, const char *user, const char *text,
		      size_t len)
{
	struct buf b = { .n = 0 };

	add(&b, hostkey, sizeof(hostkey));
	add_field(&b, user);
	add(&b, text, len);
	put("seal", name, b.b, b.n);
}

static void seal_seeds(void)
{
	char sealed[BARO_SEALED_BUFSZ], hex[BARO_HOSTKEY_TEXT_LEN + 1];

	sealed_key("nobody", sealed, sizeof(sealed));
	seal_seed("opens", "nobody", sealed, strlen(sealed));
	seal_seed("other_user", "root", sealed, strlen(sealed));
	seal_seed("truncated", "nobody", sealed, strlen(sealed) - 4);
	/* "a" is odd: seal the rest as key bytes and open it again. */
	seal_seed("round_trip", "a", "0123456789abcdef0123", 20);
	if (!baro_hostkey_format(hostkey, hex, sizeof(hex)))
		exit(3);
	seal_seed("hostkey_text", "nobody", hex, strlen(hex));
}

/* --- whole logins for fuzz_pam --- */

struct login {
	unsigned files, pam, conv, extra;
	uint32_t now;
	const char *user, *rhost, *service, *ssh, *authtok, *answer1,
		*answer2, *args, *secret, *acl, *conf, *hostkey;
	size_t tape_zeros; /* zero bytes before the failing one */
	unsigned tape_fail; /* 0: no tape */
};

static void pam_seed(const char *name, const struct login *l)
{
	struct buf b = { .n = 0 };
	uint32_t now = l->now;
	size_t i;

	add_byte(&b, l->files);
	add_byte(&b, l->pam);
	add_byte(&b, l->conv);
	for (i = 0; i < 4; i++)
		add_byte(&b, (now >> (8 * i)) & 0xff);
	add_byte(&b, l->extra);
	add_field(&b, l->user != NULL ? l->user : "nobody");
	add_field(&b, l->rhost != NULL ? l->rhost : "");
	add_field(&b, l->service != NULL ? l->service : "sshd");
	add_field(&b, l->ssh != NULL ? l->ssh : "");
	add_field(&b, l->authtok != NULL ? l->authtok : "");
	add_field(&b, l->answer1 != NULL ? l->answer1 : "");
	add_field(&b, l->answer2 != NULL ? l->answer2 : "");
	add_field(&b, l->args != NULL ? l->args : "");
	add_field(&b, l->secret != NULL ? l->secret : "");
	add_field(&b, l->acl != NULL ? l->acl : "");
	add_field(&b, l->conf != NULL ? l->conf : "");
	add_field(&b, l->hostkey != NULL ? l->hostkey : "");
	if (l->tape_fail != 0) {
		for (i = 0; i < l->tape_zeros; i++)
			add_byte(&b, 0);
		add_byte(&b, l->tape_fail);
	}
	put("pam", name, b.b, b.n);
}

enum { F_ENCRYPT = 1, F_ACL = 2, F_CONF = 4, F_SILENT = 16, F_SECRET = 32,
       F_HOSTKEY = 64 };
enum { P_RHOST = 4, P_SERVICE = 8, P_AUTHTOK = 16, P_SSH = 32 };

static void pam_seeds(void)
{
	char code[16], stateful[1024], em[128], sealed[BARO_SEALED_BUFSZ],
		sealed_file[512], hex[BARO_HOSTKEY_TEXT_LEN + 1], fwd[64];
	const uint32_t now = 1234; /* T0 + 1234 */
	struct login l;
	size_t i;

	code_at(T0 + now, code);
	emergency_line(em, sizeof(em));
	snprintf(stateful, sizeof(stateful),
		 "SECURE_KEY " KEY_B32 "\nCYCLE_TIME 30\nDISALLOW_REUSE\n"
		 "RATE_LIMIT 3 60\n%s", em);
	sealed_key("nobody", sealed, sizeof(sealed));
	snprintf(sealed_file, sizeof(sealed_file),
		 "SECURE_KEY %s\nCYCLE_TIME 30\nRATE_LIMIT 5 30\n", sealed);
	if (!baro_hostkey_format(hostkey, hex, sizeof(hex)))
		exit(3);

	l = (struct login){ .files = F_SECRET, .pam = P_RHOST | P_SERVICE | P_SSH,
			    .now = now, .rhost = "192.0.2.7",
			    .ssh = "192.0.2.7 50000 198.51.100.1 22",
			    .answer1 = code, .secret = stateful };
	pam_seed("right_code", &l);
	l.answer1 = "000000";
	pam_seed("wrong_code", &l);
	l.answer1 = EMERGENCY;
	pam_seed("emergency_code", &l);
	l.answer1 = code;
	l.files |= F_SILENT;
	l.args = "debug";
	l.secret = "SECURE_KEY " KEY_B32 "\nCYCLE_TIME 30\nRATE_LIMIT 1 60 1700001230\n";
	pam_seed("rate_limited", &l);

	l = (struct login){ .files = F_SECRET | F_ENCRYPT | F_HOSTKEY,
			    .now = now, .answer1 = code, .secret = sealed_file,
			    .hostkey = hex };
	pam_seed("sealed_right_code", &l);

	l = (struct login){ .files = F_SECRET | F_ACL, .pam = P_RHOST | P_SERVICE,
			    .now = now, .rhost = "10.1.2.3", .answer1 = code,
			    .secret = stateful, .acl = example_acl,
			    .user = "deploy" };
	pam_seed("acl_skip", &l);
	l.user = "nobody";
	l.acl = "deny : nobody : ALL : ALL\n";
	pam_seed("acl_deny", &l);

	l = (struct login){ .files = F_CONF, .now = now, .answer1 = code,
			    .conf = "nullok\ndebug\n" };
	pam_seed("nullok_no_file", &l);

	snprintf(fwd, sizeof(fwd), "pass word%s", code);
	l = (struct login){ .files = F_SECRET, .now = now, .answer1 = fwd,
			    .args = "forward_pass\nprompt=Password+code: ",
			    .secret = stateful };
	pam_seed("forward_pass", &l);

	l = (struct login){ .files = F_SECRET, .pam = P_AUTHTOK, .now = now,
			    .authtok = "999999", .answer1 = code,
			    .args = "try_first_pass", .secret = stateful };
	pam_seed("try_first_pass", &l);
	l.args = "use_first_pass";
	l.authtok = code;
	pam_seed("use_first_pass", &l);

	l = (struct login){ .files = F_SECRET, .pam = 3, .now = now,
			    .answer1 = code, .secret = stateful };
	pam_seed("no_user", &l);
	l.pam = 0;
	l.user = "no-such-user-here";
	pam_seed("unknown_user", &l);

	/* The same right login with one failing call somewhere. */
	l = (struct login){ .files = F_SECRET, .now = now, .answer1 = code,
			    .secret = stateful, .extra = 2 };
	for (i = 0; i < 6; i++) {
		char name[32];

		l.tape_zeros = 8 * i + 3;
		l.tape_fail = (unsigned)(1 + i);
		snprintf(name, sizeof(name), "fault_%zu", i);
		pam_seed(name, &l);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: fuzz_seedgen CORPUS_DIR\n");
		return 2;
	}
	outdir = argv[1];
	secret_seeds();
	acl_seeds();
	config_seeds();
	base32_seeds();
	seal_seeds();
	pam_seeds();
	return 0;
}
