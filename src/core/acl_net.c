/* SPDX-License-Identifier: BSD-3-Clause */
/* Addresses and CIDR ranges of the ACL's origins field (DESIGN.md §4):
 * IPv4 and IPv6, IPv4-mapped IPv6 taken as IPv4. */
#include "acl_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const unsigned char v4_mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
};

/* Strict decimal: digits only, no sign, no leading zero. */
static bool parse_prefix(const char *s, unsigned max, unsigned *out)
{
	char *end = NULL;
	unsigned long v;

	if (s[0] < '0' || s[0] > '9' || (s[0] == '0' && s[1] != '\0'))
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

static void unmap_v4(struct acl_net *net)
{
	if (net->family != AF_INET6 || net->prefix < 96 ||
	    memcmp(net->addr, v4_mapped_prefix, sizeof(v4_mapped_prefix)) != 0)
		return;
	memmove(net->addr, net->addr + 12, 4);
	memset(net->addr + 4, 0, 12);
	net->family = AF_INET;
	net->prefix -= 96;
}

static bool parse_addr(const char *s, struct acl_net *net)
{
	memset(net, 0, sizeof(*net));
	if (inet_pton(AF_INET, s, net->addr) == 1) {
		net->family = AF_INET;
		net->prefix = 32;
		return true;
	}
	if (inet_pton(AF_INET6, s, net->addr) == 1) {
		net->family = AF_INET6;
		net->prefix = 128;
		return true;
	}
	return false;
}

/* "addr" or "addr/prefix", IPv4 or IPv6. */
bool baro_acl_net_parse(const char *text, size_t len, struct acl_net *net)
{
	char buf[ACL_ADDR_MAX];
	char *slash;
	unsigned prefix;

	if (len >= sizeof(buf) || memchr(text, '\0', len) != NULL)
		return false;
	memcpy(buf, text, len);
	buf[len] = '\0';
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	if (!parse_addr(buf, net))
		return false;
	if (slash != NULL) {
		if (!parse_prefix(slash + 1, net->prefix, &prefix))
			return false;
		net->prefix = prefix;
	}
	unmap_v4(net);
	return true;
}

/* PAM_RHOST as an address; false for a host name. */
bool baro_acl_net_parse_host(const char *rhost, struct acl_net *host)
{
	if (strlen(rhost) >= ACL_ADDR_MAX || !parse_addr(rhost, host))
		return false;
	unmap_v4(host);
	return true;
}

bool baro_acl_net_contains(const struct acl_net *net,
			   const struct acl_net *host)
{
	unsigned whole = net->prefix / 8;
	unsigned rest = net->prefix % 8;
	unsigned char mask;

	if (net->family != host->family)
		return false;
	if (memcmp(net->addr, host->addr, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (unsigned char)(0xffu << (8 - rest));
	return ((net->addr[whole] ^ host->addr[whole]) & mask) == 0;
}
