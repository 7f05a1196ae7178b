'use strict'
// The project's own Prisma CLI, for `prisma-migrate-doctor deploy`: where it is, which version it
// is, and running `prisma migrate deploy` with its output passed through.

const fs = require('node:fs')
const path = require('node:path')
const { spawn } = require('node:child_process')

function cliError(message, code = 'E_PRISMA_CLI') {
  const err = new Error(message)
  err.code = code
  return err
}

/**
 * The Prisma CLI to run: `override` (the --prisma flag, relative to `root`) or
 * node_modules/.bin/prisma under the project root, as `npx prisma` finds it.
 * @returns {{ file: string, shell: boolean }}
 */
function findPrismaCli(root, override) {
  if (override !== undefined) {
    const file = path.resolve(root, override)
    if (!isFile(file)) throw cliError(`--prisma ${override}: no such file (${file}).`)
    return { file, shell: process.platform === 'win32' && /\.(cmd|bat)$/i.test(file) }
  }
  const bin = path.join(root, 'node_modules', '.bin')
  const candidates = process.platform === 'win32' ? ['prisma.cmd', 'prisma.exe', 'prisma'] : ['prisma']
  for (const name of candidates) {
    const file = path.join(bin, name)
    if (isFile(file)) return { file, shell: /\.cmd$/i.test(name) }
  }
  throw cliError(
    `The Prisma CLI is not installed in ${root} (looked for ${path.join(bin, 'prisma')}). ` +
      '`deploy` runs the project\'s own `prisma migrate deploy`: install it (`npm install prisma`; a production ' +
      'image built with `npm ci --omit=dev` needs it in dependencies), or pass --prisma PATH.',
  )
}

function isFile(file) {
  try {
    return fs.statSync(file).isFile()
  } catch {
    return false
  }
}

/** The version of the `prisma` package the CLI file belongs to, or null when it cannot be told. */
function prismaCliVersion(cliFile) {
  let dir
  try {
    dir = path.dirname(fs.realpathSync(cliFile))
  } catch {
    return null
  }
  for (;;) {
    const manifest = path.join(dir, 'package.json')
    if (isFile(manifest)) {
      try {
        const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8'))
        if (pkg && pkg.name === 'prisma' && typeof pkg.version === 'string') return pkg.version
      } catch {}
      return null
    }
    const parent = path.dirname(dir)
    if (parent === dir) return null
    dir = parent
  }
}

/** How to start the CLI file: JavaScript runs with this Node (no PATH or shebang needed). */
function command(cli, args) {
  let real = cli.file
  try {
    real = fs.realpathSync(cli.file)
  } catch {}
  if (/\.[cm]?js$/i.test(real) || startsWithNodeShebang(real)) return { file: process.execPath, args: [real, ...args], shell: false }
  return { file: cli.file, args, shell: cli.shell }
}

function startsWithNodeShebang(file) {
  try {
    const fd = fs.openSync(file, 'r')
    try {
      const head = Buffer.alloc(64)
      const n = fs.readSync(fd, head, 0, head.length, 0)
      return /^#!.*\bnode\b/.test(head.subarray(0, n).toString('utf8').split('\n')[0])
    } finally {
      fs.closeSync(fd)
    }
  } catch {
    return false
  }
}

// Prisma prints user-facing errors as "Error: P3009" (a line of its own) or "Error: P1001: ...".
const PRISMA_ERROR_CODE = /^Error:\s+(P\d{4})\b/m

/**
 * Runs `prisma migrate deploy [extraArgs]` in `root`. Its stdout goes to `stdout` (a stream), its
 * stderr to `stderr`; the text is also kept to read Prisma's error code from.
 * Resolves { ok, exitCode, signal, errorCode }.
 */
function runMigrateDeploy(cli, { root, extraArgs = [], stdout, stderr, env = process.env }) {
  const { file, args, shell } = command(cli, ['migrate', 'deploy', ...extraArgs])
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: root, env, shell, stdio: ['ignore', 'pipe', 'pipe'] })
    let tail = ''
    const keep = (chunk) => {
      tail = (tail + chunk.toString('utf8')).slice(-64 * 1024)
    }
    child.stdout.on('data', (d) => {
      keep(d)
      stdout.write(d)
    })
    child.stderr.on('data', (d) => {
      keep(d)
      stderr.write(d)
    })
    // A platform stopping the hook stops the deploy with it.
    const forward = (signal) => () => child.kill(signal)
    const handlers = { SIGINT: forward('SIGINT'), SIGTERM: forward('SIGTERM') }
    for (const [signal, handler] of Object.entries(handlers)) process.on(signal, handler)
    const cleanup = () => {
      for (const [signal, handler] of Object.entries(handlers)) process.off(signal, handler)
    }
    child.on('error', (err) => {
      cleanup()
      reject(cliError(`Cannot run the Prisma CLI (${cli.file}): ${err.message}`))
    })
    child.on('close', (exitCode, signal) => {
      cleanup()
      const match = PRISMA_ERROR_CODE.exec(tail)
      resolve({ ok: exitCode === 0, exitCode, signal, errorCode: match ? match[1] : null })
    })
  })
}

module.exports = { findPrismaCli, prismaCliVersion, runMigrateDeploy }
