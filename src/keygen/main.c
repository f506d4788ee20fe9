/* SPDX-License-Identifier: BSD-3-Clause */
/* baro-keygen: the table of commands, as signify's and git's. Each row
 * says which options a command takes and needs and its usage line; the
 * parser refuses anything else before the command runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keygen.h"

#define SOURCE (KO(FILE) | KO(CONF))
#define KEY_OPTS                                                           \
	(KO(HASH) | KO(DIGITS) | KO(CYCLE) | KO(WINDOW) | KO(RATE_LIMIT) | \
	 KO(NO_RATE_LIMIT) | KO(NO_DISALLOW_REUSE) | KO(KEY_BYTES))
#define ENROL_OPTS (KO(ISSUER) | KO(QR) | KO(QR_FILE))

static const struct kg_cmd commands[] = {
	{ .name = "create",
	  .run = kg_cmd_create,
	  .allowed = KO(USER) | SOURCE | KEY_OPTS | ENROL_OPTS | KO(EMERGENCY) |
		     KO(ENCRYPT) | KO(KEYFILE) | KO(FORCE),
	  .required = KO(USER),
	  .exclusive = { SOURCE, KO(RATE_LIMIT) | KO(NO_RATE_LIMIT) },
	  .usage = "create -u USER [-f PATH | -c CONF] [--hash SHA1|SHA256|SHA512] [--digits N]\n"
		   "            [--cycle S] [--window N] [--rate-limit N,S | --no-rate-limit]\n"
		   "            [--no-disallow-reuse] [--emergency N] [--key-bytes N] [--issuer NAME]\n"
		   "            [--qr utf8|ascii|none] [--qr-file FILE.png|FILE.pbm]\n"
		   "            [--encrypt] [--keyfile PATH] [--force]" },
	{ .name = "rotate",
	  .run = kg_cmd_rotate,
	  .allowed = KO(USER) | SOURCE | KO(KEY_BYTES) | ENROL_OPTS |
		     KO(EMERGENCY) | KO(KEYFILE),
	  .required = KO(USER),
	  .exclusive = { SOURCE },
	  .usage = "rotate -u USER [-f PATH | -c CONF] [--key-bytes N] [--emergency N]\n"
		   "            [--issuer NAME] [--qr utf8|ascii|none] [--qr-file FILE.png|FILE.pbm]\n"
		   "            [--keyfile PATH]" },
	{ .name = "emergency",
	  .run = kg_cmd_emergency,
	  .allowed = KO(USER) | SOURCE | KO(EMERGENCY) | KO(KEYFILE),
	  .required = KO(USER),
	  .exclusive = { SOURCE },
	  .usage = "emergency -u USER [-f PATH | -c CONF] [--emergency N] [--keyfile PATH]" },
	{ .name = "reset",
	  .run = kg_cmd_reset,
	  .allowed = KO(USER) | SOURCE,
	  .required = KO(USER),
	  .exclusive = { SOURCE },
	  .usage = "reset -u USER [-f PATH | -c CONF]" },
	{ .name = "show",
	  .run = kg_cmd_show,
	  .allowed = KO(USER) | SOURCE,
	  .required = KO(USER),
	  .exclusive = { SOURCE },
	  .usage = "show -u USER [-f PATH | -c CONF]" },
	{ .name = "verify",
	  .run = kg_cmd_verify,
	  .allowed = KO(USER) | SOURCE | KO(KEYFILE),
	  .required = KO(USER),
	  .exclusive = { SOURCE },
	  .args = 1,
	  .usage = "verify -u USER [-f PATH | -c CONF] [--keyfile PATH] CODE" },
	{ .name = "check",
	  .run = kg_cmd_check,
	  .allowed = KO(USER) | KO(ALL) | SOURCE | KO(PAM_DIR) | KO(KEYFILE),
	  .one_of = KO(USER) | KO(ALL),
	  .exclusive = { KO(ALL) | KO(FILE) },
	  .usage = "check -u USER | --all [-c CONF] [-f PATH] [--pam-dir DIR] [--keyfile PATH]" },
	{ .name = "seal",
	  .run = kg_cmd_seal,
	  .allowed = KO(USER) | SOURCE | KO(KEYFILE),
	  .required = KO(USER),
	  .exclusive = { SOURCE },
	  .usage = "seal -u USER [-f PATH | -c CONF] [--keyfile PATH]" },
	{ .name = "unseal",
	  .run = kg_cmd_unseal,
	  .allowed = KO(USER) | SOURCE | KO(KEYFILE),
	  .required = KO(USER),
	  .exclusive = { SOURCE },
	  .usage = "unseal -u USER [-f PATH | -c CONF] [--keyfile PATH]" },
	{ .name = "reseal",
	  .run = kg_cmd_reseal,
	  .allowed = KO(USER) | SOURCE | KO(KEYFILE) | KO(NEW_KEYFILE),
	  .required = KO(USER) | KO(KEYFILE) | KO(NEW_KEYFILE),
	  .exclusive = { SOURCE },
	  .usage = "reseal -u USER --keyfile OLD --new-keyfile NEW [-f PATH | -c CONF]" },
	{ .name = "import",
	  .run = kg_cmd_import,
	  .allowed = KO(USER) | SOURCE | KO(FROM) | KO(FORCE) | KO(ENCRYPT) |
		     KO(KEYFILE) | KO(REMOVE_SOURCE),
	  .required = KO(USER) | KO(FROM),
	  .exclusive = { SOURCE },
	  .usage = "import -u USER --from ~USER/.google_authenticator [-f PATH | -c CONF]\n"
		   "            [--encrypt] [--keyfile PATH] [--force] [--remove-source]" },
	{ .name = "enrol",
	  .run = kg_cmd_enrol,
	  .allowed = ENROL_OPTS,
	  .for_users = true,
	  .usage = "enrol [--issuer NAME] [--qr utf8|ascii|none] [--qr-file FILE.png|FILE.pbm]" },
	/* Fleet users (store=pgsql): as a member of baro_admin (fleet.c). */
	{ .name = "fleet-create",
	  .run = kg_cmd_fleet_create,
	  .allowed = KO(USER) | KO(DB) | KEY_OPTS | ENROL_OPTS | KO(EMERGENCY) |
		     KO(FORCE),
	  .required = KO(USER),
	  .exclusive = { KO(RATE_LIMIT) | KO(NO_RATE_LIMIT) },
	  .usage = "fleet-create -u USER [--db CONNINFO] [--hash SHA1|SHA256|SHA512] [--digits N]\n"
		   "            [--cycle S] [--window N] [--rate-limit N,S | --no-rate-limit]\n"
		   "            [--no-disallow-reuse] [--emergency N] [--key-bytes N] [--issuer NAME]\n"
		   "            [--qr utf8|ascii|none] [--qr-file FILE.png|FILE.pbm] [--force]" },
	{ .name = "fleet-rotate",
	  .run = kg_cmd_fleet_rotate,
	  .allowed = KO(USER) | KO(DB) | KO(KEY_BYTES) | ENROL_OPTS |
		     KO(EMERGENCY),
	  .required = KO(USER),
	  .usage = "fleet-rotate -u USER [--db CONNINFO] [--key-bytes N] [--emergency N]\n"
		   "            [--issuer NAME] [--qr utf8|ascii|none] [--qr-file FILE.png|FILE.pbm]" },
	{ .name = "fleet-emergency",
	  .run = kg_cmd_fleet_emergency,
	  .allowed = KO(USER) | KO(DB) | KO(EMERGENCY),
	  .required = KO(USER),
	  .usage = "fleet-emergency -u USER [--db CONNINFO] [--emergency N]" },
	{ .name = "fleet-reset",
	  .run = kg_cmd_fleet_reset,
	  .allowed = KO(USER) | KO(DB),
	  .required = KO(USER),
	  .usage = "fleet-reset -u USER [--db CONNINFO]" },
	{ .name = "fleet-show",
	  .run = kg_cmd_fleet_show,
	  .allowed = KO(USER) | KO(ALL) | KO(DB),
	  .one_of = KO(USER) | KO(ALL),
	  .usage = "fleet-show -u USER | --all [--db CONNINFO]" },
	{ .name = "fleet-upload",
	  .run = kg_cmd_fleet_upload,
	  .allowed = KO(USER) | SOURCE | KO(KEYFILE) | KO(DB) | KO(FORCE),
	  .required = KO(USER),
	  .exclusive = { SOURCE },
	  .usage = "fleet-upload -u USER [-f PATH | -c CONF] [--keyfile PATH] [--db CONNINFO] [--force]" },
	{ .name = "fleet-check",
	  .run = kg_cmd_fleet_check,
	  .allowed = KO(CONF),
	  .usage = "fleet-check [-c CONF]" },
	{ .name = "hostkey",
	  .run = kg_cmd_hostkey,
	  .allowed = KO(KEYFILE) | KO(FORCE),
	  .usage = "hostkey [--keyfile PATH] [--force]" },
};

const struct kg_cmd *kg_find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void print_usage(FILE *f, const struct kg_cmd *cmd)
{
	size_t i;

	if (cmd != NULL) {
		fprintf(f, "usage: baro-keygen %s\n", cmd->usage);
		return;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "%s baro-keygen %s\n", i == 0 ? "usage:" : "      ",
			commands[i].usage);
}

void kg_usage(const struct kg_cmd *cmd)
{
	print_usage(stderr, cmd);
	exit(KG_EXIT_USAGE);
}

void kg_help(const struct kg_cmd *cmd)
{
	print_usage(stdout, cmd);
	exit(KG_EXIT_OK);
}

int main(int argc, char **argv)
{
	struct kg_opts o;

	umask(077);
	/* stdout and stderr interleave in the order things happen. */
	(void)setvbuf(stdout, NULL, _IOLBF, 0);
	kg_parse(argc, argv, &o);
	if (!o.cmd->for_users && geteuid() != 0) {
		fprintf(stderr,
			"baro-keygen: %s needs root: the files it reads and writes are root's only\n",
			o.cmd->name);
		return KG_EXIT_ERR;
	}
	return o.cmd->run(&o);
}
