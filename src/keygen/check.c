/* SPDX-License-Identifier: BSD-3-Clause */
/* check: what the module will really do on this host. Every auth line of
 * the PAM configuration that loads the module has its arguments combined
 * with the conf file by the core's own loader; each user's file is judged
 * against each line's effective options, and each problem is printed with
 * the module's message, where it applies, and a remedy that names the real
 * user, file and command. */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "baro/acl.h"
#include "baro/seal.h"
#include "baro/user.h"
#include "baro/util.h"
#include "keygen.h"

#define DEFAULT_PAM_DIR "/etc/pam.d"

/* One way the module is run: a PAM line, or the conf file alone. */
struct ctx {
	const struct kg_pam_line *line; /* NULL: no service loads the module */
	struct baro_config cfg;
	bool usable; /* the options load */
	bool hostkey_ok;
	bool acl_ok;
	char where[PATH_MAX + 64];
	char conf_arg[PATH_MAX + 8];
	char secret_arg[PATH_MAX + 8];
};

struct run {
	const struct kg_opts *o;
	const char *pam_dir;
	struct kg_pam pam;
	struct ctx *ctx;
	size_t n_ctx;
	int problems;
	unsigned files;
	char *missing; /* --all: users with a login shell and no file */
	size_t n_missing;
};

static void problem(struct run *r, const struct ctx *c, const char *user)
{
	r->problems++;
	if (user != NULL)
		fprintf(stderr, "  for: user %s, %s\n", user, c->where);
	else
		fprintf(stderr, "  for: %s\n", c->where);
}

static void set_where(const struct run *r, struct ctx *c)
{
	const char *conf = r->o->conf != NULL ? r->o->conf : BARO_DEFAULT_CONF;
	int n;

	if (c->line != NULL)
		n = snprintf(c->where, sizeof(c->where),
			     "service %s (%s line %u)", c->line->services,
			     c->line->file, c->line->lineno);
	else
		n = snprintf(c->where, sizeof(c->where),
			     "the conf file %s (no service in %s loads pam_baro_auth.so)",
			     conf, r->pam_dir);
	if (n < 0 || (size_t)n >= sizeof(c->where))
		memcpy(c->where + sizeof(c->where) - 4, "...", 4);
}

/* The line's arguments, then -c for a line without conf= and -f. */
static int ctx_argv(const struct run *r, struct ctx *c, const char **argv)
{
	bool has_conf = false;
	int argc = 0, i, n;

	for (i = 0; c->line != NULL && i < c->line->argc; i++) {
		argv[argc++] = c->line->argv[i];
		has_conf |= strncmp(c->line->argv[i], "conf=", 5) == 0;
	}
	if (r->o->conf != NULL && !has_conf) {
		n = snprintf(c->conf_arg, sizeof(c->conf_arg), "conf=%s",
			     r->o->conf);
		if (n > 0 && (size_t)n < sizeof(c->conf_arg))
			argv[argc++] = c->conf_arg;
	}
	if (r->o->file != NULL) {
		n = snprintf(c->secret_arg, sizeof(c->secret_arg), "secret=%s",
			     r->o->file);
		if (n > 0 && (size_t)n < sizeof(c->secret_arg))
			argv[argc++] = c->secret_arg;
	}
	return argc;
}

static void check_acl_file(struct run *r, struct ctx *c)
{
	struct baro_acl_subject subj = { .user = "root", .service = "" };
	enum baro_acl_action action;

	c->acl_ok = c->cfg.acl[0] == '\0' ||
		    baro_acl_check(c->cfg.acl, &subj, &action, &kg_log) ==
			    BARO_ACL_OK;
	if (c->acl_ok)
		return;
	problem(r, c, NULL);
	kg_remedy("chown root:root %s; chmod 0444 %s; fix the named line (conf/baro_acl.example shows the syntax)",
		  c->cfg.acl, c->cfg.acl);
}

