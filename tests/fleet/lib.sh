# SPDX-License-Identifier: BSD-3-Clause
# Shared by the fleet store's tests (DESIGN.md §11): a real PostgreSQL 15 from
# Debian, started unprivileged (as the postgres system user) on loopback
# in a private directory, with its own CA and certificates; stopped and
# removed at exit by a trap. Sourced; sets -euo pipefail.
#
# FL_KEEP=1 keeps $FL_WORK for a look after a failure.

set -euo pipefail

FL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FL_SRC=$(cd "$FL_DIR/../.." && pwd)
FL_NAME=$(basename "$0" .sh)
FL_PGBIN=${FL_PGBIN:-/usr/lib/postgresql/15/bin}
FL_START=$(date +%s%N)
FL_PASS=0
FL_FAIL=0

_fl_cleanups=()
fl_defer() { _fl_cleanups+=("$(printf '%q ' "$@")"); }

_fl_exit()
{
	local rc=$? i
	set +e
	for ((i = ${#_fl_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_fl_cleanups[i]}"
	done
	printf '%s: %d passed, %d failed, runtime %d ms, exit %d\n' "$FL_NAME" \
		"$FL_PASS" "$FL_FAIL" $((($(date +%s%N) - FL_START) / 1000000)) "$rc"
	exit "$rc"
}
trap _fl_exit EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

fl_skip() { echo "SKIP: $*"; exit 77; }

fl_require()
{
	[ "$(id -u)" -eq 0 ] || fl_skip "needs root (runs PostgreSQL as the postgres user)"
	[ -x "$FL_PGBIN/initdb" ] || fl_skip "postgresql-15 is not installed"
	id postgres >/dev/null 2>&1 || fl_skip "no postgres system user"
	command -v openssl >/dev/null || fl_skip "no openssl"
	command -v oathtool >/dev/null || fl_skip "no oathtool"
}

fl_ok() { FL_PASS=$((FL_PASS + 1)); echo "ok - $*"; }
fl_not_ok() { FL_FAIL=$((FL_FAIL + 1)); echo "not ok - $*"; }
fl_check() # DESCRIPTION COMMAND...
{
	local d=$1
	shift
	if "$@"; then fl_ok "$d"; else fl_not_ok "$d"; fi
}
fl_fails() { ! "$@" >/dev/null 2>&1; }
fl_done() { [ "$FL_FAIL" -eq 0 ]; }

fl_now_ms() { echo $(($(date +%s%N) / 1000000)); }

fl_free_port()
{
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The private directory: root's, 0755 so that postgres can reach its data
# directory inside; everything the client reads stays root-only.
fl_workdir()
{
	FL_WORK=$(mktemp -d /tmp/baro-fleet.XXXXXX)
	chmod 0755 "$FL_WORK"
	if [ "${FL_KEEP:-0}" = 1 ]; then
		fl_defer echo "kept $FL_WORK"
	else
		fl_defer rm -rf "$FL_WORK"
	fi
	mkdir -m 0700 "$FL_WORK/pki"
}

_fl_ssl() { openssl "$@" 2>/dev/null; }

# fl_ca NAME: a CA in pki/NAME.{key,crt}
fl_ca()
{
	_fl_ssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-days 2 -subj "/CN=$1" -keyout "$FL_WORK/pki/$1.key" \
		-out "$FL_WORK/pki/$1.crt"
}

# fl_cert CA NAME CN [SAN]: pki/NAME.{key,crt} signed by CA
fl_cert()
{
	local ca=$1 name=$2 cn=$3 san=${4:-}
	local ext=$FL_WORK/pki/$name.ext
	_fl_ssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj "/CN=$cn" -keyout "$FL_WORK/pki/$name.key" \
		-out "$FL_WORK/pki/$name.csr"
	: >"$ext"
	[ -z "$san" ] || echo "subjectAltName=$san" >"$ext"
	_fl_ssl x509 -req -in "$FL_WORK/pki/$name.csr" -CA "$FL_WORK/pki/$ca.crt" \
		-CAkey "$FL_WORK/pki/$ca.key" -CAcreateserial -days 2 \
		-extfile "$ext" -out "$FL_WORK/pki/$name.crt"
}

# The usual set: our CA, a server certificate for "localhost" only (no IP
# address: connecting to 127.0.0.1 by address is a name mismatch), host
# certificates, and a foreign CA with a certificate of the same name.
fl_pki()
{
	fl_ca ca
	fl_ca foreign
	fl_cert ca server localhost "DNS:localhost"
	fl_cert ca host_a host_a
	fl_cert ca host_b host_b
	fl_cert foreign foreign_a host_a
	fl_cert foreign foreign_server localhost "DNS:localhost"
}

_fl_pg() { runuser -u postgres -- "$@"; }

# fl_pg_init NAME PORT: a cluster in $FL_WORK/NAME listening on 127.0.0.1
fl_pg_init()
{
	local name=$1 port=$2 data=$FL_WORK/$1
	mkdir -m 0700 "$data" "$FL_WORK/$name.sock"
	mkdir -p -m 0755 "$FL_WORK/log"
	chown postgres: "$data" "$FL_WORK/$name.sock" "$FL_WORK/log"
	_fl_pg "$FL_PGBIN/initdb" -D "$data" -A trust -U postgres --no-sync \
		>"$FL_WORK/log/$name.initdb.log"
	fl_pg_tls "$name" server
	cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$FL_WORK/$name.sock'
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
ssl_ca_file = 'ca.crt'
fsync = off
wal_level = replica
max_wal_senders = 4
hot_standby = on
log_connections = on
log_line_prefix = '%m [%p] %u '
CONF
	cat >"$data/pg_hba.conf" <<HBA
local all all trust
local replication all trust
hostssl baro all 127.0.0.1/32 cert
HBA
	eval "FL_PORT_$name=$port"
}

# fl_pg_tls NAME CERT: the server's certificate (pki/CERT) and our CA
fl_pg_tls()
{
	local data=$FL_WORK/$1
	install -o postgres -m 0600 "$FL_WORK/pki/$2.crt" "$data/server.crt"
	install -o postgres -m 0600 "$FL_WORK/pki/$2.key" "$data/server.key"
	install -o postgres -m 0600 "$FL_WORK/pki/ca.crt" "$data/ca.crt"
}

fl_pg_start()
{
	local name=$1
	_fl_pg "$FL_PGBIN/pg_ctl" -D "$FL_WORK/$name" -l "$FL_WORK/log/$name.log" \
		-w -t 60 start >/dev/null
	fl_defer fl_pg_stop "$name"
}

fl_pg_stop()
{
	[ -f "$FL_WORK/$1/postmaster.pid" ] || return 0
	_fl_pg "$FL_PGBIN/pg_ctl" -D "$FL_WORK/$1" -m immediate -w stop \
		>/dev/null 2>&1 || true
}

# fl_psql NAME [DB] -c ... : as the superuser over the private socket
fl_psql()
{
	local name=$1 db=$2 port
	shift 2
	port=$(eval echo "\$FL_PORT_$name")
	_fl_pg "$FL_PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 \
		-h "$FL_WORK/$name.sock" -p "$port" -d "$db" "$@"
}

# fl_install NAME: the database "baro", the shipped SQL, two host roles
fl_install()
{
	fl_psql "$1" postgres -c "CREATE DATABASE baro"
	fl_psql "$1" baro -f "$FL_SRC/sql/baro_fleet.sql" >/dev/null
	fl_psql "$1" baro -c "CREATE ROLE host_a LOGIN IN ROLE baro_host" \
		-c "CREATE ROLE host_b LOGIN IN ROLE baro_host"
}

# fl_conn DIR HOSTCERT USER [extra lines...]: a client directory with its
# connection file DIR/fleet.conf (root, 0600) and its certificate files.
fl_conn()
{
	local dir=$1 cert=$2 user=$3 port
	shift 3
	mkdir -p -m 0755 "$dir"
	install -m 0644 "$FL_WORK/pki/ca.crt" "$dir/ca.crt"
	install -m 0644 "$FL_WORK/pki/$cert.crt" "$dir/client.crt"
	install -m 0600 "$FL_WORK/pki/$cert.key" "$dir/client.key"
	port=$FL_PORT_pg1
	{
		echo "# fleet connection file"
		echo "dbname=baro"
		echo "user=$user"
		echo "sslrootcert=$dir/ca.crt"
		echo "sslcert=$dir/client.crt"
		echo "sslkey=$dir/client.key"
		local have_host=0 l
		for l in "$@"; do
			case $l in host=*) have_host=1 ;; esac
			echo "$l"
		done
		if [ "$have_host" = 0 ]; then
			echo "host=localhost"
			echo "hostaddr=127.0.0.1"
			echo "port=$port"
		fi
	} >"$dir/fleet.conf"
	chmod 0600 "$dir/fleet.conf"
}

# fl_user NAME BASE32 [SQL settings]: a fleet user with the key
fl_user()
{
	local name=$1 b32=$2 extra=${3:-}
	local hex
	hex=$(python3 -c 'import base64,sys; print(base64.b32decode(sys.argv[1]+"="*(-len(sys.argv[1])%8)).hex())' "$b32")
	fl_psql pg1 baro -c "INSERT INTO baro.users (name, key) VALUES ('$name', '\\x$hex')" >/dev/null
	[ -z "$extra" ] || fl_psql pg1 baro -c "UPDATE baro.users SET $extra WHERE name = '$name'" >/dev/null
}

# fl_code BASE32 [HASH DIGITS CYCLE]: the code now, from oathtool
fl_code()
{
	local b32=$1 hash=${2:-SHA1} digits=${3:-6} cycle=${4:-30}
	oathtool --totp="$hash" -b -d "$digits" -s "${cycle}s" "$b32"
}

# Seconds left in the current 30 s cycle; wait out the last few so that a
# test using "the code now" does not straddle a boundary (a short wait,
# never a whole cycle).
fl_avoid_cycle_edge()
{
	local left=$((30 - $(date +%s) % 30))
	if [ "$left" -le 3 ]; then sleep "$left"; fi
}

# The usual start of a test: checks, the private directory, certificates,
# and pg1 running with the SQL installed.
fl_setup_server()
{
	fl_require
	fl_workdir
	fl_pki
	fl_pg_init pg1 "$(fl_free_port)"
	fl_pg_start pg1
	fl_install pg1
}
