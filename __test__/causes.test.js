'use strict'
// Issue 9: real failed-migration cases collected from public issue threads, through the whole
// pipeline. Each case (tests/cause/cases/*.json: source, SQLSTATE and message as posted, the SQL,
// the objects the thread's database had) becomes a real database: the real engine creates the
// ledger, the case's objects are created, its migration folder written, and a failed row is
// inserted as the engine of that report wrote it (the native P3018 text, or the older
// `Database error: ... db error:` text). Then `diagnose` through the package must name the cause
// the thread found, with the right transient flag and the key parts of the fix.
//
// Where the embedded PostgreSQL 18 honestly answers differently from the thread's server (no
// PostGIS here; NULLS NOT DISTINCT is valid here), the case says so in `onEmbedded`, with why; the
// thread's own server and catalog are checked by the Rust test tests/cause_cases.rs.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const crypto = require('node:crypto')
const pg = require('pg')
const doctor = require('prisma-migrate-doctor')
const { setup } = require('./support/scenario')
const { getServer } = require('./support/postgres')

const CASES_DIR = path.join(__dirname, '..', 'tests', 'cause', 'cases')
const BASE = '00000000000000_base'

/** Rust's `{:?}` of a string, as in tokio-postgres' DbError dump. */
function dbg(s) {
  return '"' + String(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t') + '"'
}

/** The logs text the engine of the report wrote (same shapes as tests/cause_cases.rs). */
function logsOf(c, { sqlstate, message, detail, hint }) {
  let extra = ''
  if (detail) extra += `DETAIL: ${detail}\n`
  if (hint) extra += `HINT: ${hint}\n`
  const shape = c.shape || 'p3018'
  if (shape === 'p3018' && sqlstate) {
    const opt = (x) => (x ? `Some(${dbg(x)})` : 'None')
    return (
      'A migration failed to apply. New migrations cannot be applied before the error is recovered from. Read more about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve\n\n' +
      `Migration name: ${c.migration}\n\nDatabase error code: ${sqlstate}\n\nDatabase error:\nERROR: ${message}\n${extra}\n` +
      `DbError { severity: "ERROR", parsed_severity: Some(Error), code: SqlState(E${sqlstate}), message: ${dbg(message)}, detail: ${opt(detail)}, hint: ${opt(hint)}, position: None, where_: None, schema: None, table: None, column: None, datatype: None, constraint: None, file: Some(${dbg(c.dbErrorFile || 'x.c')}), line: Some(1), routine: Some("x") }\n`
    )
  }
  if (shape === 'schema-engine') {
    return `ERROR: ${message}\n${extra}   0: schema_core::commands::apply_migrations::Applying migration\n           with migration_name="${c.migration}"\n             at schema-engine/core/src/commands/apply_migrations.rs:91\n`
  }
  return `Database error: Error querying the database: db error: ERROR: ${message}\n${extra}   0: sql_migration_connector::apply_migration::apply_script\n           with migration_name="${c.migration}"\n             at migration-engine/connectors/sql-migration-connector/src/apply_migration.rs:86\n`
}

function loadCases() {
  return fs
    .readdirSync(CASES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: f, ...JSON.parse(fs.readFileSync(path.join(CASES_DIR, f), 'utf8')) }))
}

async function dropRole(role) {
  const server = await getServer()
  const c = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: 'postgres' })
  await c.connect()
  try {
    await c.query(`DROP ROLE IF EXISTS ${role}`)
  } finally {
    await c.end().catch(() => {})
  }
}

const cases = loadCases()

test('the collection: at least 40 cases over at least 15 causes, each with its source', () => {
  assert.ok(cases.length >= 40, `${cases.length} cases`)
  const causes = new Set(cases.map((c) => c.expect.cause))
  assert.ok(causes.size >= 15, `${causes.size} causes: ${[...causes].join(', ')}`)
  for (const c of cases) {
    assert.match(c.source, /^https:\/\/github\.com\//, c.file)
    assert.ok(c.message && c.migration && c.sql && c.thread, c.file)
  }
})

for (const c of cases) {
  const want = c.onEmbedded || c.expect
  test(`${c.file}: ${want.cause}`, async () => {
    const ctx = await setup({ migrations: { [BASE]: '-- base\nSELECT 1;\n' } })
    const role = c.setupRole ? `pmd_${c.setupRole}_${process.pid}_${crypto.randomBytes(3).toString('hex')}` : null
    try {
      assert.equal((await ctx.deploy()).ok, true, 'the real engine creates the ledger')
      if (role) await ctx.db.query(`CREATE ROLE ${role}`)
      for (const sql of c.setup || []) await ctx.db.query(sql.replaceAll('{role}', role))
      ctx.project.write(c.migration, c.sql)
      const checksum = crypto.createHash('sha256').update(c.sql).digest('hex')
      const insert = `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs, started_at, rolled_back_at, applied_steps_count)
                      VALUES ($1, $2, $3, $4, now() - make_interval(mins => $5), $6, 0)`
      const earlier = c.earlierAttempts || []
      for (const [i, e] of earlier.entries()) {
        await ctx.db.query(insert, [crypto.randomUUID(), checksum, c.migration, logsOf(c, e), 10 - i, e.rolledBack ? new Date() : null])
      }
      await ctx.db.query(insert, [crypto.randomUUID(), checksum, c.migration, logsOf(c, c), 0, null])

      const url = c.urlParams ? ctx.db.url(c.urlParams) : ctx.url
      const d = await doctor.diagnose({ url, cwd: ctx.project.dir })
      assert.equal(d.blocked, true)
      assert.deepEqual(d.failedMigrationNames, [c.migration])
      const f = d.failed[0]
      assert.equal(f.cause.code, want.cause, `${c.file}\n${f.cause.explanation}\n${f.cause.fix}`)
      assert.equal(f.cause.transient, want.transient, `${c.file} transient`)
      if (want.object) assert.ok((f.cause.object || '').includes(want.object), `object ${f.cause.object}, want ${want.object}`)
      for (const part of want.fix || []) {
        assert.ok(f.cause.fix.includes(part) || f.cause.explanation.includes(part), `${c.file}: fix lacks ${JSON.stringify(part)}\n${f.cause.explanation}\n${f.cause.fix}`)
      }
      if ((c.shape || 'p3018') === 'p3018') assert.equal(f.errorCode, c.sqlstate)
      assert.ok(f.cause.fix.includes(c.migration), 'the fix names the migration')
      assert.ok(!d.summary.includes(ctx.db.server.password), 'no password in the report')
    } finally {
      await ctx.done()
      if (role) await dropRole(role)
    }
  })
}
