#!/bin/sh
# Creates Temporal's two PostgreSQL databases and brings their schemas to the server's version, with
# Temporal's own temporal-sql-tool. Every step is idempotent, so this runs before every server start:
# a new database gets the whole schema, an existing one only the missing updates.
#
# Compose runs it in the temporalio/admin-tools image; scripts/production-shape.ts runs the same file
# with the temporal-sql-tool it built and the schema files of the same server version.
#
#   SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD  the PostgreSQL server (read by temporal-sql-tool itself)
#   TEMPORAL_SCHEMA_DIR      the server's schema/ directory (default /etc/temporal/schema, as in admin-tools)
#   TEMPORAL_DB, TEMPORAL_VISIBILITY_DB   database names (default temporal, temporal_visibility)
set -eu
: "${SQL_HOST:?SQL_HOST is required}"
: "${SQL_USER:?SQL_USER is required}"
export SQL_PLUGIN=postgres12
schema_dir=${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema}/postgresql/v12

setup() {
  db=$1
  versioned=$2
  if [ ! -d "$versioned" ]; then
    echo "setup-schema: no schema directory $versioned" >&2
    exit 1
  fi
  temporal-sql-tool --db "$db" create-database
  temporal-sql-tool --db "$db" setup-schema -v 0.0
  temporal-sql-tool --db "$db" update-schema -d "$versioned"
  echo "setup-schema: database $db is at the schema of $versioned"
}

setup "${TEMPORAL_DB:-temporal}" "$schema_dir/temporal/versioned"
setup "${TEMPORAL_VISIBILITY_DB:-temporal_visibility}" "$schema_dir/visibility/versioned"
