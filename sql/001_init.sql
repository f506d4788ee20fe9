-- SPDX-License-Identifier: BSD-3-Clause
-- Migration 1: schema, roles and the verifier of the fleet store
-- (DESIGN.md §11). Included by baro_fleet.sql inside its transaction; do not
-- run on its own.
--
-- Roles (cluster-wide, created when missing):
--   baro_owner  NOLOGIN: owns every object; the SECURITY DEFINER functions
--               run as it. Nobody logs in as it.
--   baro_admin  NOLOGIN group: its members manage users (baro-keygen).
--               Never granted to a host.
--   baro_host   NOLOGIN group: its members are the hosts' login roles
--               (one per host, authenticated by TLS client certificate).
--               It may execute baro.verify() and nothing else.

DO $roles$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'baro_owner') THEN
		CREATE ROLE baro_owner NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'baro_admin') THEN
		CREATE ROLE baro_admin NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'baro_host') THEN
		CREATE ROLE baro_host NOLOGIN;
	END IF;
END
$roles$;

-- pgcrypto lives in a schema of its own that no host can use.
CREATE SCHEMA baro_crypto AUTHORIZATION baro_owner;
REVOKE ALL ON SCHEMA baro_crypto FROM PUBLIC;
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA baro_crypto;
DO $ext$
BEGIN
	IF (SELECT extnamespace FROM pg_catalog.pg_extension WHERE extname = 'pgcrypto')
	   <> 'baro_crypto'::regnamespace THEN
		RAISE EXCEPTION 'pgcrypto is already installed in another schema of this database; use a dedicated database for the fleet store';
	END IF;
END
$ext$;

CREATE SCHEMA baro AUTHORIZATION baro_owner;
REVOKE ALL ON SCHEMA baro FROM PUBLIC;

SET LOCAL ROLE baro_owner;

CREATE TABLE baro.schema_version (
	version    integer PRIMARY KEY,
	applied_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);

-- One row per user: the options of a .baro_auth file (DESIGN.md §3).
CREATE TABLE baro.users (
	name           text PRIMARY KEY
	               CHECK (name ~ '^[A-Za-z0-9._][A-Za-z0-9._@-]{0,255}$'),
	key            bytea NOT NULL
	               CHECK (pg_catalog.length(key) BETWEEN 16 AND 64),
	method         text NOT NULL DEFAULT 'SHA1'
	               CHECK (method IN ('SHA1', 'SHA256', 'SHA512')),
	digits         integer NOT NULL DEFAULT 6 CHECK (digits BETWEEN 6 AND 8),
	cycle          integer NOT NULL DEFAULT 30 CHECK (cycle BETWEEN 15 AND 300),
	window_size    integer NOT NULL DEFAULT 3 CHECK (window_size BETWEEN 1 AND 100),
	rate_count     integer CHECK (rate_count BETWEEN 1 AND 100),
	rate_interval  integer CHECK (rate_interval BETWEEN 1 AND 3600),
	disallow_reuse boolean NOT NULL DEFAULT false,
	created_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
	updated_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CHECK ((rate_count IS NULL) = (rate_interval IS NULL))
);

-- RATE_LIMIT: one row per attempt still inside the interval.
CREATE TABLE baro.attempts (
	id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_name text NOT NULL REFERENCES baro.users (name) ON DELETE CASCADE
	               ON UPDATE CASCADE,
	at        bigint NOT NULL
);
CREATE INDEX attempts_user ON baro.attempts (user_name, at);

-- DISALLOW_REUSE: the cycles used, still inside the window. The primary
-- key makes a second use of a cycle a conflict.
CREATE TABLE baro.used_cycles (
	user_name text NOT NULL REFERENCES baro.users (name) ON DELETE CASCADE
	               ON UPDATE CASCADE,
	cycle     bigint NOT NULL,
	used_at   timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
	used_by   name NOT NULL DEFAULT session_user,
	PRIMARY KEY (user_name, cycle)
);

-- EMERGENCY_KEY: HMAC-SHA256(key, code) as in the file (DESIGN.md §3); a used
-- code keeps its row with used_at set.
CREATE TABLE baro.emergency (
	user_name text NOT NULL REFERENCES baro.users (name) ON DELETE CASCADE
	               ON UPDATE CASCADE,
	hash      bytea NOT NULL CHECK (pg_catalog.length(hash) = 32),
	used_at   timestamptz,
	used_by   name,
	PRIMARY KEY (user_name, hash)
);

