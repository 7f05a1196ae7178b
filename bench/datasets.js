'use strict'
// The histories the benchmarks run on, each deployed by the real Prisma engine into its own
// database and left with ONE failed migration (what `diagnose()` is for):
//
// - synthetic N: N Prisma-style migrations (a table and a unique index each), then a migration of
//   20 statements whose last one fails. Deployed statement by statement (adapter-pg's split mode),
//   so the first 19 are applied: the evidence has 20 statements to judge.
// - real: a project's own migrations folder (e.g. trigger.dev's 820 PostgreSQL migrations, see
//   README "Benchmarks"), copied, deployed in split mode (its CREATE INDEX CONCURRENTLY needs it),
//   then one more migration of three statements on its real tables whose last one fails.

const fs = require('node:fs')
const path = require('node:path')
const { PrismaEngine } = require('../__test__/support/engine')
const { makeProject } = require('../__test__/support/project')
const { createDatabase } = require('../__test__/support/postgres')

const FAILING_NAME = '99990101000000_failing'

function syntheticMigrations(count) {
  const migrations = {}
  for (let i = 0; i < count; i++) {
    const name = `2024${String(i).padStart(6, '0')}00_m${i}`
    migrations[name] =
      `-- CreateTable\nCREATE TABLE "T${i}" (\n    "id" SERIAL NOT NULL,\n    "name" TEXT NOT NULL,\n` +
      `    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,\n\n    CONSTRAINT "T${i}_pkey" PRIMARY KEY ("id")\n);\n\n` +
      `-- CreateIndex\nCREATE UNIQUE INDEX "T${i}_name_key" ON "T${i}"("name");\n`
  }
  return migrations
}

/** 20 statements: 19 that succeed (tables, columns, indexes, an enum), then a SQLite type. */
function twentyStatementFailure() {
  const out = ['-- CreateEnum\nCREATE TYPE "Plan" AS ENUM (\'FREE\', \'PRO\');']
  for (let i = 0; i < 6; i++) {
    out.push(`-- CreateTable\nCREATE TABLE "F${i}" (\n    "id" TEXT NOT NULL,\n    "plan" "Plan" NOT NULL DEFAULT 'FREE',\n\n    CONSTRAINT "F${i}_pkey" PRIMARY KEY ("id")\n);`)
    out.push(`-- AlterTable\nALTER TABLE "F${i}" ADD COLUMN "note" TEXT;`)
    out.push(`-- CreateIndex\nCREATE INDEX "F${i}_plan_idx" ON "F${i}"("plan");`)
  }
  out.push('-- CreateTable\nCREATE TABLE "Session" (\n    "id" TEXT NOT NULL,\n    "expires" DATETIME NOT NULL,\n\n    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")\n);')
  return out.join('\n\n') + '\n'
}

/** Three statements on tables the real history made (by their last CREATE TABLE), the last failing. */
function realFailure(migrationsDir) {
  const tables = []
  for (const name of fs.readdirSync(migrationsDir).sort()) {
    const file = path.join(migrationsDir, name, 'migration.sql')
    if (!fs.existsSync(file)) continue
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/CREATE TABLE "(?:public"\.")?([A-Za-z0-9_]+)"/g)) tables.push(m[1])
  }
  const table = tables.find((t) => t === 'Project') || tables[0]
  return (
    `-- AlterTable\nALTER TABLE "${table}" ADD COLUMN "benchNote" TEXT;\n\n` +
    `-- CreateIndex\nCREATE INDEX "${table}_benchNote_idx" ON "${table}"("benchNote");\n\n` +
    `-- CreateTable\nCREATE TABLE "BenchSession" (\n    "id" TEXT NOT NULL,\n    "expires" DATETIME NOT NULL,\n\n    CONSTRAINT "BenchSession_pkey" PRIMARY KEY ("id")\n);\n`
  )
}

function copyMigrations(from, project) {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      fs.cpSync(path.join(from, entry.name), path.join(project.migrationsDir, entry.name), { recursive: true })
    } else if (entry.name === 'migration_lock.toml') {
      fs.copyFileSync(path.join(from, entry.name), path.join(project.migrationsDir, entry.name))
    }
  }
}

/**
 * Makes a database + project in the state described above.
 * @param {{ synthetic?: number, real?: string, label: string }} spec
 */
async function makeDataset(spec) {
  const db = await createDatabase('bench')
  const project = spec.real ? makeProject() : makeProject({ migrations: syntheticMigrations(spec.synthetic) })
  if (spec.real) copyMigrations(spec.real, project)
  const url = db.url()
  const engine = await PrismaEngine.open({ url, mode: spec.real ? 'native' : 'split' })
  const t0 = Date.now()
  try {
    await engine.applyMigrations(project.migrationsDir)
  } finally {
    await engine.close()
  }
  const deployMs = Date.now() - t0
  project.write(FAILING_NAME, spec.real ? realFailure(project.migrationsDir) : twentyStatementFailure())
  const failing = await PrismaEngine.open({ url, mode: 'split' })
  try {
    await failing.applyMigrations(project.migrationsDir).then(
      () => {
        throw new Error(`${spec.label}: the failing migration did not fail`)
      },
      (e) => {
        if (e.code !== 'P3018') throw e
      },
    )
  } finally {
    await failing.close()
  }
  const count = project.names().length
  return {
    label: spec.label,
    migrations: count,
    url,
    project,
    db,
    deployMs,
    async drop() {
      project.cleanup()
      await db.drop()
    },
  }
}

module.exports = { makeDataset, syntheticMigrations, twentyStatementFailure, FAILING_NAME }
