#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The demo: build, provision the demo user "baro-demo" in a private
# directory, show its key (URI and QR code), then perform a real login
# through libpam with the built module. Nothing in /etc is changed: the user
# comes from a private passwd file (cwrap's nss_wrapper) and the PAM
# service from a private directory (pam_start_confdir).
# Usage: sudo tools/demo.sh [--auto]   (--auto answers with the current code)
set -euo pipefail

cd "$(dirname "$0")/.."
auto=0
[ "${1:-}" = "--auto" ] && auto=1
if [ "$(id -u)" -ne 0 ]; then
	echo "demo.sh: run as root: the secret file must be owned by root" >&2
	exit 1
fi

tools/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target pam_baro_auth baro-demo >/dev/null

demo=$(mktemp -d /tmp/baro-demo.XXXXXX)
trap 'rm -rf "$demo"' EXIT
user=baro-demo
mkdir -m 0755 "$demo/pam.d" "$demo/nss"
mkdir -m 0700 "$demo/baropam"
printf 'root:x:0:0:root:/root:/bin/sh\n%s:x:64999:64999:BaroPAM demo:/nonexistent:/usr/sbin/nologin\n' \
	"$user" > "$demo/nss/passwd"
printf 'root:x:0:\n%s:x:64999:\n' "$user" > "$demo/nss/group"
export LD_PRELOAD=libnss_wrapper.so
export NSS_WRAPPER_PASSWD="$demo/nss/passwd" NSS_WRAPPER_GROUP="$demo/nss/group"

secret="$demo/baropam/\${USER}/.baro_auth"
printf 'secret=%s\nencrypt=no\n' "$secret" > "$demo/baro_auth.conf"
cat > "$demo/pam.d/baro-demo" <<PAM
# The module as an administrator would put it in /etc/pam.d/sshd.
auth required $PWD/build/src/pam_baro_auth.so conf=$demo/baro_auth.conf
PAM

mkdir -m 0700 "$demo/baropam/$user"
echo "== Provisioning $user =="
build/src/baro-demo --provision "$demo/baropam/$user/.baro_auth" -u "$user" |
	tee "$demo/enrol.txt"
if command -v qrencode >/dev/null; then
	qrencode -t UTF8 -m 1 < "$demo/enrol.txt" || true
fi
uri=$(grep -o 'otpauth://[^ ]*' "$demo/enrol.txt" | head -n1)
key=$(sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p' <<<"$uri")

echo
echo "== Secret file $demo/baropam/$user/.baro_auth =="
ls -l "$demo/baropam/$user/.baro_auth"
echo
echo "== Login through libpam (service baro-demo, user $user) =="
if [ "$auto" = 1 ]; then
	build/src/baro-demo -d "$demo/pam.d" -s baro-demo -u "$user" --auto "$key"
else
	echo "Scan the QR code with an authenticator app and type the code."
	build/src/baro-demo -d "$demo/pam.d" -s baro-demo -u "$user"
fi
