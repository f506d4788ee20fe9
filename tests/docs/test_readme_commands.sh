#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The installation commands of README.md and docs/INSTALL.md work when
# typed in order on a fresh machine. The blocks marked "<!-- test: NAME -->"
# (the fenced block that follows) run as written, "sudo" and all, in a
# private mount namespace whose /etc, /usr, /var and /run are overlays of
# the host's (the host is never written; what the commands install
# vanishes with the namespace). Then:
# - README.md and INSTALL.md: "build" (its build and apt lines are not run:
#   the suite's build tree stands for them, so "cmake --install build"
#   installs it), "configure" (conf file, /var/lib/baropam, create, check),
#   "sshd" (stack and drop-in, sshd -t): a login through libpam with
#   the installed module and the installed sshd stack succeeds with the
#   right code of the user "create" provisioned, and fails with a wrong one;
# - README.md tells the same story: its "configure" and "sshd" blocks are
#   INSTALL.md's, character for character;
# - INSTALL.md also: "faillock" (the sshd stack includes faillock-baro):
#   three wrong codes lock the account and the right code is then refused;
#   "unlock": the right code logs in again; "sudo": sudo and sudo -i
#   (service sudo-i) ask for the code and the password.
# Usage: test_readme_commands.sh SOURCE_DIR BUILD_DIR README.md|docs/INSTALL.md
set -euo pipefail

NAME=test_readme_commands
skip()
{
	echo "SKIP ($NAME): $*" >&2
	exit 77
}

fail()
{
	echo "FAIL ($NAME): $*" >&2
	exit 1
}