-- One row per verification: who asked (the authenticated host role and
-- the host name it gave), for whom, and the verdict.
CREATE TABLE baro.audit (
	id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at        timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
	db_role   name NOT NULL DEFAULT session_user,
	host      text NOT NULL,
	service   text NOT NULL,
	rhost     text NOT NULL,
	user_name text NOT NULL,
	verdict   text NOT NULL
);
CREATE INDEX audit_user ON baro.audit (user_name, at);

-- RFC 4226 HOTP with RFC 6238's hashes: the code of `counter`, `digits`
-- digits with leading zeros. Pure; the verifier and the tests use it.
CREATE FUNCTION baro.totp(p_key bytea, p_method text, p_digits integer,
			  p_counter bigint)
RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	mac bytea;
	off integer;
	bin bigint;
BEGIN
	IF p_digits NOT BETWEEN 6 AND 8 OR p_counter < 0 THEN
		RAISE EXCEPTION 'baro.totp: bad digits or counter';
	END IF;
	mac := baro_crypto.hmac(int8send(p_counter), p_key,
				CASE p_method WHEN 'SHA1' THEN 'sha1'
					      WHEN 'SHA256' THEN 'sha256'
					      WHEN 'SHA512' THEN 'sha512' END);
	IF mac IS NULL THEN
		RAISE EXCEPTION 'baro.totp: unknown method %', p_method;
	END IF;
	off := get_byte(mac, length(mac) - 1) & 15;
	bin := ((get_byte(mac, off) & 127)::bigint << 24)
	     | (get_byte(mac, off + 1)::bigint << 16)
	     | (get_byte(mac, off + 2)::bigint << 8)
	     | get_byte(mac, off + 3)::bigint;
	RETURN lpad((bin % (10::bigint ^ p_digits)::bigint)::text, p_digits, '0');
END
$$;

CREATE FUNCTION baro.audit_row(p_user text, p_host text, p_service text,
			       p_rhost text, p_verdict text)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
	INSERT INTO baro.audit (host, service, rhost, user_name, verdict)
	VALUES (left(coalesce(p_host, ''), 255), left(coalesce(p_service, ''), 64),
		left(coalesce(p_rhost, ''), 255), left(coalesce(p_user, ''), 256),
		p_verdict);
$$;

-- The verifier (DESIGN.md §6 order, DESIGN.md §11): one call, one transaction, the
-- user's row locked, the server's clock.
--
-- p_code is what the host sends: at most 8 ASCII digits. With p_tail
-- (forward_pass) they are the trailing digits of "password+code": the
-- TOTP is their last DIGITS, the emergency code all 8. Without p_tail the
-- code is exactly what was typed (spaces removed). Anything else is a
-- wrong code, and still counts as an attempt.
--
-- Returns the verdict, how many trailing digits the code was (so that
-- forward_pass can cut the password off on the host) and, for 'reused',
-- the seconds until the next cycle.
CREATE FUNCTION baro.verify(p_user text, p_code text, p_tail boolean,
			    p_host text, p_service text, p_rhost text,
			    OUT verdict text, OUT digits_used integer,
			    OUT retry_secs integer)
RETURNS record
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, baro, pg_temp
SET "TimeZone" = 'UTC'
AS $$
DECLARE
	u baro.users%ROWTYPE;
	now_s bigint;
	cur bigint;
	first_c bigint;
	last_c bigint;
	c bigint;
	matched bigint;
	n bigint;
	code text := coalesce(p_code, '');
	totp_code text;
	emergency_code text;
