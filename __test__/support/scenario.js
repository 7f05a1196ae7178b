'use strict'
// Shared steps for scenario tests: a database + project pair, the real engine driving it, and
// helpers to read the ledger and compare what the doctor says with what the engine says.

const { createDatabase } = require('./postgres')
const { PrismaEngine } = require('./engine')
const { makeProject } = require('./project')

/** A fresh database and project; `engine(mode)` opens the real engine on it (closed by done()). */
async function setup({ migrations = {}, schema, mode = 'native', lockProvider } = {}) {
  const db = await createDatabase('pmd')
  const project = makeProject({ migrations, ...(lockProvider !== undefined ? { lockProvider } : {}) })
  const params = schema ? { schema } : undefined
  const url = db.url(params)
  const engines = []
  const ctx = {
    db,
    project,
    url,
    schema: schema || 'public',
    options: (extra = {}) => ({ url, cwd: project.dir, ...extra }),
    /** Runs fn with a freshly opened engine and closes it after (the engine holds the lock while open). */
    async withEngine(fn, engineMode = mode) {
      const engine = await PrismaEngine.open({ url, mode: engineMode })
      engines.push(engine)
      try {
        return await fn(engine)
      } finally {
        await engine.close()
      }
    },
    /** `migrate deploy`: resolves { ok, applied } or { ok: false, code, message }. */
    deploy(engineMode = mode) {
      return ctx.withEngine(async (engine) => {
        try {
          const res = await engine.applyMigrations(project.migrationsDir)
          return { ok: true, applied: res.appliedMigrationNames }
        } catch (err) {
          return { ok: false, code: err.code, message: err.message }
        }
      }, engineMode)
    },
    status() {
      return ctx.withEngine((engine) => engine.diagnoseMigrationHistory(project.migrationsDir))
    },
    /** Ledger rows, started_at order, without ids and timestamps (kept as null-ness). */
    async ledger() {
      const table = `"${ctx.schema}"."_prisma_migrations"`
      const exists = await db.query(`SELECT to_regclass($1) IS NOT NULL AS e`, [table])
      if (!exists.rows[0].e) return null
      const res = await db.query(
        `SELECT migration_name, checksum, logs, applied_steps_count,
                finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back,
                (finished_at = started_at) AS finished_eq_started
           FROM ${table} ORDER BY started_at, migration_name, finished_at NULLS FIRST`,
      )
      return res.rows
    },
    async rawLedger() {
      const res = await db.query(`SELECT * FROM "${ctx.schema}"."_prisma_migrations" ORDER BY started_at`)
      return res.rows
    },
    async done() {
      await Promise.all(engines.map((e) => e.close()))
      project.cleanup()
      await db.drop()
    },
  }
  return ctx
}

/** The engine's history diagnostic as flat name lists. */
function historyNames(status) {
  const h = status.history || {}
  return {
    unapplied: h.unappliedMigrationNames || [],
    missingLocally: h.unpersistedMigrationNames || [],
  }
}

module.exports = { setup, historyNames }
