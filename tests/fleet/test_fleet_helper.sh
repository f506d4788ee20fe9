#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# store=pgsql through the setuid helper (DESIGN.md §11, §12), end to end: a
# screen-locker-like PAM program run as an ordinary user (tests/helper's
# private world: the user exists only in a mount namespace, root's conf
# file is a bind-mounted copy), the root-owned setuid copy of the built
# helper reading that conf file (store=pgsql, fleet=, fleet_timeout=), and
# a real PostgreSQL 15 started here on loopback with its own CA
# (tests/fleet/lib.sh), stopped at exit. The helper loads the backend from
# its installed path, which exists only in the namespace (an overlay with
# the built backend there). Shown: a right code succeeds and is consumed
# on the server (asked for by root's host role); the same code again, and
# a wrong one, fail; the caller's module arguments (another fleet
# connection file, a local fallback with a key of the user's own, nullok)
# and PG* variables change nothing; the helper refuses another user's
# code without asking the server; a stopped server and a server that
# never answers fail closed within fleet_timeout (plus the helper's fixed
# failure delay).
# Usage: test_fleet_helper.sh HELPER TEST_MODULE PAM_AS_USER FLEET_BACKEND
#                             INSTALLED_BACKEND_PATH

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=../helper/lib.sh
. "$FL_DIR/../helper/lib.sh"
# One exit trap (the stack library's, sourced last): the fleet library's
# cleanups (the server's stop, its directory) go on its list.
fl_defer() { stk_defer "$@"; }
fl_skip() { stk_skip "$@"; }

