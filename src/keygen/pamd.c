/* SPDX-License-Identifier: BSD-3-Clause */
/* The host's PAM configuration as libpam reads it: every service file of
 * a pam.d directory, its auth stack followed through @include, include
 * and substack, the lines that load pam_baro_auth.so with their
 * arguments, and whether the stack asks for a password (pam_unix). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baro/fileio.h"
#include "keygen.h"

#define MODULE_NAME "pam_baro_auth.so"
#define INCLUDE_FILES_MAX 32

static const struct baro_file_rules pamd_rules = {
	.forbidden_mode = 022,
	.max_size = 1024 * 1024,
	.allow_empty = true,
	.single_link = false,
};

/* A walk of one service's auth stack. The facts gathered (which lines
 * load the module, whether pam_unix runs) do not depend on the order, so
 * included files are queued and each is read once. */
struct walk {
	struct kg_pam *p;
	const char *dir;
	struct kg_pam_service *svc;
	char files[INCLUDE_FILES_MAX][256]; /* queued, then read */
	size_t n_files;
};

/* Split at blanks; a word in [ ] may hold blanks and "\]" (libpam's
 * rule for arguments); the brackets of an argument are dropped. */
static char *next_word(char **s, bool strip_brackets)
{
	char *p = *s, *start, *out;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return NULL;
	start = p;
	if (*p == '[') {
		if (strip_brackets)
			start = out = ++p;
		else
			out = ++p;
		while (*p != '\0' && *p != ']') {
			if (p[0] == '\\' && p[1] == ']')
				p++;
			*out++ = *p++;
		}
		if (*p == ']' && !strip_brackets)
			*out++ = ']';
		if (*p == ']')
			p++;
	} else {
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		out = p;
	}
	if (*p != '\0')
		p++;
	*out = '\0';
	*s = p;
	return start;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

static void add_service_name(struct kg_pam_line *l, const char *svc)
{
	size_t n = strlen(l->services);
	const char *p;

	for (p = strstr(l->services, svc); p != NULL; p = strstr(p + 1, svc))
		if ((p == l->services || p[-1] == ' ') &&
		    (p[strlen(svc)] == ' ' || p[strlen(svc)] == '\0'))
			return;
	(void)snprintf(l->services + n, sizeof(l->services) - n, "%s%s",
		       n > 0 ? " " : "", svc);
}

/* The line's record, made on first sight: (file, line) is its identity. */
static void add_module_line(struct walk *w, const char *file, unsigned lineno,
			    char *args)
{
	struct kg_pam *p = w->p;
	struct kg_pam_line *l = NULL;
	char path[PATH_MAX], *word, *s;
	size_t i;
	int n = snprintf(path, sizeof(path), "%s/%s", w->dir, file);

	if (n < 0 || (size_t)n >= sizeof(path))
		return;
	for (i = 0; i < p->n_lines && l == NULL; i++)
		if (p->lines[i].lineno == lineno &&
		    strcmp(p->lines[i].file, path) == 0)
			l = &p->lines[i];
	if (l == NULL && p->n_lines < KG_PAM_LINES_MAX) {
		l = &p->lines[p->n_lines++];
		memcpy(l->file, path, (size_t)n + 1);
		l->lineno = lineno;
		(void)snprintf(l->buf, sizeof(l->buf), "%s", args);
		for (s = l->buf; l->argc < KG_PAM_ARGS_MAX &&
				 (word = next_word(&s, true)) != NULL;)
			l->argv[l->argc++] = word;
	}
	if (l != NULL)
		add_service_name(l, w->svc->name);
	w->svc->module = true;
}

/* A file name in the directory: no path, no dot file. */
static bool name_ok(const char *name)
{
	return name[0] != '\0' && name[0] != '.' && strchr(name, '/') == NULL &&
	       strlen(name) < 256;
}

static void queue_file(struct walk *w, const char *name)
{
	size_t i;

	if (!name_ok(name))
		return;
	for (i = 0; i < w->n_files; i++)
		if (strcmp(w->files[i], name) == 0)
			return;
	if (w->n_files < INCLUDE_FILES_MAX)
		memcpy(w->files[w->n_files++], name, strlen(name) + 1);
}

/* Modules that take a password: a stack with one of them lets a user in
 * with what they know. */
static const char *const password_modules[] = {
	"pam_unix.so", "pam_sss.so",     "pam_ldap.so",
	"pam_krb5.so", "pam_winbind.so", "pam_userdb.so",
};

static void note_password(struct kg_pam_service *svc, const char *module)
{
	size_t i;

	for (i = 0; i < sizeof(password_modules) / sizeof(password_modules[0]);
	     i++)
		if (svc->password == NULL &&
		    strcmp(module, password_modules[i]) == 0)
			svc->password = password_modules[i];
}

/* One logical line of a file: "[-]type control module args" or
 * "@include name". */
static void walk_line(struct walk *w, const char *file, unsigned lineno,
		      char *line)
{
	char *s = line, *type, *control, *module;

	type = next_word(&s, false);
	if (type == NULL)
		return;
	if (strcmp(type, "@include") == 0) {
		module = next_word(&s, false);
		if (module != NULL)
			queue_file(w, module);
		return;
	}
	if (type[0] == '-')
		type++;
	control = next_word(&s, false);
	module = next_word(&s, false);
	if (strcasecmp(type, "auth") != 0 || control == NULL || module == NULL)
		return;
	if (strcmp(control, "include") == 0 || strcmp(control, "substack") == 0)
		queue_file(w, module);
	else if (strcmp(base_name(module), MODULE_NAME) == 0)
		add_module_line(w, file, lineno, s);
	else
		note_password(w->svc, base_name(module));
}

/* Lines joined at a trailing backslash, comments dropped (libpam). */
static void walk_text(struct walk *w, const char *file, char *text)
{
	char *line = text, *next, *hash, *end;
	unsigned lineno = 1, first;

	while (line != NULL && *line != '\0') {
		first = lineno;
		for (next = line; (next = strchr(next, '\n')) != NULL;) {
			lineno++;
			if (next > line && next[-1] == '\\') {
				next[-1] = ' ';
				*next = ' ';
				continue;
			}
			*next++ = '\0';
			break;
		}
		hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		for (end = line + strlen(line);
		     end > line && isspace((unsigned char)end[-1]);)
			*--end = '\0';
		walk_line(w, file, first, line);
		line = next;
	}
}

static void walk_file(struct walk *w, const char *name, bool service)
{
	struct baro_file f;
	char path[PATH_MAX];
	int n;

	n = snprintf(path, sizeof(path), "%s/%s", w->dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return;
	baro_file_init(&f);
	if (baro_file_open(&f, path, &pamd_rules, false) == BARO_IO_OK)
		walk_text(w, name, f.data);
	else if (service) {
		kg_err("cannot read %s: %s", path,
		       f.why != NULL ? f.why : strerror(f.saved_errno));
		w->p->unreadable++;
	}
	baro_file_close(&f);
}

static void walk_service(struct walk *w, struct kg_pam_service *svc)
{
	size_t i;

	w->svc = svc;
	w->n_files = 0;
	queue_file(w, svc->name);
	for (i = 0; i < w->n_files; i++)
		walk_file(w, w->files[i], i == 0);
}

/* Backups and package leftovers are not services. */
static bool is_service_name(const char *name)
{
	static const char *const skip[] = { "~",    ".dpkg-", ".ucf-", ".rpm",
					    ".bak", ".orig",  ".swp" };
	size_t i;

	if (!name_ok(name))
		return false;
	for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (strstr(name, skip[i]) != NULL)
			return false;
	return true;
}

static bool add_service(struct kg_pam *p, const char *name)
{
	struct kg_pam_service *more;

	more = realloc(p->services, (p->n_services + 1) * sizeof(*more));
	if (more == NULL)
		return false;
	p->services = more;
	memset(&more[p->n_services], 0, sizeof(*more));
	(void)snprintf(more[p->n_services].name, sizeof(more->name), "%s",
		       name);
	p->n_services++;
	return true;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct kg_pam_service *)a)->name,
		      ((const struct kg_pam_service *)b)->name);
}

