/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BARO_ACL_NET_H
#define BARO_ACL_NET_H

/* Internal to the core: the ACL's address matching (acl_net.c). */

#include <stdbool.h>
#include <stddef.h>

#define ACL_ADDR_MAX 64 /* "addr/prefix" text longer is invalid */

/* An address or range; IPv4 is kept in the first 4 bytes. */
struct acl_net {
	int family;
	unsigned char addr[16];
	unsigned prefix;
};

/* "addr" or "addr/prefix" (len bytes of text), IPv4 or IPv6. */
bool baro_acl_net_parse(const char *text, size_t len, struct acl_net *net);

/* PAM_RHOST as an address; false for a host name. */
bool baro_acl_net_parse_host(const char *rhost, struct acl_net *host);

/* Whether host lies in the range net. */
bool baro_acl_net_contains(const struct acl_net *net,
			   const struct acl_net *host);

#endif
