/* SPDX-License-Identifier: BSD-3-Clause */
/* baro-keygen, the administrator's CLI: one table of commands (main.c),
 * options parsed once into a read-only struct (options.c), one file per
 * group of commands. Every file access and every decision goes through the
 * core library the module uses: one parser, one writer, one set of checks. */
#ifndef BARO_KEYGEN_H
#define BARO_KEYGEN_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "baro/config.h"
#include "baro/log.h"
#include "baro/secret.h"
#include "baro/store.h"
#include "baro/totp.h"

#define KG_EXIT_OK 0
#define KG_EXIT_ERR 1
#define KG_EXIT_USAGE 2

/* Every option of every command; a command's table row says which it
 * takes (main.c). */
enum kg_opt {
	KO_USER_,
	KO_FILE_,
	KO_CONF_,
	KO_HASH_,
	KO_DIGITS_,
	KO_CYCLE_,
	KO_WINDOW_,
	KO_RATE_LIMIT_,
	KO_NO_RATE_LIMIT_,
	KO_NO_DISALLOW_REUSE_,
	KO_EMERGENCY_,
	KO_KEY_BYTES_,
	KO_ISSUER_,
	KO_QR_,
	KO_QR_FILE_,
	KO_ENCRYPT_,
	KO_KEYFILE_,
	KO_FORCE_,
	KO_FROM_,
	KO_NEW_KEYFILE_,
	KO_ALL_,
	KO_PAM_DIR_,
	KO_REMOVE_SOURCE_,
	KO_DB_,
	KO_COUNT_
};

#define KO(name) (1u << KO_##name##_)

enum kg_qr { KG_QR_UTF8, KG_QR_ASCII, KG_QR_NONE };
enum kg_image { KG_IMAGE_NONE, KG_IMAGE_PNG, KG_IMAGE_PBM };

struct kg_cmd;

/* The command line, parsed once; handlers get it read-only. */
struct kg_opts {
	const struct kg_cmd *cmd;
	unsigned given; /* KO() bits of the options on the command line */
	const char *user;
	const char *file; /* -f: explicit secret path */
	const char *conf; /* -c: conf file (default BARO_DEFAULT_CONF) */
	const char *issuer;
	const char *keyfile; /* --keyfile: host key */
	const char *qr_file;
	const char *from;        /* import: the google-authenticator file */
	const char *new_keyfile; /* reseal: the new host key */
	const char *pam_dir;     /* check: the PAM configuration directory */
	const char *code;        /* verify: the code to judge */
	const char *db;          /* fleet-*: libpq connection string */
	enum kg_qr qr;
	enum kg_image qr_image;
	enum baro_hash hash;
	unsigned digits, cycle, window, key_bytes, emergency;
	unsigned rate_count, rate_interval;
	bool rate_limit, disallow_reuse, force, encrypt, all, remove_source;
};

typedef int (*kg_run_fn)(const struct kg_opts *o);

/* One row of the command table. */
struct kg_cmd {
	const char *name;
	kg_run_fn run;
	unsigned allowed;      /* KO() bits the command takes */
	unsigned required;     /* KO() bits it needs */
	unsigned one_of;       /* exactly one of these bits (0: no rule) */
	unsigned exclusive[2]; /* groups: at most one bit of each */
	unsigned args;         /* positional arguments */
	bool for_users;        /* may run without root */
	const char *usage;
};

/* options.c */
const struct kg_cmd *kg_find_cmd(const char *name);
void kg_usage(const struct kg_cmd *cmd) __attribute__((noreturn));
/* --help: the usage on stdout, exit 0. */
void kg_help(const struct kg_cmd *cmd) __attribute__((noreturn));
void kg_parse(int argc, char **argv, struct kg_opts *o);

/* Commands, one file per group. */
int kg_cmd_create(const struct kg_opts *o); /* provision.c */
int kg_cmd_rotate(const struct kg_opts *o);
int kg_cmd_emergency(const struct kg_opts *o);
int kg_cmd_hostkey(const struct kg_opts *o);
int kg_cmd_reset(const struct kg_opts *o); /* state.c */
int kg_cmd_show(const struct kg_opts *o);
int kg_cmd_verify(const struct kg_opts *o);
int kg_cmd_seal(const struct kg_opts *o); /* seal.c */
int kg_cmd_unseal(const struct kg_opts *o);
int kg_cmd_reseal(const struct kg_opts *o);
int kg_cmd_check(const struct kg_opts *o);        /* check.c */
int kg_cmd_import(const struct kg_opts *o);       /* import.c */
int kg_cmd_enrol(const struct kg_opts *o);        /* enrol_user.c */
int kg_cmd_fleet_create(const struct kg_opts *o); /* fleet.c */
int kg_cmd_fleet_rotate(const struct kg_opts *o);
int kg_cmd_fleet_emergency(const struct kg_opts *o);
int kg_cmd_fleet_reset(const struct kg_opts *o);
int kg_cmd_fleet_show(const struct kg_opts *o);
int kg_cmd_fleet_upload(const struct kg_opts *o);
int kg_cmd_fleet_check(const struct kg_opts *o);