static void load_ctx(struct run *r, struct ctx *c)
{
	const char *argv[KG_PAM_ARGS_MAX + 2];
	uint8_t hk[BARO_HOSTKEY_LEN];
	int argc = ctx_argv(r, c, argv);

	set_where(r, c);
	c->usable = baro_config_load(&c->cfg, argc, argv, &kg_log) ==
		    BARO_CONFIG_OK;
	if (!c->usable) {
		problem(r, c, NULL);
		kg_remedy("fix the arguments of %s or the conf file %s (pam_baro_auth(8); conf/baro_auth.conf shows every option)",
			  c->where, c->cfg.conf);
		return;
	}
	if (r->o->keyfile != NULL)
		(void)snprintf(c->cfg.keyfile, sizeof(c->cfg.keyfile), "%s",
			       r->o->keyfile);
	c->hostkey_ok = c->cfg.encrypt != BARO_ENCRYPT_YES ||
			baro_hostkey_load(c->cfg.keyfile, hk, &kg_log);
	OPENSSL_cleanse(hk, sizeof(hk));
	if (!c->hostkey_ok) {
		problem(r, c, NULL);
		kg_remedy("restore the host key the files were sealed under as %s (chown root:root %s; chmod 0400 %s); on a new host: baro-keygen hostkey --keyfile %s",
			  c->cfg.keyfile, c->cfg.keyfile, c->cfg.keyfile,
			  c->cfg.keyfile);
	}
	check_acl_file(r, c);
	printf("%s: secret=%s encrypt=%s%s%s\n", c->where, c->cfg.secret,
	       c->cfg.encrypt == BARO_ENCRYPT_YES ? "yes keyfile=" : "no",
	       c->cfg.encrypt == BARO_ENCRYPT_YES ? c->cfg.keyfile : "",
	       c->cfg.nullok ? " nullok" : "");
	(void)fflush(stdout);
}

/* Where to change encrypt= for this line: the line itself when it names
 * it (it overrides the conf file), else the conf file. */
static void encrypt_place(const struct ctx *c, char *buf, size_t n)
{
	int i, w;
	bool on_line = false;

	for (i = 0; c->line != NULL && i < c->line->argc; i++)
		on_line |= strncmp(c->line->argv[i], "encrypt=", 8) == 0;
	if (on_line)
		w = snprintf(buf, n,
			     "on %s line %u, which overrides the conf file",
			     c->line->file, c->line->lineno);
	else
		w = snprintf(buf, n, "in %s", c->cfg.conf);
	if (w < 0 || (size_t)w >= n)
		buf[0] = '\0';
}

static void key_remedy(const struct ctx *c, const char *user, const char *path,
		       const char *why)
{
	const char *k = c->cfg.keyfile;
	char place[PATH_MAX + 64];

	encrypt_place(c, place, sizeof(place));
	if (strcmp(why, "sealed key but encrypt=no") == 0)
		kg_remedy("the file is sealed: set encrypt=yes keyfile=%s %s; or open it: baro-keygen unseal -u %s -f %s --keyfile %s",
			  k, place, user, path, k);
	else if (strcmp(why, "plain key but encrypt=yes") == 0)
		kg_remedy("the file is plain: seal it: baro-keygen seal -u %s -f %s --keyfile %s; or set encrypt=no %s",
			  user, path, k, place);
	else
		kg_remedy("restore the host key %s was sealed under as %s; if it is lost, a new key (the user enrols again): baro-keygen create -u %s -f %s --force%s%s",
			  path, k, user, path,
			  c->cfg.encrypt == BARO_ENCRYPT_YES
				  ? " --encrypt --keyfile "
				  : "",
			  c->cfg.encrypt == BARO_ENCRYPT_YES ? k : "");
}

static void check_key(struct run *r, const struct ctx *c, const char *user,
		      const char *path, const struct baro_secret *s)
{
	struct kg_material m;
	const char *why;

	if (baro_secret_is_sealed(s) && c->cfg.encrypt == BARO_ENCRYPT_YES &&
	    !c->hostkey_ok) {
		problem(r, c, user); /* the host key is reported above */
		return;
	}
	memset(&m, 0, sizeof(m));
	why = baro_store_key_problem(s, c->cfg.encrypt == BARO_ENCRYPT_YES,
				     c->cfg.keyfile, user, m.key, sizeof(m.key),
				     &m.keylen, &kg_log);
	kg_material_wipe(&m);
	if (why == NULL) {
		printf("%s: OK for %s, %s\n", path, user, c->where);
		return;
	}
	fprintf(stderr, "Can't find SECURE_KEY[%s]\n", why);
	problem(r, c, user);
	key_remedy(c, user, path, why);
}

