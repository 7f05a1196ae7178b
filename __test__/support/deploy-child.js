'use strict'
// `prisma migrate deploy` in a process of its own, so a test can kill it mid-migration the way a
// platform's deploy timeout or an out-of-memory kill does: node deploy-child.js URL MIGRATIONS_DIR

const { PrismaEngine } = require('./engine')

async function main() {
  const [url, migrationsDir] = process.argv.slice(2)
  const engine = await PrismaEngine.open({ url })
  try {
    const res = await engine.applyMigrations(migrationsDir)
    process.stdout.write(`${JSON.stringify({ ok: true, applied: res.appliedMigrationNames })}\n`)
  } catch (err) {
    process.stdout.write(`${JSON.stringify({ ok: false, code: err.code })}\n`)
  } finally {
    await engine.close()
  }
}

main()