/* common.c: messages, the user's file, writing. */
extern const struct baro_log kg_log; /* core messages to stderr */
void kg_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kg_remedy(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Where a user's secret lives and how its key is written. */
struct kg_target {
	char user[257];
	char path[PATH_MAX];
	char keyfile[PATH_MAX];
	bool encrypt;
	/* Set by a kg_with_file() step: says what was done, once saved. */
	void (*done)(const struct kg_opts *o, const struct kg_target *t);
};

/* -u USER, then -f PATH or the conf file's secret= template; encrypt and
 * keyfile from the command line, else from the conf file. Prints why not. */
bool kg_target_resolve(const struct kg_opts *o, struct kg_target *t);

/* Create the missing directories of path's parent: root-owned, the last
 * one 0700, the ones above 0755; every existing one must pass the
 * module's path checks. */
bool kg_make_parents(const char *path);

/* Write a new file (0400 root, atomic, under the module's lock). */
int kg_write_new(const char *path, const struct baro_secret *s, bool force);

/* Load the target's file (locked when write), run fn, save when write and
 * fn succeeded. */
struct kg_material;
typedef bool (*kg_file_fn)(const struct kg_opts *o, struct kg_target *t,
			   struct baro_store *st, struct kg_material *m);
int kg_with_file(const struct kg_opts *o, bool write, kg_file_fn fn);

/* keys.c: key material. */
struct kg_material {
	uint8_t key[BARO_KEY_MAX];
	size_t keylen;
	char b32[BARO_SECURE_KEY_TEXT_MAX + 1];
	char codes[BARO_EMERGENCY_MAX][BARO_EMERGENCY_DIGITS + 1];
	unsigned n_codes;
};

void kg_material_wipe(struct kg_material *m);
unsigned kg_default_key_bytes(enum baro_hash h);
bool kg_new_key(struct kg_material *m, unsigned bytes);
/* Replace the emergency codes by n new ones (hashes under m's key). */
bool kg_new_emergency(struct baro_secret *s, struct kg_material *m, unsigned n);
void kg_print_codes(const struct kg_material *m);
/* A new secret with the command line's options and option lines
 * (provision.c). */
void kg_build_secret(const struct kg_opts *o, struct baro_secret *s);
/* The option lines of a new file, in the canonical order (provision.c). */
void kg_add_option_lines(struct baro_secret *s);
/* SECURE_KEY as written: base32, or sealed for user under keyfile. */
bool kg_set_secure_key(bool encrypt, const char *keyfile, const char *user,
		       const struct kg_material *m, struct baro_secret *s);
/* The key of a loaded file, plain or sealed (under keyfile), opened by
 * the core as the module opens it; "Can't find SECURE_KEY[...]" if not. */
bool kg_key_of(const char *keyfile, const char *user,
	       const struct baro_store *st, struct kg_material *m);

/* enrol.c: the otpauth:// URI and its QR code. */
struct kg_enrol {
	const char *issuer;
	const char *user;
	const char *secret_b32;
	enum baro_hash hash;
	unsigned digits;
	unsigned period;
};

/* otpauth://totp/ISSUER:USER?secret=...&issuer=...&algorithm=...&digits=...&period=... */
bool kg_uri(const struct kg_enrol *e, char *out, size_t outsz);

/* Print the URI, the QR code on the terminal, the image file if asked, and
 * the emergency codes. */
bool kg_show_enrolment(const struct kg_opts *o, const char *user,
		       const struct baro_secret *s,
		       const struct kg_material *m);

/* The image format of a --qr-file name: .png, .pbm, or none (refused). */
enum kg_image kg_image_of(const char *path);

/* pamd.c: what the host's PAM configuration does with the module. */
#define KG_PAM_LINES_MAX 64
#define KG_PAM_ARGS_MAX 32

/* A line that loads pam_baro_auth.so in an auth stack. */
struct kg_pam_line {
	char file[PATH_MAX]; /* the file that holds it */
	unsigned lineno;
	int argc;
	const char *argv[KG_PAM_ARGS_MAX]; /* into buf */
	char buf[1024];
	char services[1024]; /* the services whose auth stack reaches it */
};

struct kg_pam_service {
	char name[256];
	bool module;          /* its auth stack runs pam_baro_auth */
	const char *password; /* a password module its auth stack runs */
	bool warned;
};

struct kg_pam {
	struct kg_pam_line *lines;
	size_t n_lines;
	struct kg_pam_service *services;
	size_t n_services;
	unsigned unreadable; /* service files that could not be read */
};

/* Read every service of dir; false if dir cannot be read. */
bool kg_pam_scan(const char *dir, struct kg_pam *p);
void kg_pam_free(struct kg_pam *p);
/* Warn about services that ask for a password but not for a code while
 * a sibling service does (sudo and sudo-i, su and su-l, ...); returns how
 * many. */
int kg_pam_siblings(struct kg_pam *p, const char *dir);

#endif
