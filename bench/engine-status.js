#!/usr/bin/env node
'use strict'
// The cold reference: a process that loads the real Prisma schema engine (the wasm build the
// Prisma 7 CLI ships, through @prisma/adapter-pg) and asks for the migration status, like
// `prisma migrate status` does, then prints it as JSON. Exit 1 when a migration failed.
//
//   node bench/engine-status.js URL MIGRATIONS_DIR

const { PrismaEngine } = require('../__test__/support/engine')

async function main() {
  const [url, dir] = process.argv.slice(2)
  const engine = await PrismaEngine.open({ url })
  try {
    const status = await engine.diagnoseMigrationHistory(dir)
    process.stdout.write(`${JSON.stringify(status)}\n`)
    return status.failedMigrationNames.length ? 1 : 0
  } finally {
    await engine.close()
  }
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (err) => {
    process.stderr.write(`${err.stack || err}\n`)
    process.exitCode = 2
  },
)
