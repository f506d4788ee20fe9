#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Install the Debian packages the build, the demo and the tests need.
# Usage: tools/deps.sh [--update]   (root; a no-op when all are present)
set -euo pipefail

PACKAGES=(
	build-essential cmake pkg-config
	libpam0g-dev libssl-dev libqrencode-dev        # the product
	libpng-dev                                     # baro-keygen --qr-file x.png
	libcmocka-dev libpam-wrapper libpamtest0-dev   # unit and libpam tests
	libnss-wrapper                                 # the demo user, no /etc change
	oathtool pamtester qrencode zbar-tools         # independent references
	openssh-server openssh-client sudo sshpass expect fail2ban  # real stacks
	libpam-google-authenticator libpam-oath        # bench peers
	valgrind strace                                # bench/profile.sh
	dpkg-dev debhelper lintian                     # the Debian package (.ci/package.sh)
	clang-format                                   # .ci/format-check.sh
	libpq-dev postgresql-15                        # the fleet store (pgcrypto is in postgresql-15)
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages (run as root): ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if [ "${1:-}" = "--update" ]; then
	apt-get update
fi
# Never start services on install (sshd, fail2ban): the tests start their own.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' > "$policy"
	chmod 0755 "$policy"
	created_policy=1
fi
# A fresh machine has no package lists yet: update once and retry.
apt-get install -y --no-install-recommends "${missing[@]}" ||
	{ apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; }
if [ "$created_policy" = 1 ]; then
	rm -f "$policy"
fi