static void check_contents(struct run *r, const struct ctx *c, const char *user,
			   const char *path, const struct baro_store *st)
{
	if (st->parse == BARO_PARSE_NO_KEY)
		fprintf(stderr, "There is no secure key for user %s\n", user);
	if (st->parse == BARO_PARSE_NO_CYCLE)
		fprintf(stderr, "There is no cycle time for user %s\n", user);
	problem(r, c, user);
	if (st->secret.err_line > 0)
		kg_remedy("fix line %u of %s, or issue a new key (the user enrols again): baro-keygen create -u %s -f %s --force",
			  st->secret.err_line, path, user, path);
	else
		kg_remedy("fix %s, or issue a new key (the user enrols again): baro-keygen create -u %s -f %s --force",
			  path, user, path);
}

static bool login_shell(const char *shell)
{
	const char *s;
	bool found = false;

	setusershell();
	while (!found && (s = getusershell()) != NULL)
		found = strcmp(s, shell) == 0;
	endusershell();
	return found;
}

static void add_missing(struct run *r, const char *user)
{
	size_t have = r->missing != NULL ? strlen(r->missing) : 0;
	char *more = realloc(r->missing, have + strlen(user) + 2);

	if (more == NULL)
		return;
	(void)snprintf(more + have, strlen(user) + 2, "%s%s",
		       have > 0 ? " " : "", user);
	r->missing = more;
	r->n_missing++;
}

static void file_missing(struct run *r, const struct ctx *c,
			 const struct passwd *pw, const char *path)
{
	if (r->o->all) {
		if (login_shell(pw->pw_shell))
			add_missing(r, pw->pw_name);
	} else if (c->cfg.nullok) {
		printf("%s: no file: nullok lets %s in without a code, %s\n",
		       path, pw->pw_name, c->where);
	} else {
		fprintf(stderr, "Failed to secret file read %s\n", path);
		problem(r, c, pw->pw_name);
		kg_remedy("baro-keygen create -u %s -f %s%s%s", pw->pw_name,
			  path,
			  c->cfg.encrypt == BARO_ENCRYPT_YES
				  ? " --encrypt --keyfile "
				  : "",
			  c->cfg.encrypt == BARO_ENCRYPT_YES ? c->cfg.keyfile
							     : "");
	}
}

/* The ACL's answer for each service of the line, when it is not
 * "require": the user then never sees the prompt there. */
static void acl_notes(const struct ctx *c, const struct passwd *pw)
{
	char services[sizeof(c->line->services)], *svc, *save = NULL;
	struct baro_acl_subject subj = { .user = pw->pw_name,
					 .gid = pw->pw_gid };
	enum baro_acl_action action;
	gid_t *groups = NULL;
	size_t ngroups = 0;

	if (c->line == NULL || c->cfg.acl[0] == '\0' || !c->acl_ok ||
	    !baro_user_groups(pw->pw_name, pw->pw_gid, &groups, &ngroups))
		return;
	subj.groups = groups;
	subj.ngroups = ngroups;
	(void)snprintf(services, sizeof(services), "%s", c->line->services);
	for (svc = strtok_r(services, " ", &save); svc != NULL;
	     svc = strtok_r(NULL, " ", &save)) {
		subj.service = svc;
		if (baro_acl_check(c->cfg.acl, &subj, &action, &kg_log) !=
			    BARO_ACL_OK ||
		    action == BARO_ACL_REQUIRE)
			continue;
		printf("%s: the ACL %s %s on %s (local logins)\n", c->cfg.acl,
		       action == BARO_ACL_SKIP ? "skips the code for"
					       : "denies",
		       pw->pw_name, svc);
	}
	free(groups);
}

static void check_file(struct run *r, const struct ctx *c,
		       const struct passwd *pw)
{
	char path[PATH_MAX];
	struct baro_store *st;

	if (!baro_expand_path(c->cfg.secret, pw->pw_name, pw->pw_dir, path,
			      sizeof(path))) {
		fprintf(stderr, "Failed to compute location of secret file\n");
		problem(r, c, pw->pw_name);
		kg_remedy("secret= must expand to an absolute path for %s (home %s)",
			  pw->pw_name, pw->pw_dir);
		return;
	}
	/* nullok's question first, as the module asks it. */
	if (baro_store_missing(path)) {
		file_missing(r, c, pw, path);
		return;
	}
	st = malloc(sizeof(*st));
	if (st == NULL)
		return;
	baro_store_init(st, path);
	switch (baro_store_load(st, false, &kg_log)) {
	case BARO_STORE_OK:
		r->files++;
		check_key(r, c, pw->pw_name, path, &st->secret);
		break;
	case BARO_STORE_MISSING: /* appeared and went: logged by the store */
		problem(r, c, pw->pw_name);
		break;
	case BARO_STORE_FILE:
		r->files++;
		problem(r, c, pw->pw_name);
		if (st->file.why != NULL)
			fprintf(stderr, "  why: %s\n", st->file.why);
		kg_remedy("chown root:root %s; chmod 0400 %s; every directory above it root's and not group/other-writable",
			  path, path);
		break;
	case BARO_STORE_CONTENTS:
		r->files++;
		check_contents(r, c, pw->pw_name, path, st);
		break;
	}
	baro_store_close(st);
	free(st);
	acl_notes(c, pw);
}

