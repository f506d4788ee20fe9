#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The Debian package, built, checked, installed, used and purged on this
# machine (root, Debian 12), which is left as it was found apart from the
# build dependencies installed here:
# 1. build-deps from debian/control (apt-get build-dep on the tree), then
#    dpkg-buildpackage -b -us -uc in a copy of the tree under a scratch
#    directory (the checkout is not written);
# 2. lintian on the .deb: no error and no warning (each one is fixed or
#    overridden with a reason in debian/libpam-baro-auth.lintian-overrides);
# 3. in a private mount namespace where /etc/pam.d, /etc/security,
#    /var/lib/pam and /var/cache/debconf are tmpfs copies (so neither the
#    package's conffile nor pam-auth-update ever reaches the real ones):
#    - apt-get install ./libpam-baro-auth_*.deb; the setuid helper (once
#      built) is 4755 root where the module runs it; nothing in /etc/pam.d
#      changes and the profile is not enabled;
#    - tests/stacks/test_stack_pam_auth_update.sh on the installed module
#      and profile;
#    - pam-auth-update --enable baro-auth: "required pam_baro_auth.so"
#      becomes the first line of common-auth's Primary block, before
#      pam_unix, and "optional pam_baro_auth.so" joins common-session and
#      common-session-noninteractive (docs/INSTALL.md);
#    - tests/stacks/test_stack_sshd.sh on the installed module, with the
#      pass through Debian's own /etc/pam.d/sshd and the profile;
#    - apt-get purge: prerm names a hand-written stack that still uses the
#      module; every path the package listed is gone (directories that
#      other packages own excepted), the profile is gone, no file of
#      /etc/pam.d names the module, pam-auth-update's state forgets it;
# 4. the real /etc/pam.d, /etc/security and /var/lib/pam are as they were.
# A failure at any point purges the package if this script installed it.
# Usage: .ci/package.sh   (from the top of the tree; root)
set -euo pipefail

PKG=libpam-baro-auth
MARKER='^auth[[:space:]]'

# Progress, with the seconds since the start of the outer run.
say()
{
	printf '== package [%4ds]: %s\n' $(($(date +%s) - ${BARO_PKG_START:-0})) "$*"
}

fail()
{
	printf 'FAIL (package): %s\n' "$*" >&2
	exit 1
}

