'use strict';
// The `_prisma_migrations` row a failed deploy leaves, written as the engine writes it: a new
// uuid, the SHA-256 of migration.sql, started_at = now, finished_at and rolled_back_at NULL,
// applied_steps_count 0, and logs in the shape the engine that failed would store.
//
// The error is a transient one (57014, a statement timeout: any statement can hit it), so heal
// is tempted to act: the replay checks that it acts only where the catalog proves it safe.

const crypto = require('node:crypto');

const TIMEOUT_MESSAGE = 'canceling statement due to statement timeout';

/** The native engine's P3018 text (Prisma 5/6/7 CLI): what `logs` holds after a native deploy. */
function p3018Logs(migrationName) {
  return [
    'A migration failed to apply. New migrations cannot be applied before the error is recovered from. Read more about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve',
    '',
    `Migration name: ${migrationName}`,
    '',
    'Database error code: 57014',
    '',
    'Database error:',
    `ERROR: ${TIMEOUT_MESSAGE}`,
    '',
    `DbError { severity: "ERROR", parsed_severity: Some(Error), code: SqlState(E57014), message: "${TIMEOUT_MESSAGE}", detail: None, hint: None, position: None, where_: None, schema: None, table: None, column: None, datatype: None, constraint: None, file: Some("postgres.c"), line: Some(3410), routine: Some("ProcessInterrupts") }`,
    '',
  ].join('\n');
}

/** The driver-adapter path's text (@prisma/adapter-pg through the schema engine). */
function adapterLogs(migrationName) {
  return [
    'external connector error',
    `Error querying the database: ERROR: ${TIMEOUT_MESSAGE}`,
    '   0: sql_schema_connector::apply_migration::apply_script',
    `           with migration_name="${migrationName}"`,
    '             at schema-engine/connectors/sql-schema-connector/src/apply_migration.rs:113',
    '   1: schema_commands::commands::apply_migrations::Applying migration',
    `           with migration_name="${migrationName}"`,
    '             at schema-engine/commands/src/commands/apply_migrations.rs:95',
    '   2: schema_engine_wasm::wasm::engine::ApplyMigrations',
    '             at schema-engine/schema-engine-wasm/src/wasm/engine.rs:167',
  ].join('\n');
}

const LOG_SHAPES = { p3018: p3018Logs, adapter: adapterLogs };

function sha256Hex(bytes) {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/**
 * Inserts the failed row for `migrationName` into the ledger of the database `client` is
 * connected to. Returns the row id.
 */
async function insertFailedRow(client, { migrationName, scriptBytes, shape }) {
  const logs = LOG_SHAPES[shape];
  if (!logs) throw new Error(`unknown log shape ${shape}`);
  const id = crypto.randomUUID();
  await client.query(
    `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
     VALUES ($1, $2, NULL, $3, $4, NULL, now(), 0)`,
    [id, sha256Hex(scriptBytes), migrationName, logs(migrationName)],
  );
  return id;
}

async function deleteRows(client, migrationName) {
  await client.query(`DELETE FROM "_prisma_migrations" WHERE migration_name = $1 AND finished_at IS NULL`, [migrationName]);
}

module.exports = { insertFailedRow, deleteRows, p3018Logs, adapterLogs, LOG_SHAPES, sha256Hex };
