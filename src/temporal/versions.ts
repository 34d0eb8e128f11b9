/**
 * The versions of the production shape, in one place: the local production-shape environment
 * (scripts/production-shape.ts) builds and runs these, and docker-compose.yml pins the same images
 * (test/compose.test.ts checks that they agree). Bump them here and in docker-compose.yml together.
 */

/** Temporal server and its tools (temporal-sql-tool, schema files), from the Go module proxy. */
export const TEMPORAL_SERVER_VERSION = '1.32.2';

/** The Go module whose `cmd/server` and `cmd/tools/sql` are built, at `v${TEMPORAL_SERVER_VERSION}`. */
export const TEMPORAL_SERVER_MODULE = 'go.temporal.io/server';

/**
 * The Go toolchain that builds it (GOTOOLCHAIN; Go downloads it from the module proxy). The server's
 * go.mod at v1.32.2 asks for go >= 1.26.10.
 */
export const GO_TOOLCHAIN = 'go1.27.3';

/** Temporal Web UI for Compose; 2.38 and later show worker deployments and versions. */
export const TEMPORAL_UI_VERSION = '2.49.1';

/** PostgreSQL for Compose; the local environment uses the machine's PostgreSQL (12 or later). */
export const POSTGRES_IMAGE_TAG = '16';

/** The images docker-compose.yml must name. */
export const COMPOSE_IMAGES = {
  postgresql: `postgres:${POSTGRES_IMAGE_TAG}`,
  server: `temporalio/server:${TEMPORAL_SERVER_VERSION}`,
  adminTools: `temporalio/admin-tools:${TEMPORAL_SERVER_VERSION}`,
  ui: `temporalio/ui:${TEMPORAL_UI_VERSION}`,
} as const;

/**
 * History shards of a new cluster. Fixed when the cluster's database is created: a cluster that needs
 * more is a new cluster (docs/CAPACITY.md). Both shapes start with this many.
 */
export const NUM_HISTORY_SHARDS = 4;

/** How long a closed payment's history stays in the namespace the environment creates. */
export const NAMESPACE_RETENTION = '72h';