BEGIN
	retry_secs := 0;
	IF code !~ '^[0-9]{0,8}$' THEN
		code := '';
	END IF;
	SELECT * INTO u FROM baro.users WHERE name = p_user FOR UPDATE;
	IF NOT FOUND THEN
		verdict := 'no_user';
		digits_used := 6;
		PERFORM baro.audit_row(p_user, p_host, p_service, p_rhost, verdict);
		RETURN;
	END IF;
	-- The clock is read with the row lock held: a login that waited for
	-- another one sees the time it is verified at.
	now_s := floor(extract(epoch FROM clock_timestamp()))::bigint;
	digits_used := u.digits;

	-- RATE_LIMIT: the attempt counts before the code is looked at.
	IF u.rate_count IS NOT NULL THEN
		DELETE FROM baro.attempts
		 WHERE user_name = u.name
		   AND NOT (at > now_s - u.rate_interval AND at <= now_s + u.rate_interval);
		SELECT count(*) INTO n FROM baro.attempts WHERE user_name = u.name;
		IF n >= u.rate_count THEN
			verdict := 'rate_limited';
			PERFORM baro.audit_row(p_user, p_host, p_service, p_rhost, verdict);
			RETURN;
		END IF;
		INSERT INTO baro.attempts (user_name, at) VALUES (u.name, now_s);
	END IF;

	IF p_tail AND length(code) >= u.digits THEN
		totp_code := right(code, u.digits);
	ELSIF length(code) = u.digits THEN
		totp_code := code;
	END IF;
	IF length(code) = 8 THEN
		emergency_code := code;
	END IF;

	-- TOTP over the window: every candidate computed, no early exit.
	cur := now_s / u.cycle;
	first_c := greatest(cur - (u.window_size - 1) / 2, 0);
	last_c := cur + u.window_size / 2;
	IF totp_code IS NOT NULL THEN
		FOR c IN first_c .. last_c LOOP
			IF baro.totp(u.key, u.method, u.digits, c) = totp_code
			   AND matched IS NULL THEN
				matched := c;
			END IF;
		END LOOP;
	END IF;

	IF matched IS NOT NULL THEN
		verdict := 'ok';
		IF u.disallow_reuse THEN
			DELETE FROM baro.used_cycles
			 WHERE user_name = u.name AND (cycle < first_c OR cycle > last_c);
			INSERT INTO baro.used_cycles (user_name, cycle)
			VALUES (u.name, matched)
			ON CONFLICT DO NOTHING;
			GET DIAGNOSTICS n = ROW_COUNT;
			IF n = 0 THEN
				verdict := 'reused';
				retry_secs := ((cur + 1) * u.cycle - now_s)::integer;
			END IF;
		END IF;
	ELSIF emergency_code IS NOT NULL THEN
		UPDATE baro.emergency
		   SET used_at = clock_timestamp(), used_by = session_user
		 WHERE user_name = u.name
		   AND hash = baro_crypto.hmac(convert_to(emergency_code, 'UTF8'),
					       u.key, 'sha256')
		   AND used_at IS NULL;
		GET DIAGNOSTICS n = ROW_COUNT;
		IF n > 0 THEN
			verdict := 'ok_emergency';
			digits_used := 8;
		END IF;
	END IF;
	IF verdict IS NULL THEN
		verdict := 'wrong';
	END IF;
	PERFORM baro.audit_row(p_user, p_host, p_service, p_rhost, verdict);
END
$$;

-- --- Administration (baro-keygen with a member of baro_admin) ---

-- Create a user, or with p_replace replace its key and options and forget
-- its state and emergency codes (they are HMACs under the old key).
CREATE FUNCTION baro.user_put(p_user text, p_key bytea, p_method text,
			      p_digits integer, p_cycle integer,
			      p_window integer, p_rate_count integer,
			      p_rate_interval integer,
			      p_disallow_reuse boolean, p_replace boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, baro, pg_temp
AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM baro.users WHERE name = p_user FOR UPDATE) THEN
		IF NOT p_replace THEN
			RAISE EXCEPTION 'user % already exists', p_user
				USING ERRCODE = 'unique_violation';
		END IF;
		DELETE FROM baro.users WHERE name = p_user;
	END IF;
	INSERT INTO baro.users (name, key, method, digits, cycle, window_size,
				rate_count, rate_interval, disallow_reuse)
	VALUES (p_user, p_key, p_method, p_digits, p_cycle, p_window,
		p_rate_count, p_rate_interval, p_disallow_reuse);
END
$$;

-- A new key, the options kept. Emergency codes (HMACs under the old key)
-- and the state go with the old key.
CREATE FUNCTION baro.user_rotate(p_user text, p_key bytea)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, baro, pg_temp
AS $$
BEGIN
	UPDATE baro.users SET key = p_key, updated_at = pg_catalog.now()
	 WHERE name = p_user;
	IF NOT FOUND THEN
		RETURN false;
	END IF;
	DELETE FROM baro.emergency WHERE user_name = p_user;
	DELETE FROM baro.attempts WHERE user_name = p_user;
	DELETE FROM baro.used_cycles WHERE user_name = p_user;
	RETURN true;
END
$$;

