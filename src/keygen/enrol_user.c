/* SPDX-License-Identifier: BSD-3-Clause */
/* baro-keygen enrol: self-enrolment, run by the user (DESIGN.md §12).
 * The setuid helper makes the key and writes the file; this side shows
 * the key as the URI and QR code, asks for a first code and passes it on.
 * Root's conf file must say self_enrol, else the helper refuses. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "baro/base32.h"
#include "baro/chkcode.h"
#include "baro/util.h"
#include "keygen.h"

#define LINE_MAX_LEN 512

struct session {
	int to_helper;   /* its stdin */
	int from_helper; /* its stdout */
	pid_t pid;
};

static bool start(struct session *h, const char *user, const char **why)
{
	char *argv[] = { (char *)BARO_CHK_IDENT, (char *)BARO_CHK_MODE_ENROL,
			 (char *)user, (char *)"baro-keygen", NULL };
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };
	bool ok = false;

	*why = "cannot make a pipe";
	if (pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0) {
		h->pid = baro_chk_spawn(baro_chk_helper_path(), argv, in[0],
					out[1], why);
		ok = h->pid > 0;
	}
	if (in[0] >= 0)
		close(in[0]);
	if (out[1] >= 0)
		close(out[1]);
	h->to_helper = in[1];
	h->from_helper = out[0];
	return ok;
}

/* One line from fd, a byte at a time (nothing of the next is taken). */
static bool read_line(int fd, char *buf, size_t bufsz)
{
	size_t len = 0;
	ssize_t r;
	char c;

	for (;;) {
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r != 1 || c == '\n')
			break;
		if (len + 1 < bufsz)
			buf[len++] = c;
	}
	buf[len] = '\0';
	return r == 1 || len > 0;
}

/* "SECRET <base32> <hash> <digits> <period>": the key to show. */
static bool parse_key(char *line, struct kg_material *m, struct baro_secret *s)
{
	char *f[6] = { NULL }, *save = NULL, *tok = line;
	unsigned long digits = 0, period = 0;
	size_t n = 0;

	while (n < 6 && (f[n] = strtok_r(tok, " ", &save)) != NULL) {
		tok = NULL;
		n++;
	}
	if (n != 5 || strcmp(f[0], "SECRET") != 0 ||
	    strlen(f[1]) >= sizeof(m->b32) ||
	    !baro_hash_from_name(f[2], &s->method) ||
	    !baro_parse_ulong(f[3], BARO_DIGITS_MIN, BARO_DIGITS_MAX,
			      &digits) ||
	    !baro_parse_ulong(f[4], BARO_CYCLE_MIN, BARO_CYCLE_MAX, &period) ||
	    !baro_base32_decode(f[1], m->key, sizeof(m->key), &m->keylen))
		return false;
	memcpy(m->b32, f[1], strlen(f[1]) + 1);
	s->digits = (unsigned)digits;
	s->cycle_time = (unsigned)period;
	return true;
}

/* Ask for codes until the helper stops asking ("WRONG" after each). */
static void converse(struct session *h)
{
	char line[LINE_MAX_LEN];

	for (;;) {
		printf("Type the code your app shows now: ");
		(void)fflush(stdout);
		if (!read_line(STDIN_FILENO, line, sizeof(line)))
			break;
		if (dprintf(h->to_helper, "%s\n", line) < 0)
			break;
		OPENSSL_cleanse(line, sizeof(line));
		if (!read_line(h->from_helper, line, sizeof(line)) ||
		    strcmp(line, "WRONG") != 0)
			break;
		printf("Wrong code.\n");
	}
	OPENSSL_cleanse(line, sizeof(line));
}

static int verdict(int ws)
{
	int st = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;

	if (st == BARO_CHK_OK) {
		printf("Enrolled: your secret file is written; the next login asks for the code.\n");
		return KG_EXIT_OK;
	}
	if (st == BARO_CHK_ENROL_OFF)
		kg_err("self-enrolment is off on this host: ask the administrator (baro-keygen create)");
	else if (st == BARO_CHK_ENROL_EXISTS)
		kg_err("you have a secret file already: ask the administrator to rotate it");
	else if (st == BARO_CHK_WRONG || st == BARO_CHK_NO_CODE)
		kg_err("no right code: nothing was written; run baro-keygen enrol again");
	else if (st == BARO_CHK_EXEC || st == BARO_CHK_USAGE)
		kg_err("the setuid helper %s is missing or not setuid root",
		       baro_chk_helper_path());
	else
		kg_err("self-enrolment failed (helper status %d; see the log, ident " BARO_CHK_IDENT
		       ")",
		       st);
	return KG_EXIT_ERR;
}

int kg_cmd_enrol(const struct kg_opts *o)
{
	struct session h = { -1, -1, -1 };
	struct kg_material m;
	struct baro_secret s;
	const struct passwd *pw = getpwuid(getuid());
	char line[LINE_MAX_LEN];
	const char *why = "the calling user has no passwd entry";
	int rc = KG_EXIT_ERR;

	memset(&m, 0, sizeof(m));
	baro_secret_init(&s);
	/* A helper that exits early must not kill us on the next write. */
	(void)signal(SIGPIPE, SIG_IGN);
	if (pw == NULL || !start(&h, pw->pw_name, &why)) {
		kg_err("cannot run the setuid helper %s[%s]",
		       baro_chk_helper_path(), why);
		goto out;
	}
	if (read_line(h.from_helper, line, sizeof(line)) &&
	    parse_key(line, &m, &s) &&
	    kg_show_enrolment(o, pw->pw_name, &s, &m))
		converse(&h);
	close(h.to_helper);
	h.to_helper = -1;
	rc = verdict(baro_chk_wait(h.pid));
out:
	if (h.to_helper >= 0)
		close(h.to_helper);
	if (h.from_helper >= 0)
		close(h.from_helper);
	OPENSSL_cleanse(line, sizeof(line));
	kg_material_wipe(&m);
	baro_secret_wipe(&s);
	return rc;
}
