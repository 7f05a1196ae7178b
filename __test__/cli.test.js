'use strict'
// The CLI as hooks and people use it: exit codes, one JSON document, hook mode, no colour off a TTY.

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { setup } = require('./support/scenario')
const { makeProject } = require('./support/project')

// The bin the package declares, found through the package's name as npm links it.
const PKG_DIR = path.dirname(require.resolve('prisma-migrate-doctor/package.json'))
const CLI = path.join(PKG_DIR, require('prisma-migrate-doctor/package.json').bin['prisma-migrate-doctor'])
const INIT = 'CREATE TABLE "User" ("id" SERIAL NOT NULL, CONSTRAINT "User_pkey" PRIMARY KEY ("id"));\n'
const BAD = 'CREATE TABLE "Session" ("id" TEXT NOT NULL PRIMARY KEY, "expires" DATETIME NOT NULL);\n'
const FIXED = BAD.replace('DATETIME', 'TIMESTAMP(3)')
const M1 = '20240101000000_init'
const M2 = '20240102000000_session'

function cli(args, { env = {}, cwd } = {}) {
  const clean = { ...process.env }
  delete clean.DATABASE_URL
  const r = spawnSync(process.execPath, [CLI, ...args], { env: { ...clean, ...env }, cwd, encoding: 'utf8' })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const ANSI = /\u001b\[/

test('exit codes: 0 healthy, 1 blocked, then 0 after heal; --json is one document on stdout', async () => {
  const ctx = await setup({ migrations: { [M1]: INIT, [M2]: BAD } })
  try {
    const env = { DATABASE_URL: ctx.url }
    let r = cli(['--cwd', ctx.project.dir], { env })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^OK: /m)

    assert.equal((await ctx.deploy()).code, 'P3018')
    r = cli(['diagnose', '--json', '--cwd', ctx.project.dir], { env })
    assert.equal(r.code, 1)
    const doc = JSON.parse(r.stdout)
    assert.equal(doc.blocked, true)
    assert.equal(doc.failed[0].name, M2)
    assert.doesNotMatch(r.stdout, ANSI)

    r = cli(['heal', '--cwd', ctx.project.dir], { env })
    assert.equal(r.code, 1, 'an unchanged deterministic failure is refused')
    assert.match(r.stdout, /REFUSED/)

    ctx.project.write(M2, FIXED)
    r = cli(['heal', '--json', '--cwd', ctx.project.dir], { env })
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const healed = JSON.parse(r.stdout)
    assert.equal(healed.blocked, false)
    assert.equal(healed.decisions[0].action, 'retry')
    assert.equal((await ctx.deploy()).ok, true)
    assert.equal(cli(['--cwd', ctx.project.dir], { env }).code, 0)
  } finally {
    await ctx.done()
  }
})

test('resolve through the CLI: success 0, Prisma refusals 1 with the code', async () => {
  const ctx = await setup({ migrations: { [M1]: INIT, [M2]: BAD } })
  try {
    await ctx.deploy()
    const env = { DATABASE_URL: ctx.url }
    let r = cli(['resolve', '--rolled-back', M2, '--dry-run', '--cwd', ctx.project.dir], { env })
    assert.equal(r.code, 0)
    assert.match(r.stdout, /Dry run/)
    r = cli(['resolve', '--applied', M1, '--json', '--cwd', ctx.project.dir], { env })
    assert.equal(r.code, 1)
    assert.equal(JSON.parse(r.stdout).error.code, 'P3008')
    r = cli(['resolve', '--rolled-back', M2, '--cwd', ctx.project.dir], { env })
    assert.equal(r.code, 0, r.stderr)
  } finally {
    await ctx.done()
  }
})

test('usage errors exit 2 with the usage text', () => {
  for (const args of [['frobnicate'], ['resolve'], ['resolve', '--applied', 'a', '--rolled-back', 'b'], ['--bogus'], ['--lock-timeout', 'soon']]) {
    const r = cli(args)
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
    assert.match(r.stderr, /Usage: prisma-migrate-doctor/)
  }
  const help = cli(['--help'])
  assert.equal(help.code, 0)
  assert.match(help.stdout, /Exit codes/)
})

test('hook mode: no URL or no server -> one line and exit 0; --strict keeps the failure', () => {
  const project = makeProject({ migrations: { [M1]: INIT } })
  try {
    let r = cli(['heal', '--if-configured', '--cwd', project.dir])
    assert.equal(r.code, 0)
    assert.equal(r.stderr.trim().split('\n').length, 1)
    assert.match(r.stderr, /skipped \(E_CONFIG\)/)
    assert.equal(r.stdout, '')

    const unreachable = { DATABASE_URL: 'postgresql://u:pw@127.0.0.1:1/db?connect_timeout=2' }
    r = cli(['heal', '--if-configured', '--cwd', project.dir], { env: unreachable })
    assert.equal(r.code, 0)
    assert.match(r.stderr, /skipped \(P1001\)/)

    r = cli(['heal', '--if-configured', '--strict', '--cwd', project.dir], { env: unreachable })
    assert.equal(r.code, 2)
    r = cli(['heal', '--cwd', project.dir])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /E_CONFIG/)
  } finally {
    project.cleanup()
  }
})

test('no colour off a TTY, even with FORCE_COLOR-like environments', async () => {
  const ctx = await setup({ migrations: { [M1]: INIT, [M2]: BAD } })
  try {
    await ctx.deploy()
    const r = cli(['--cwd', ctx.project.dir], { env: { DATABASE_URL: ctx.url, TERM: 'xterm-256color' } })
    assert.equal(r.code, 1)
    assert.doesNotMatch(r.stdout + r.stderr, ANSI)
  } finally {
    await ctx.done()
  }
})
