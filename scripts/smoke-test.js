'use strict'
// The check the release workflow runs on each platform's runner with the binary built for it:
// the package loads by its name, through the native binding, and an unreachable server comes back
// as P1001 (the wrapped API, with the stable code). Needs no database.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const net = require('node:net')

function closedPort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

async function main() {
  const doctor = require('prisma-migrate-doctor')
  if (doctor.__napiBindingTarget !== 'native') throw new Error(`loaded ${doctor.__napiBindingTarget}, not the native binding`)
  const migrationsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmd-smoke-'))
  try {
    const port = await closedPort()
    const url = `postgresql://smoke:secret@127.0.0.1:${port}/db?connect_timeout=3`
    const outcome = await doctor.diagnose({ url, migrationsDir }).then(
      () => null,
      (err) => err,
    )
    if (!outcome || outcome.code !== 'P1001') throw new Error(`expected P1001, got ${outcome && (outcome.code || outcome.message)}`)
    console.log(`smoke test ok: ${process.platform}-${process.arch}, Node ${process.version}, ${outcome.code}`)
  } finally {
    fs.rmSync(migrationsDir, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(`smoke test failed: ${err && err.stack}`)
  process.exit(1)
})
