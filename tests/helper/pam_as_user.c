/* SPDX-License-Identifier: BSD-3-Clause */
/* pam_as_user CONFDIR SERVICE USER [ANSWER...]: authenticate USER through
 * SERVICE of CONFDIR (pam_start_confdir) as whoever runs it, the way a
 * screen locker does; each prompt takes the next ANSWER. Prints every
 * message ("PROMPT: ", "ERROR: ", "INFO: ") and "RESULT: <rc>", and exits
 * with the PAM return code. PAM_AS_USER_RHOST sets PAM_RHOST. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_appl.h>

struct answers {
	char **v;
	int n;
	int next;
};

static int converse(int num_msg, const struct pam_message **msg,
		    struct pam_response **resp, void *appdata)
{
	struct answers *a = appdata;
	struct pam_response *r = calloc((size_t)num_msg, sizeof(*r));
	int i;

	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < num_msg; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			printf("PROMPT: %s\n", msg[i]->msg);
			r[i].resp = strdup(a->next < a->n ? a->v[a->next++] : "");
			break;
		case PAM_ERROR_MSG:
			printf("ERROR: %s\n", msg[i]->msg);
			break;
		default:
			printf("INFO: %s\n", msg[i]->msg);
			break;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

int main(int argc, char **argv)
{
	struct answers a;
	struct pam_conv conv = { converse, &a };
	pam_handle_t *pamh = NULL;
	const char *rhost = getenv("PAM_AS_USER_RHOST");
	int rc;

	if (argc < 4) {
		fprintf(stderr, "usage: %s CONFDIR SERVICE USER [ANSWER...]\n",
			argv[0]);
		return 99;
	}
	a.v = argv + 4;
	a.n = argc - 4;
	a.next = 0;
	rc = pam_start_confdir(argv[2], argv[3], &conv, argv[1], &pamh);
	if (rc == PAM_SUCCESS && rhost != NULL)
		rc = pam_set_item(pamh, PAM_RHOST, rhost);
	if (rc == PAM_SUCCESS)
		rc = pam_authenticate(pamh, 0);
	printf("RESULT: %d %s\n", rc, pam_strerror(pamh, rc));
	fflush(stdout);
	pam_end(pamh, rc);
	return rc;
}
