'use strict'
// The real Prisma CLI (the `prisma` devDependency, 7.10.1) in a throw-away Prisma 7 project.
//
// - The CLI would download its native schema engine first (impossible here); with
//   PRISMA_SCHEMA_ENGINE_BINARY it spawns the given executable instead: a two-line shell wrapper,
//   made at test time, around ./schema-engine-standin.js (Prisma's own wasm engine behind the
//   engine's stdio protocol).
// - The project is laid out as a user's: prisma.config.ts (importing `prisma/config`, reading
//   DATABASE_URL with env()), prisma/schema.prisma without a URL (Prisma 7), prisma/migrations,
//   and node_modules/prisma + node_modules/.bin/prisma linking the repository's installed CLI, so
//   that `node_modules/.bin/prisma` under the project root is where the doctor's `deploy` finds it.
// - npm 11 runs no install scripts: the CLI needs none of them once the engine binary is given
//   (its preinstall only checks the Node version, @prisma/engines' postinstall downloads engines).

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawn } = require('node:child_process')
const { makeProject } = require('./project')

const REPO = path.resolve(__dirname, '..', '..')
const PRISMA_PACKAGE = path.dirname(require.resolve('prisma/package.json'))
const STANDIN = path.join(__dirname, 'schema-engine-standin.js')

const PRISMA7_SCHEMA = 'generator client {\n  provider = "prisma-client"\n  output   = "../generated"\n}\n\ndatasource db {\n  provider = "postgresql"\n}\n'

const PRISMA7_CONFIG = `import { defineConfig, env } from 'prisma/config'

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: env('DATABASE_URL') },
})
`

let standinExecutable = null

/** An executable that runs the stand-in with this Node (made once per process, removed at exit). */
function makeStandinExecutable() {
  if (standinExecutable) return standinExecutable
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmd-engine-'))
  const file = path.join(dir, 'schema-engine')
  const quote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`
  fs.writeFileSync(file, `#!/bin/sh\nexec ${quote(process.execPath)} ${quote(STANDIN)} "$@"\n`, { mode: 0o755 })
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }))
  standinExecutable = file
  return file
}

/** A Prisma 7 project with the Prisma CLI installed in it (linked), and the given migrations. */
function makePrismaProject({ migrations = {} } = {}) {
  const project = makeProject({ migrations, schemaText: PRISMA7_SCHEMA })
  fs.writeFileSync(path.join(project.dir, 'prisma.config.ts'), PRISMA7_CONFIG)
  fs.writeFileSync(path.join(project.dir, 'package.json'), `${JSON.stringify({ name: 'app', private: true }, null, 2)}\n`)
  const modules = path.join(project.dir, 'node_modules')
  fs.mkdirSync(path.join(modules, '.bin'), { recursive: true })
  fs.symlinkSync(PRISMA_PACKAGE, path.join(modules, 'prisma'), 'dir')
  fs.symlinkSync(path.join('..', 'prisma', 'build', 'index.js'), path.join(modules, '.bin', 'prisma'))
  project.prismaBin = path.join(modules, '.bin', 'prisma')
  return project
}

/** The environment the CLI runs in: the stand-in engine, no telemetry or update check. */
function prismaEnv(extra = {}) {
  const env = { ...process.env }
  delete env.DATABASE_URL
  return {
    ...env,
    PRISMA_SCHEMA_ENGINE_BINARY: makeStandinExecutable(),
    CHECKPOINT_DISABLE: '1',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    NO_COLOR: '1',
    ...extra,
  }
}

/** Runs a command to its end: { code, stdout, stderr }. */
function run(command, args, { cwd, env, timeoutMs = 120000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code: code === null ? `signal ${signal}` : code, stdout, stderr, output: stdout + stderr })
    })
  })
}

/** `prisma ARGS...` in the project, as `npx prisma` would run it. */
function prisma(project, args, { url, env = {} } = {}) {
  return run(process.execPath, [project.prismaBin, ...args], {
    cwd: project.dir,
    env: prismaEnv({ ...(url ? { DATABASE_URL: url } : {}), ...env }),
  })
}

module.exports = { makePrismaProject, makeStandinExecutable, prismaEnv, prisma, run, REPO, PRISMA7_SCHEMA }