static void check_users(struct run *r, const struct ctx *c)
{
	const struct passwd *pw;

	if (!r->o->all) {
		pw = getpwnam(r->o->user);
		if (pw != NULL)
			check_file(r, c, pw);
		return;
	}
	setpwent();
	while ((pw = getpwent()) != NULL)
		if (baro_user_name_ok(pw->pw_name))
			check_file(r, c, pw);
	endpwent();
	if (r->n_missing > 0)
		printf("%zu user(s) with a login shell have no secret file for %s%s: %s\n",
		       r->n_missing, c->where,
		       c->cfg.nullok ? " (nullok: they log in without a code)"
				     : " (no nullok: they cannot log in there)",
		       r->missing);
	free(r->missing);
	r->missing = NULL;
	r->n_missing = 0;
}

/* Every line that loads the module, or the conf file alone. */
static bool make_contexts(struct run *r)
{
	size_t i, n = r->pam.n_lines > 0 ? r->pam.n_lines : 1;

	r->ctx = calloc(n, sizeof(*r->ctx));
	if (r->ctx == NULL)
		return false;
	r->n_ctx = n;
	for (i = 0; i < r->pam.n_lines; i++)
		r->ctx[i].line = &r->pam.lines[i];
	return true;
}

static void scan_pam(struct run *r)
{
	if (!kg_pam_scan(r->pam_dir, &r->pam)) {
		if (r->o->pam_dir != NULL)
			r->problems++;
		return;
	}
	r->problems += (int)r->pam.unreadable;
	r->problems += kg_pam_siblings(&r->pam, r->pam_dir);
	if (r->pam.n_lines == 0)
		printf("note: no service in %s loads pam_baro_auth.so\n",
		       r->pam_dir);
}

/* A relative --pam-dir is taken from the current directory: the file
 * layer opens absolute paths only. */
static bool set_pam_dir(struct run *r, char **resolved)
{
	r->pam_dir = r->o->pam_dir != NULL ? r->o->pam_dir : DEFAULT_PAM_DIR;
	if (r->pam_dir[0] == '/')
		return true;
	*resolved = realpath(r->pam_dir, NULL);
	if (*resolved == NULL) {
		kg_err("%s: %s", r->pam_dir, strerror(errno));
		return false;
	}
	r->pam_dir = *resolved;
	return true;
}

int kg_cmd_check(const struct kg_opts *o)
{
	char *pam_dir = NULL;
	struct run r;
	size_t i;
	int rc = KG_EXIT_ERR;

	memset(&r, 0, sizeof(r));
	r.o = o;
	if (!o->all &&
	    (getpwnam(o->user) == NULL || !baro_user_name_ok(o->user))) {
		fprintf(stderr, "Cannot look up user id %s\n", o->user);
		return KG_EXIT_ERR;
	}
	if (!set_pam_dir(&r, &pam_dir))
		return KG_EXIT_ERR;
	scan_pam(&r);
	if (!make_contexts(&r))
		goto out;
	for (i = 0; i < r.n_ctx; i++) {
		load_ctx(&r, &r.ctx[i]);
		if (r.ctx[i].usable)
			check_users(&r, &r.ctx[i]);
	}
	if (o->all)
		printf("%u secret file(s) checked, %d problem(s)\n", r.files,
		       r.problems);
	else if (r.problems > 0)
		printf("%d problem(s)\n", r.problems);
	for (i = 0; i < r.n_ctx; i++)
		OPENSSL_cleanse(&r.ctx[i].cfg, sizeof(r.ctx[i].cfg));
	rc = r.problems == 0 ? KG_EXIT_OK : KG_EXIT_ERR;
out:
	free(r.ctx);
	kg_pam_free(&r.pam);
	free(pam_dir);
	return rc;
}
