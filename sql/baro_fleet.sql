-- SPDX-License-Identifier: BSD-3-Clause
-- pam_baro_auth fleet store (DESIGN.md §11): install or upgrade the server side.
--
--   psql -v ON_ERROR_STOP=1 -d DBNAME -f sql/baro_fleet.sql
--
-- Run as a superuser (it creates roles, schemas and the pgcrypto
-- extension). Each migration in this directory runs once, in order, and
-- records itself in baro.schema_version; running this file again applies
-- only what is missing. See docs/FLEET.md.
\set ON_ERROR_STOP on
BEGIN;

SELECT to_regclass('baro.schema_version') IS NULL AS baro_need_001 \gset
\if :baro_need_001
\ir 001_init.sql
\endif

-- A later release adds, e.g.:
-- SELECT NOT EXISTS (SELECT 1 FROM baro.schema_version WHERE version = 2)
--        AS baro_need_002 \gset
-- \if :baro_need_002
-- \ir 002_something.sql
-- \endif

COMMIT;