[ $# -eq 5 ] ||
	stk_fail "usage: $0 HELPER TEST_MODULE PAM_AS_USER FLEET_BACKEND INSTALLED_BACKEND_PATH"
fl_require
h_init "$1" "$2" "$3"
BACKEND=$4
INSTALLED=$5
TIMEOUT_S=2

# --- the backend at its installed path, in the namespace only ---
# An overlay on the deepest directory of that path that exists here,
# its upper layer on a tmpfs of the namespace: the installed directory
# shows its files plus the built backend.
lower=$(dirname "$INSTALLED")
while [ ! -d "$lower" ]; do lower=$(dirname "$lower"); done
mkdir -m 0700 "$WORK/ovl"
install -o root -g root -m 0644 "$BACKEND" "$WORK/backend.so"
# shellcheck disable=SC2016 # $w is the namespace shell's
printf -v H_NS '%s' "mount -t tmpfs tmpfs \"\$w/ovl\" &&
	mkdir \"\$w/ovl/u\" \"\$w/ovl/w\" &&
	mount -t overlay overlay -o 'lowerdir=$lower,upperdir='\"\$w/ovl/u\"',workdir='\"\$w/ovl/w\" '$lower' &&
	mkdir -p '$(dirname "$INSTALLED")' &&
	cp \"\$w/backend.so\" '$INSTALLED'"
RC=0
h_run test -f "$INSTALLED" || RC=$?
[ "$RC" = 0 ] || stk_skip "cannot put the backend at $INSTALLED in a mount namespace (overlay)"
[ ! -e "$INSTALLED" ] || [ "$lower" = "$(dirname "$INSTALLED")" ] ||
	stk_fail "the overlay is visible outside its namespace"

# --- the server, the host's connection file, the users ---
fl_workdir
fl_pki
fl_pg_init pg1 "$(fl_free_port)"
fl_pg_start pg1
fl_install pg1
fl_conn "$FL_WORK/host" host_a host_a
fleet_conf()
{
	write_conf "store=pgsql
fleet=$1
fleet_timeout=$TIMEOUT_S
"
}
fleet_conf "$FL_WORK/host/fleet.conf"
fl_user "$HU" "$STK_KEY" "disallow_reuse = true"
BOB_KEY=$(head -c 20 /dev/urandom | base32 | tr -d '=')
fl_user "$HV" "$BOB_KEY"
# No local secret files: the fleet alone decides.
rm -rf "$WORK/baropam"

# audit USER VERDICT: rows with that verdict, asked for by host_a.
audit()
{
	fl_psql pg1 baro -c "SELECT count(*) FROM baro.audit WHERE user_name = '$1' AND verdict = '$2' AND db_role = 'host_a'"
}
audit_all() { fl_psql pg1 baro -c "SELECT count(*) FROM baro.audit"; }
code_at() { oathtool --totp -b -N "@$1" "$2"; }

# ===================== verdicts through the helper =====================

fl_avoid_cycle_edge
NOW=$(date +%s)
C=$(code_at "$NOW" "$STK_KEY")
h_pam baro-locker "$C"
expect_rc "right code through the helper (store=pgsql)" 0
helper_log_has "authentication key : verification code accepted for user $HU by (local ip=0.0.0.0,Remote ip=0.0.0.0)"
[ "$(audit "$HU" ok)" = 1 ] || stk_fail "the server has no 'ok' row from host_a for $HU"
[ "$(fl_psql pg1 baro -c "SELECT service || '|' || rhost FROM baro.audit WHERE user_name = '$HU'")" = "baro-locker|" ] ||
	stk_fail "the audit row's service or remote host is not the helper's"
stk_ok "as the user, a right code succeeds through the helper, checked by the server (audit: host_a, ok)"

h_pam baro-locker "$C"
expect_rc "the same code again" 7
helper_log_has "Trying to reuse a previously used time-based code."
[ "$(audit "$HU" reused)" = 1 ] || stk_fail "the server did not record the reuse"
stk_ok "the code was consumed on the server: a second use is refused (PAM_AUTH_ERR, audit reused)"

h_pam baro-locker "$(stk_wrong_code)"
expect_rc "wrong code through the helper" 7
helper_log_has "Invalid verification code"
[ "$(audit "$HU" wrong)" = 1 ] || stk_fail "the server did not record the wrong code"
stk_ok "a wrong code fails (PAM_AUTH_ERR, audit wrong)"

# ===================== what the caller cannot change =====================

# The caller's own arguments: another fleet connection file (a server of
# the user's choosing, here none), a local fallback with a key of the
# user's own, nullok; PG* variables in the caller's environment.
EVIL=$WORK/home-alice
mkdir -m 0700 "$EVIL"
EVIL_KEY=$(head -c 20 /dev/urandom | base32 | tr -d '=')
printf 'SECURE_KEY %s\nCYCLE_TIME 30\n' "$EVIL_KEY" >"$EVIL/.baro_auth"
fl_conn "$EVIL/conn" host_b host_b host=localhost hostaddr=127.0.0.1 "port=$(fl_free_port)"
chmod 0400 "$EVIL/.baro_auth"
chown -R "$HU_UID:$HU_UID" "$EVIL"
printf 'auth required %s store=pgsql fleet=%s fleet_offline=local fleet_timeout=1 secret=%s/.baro_auth encrypt=no nullok\n' \
	"$MODULE" "$EVIL/conn/fleet.conf" "$EVIL" >"$PAMD/baro-evil"
H_ENV=(PGHOST=127.0.0.1 "PGPORT=$(fl_free_port)" PGSSLMODE=disable PGUSER=postgres
       PGSERVICE=nosuch PGOPTIONS="-c search_path=public")
before=$(audit_all)
h_pam baro-evil "$(code_at "$NOW" "$EVIL_KEY")"
expect_rc "a code of the caller's own key, with the caller's fleet= and fleet_offline=local" 7
helper_log_has "Invalid verification code"
[ "$(audit_all)" = $((before + 1)) ] && [ "$(audit "$HU" wrong)" = 2 ] ||
	stk_fail "the attempt did not reach root's fleet server as host_a"
h_pam baro-evil "$(code_at $((NOW + 30)) "$STK_KEY")"
expect_rc "the right code with the caller's arguments and PG* variables" 0
[ "$(audit "$HU" ok)" = 2 ] || stk_fail "the right code was not checked by root's fleet server"
[ "$(fl_psql pg1 baro -c "SELECT count(*) FROM baro.audit WHERE service = 'baro-evil' AND db_role = 'host_a'")" = 2 ] ||
	stk_fail "the caller's attempts were not asked by host_a"
H_ENV=()
stk_ok "the caller's module arguments (fleet=, fleet_offline=local, secret=, nullok) and PG* variables are ignored: root's connection file, root's server"

# Another user: the helper refuses before asking the server; through the
# module too.
before=$(audit_all)
h_direct "$HV" "$(code_at "$(date +%s)" "$BOB_KEY")"
expect_rc "the helper asked for another user's (right) code" 40
helper_log_has "Refused: uid $HU_UID ($HU) asked to check a code for user $HV"
stk_log_mark
RC=0
OUT=$(h_as BARO_TEST_CHKCODE="$HELPER" "$DRIVER" /etc/pam.d baro-locker "$HV" \
	"$(code_at "$(date +%s)" "$BOB_KEY")" 2>&1) || RC=$?
expect_rc "the module asked for another user's (right) code" 7
module_log_has baro-locker "The setuid helper refused to check a code for $HV: it checks only the calling user's own code (uid $HU_UID)"
[ "$(audit_all)" = "$before" ] || stk_fail "a request for another user reached the server"
stk_ok "another user's code: refused by the helper (40; PAM_AUTH_ERR through the module), nothing sent to the server"

# forward_pass (one prompt, "password + code"): the helper gets the last
# 8 characters only (tail mode), the server says how long the code was.
fl_psql pg1 baro -c "DELETE FROM baro.used_cycles WHERE user_name = '$HU'" >/dev/null
printf 'auth required %s forward_pass\n' "$MODULE" >"$PAMD/baro-forward"
h_pam baro-forward "$HU_PW$(code_at "$(date +%s)" "$STK_KEY")"
expect_rc "forward_pass: password and right code" 0
h_pam baro-forward "$HU_PW$(stk_wrong_code)"
expect_rc "forward_pass: password and wrong code" 7
[ "$(audit "$HU" ok)" = 3 ] && [ "$(audit "$HU" wrong)" = 3 ] ||
	stk_fail "forward_pass: the server's verdicts are not ok then wrong"
stk_ok "forward_pass through the helper (tail mode) against the server: right code accepted, wrong refused"

# ===================== the server unreachable =====================

# A server that accepts and never answers: fleet_timeout bounds it.
python3 "$FL_SRC/tests/fleet/listener.py" hang "$FL_WORK/hang.port" &
fl_defer kill $!
for _ in $(seq 50); do [ -s "$FL_WORK/hang.port" ] && break; sleep 0.1; done
fl_conn "$FL_WORK/hang" host_a host_a host=localhost hostaddr=127.0.0.1 "port=$(cat "$FL_WORK/hang.port")"
fleet_conf "$FL_WORK/hang/fleet.conf"
h_direct "$HU" "$(code_at $((NOW + 30)) "$STK_KEY")"
expect_rc "a server that never answers" 30
# The backend's lines go where the helper's do (syslog), not to the
# caller's stderr.
helper_log_has "Fleet server unreachable[timed out connecting]"
[ -z "$ERR" ] || stk_fail "the helper wrote to the caller's stderr: $ERR"
[ "$MS" -ge $((TIMEOUT_S * 1000 + 1900)) ] && [ "$MS" -lt $((TIMEOUT_S * 1000 + 3500)) ] ||
	stk_fail "a server that never answers: answered after $MS ms (fleet_timeout=$TIMEOUT_S, then the 2 s delay)"
HANG_MS=$MS
h_pam baro-locker "$(code_at $((NOW + 30)) "$STK_KEY")"
expect_rc "a server that never answers, through the module" 9
stk_ok "a server that never answers: fails closed after fleet_timeout ($HANG_MS ms = ${TIMEOUT_S} s + the 2 s delay; PAM_AUTHINFO_UNAVAIL)"

# The real server, stopped.
fleet_conf "$FL_WORK/host/fleet.conf"
fl_pg_stop pg1
C=$(code_at "$(date +%s)" "$STK_KEY")
h_direct "$HU" "$C"
expect_rc "the server stopped" 30
helper_log_has "Fleet server unreachable["
[ -z "$ERR" ] || stk_fail "the helper wrote to the caller's stderr: $ERR"
[ "$MS" -lt $((TIMEOUT_S * 1000 + 3500)) ] ||
	stk_fail "the server stopped: answered after $MS ms"
STOP_MS=$MS
h_pam baro-locker "$C"
expect_rc "the server stopped, through the module" 9
stk_ok "the server stopped: fails closed ($STOP_MS ms; PAM_AUTHINFO_UNAVAIL), no local fallback"