static bool list_services(struct kg_pam *p, const char *dir)
{
	struct dirent *de;
	DIR *d;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	bool ok = true;

	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d == NULL) {
		kg_err("cannot read %s: %s", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	while (ok && (de = readdir(d)) != NULL)
		if ((de->d_type == DT_REG || de->d_type == DT_UNKNOWN) &&
		    is_service_name(de->d_name))
			ok = add_service(p, de->d_name);
	closedir(d);
	if (p->n_services > 0)
		qsort(p->services, p->n_services, sizeof(*p->services),
		      by_name);
	return ok;
}

bool kg_pam_scan(const char *dir, struct kg_pam *p)
{
	struct walk *w = calloc(1, sizeof(*w));
	size_t i;
	bool ok;

	memset(p, 0, sizeof(*p));
	p->lines = calloc(KG_PAM_LINES_MAX, sizeof(*p->lines));
	ok = w != NULL && p->lines != NULL && list_services(p, dir);
	for (i = 0; ok && i < p->n_services; i++) {
		w->p = p;
		w->dir = dir;
		walk_service(w, &p->services[i]);
	}
	free(w);
	return ok;
}

void kg_pam_free(struct kg_pam *p)
{
	free(p->lines);
	free(p->services);
	memset(p, 0, sizeof(*p));
}

/* Services that give the same access: when one asks for a code, the
 * others must too, or they are the way around it. */
static const char *const sibling_groups[][6] = {
	{ "sudo", "sudo-i", "polkit-1", NULL },
	{ "su", "su-l", NULL },
	{ "login", "su-l", NULL },
	{ "login", "gdm-password", "lightdm", "sddm", "xdm", NULL },
};

static struct kg_pam_service *find_service(const struct kg_pam *p,
					   const char *name)
{
	size_t i;

	for (i = 0; i < p->n_services; i++)
		if (strcmp(p->services[i].name, name) == 0)
			return &p->services[i];
	return NULL;
}

/* The service of the group that asks for a code, or NULL. */
static const char *group_user(const struct kg_pam *p, const char *const *g)
{
	const struct kg_pam_service *s;

	for (; *g != NULL; g++) {
		s = find_service(p, *g);
		if (s != NULL && s->module)
			return s->name;
	}
	return NULL;
}

int kg_pam_siblings(struct kg_pam *p, const char *dir)
{
	struct kg_pam_service *s;
	const char *const *g;
	const char *with;
	size_t i;
	int warned = 0;

	for (i = 0; i < sizeof(sibling_groups) / sizeof(sibling_groups[0]);
	     i++) {
		with = group_user(p, sibling_groups[i]);
		for (g = sibling_groups[i]; with != NULL && *g != NULL; g++) {
			s = find_service(p, *g);
			if (s == NULL || s->module || s->password == NULL ||
			    s->warned)
				continue;
			s->warned = true;
			warned++;
			fprintf(stderr,
				"warning: service %s (%s/%s) authenticates with a password (%s) but not with pam_baro_auth, while %s asks for a code: it is the way around the code\n",
				s->name, dir, s->name, s->password, with);
			kg_remedy("add \"auth required pam_baro_auth.so\" to %s/%s as in %s/%s",
				  dir, s->name, dir, with);
		}
	}
	return warned;
}