# --- inside the mount namespace (the script runs itself there) ---
if [ "${1:-}" = --in-namespace ]; then
	SRC=$2
	WORK=$3
	DEB=$4
	cd "$SRC"

	# Private copies of what the package and pam-auth-update write.
	mount -t tmpfs -o mode=0755 baro-pkg "$WORK/ns"
	for d in /etc/pam.d /etc/security /var/lib/pam /var/cache/debconf; do
		mkdir -p "$WORK/ns$d"
		cp -a "$d/." "$WORK/ns$d/"
		mount --bind "$WORK/ns$d" "$d"
	done
	cp -a /etc/pam.d "$WORK/pam.d.before"

	installed=0
	cleanup_ns()
	{
		local rc=$?

		if [ "$installed" = 1 ] &&
		   dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q installed; then
			echo "package: purging $PKG after a failure" >&2
			apt-get purge -y "$PKG" >/dev/null 2>&1 || true
		fi
		exit "$rc"
	}
	trap cleanup_ns EXIT

	say "apt-get install ./$(basename "$DEB")"
	installed=1
	(cd "$(dirname "$DEB")" && apt-get install -y "./$(basename "$DEB")")
	dpkg -L "$PKG" >"$WORK/files"
	MODULE=$(grep '/security/pam_baro_auth\.so$' "$WORK/files" || true)
	[ -n "$MODULE" ] || fail "the package has no security/pam_baro_auth.so"
	for f in "$MODULE" /usr/sbin/baro-keygen /usr/share/pam-configs/baro-auth \
		 /etc/security/baro_auth.conf \
		 /usr/share/man/man8/pam_baro_auth.8.gz \
		 /usr/share/doc/$PKG/TROUBLESHOOTING.md.gz \
		 /usr/share/doc/$PKG/examples/pam.d/sshd; do
		[ -e "$f" ] || fail "the package did not install $f"
	done
	helper=$(grep '/baro_chkcode$' "$WORK/files" || true)
	if [ -n "$helper" ]; then
		[ "$(stat -c '%a %U' "$helper")" = "4755 root" ] ||
			fail "$helper is $(stat -c '%a %U' "$helper"), not 4755 root"
		# The path compiled into the module is where the package put it.
		grep -aqF "$helper" "$MODULE" ||
			fail "the module does not run the helper at $helper"
		say "setuid helper $helper: 4755 root, the path the module runs"
	fi
	diff -r "$WORK/pam.d.before" /etc/pam.d ||
		fail "installing the package changed /etc/pam.d"
	say "installed; /etc/pam.d unchanged, the profile not enabled"

	say "test_stack_pam_auth_update.sh on the installed module and profile"
	STK_LOCK_WAIT=600 bash tests/stacks/test_stack_pam_auth_update.sh "$MODULE" \
		/usr/share/pam-configs/baro-auth

	say "pam-auth-update --enable baro-auth"
	DEBIAN_FRONTEND=noninteractive pam-auth-update --enable baro-auth
	block=$(awk '/^# here are the per-package modules/ { f = 1; next }
		     /^# here.s the fallback/ { f = 0 }
		     f && !/^#/ { $1 = $1; print }' /etc/pam.d/common-auth)
	if [ "$(sed -n 1p <<<"$block")" != "auth required pam_baro_auth.so" ] ||
	   ! grep -q "${MARKER}.*pam_unix\\.so" <<<"$(sed -n 2p <<<"$block")"; then
		fail "common-auth's Primary block is not code then pam_unix:"$'\n'"$block"
	fi
	for t in session session-noninteractive; do
		grep -qx 'session[[:space:]]optional[[:space:]]pam_baro_auth\.so ' \
			"/etc/pam.d/common-$t" || fail "common-$t lacks 'session optional pam_baro_auth.so'"
	done
	if grep -l pam_baro_auth /etc/pam.d/common-account /etc/pam.d/common-password; then
		fail "the profile reached common-account or common-password"
	fi
	say "common-auth: 'auth required pam_baro_auth.so' first in the Primary block, pam_unix next; common-session*: 'session optional pam_baro_auth.so'"

	say "test_stack_sshd.sh on the installed module, with Debian's sshd stack"
	# Its result is checked after the purge, so that a failure here still
	# leaves the package's own checks run and reported.
	sshd_rc=0
	STK_LOCK_WAIT=600 STK_SSHD_COMMON_AUTH=1 \
		bash tests/stacks/test_stack_sshd.sh "$MODULE" || sshd_rc=$?

	say "apt-get purge $PKG"
	# A stack written by hand still names the module: prerm warns about it.
	echo 'auth required pam_baro_auth.so' >/etc/pam.d/baro-handmade
	apt-get purge -y "$PKG" 2>&1 | tee "$WORK/purge.log"
	installed=0
	grep -q 'warning: these PAM stacks still use pam_baro_auth.so.*/etc/pam.d/baro-handmade' \
		"$WORK/purge.log" || fail "prerm did not name the hand-written stack"
	rm /etc/pam.d/baro-handmade
	if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q installed; then
		fail "$PKG is still installed"
	fi
	left=0
	while read -r path; do
		[ "$path" != /. ] || continue
		[ -e "$path" ] || [ -L "$path" ] || continue
		# A directory that other packages own too (/usr/share/doc, ...).
		if [ -d "$path" ] && dpkg -S "$path" >/dev/null 2>&1; then
			continue
		fi
		echo "left behind: $path" >&2
		left=1
	done <"$WORK/files"
	[ "$left" = 0 ] || fail "the purge left files of the package"
	[ ! -e /usr/share/pam-configs/baro-auth ] || fail "the profile is left"
	hits=$(grep -rl 'pam_baro_auth' /etc/pam.d || true)
	[ -z "$hits" ] || fail "after the purge, stacks name the module: $hits"
	if grep -rqs 'baro' /var/lib/pam; then
		fail "pam-auth-update's state still names the profile: $(grep -rs baro /var/lib/pam)"
	fi
	say "purged: $(wc -l <"$WORK/files") listed paths gone or shared, no stack names the module"
	[ "$sshd_rc" = 0 ] ||
		fail "test_stack_sshd.sh on the installed module failed (exit $sshd_rc), see above"
	exit 0
fi

# --- outside: build, lint, then the namespace ---
[ "$(id -u)" -eq 0 ] || fail "needs root (apt-get, dpkg, mount namespaces)"
cd "$(dirname "$0")/.."
TOP=$(pwd)
export DEBIAN_FRONTEND=noninteractive
BARO_PKG_START=$(date +%s)
export BARO_PKG_START

if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q installed; then
	fail "$PKG is installed on this machine already; this script would remove it"
fi

WORK=$(mktemp -d /tmp/baro-pkg.XXXXXX)
chmod 0755 "$WORK"   # apt's _apt user reads the .deb from here
trap 'rm -rf -- "$WORK"' EXIT
mkdir "$WORK/src" "$WORK/ns"

# What must be the same at the end.
snapshot()
{
	find /etc/pam.d /etc/security /var/lib/pam -type f -print0 | sort -z |
		xargs -0 sha256sum
}
snapshot >"$WORK/etc.before"

say "build dependencies"
tools/deps.sh
apt-get install -y --no-install-recommends dpkg-dev debhelper lintian
# The tree without build output or version control.
tar -C "$TOP" --exclude=./.git --exclude=./build --exclude='./build-*' \
	--exclude='./obj-*' -cf - . | tar -C "$WORK/src" -xf -
(cd "$WORK/src" && apt-get build-dep -y --no-install-recommends ./)

say "dpkg-buildpackage -b -us -uc"
(cd "$WORK/src" && dpkg-buildpackage -b -us -uc) >"$WORK/build.log" 2>&1 ||
	{ tail -n 60 "$WORK/build.log" >&2; fail "dpkg-buildpackage failed"; }
DEB=$(ls "$WORK"/${PKG}_*.deb)
dpkg-deb -c "$DEB"

say "lintian $(basename "$DEB")"
lintian --fail-on error,warning --display-info "$DEB" ||
	fail "lintian reports errors or warnings"

say "install, use and purge in a private mount namespace"
unshare --mount --propagation private -- \
	bash "$TOP/.ci/package.sh" --in-namespace "$TOP" "$WORK" "$DEB"

if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q installed; then
	fail "$PKG is still installed"
fi
snapshot >"$WORK/etc.after"
diff "$WORK/etc.before" "$WORK/etc.after" ||
	fail "/etc/pam.d, /etc/security or /var/lib/pam changed on the machine"
say "the machine's /etc/pam.d, /etc/security and /var/lib/pam are unchanged"
say "done"
