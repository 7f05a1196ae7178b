'use strict'
// The fleet benchmark: N tenant schemas in ONE database, diagnosed by one diagnoseMany().
//
// Setup: the real engine deploys a 20-migration history into a template schema and into the
// failed tenants (1 in 100: a row in their table makes the last migration, a NOT NULL column without a default, fail); the
// healthy tenants are copies of the template made in SQL (its tables with LIKE ... INCLUDING ALL
// and its ledger rows), because a thousand engine deploys would take minutes of setup.

const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { PrismaEngine } = require('../__test__/support/engine')
const { makeProject } = require('../__test__/support/project')
const { createDatabase, quoteIdent } = require('../__test__/support/postgres')
const { syntheticMigrations } = require('./datasets')
const { median, GNU_TIME } = require('./cold')

const LAST = '2099010100000000_add_plan'

function tenantName(i) {
  return `tenant_${String(i).padStart(4, '0')}`
}

async function deploy(url, dir) {
  const engine = await PrismaEngine.open({ url })
  try {
    await engine.applyMigrations(dir)
    return null
  } catch (e) {
    return e.code
  } finally {
    await engine.close()
  }
}

async function setupFleet(count, { failedEvery = 100 } = {}) {
  const db = await createDatabase('fleetbench')
  const history = syntheticMigrations(20)
  const project = makeProject({ migrations: { ...history, [LAST]: '-- AlterTable\nALTER TABLE "T0" ADD COLUMN "plan" TEXT NOT NULL;\n' } })
  const partial = makeProject({ migrations: history })
  const t0 = Date.now()
  if (await deploy(db.url({ schema: 'template' }), project.migrationsDir)) throw new Error('template deploy failed')
  const c = await db.connect()
  const failed = []
  try {
    const tables = (
      await c.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'template' AND tablename <> '_prisma_migrations' ORDER BY 1`)
    ).rows.map((r) => r.tablename)
    let batch = []
    const flush = async () => {
      if (batch.length) await c.query(batch.join('\n'))
      batch = []
    }
    for (let i = 0; i < count; i++) {
      const schema = tenantName(i)
      if (i % failedEvery === failedEvery - 1) {
        failed.push(schema)
        continue
      }
      const s = quoteIdent(schema)
      batch.push(`CREATE SCHEMA ${s};`)
      for (const t of tables) batch.push(`CREATE TABLE ${s}.${quoteIdent(t)} (LIKE "template".${quoteIdent(t)} INCLUDING ALL);`)
      batch.push(`CREATE TABLE ${s}."_prisma_migrations" (LIKE "template"."_prisma_migrations" INCLUDING ALL);`)
      batch.push(`INSERT INTO ${s}."_prisma_migrations" SELECT * FROM "template"."_prisma_migrations";`)
      if (batch.length > 2000) await flush()
    }
    await flush()
  } finally {
    await c.end()
  }
  for (const schema of failed) {
    const url = db.url({ schema })
    if (await deploy(url, partial.migrationsDir)) throw new Error(`${schema}: partial deploy failed`)
    const t = await db.connect({ schema })
    try {
      await t.query(`INSERT INTO "T0" ("name") VALUES ('a')`)
    } finally {
      await t.end()
    }
    const code = await deploy(url, project.migrationsDir)
    if (code !== 'P3018') throw new Error(`${schema}: expected the last migration to fail, got ${code}`)
  }
  return {
    db,
    project,
    count,
    failed: failed.length,
    setupMs: Date.now() - t0,
    async drop() {
      project.cleanup()
      partial.cleanup()
      await db.drop()
    },
  }
}

/** Peak RSS (MiB) of a process that diagnoses the first `n` tenants with diagnoseMany. */
function childRss(fleet, n, concurrency) {
  if (!GNU_TIME) return null
  const script = path.join(__dirname, 'fleet-child.js')
  const r = spawnSync(GNU_TIME, ['-f', '%M', process.execPath, script, fleet.db.url(), fleet.project.dir, String(n), String(concurrency)], {
    encoding: 'utf8',
  })
  if (r.status !== 0 && r.status !== 1) throw new Error(`fleet child: exit ${r.status}: ${r.stderr}`)
  const lines = String(r.stderr).trim().split('\n')
  const [reportBytes] = r.stdout.trim().split(' ').map(Number)
  return { rssMiB: Number(lines[lines.length - 1]) / 1024, reportBytes }
}

async function benchFleet(doctor, { count = 1000, runs = 3, concurrencies = [1, 2, 4, 8] } = {}) {
  const fleet = await setupFleet(count)
  try {
    const rows = []
    for (const concurrency of concurrencies) {
      const times = []
      let last
      for (let i = 0; i < runs; i++) {
        const t = process.hrtime.bigint()
        last = await doctor.diagnoseMany({ url: fleet.db.url(), cwd: fleet.project.dir, schemas: 'tenant\\_%', concurrency })
        times.push(Number(process.hrtime.bigint() - t) / 1e6)
      }
      if (last.counts.total !== count || last.counts.blocked !== fleet.failed || last.counts.healthy !== count - fleet.failed) {
        throw new Error(`fleet: unexpected counts ${JSON.stringify(last.counts)}`)
      }
      rows.push({ concurrency, ms: median(times), connections: last.connections })
    }
    const small = Math.max(1, Math.floor(count / 4))
    const memory = { small: childRss(fleet, small, 4), full: childRss(fleet, count, 4), smallCount: small }
    return { count, failed: fleet.failed, setupMs: fleet.setupMs, rows, memory }
  } finally {
    await fleet.drop()
  }
}

module.exports = { benchFleet, setupFleet, tenantName }
