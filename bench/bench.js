'use strict'
// npm run bench: how long the doctor takes on a realistic project, against a real PostgreSQL.
// Prints a Markdown table (the README keeps the latest one). Bounded: fixed iteration counts.
//
//   node bench/bench.js [--migrations=200] [--iterations=50]

const { parseArgs } = require('node:util')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { startPostgres, buildUrl } = require('../__test__/support/postgres')
const { PrismaEngine } = require('../__test__/support/engine')
const { makeProject } = require('../__test__/support/project')
const doctor = require('prisma-migrate-doctor')

const { values } = parseArgs({
  options: { migrations: { type: 'string', default: '200' }, iterations: { type: 'string', default: '50' } },
})
const MIGRATIONS = Number(values.migrations)
const ITERATIONS = Number(values.iterations)

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b)
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))]
  return { p50: at(0.5), p95: at(0.95), min: s[0] }
}

async function time(fn, n) {
  const samples = []
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint()
    await fn()
    samples.push(Number(process.hrtime.bigint() - t) / 1e6)
  }
  return stats(samples)
}

async function main() {
  const server = await startPostgres()
  const migrations = {}
  for (let i = 0; i < MIGRATIONS; i++) {
    const name = `2024${String(i).padStart(6, '0')}00_m${i}`
    migrations[name] =
      `-- CreateTable\nCREATE TABLE "T${i}" (\n    "id" SERIAL NOT NULL,\n    "name" TEXT NOT NULL,\n    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,\n\n    CONSTRAINT "T${i}_pkey" PRIMARY KEY ("id")\n);\n\n-- CreateIndex\nCREATE UNIQUE INDEX "T${i}_name_key" ON "T${i}"("name");\n`
  }
  const failing = `2025000000_failing`
  migrations[failing] = 'CREATE TABLE "Session" ("id" TEXT PRIMARY KEY, "expires" DATETIME NOT NULL);\n'
  const project = makeProject({ migrations })
  const url = buildUrl({ host: server.host, port: server.port, user: server.user, password: server.password, database: 'postgres' })
  try {
    const engine = await PrismaEngine.open({ url })
    const t0 = Date.now()
    await engine.applyMigrations(project.migrationsDir).catch((e) => {
      if (e.code !== 'P3018') throw e
    })
    const deployMs = Date.now() - t0
    await engine.close()

    const opts = { url, cwd: project.dir }
    const d = await doctor.diagnose(opts)
    if (!d.blocked) throw new Error('expected a blocked database')
    const diag = await time(() => doctor.diagnose(opts), ITERATIONS)
    const dry = await time(() => doctor.resolve({ ...opts, migration: failing, as: 'rolled-back', dryRun: true }), ITERATIONS)
    const status = await time(async () => {
      const e = await PrismaEngine.open({ url })
      await e.diagnoseMigrationHistory(project.migrationsDir)
      await e.close()
    }, Math.min(ITERATIONS, 20))
    const cliRuns = []
    for (let i = 0; i < 10; i++) {
      const t = Date.now()
      const res = spawnSync(process.execPath, [path.join(__dirname, '..', 'bin', 'prisma-migrate-doctor.js'), '--json', '--url', url, '--cwd', project.dir])
      if (res.status !== 1) throw new Error(`CLI exit ${res.status}: ${res.stderr}`)
      cliRuns.push(Date.now() - t)
    }
    const cli = stats(cliRuns)
    const f = (x) => x.toFixed(1)
    const rows = [
      ['`diagnose()` (API)', diag],
      ['`resolve({ dryRun: true })` (API)', dry],
      ['CLI `diagnose --json` (new process)', cli],
      ['reference: wasm engine `diagnoseMigrationHistory` (open + call + close)', status],
    ]
    process.stdout.write(`\n${MIGRATIONS + 1} migrations (1 failed), PostgreSQL ${server.serverVersion} on loopback, ${ITERATIONS} iterations, Node ${process.version}\n\n`)
    process.stdout.write('| operation | p50 ms | p95 ms | min ms |\n|---|---|---|---|\n')
    for (const [name, s] of rows) process.stdout.write(`| ${name} | ${f(s.p50)} | ${f(s.p95)} | ${f(s.min)} |\n`)
    process.stdout.write(`\n(setup: the real engine deployed ${MIGRATIONS} migrations in ${deployMs} ms)\n`)
  } finally {
    project.cleanup()
    await server.stop()
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err.stack || err}\n`)
  process.exitCode = 1
})