[ $# -eq 3 ] || fail "usage: $0 SOURCE_DIR BUILD_DIR DOC"
SRC=$(cd "$1" && pwd)
BUILD=$(cd "$2" && pwd)
DOC=$3
NAME="$NAME $DOC"
[ -f "$SRC/$DOC" ] || fail "no $SRC/$DOC"
[ "$(id -u)" -eq 0 ] || skip "needs root (the commands install into /etc and /usr)"
for c in unshare mount pamtester oathtool expect faillock openssl flock; do
	command -v "$c" >/dev/null || skip "$c is not installed"
done
if [ ! -x /usr/sbin/sshd ] || [ ! -f /etc/ssh/sshd_config ]; then
	skip "openssh-server is not installed"
fi

# The rest in a mount namespace of its own.
if [ -z "${DOC_PRIVATE_NS:-}" ]; then
	unshare --mount --propagation private true 2>/dev/null ||
		skip "cannot create a mount namespace (unshare -m)"
	export DOC_PRIVATE_NS=1
	exec unshare --mount --propagation private -- bash "$0" "$@"
fi

# pamtester logs through /dev/log, where a stack test may be listening:
# one at a time (the stack tests' lock).
LOCK=/run/lock/baro-stack-tests.lock
[ -d /run/lock ] || LOCK=/tmp/baro-stack-tests.lock
exec {lock_fd}>>"$LOCK"
flock -w 300 "$lock_fd" || skip "the stack tests held $LOCK too long"

WORK=$(mktemp -d /tmp/baro-doc.XXXXXX)
cleanup()
{
	local d

	for d in run var usr etc; do
		umount -l "/$d" 2>/dev/null || true
	done
	rm -rf -- "$WORK"
}
trap cleanup EXIT

# --- the fresh machine: the host's /etc, /usr, /var, /run, copy-on-write ---
for d in etc usr var run; do
	mkdir -p "$WORK/ov/$d/upper" "$WORK/ov/$d/work"
	mount -t overlay overlay -o "lowerdir=/$d,upperdir=$WORK/ov/$d/upper,workdir=$WORK/ov/$d/work" "/$d" ||
		skip "cannot mount an overlay over /$d"
done
# What a booted host has: sshd's privilege separation directory, host keys.
mkdir -p /run/sshd
ssh-keygen -A >/dev/null

# A user of this namespace with a password: appended to its /etc.
add_user()
{
	local name=$1 id=61000 hash

	while getent passwd "$id" >/dev/null || getent group "$id" >/dev/null; do
		id=$((id + 1))
	done
	hash=$(printf '%s' "$2" | openssl passwd -6 -stdin)
	mkdir -m 0700 "$WORK/home-$name"
	chown "$id:$id" "$WORK/home-$name"
	printf '%s:x:%d:%d::%s:/bin/bash\n' "$name" "$id" "$id" "$WORK/home-$name" >>/etc/passwd
	printf '%s:x:%d:\n' "$name" "$id" >>/etc/group
	printf '%s:%s:%d:0:99999:7:::\n' "$name" "$hash" $(($(date +%s) / 86400)) >>/etc/shadow
}
getent passwd alice >/dev/null || add_user alice "alice-pw-$$"
getent passwd bob >/dev/null || add_user bob "bob-pw-$$"
chmod 0711 "$WORK"

# --- the documented blocks ---

# block DOC NAME: the fenced block after "<!-- test: NAME -->" in DOC,
# without the fence's indentation.
block()
{
	awk -v mark="<!-- test: $2 -->" '
		index($0, mark) { armed = 1; next }
		armed && /^[ \t]*```/ {
			if (inside) exit
			inside = 1
			match($0, /^[ \t]*/)
			indent = RLENGTH
			next
		}
		inside { print substr($0, indent + 1) }' "$SRC/$1"
}

# A tree that looks like the source checkout the docs are typed in, with
# the suite's build as "build".
TREE=$WORK/tree
mkdir "$TREE"
for f in "$SRC"/*; do
	ln -s "$f" "$TREE/$(basename "$f")"
done
rm -f "$TREE/build"
ln -s "$BUILD" "$TREE/build"

# run NAME: the block NAME of DOC, line by line as a root shell would run
# it (sudo is a no-op for root; systemctl would touch the host's daemons
# and is only echoed; the build and package lines are the suite's).
run()
{
	local text script=$WORK/block-$1.sh

	text=$(block "$DOC" "$1")
	[ -n "$text" ] || fail "$DOC has no block marked <!-- test: $1 -->"
	{
		echo 'sudo() { "$@"; }'
		echo 'systemctl() { echo "(not run in the test) systemctl $*"; }'
		echo 'set -ex'
		sed -E 's/^((sudo )?(tools\/deps\.sh|apt-get|dnf)|cmake -S|cmake --build).*$/true # not run, the suite built: &/' <<<"$text"
	} >"$script"
	(cd "$TREE" && env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C TERM=dumb bash "$script" </dev/null) >"$WORK/out-$1" 2>&1 ||
		fail "block '$1' of $DOC failed:"$'\n'"$(cat "$WORK/out-$1")"
	echo "ok - $DOC: block '$1' ran"
}

# --- logging in through libpam ---

key_of()
{
	awk '$1 == "SECURE_KEY" { print $2 }' "/var/lib/baropam/$1/.baro_auth"
}

declare -A USED=()

# right_code USER: CODE becomes a right code of USER for a cycle not used
# yet (DISALLOW_REUSE): the current one, the next or the previous, all
# inside the window (the previous only with more than 5 s of the cycle
# left; in its last 5 s the next cycle brings fresh ones). Not in a
# subshell: USED remembers.
right_code()
{
	local now c _

	for _ in 1 2; do
		now=$(($(date +%s) / 30))
		for c in "$now" $((now + 1)) $((now - 1)); do
			if [ "$c" = $((now - 1)) ] && [ $(($(date +%s) % 30)) -ge 25 ]; then
				continue
			fi
			if [ -z "${USED[$1:$c]:-}" ]; then
				USED[$1:$c]=1
				CODE=$(oathtool --totp -b -N "@$((c * 30))" "$(key_of "$1")")
				return 0
			fi
		done
		# Only the last seconds of a cycle are worth waiting for.
		[ $((30 - $(date +%s) % 30)) -le 5 ] || break
		sleep $((30 - $(date +%s) % 30))
	done
	fail "no unused code left for $1"
}

# A six-digit code that no cycle within three of now accepts.
wrong_code()
{
	local window c

	window=$(oathtool --totp -b -w 6 -N "@$(($(date +%s) - 90))" "$(key_of "$1")")
	c=$(printf '%06d' $(((10#$(head -1 <<<"$window") + 500000) % 1000000)))
	while grep -qx "$c" <<<"$window"; do
		c=$(printf '%06d' $(((10#$c + 1) % 1000000)))
	done
	echo "$c"
}

# login SERVICE USER CODE [PASSWORD]: pamtester through the conversation
# script of the stack tests; sets RC and OUT.
login()
{
	RC=0
	OUT=$(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C \
		TERM=dumb STK_KEY=unused STK_ANSWER="$3" STK_PASSWORD="${4:-}" \
		expect -f "$SRC/tests/stacks/converse.exp" \
		pamtester "$1" "$2" authenticate 2>&1) || RC=$?
	OUT=${OUT//$'\r'/}
}

expect_login()
{
	[ "$RC" = "$2" ] || fail "$1: pamtester exit $RC, expected $2:"$'\n'"$OUT"
	grep -qx 'Verification code: ' <<<"$OUT" ||
		fail "$1: no code was asked:"$'\n'"$OUT"
}

# --- the run ---

case $DOC in
README.md) ;;
docs/INSTALL.md) ;;
*) fail "no steps known for $DOC" ;;
esac

if [ "$DOC" = README.md ]; then
	for b in configure sshd; do
		[ "$(block README.md "$b")" = "$(block docs/INSTALL.md "$b")" ] ||
			fail "README.md and INSTALL.md differ in block '$b'"
	done
	echo "ok - README.md: the configure and sshd blocks are INSTALL.md's"
fi

run build
module=$(find /usr/lib /lib -path '*/security/pam_baro_auth.so' 2>/dev/null | head -1)
[ -n "$module" ] || fail "no pam_baro_auth.so in a security directory after the build block"
[ -f "$(dirname "$module")/pam_unix.so" ] ||
	fail "$module is not beside pam_unix.so"
echo "ok - $DOC: the module is installed beside pam_unix.so ($module)"

run configure
[ "$(stat -c '%U %a' /var/lib/baropam/alice/.baro_auth)" = "root 400" ] ||
	fail "alice's secret file is not 0400 root"

run sshd
right_code alice
login sshd alice "$CODE"
expect_login "sshd stack, right code" 0
login sshd alice "$(wrong_code alice)"
expect_login "sshd stack, wrong code" 1
echo "ok - $DOC: through the installed sshd stack the right code logs in, a wrong one does not"

[ "$DOC" = docs/INSTALL.md ] || exit 0

run faillock
for i in 1 2 3; do
	login sshd alice "$(wrong_code alice)"
	expect_login "faillock, wrong code $i" 1
done
right_code alice
login sshd alice "$CODE"
if [ "$RC" != 1 ] ||
   ! grep -qx 'The account is locked due to 3 failed logins.' <<<"$OUT"; then
	fail "faillock: not locked after three wrong codes (exit $RC):"$'\n'"$OUT"
fi
echo "ok - $DOC: with faillock-baro three wrong codes lock the account"

run unlock
right_code alice
login sshd alice "$CODE"
expect_login "after the unlock" 0
echo "ok - $DOC: the documented unlock lets the right code in again"

run sudo
baro-keygen create -u bob --qr none >/dev/null
for svc in sudo sudo-i; do
	right_code bob
	login "$svc" bob "$CODE" "bob-pw-$$"
	expect_login "$svc, right code and password" 0
	grep -qx 'Password: ' <<<"$OUT" || fail "$svc: no password was asked:"$'\n'"$OUT"
done
echo "ok - $DOC: sudo and sudo-i ask for the code and the password"