-- Add emergency codes (hashes as in the file), or with p_replace replace
-- them all. At most 10 unused codes, as in the file.
CREATE FUNCTION baro.emergency_put(p_user text, p_hashes bytea[],
				   p_replace boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, baro, pg_temp
AS $$
BEGIN
	PERFORM 1 FROM baro.users WHERE name = p_user FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no such user %', p_user
			USING ERRCODE = 'no_data_found';
	END IF;
	IF p_replace THEN
		DELETE FROM baro.emergency WHERE user_name = p_user;
	END IF;
	INSERT INTO baro.emergency (user_name, hash)
	SELECT p_user, h FROM unnest(p_hashes) AS h
	ON CONFLICT DO NOTHING;
	IF (SELECT count(*) FROM baro.emergency
	     WHERE user_name = p_user AND used_at IS NULL) > 10 THEN
		RAISE EXCEPTION 'more than 10 emergency codes for %', p_user;
	END IF;
END
$$;

-- Forget RATE_LIMIT attempts and used cycles (as faillock --reset).
CREATE FUNCTION baro.user_reset(p_user text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, baro, pg_temp
AS $$
BEGIN
	PERFORM 1 FROM baro.users WHERE name = p_user FOR UPDATE;
	IF NOT FOUND THEN
		RETURN false;
	END IF;
	DELETE FROM baro.attempts WHERE user_name = p_user;
	DELETE FROM baro.used_cycles WHERE user_name = p_user;
	RETURN true;
END
$$;

CREATE FUNCTION baro.user_delete(p_user text)
RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, baro, pg_temp
AS $$
	WITH d AS (DELETE FROM baro.users WHERE name = p_user RETURNING 1)
	SELECT count(*) > 0 FROM d;
$$;

-- A user's settings and state, never the key.
CREATE FUNCTION baro.user_show(p_user text)
RETURNS TABLE (name text, method text, digits integer, cycle integer,
	       window_size integer, rate_count integer, rate_interval integer,
	       disallow_reuse boolean, emergency_left bigint,
	       emergency_used bigint, attempts bigint, used_cycles bigint,
	       created_at timestamptz, updated_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, baro, pg_temp
AS $$
	SELECT u.name, u.method, u.digits, u.cycle, u.window_size,
	       u.rate_count, u.rate_interval, u.disallow_reuse,
	       (SELECT count(*) FROM baro.emergency e
		 WHERE e.user_name = u.name AND e.used_at IS NULL),
	       (SELECT count(*) FROM baro.emergency e
		 WHERE e.user_name = u.name AND e.used_at IS NOT NULL),
	       (SELECT count(*) FROM baro.attempts a WHERE a.user_name = u.name),
	       (SELECT count(*) FROM baro.used_cycles c WHERE c.user_name = u.name),
	       u.created_at, u.updated_at
	  FROM baro.users u
	 WHERE p_user IS NULL OR u.name = p_user
	 ORDER BY u.name;
$$;

-- A key for the URI and QR code of an existing user (baro-keygen show
-- --key): admins only.
CREATE FUNCTION baro.user_key(p_user text)
RETURNS bytea
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, baro, pg_temp
AS $$
	SELECT key FROM baro.users WHERE name = p_user;
$$;

RESET ROLE;

-- --- Privileges: nothing by default, then exactly what each role needs ---
REVOKE ALL ON ALL TABLES IN SCHEMA baro FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA baro FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA baro FROM PUBLIC;

GRANT USAGE ON SCHEMA baro TO baro_host, baro_admin;
-- baro.totp() for the admin's checks; hosts never see pgcrypto.
GRANT USAGE ON SCHEMA baro_crypto TO baro_admin;
GRANT EXECUTE ON FUNCTION baro.verify(text, text, boolean, text, text, text)
	TO baro_host;

GRANT EXECUTE ON FUNCTION
	baro.user_put(text, bytea, text, integer, integer, integer, integer,
		      integer, boolean, boolean),
	baro.user_rotate(text, bytea),
	baro.emergency_put(text, bytea[], boolean),
	baro.user_reset(text),
	baro.user_delete(text),
	baro.user_show(text),
	baro.user_key(text),
	baro.totp(bytea, text, integer, bigint)
	TO baro_admin;
GRANT SELECT ON baro.audit, baro.schema_version TO baro_admin;

INSERT INTO baro.schema_version (version) VALUES (1);
