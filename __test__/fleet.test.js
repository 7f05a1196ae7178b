'use strict'
// Fleets: many tenant schemas of one database (and a database of its own, and a server that is
// down), each put in its state by the real Prisma engine. diagnoseMany must say for each what
// diagnose() says for it alone, in one report, blocked tenants first; healMany must act on each as
// heal() would, under Prisma's lock (one per database); the CLI flags drive both.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const doctor = require('prisma-migrate-doctor')
const { createDatabase } = require('./support/postgres')
const { PrismaEngine } = require('./support/engine')
const { makeProject } = require('./support/project')

const CLI = path.join(__dirname, '..', 'bin', 'prisma-migrate-doctor.js')
const M1 = '20240101000000_init'
const M2 = '20240102000000_unique_name'
const M3 = '20240103000000_tag'
const MIGRATIONS = {
  [M1]: '-- CreateTable\nCREATE TABLE "User" (\n    "id" SERIAL NOT NULL,\n    "name" TEXT NOT NULL,\n\n    CONSTRAINT "User_pkey" PRIMARY KEY ("id")\n);\n',
  [M2]: '-- CreateIndex\nCREATE UNIQUE INDEX "User_name_key" ON "User"("name");\n',
  [M3]: '-- CreateTable\nCREATE TABLE "Tag" (\n    "id" SERIAL NOT NULL,\n\n    CONSTRAINT "Tag_pkey" PRIMARY KEY ("id")\n);\n',
}
// A server nobody listens on (port 1), with a password that must never be printed.
const UNREACHABLE = 'postgresql://tenant:s3cr3t-Pw@127.0.0.1:1/gone?connect_timeout=2'

let db // the shared database: one schema per tenant
let own // a tenant with a database of its own (a URL target)
let project
let only1 // a project holding M1 only: deploys that stop before M2

async function deploy(url, dir) {
  const engine = await PrismaEngine.open({ url })
  try {
    await engine.applyMigrations(dir)
    return { ok: true }
  } catch (err) {
    return { ok: false, code: err.code }
  } finally {
    await engine.close()
  }
}

async function sql(schema, text, database = db) {
  const c = await database.connect({ schema })
  try {
    return await c.query(text)
  } finally {
    await c.end()
  }
}

async function ledger(schema, database = db) {
  return (await sql(schema, 'SELECT * FROM _prisma_migrations ORDER BY started_at, migration_name', database)).rows
}

// tenant_ok: up to date. tenant_dup: duplicate names, so the unique index of M2 fails (nothing
// applied: fix the data). tenant_hand: the index was made by hand before M2 ran, so M2 failed on
// "already exists" with its change in place (mark it applied). tenant_behind: M1 only, M2 and
// M3 not deployed yet. tenant_empty: a schema without a ledger (not matched by a pattern).
test.before(async () => {
  db = await createDatabase('fleet')
  own = await createDatabase('fleetown')
  project = makeProject({ migrations: MIGRATIONS })
  only1 = makeProject({ migrations: { [M1]: MIGRATIONS[M1] } })
  const url = (schema) => db.url({ schema })
  assert.equal((await deploy(url('tenant_ok'), project.migrationsDir)).ok, true)
  assert.equal((await deploy(url('tenant_behind'), only1.migrationsDir)).ok, true)
  for (const schema of ['tenant_dup', 'tenant_hand']) {
    assert.equal((await deploy(url(schema), only1.migrationsDir)).ok, true)
  }
  await sql('tenant_dup', `INSERT INTO "User" ("name") VALUES ('ann'), ('ann')`)
  await sql('tenant_hand', 'CREATE UNIQUE INDEX "User_name_key" ON "User"("name")')
  for (const schema of ['tenant_dup', 'tenant_hand']) {
    assert.equal((await deploy(url(schema), project.migrationsDir)).code, 'P3018', `${schema}: M2 fails`)
  }
  await sql('public', 'CREATE SCHEMA tenant_empty')
  assert.equal((await deploy(own.url(), project.migrationsDir)).ok, true)
})

test.after(async () => {
  project && project.cleanup()
  only1 && only1.cleanup()
  if (db) await db.drop()
  if (own) await own.drop()
})

const TARGETS = () => ['tenant_ok', 'tenant_dup', 'tenant_hand', 'tenant_behind', 'tenant_empty', own.url(), UNREACHABLE]

test('diagnoseMany: every state in one report, blocked first, each as diagnose() says it alone', async () => {
  const progress = []
  const report = await doctor.diagnoseMany({
    url: db.url(),
    cwd: project.dir,
    targets: TARGETS(),
    concurrency: 3,
    onProgress: (p) => progress.push(p),
  })
  assert.equal(report.mode, 'diagnose')
  assert.deepEqual(report.counts, {
    total: 7, blocked: 2, refused: 0, needsBaseline: 0, error: 1, healed: 0, behind: 1, noLedger: 1, healthy: 2,
  })
  assert.equal(report.blocked, true)
  assert.deepEqual(
    report.targets.map((t) => [t.target.startsWith('postgresql://') ? t.database : t.target, t.state]),
    [
      ['tenant_dup', 'blocked'],
      ['tenant_hand', 'blocked'],
      ['gone', 'error'],
      ['tenant_behind', 'behind'],
      ['tenant_empty', 'no-ledger'],
      ['tenant_ok', 'healthy'],
      [own.name, 'healthy'],
    ],
  )
  const byTarget = Object.fromEntries(report.targets.map((t) => [t.schema === 'public' ? t.database : t.target, t]))

  // The same evidence and verdicts as a diagnose() of that tenant alone.
  for (const schema of ['tenant_dup', 'tenant_hand', 'tenant_behind', 'tenant_ok']) {
    const alone = await doctor.diagnose({ url: db.url({ schema }), cwd: project.dir })
    const entry = byTarget[schema]
    assert.equal(entry.schema, schema)
    assert.equal(entry.database, db.name)
    assert.deepEqual(entry.failed, alone.failed, `${schema}: failed migrations as diagnose() has them`)
    assert.deepEqual(entry.unappliedMigrationNames, alone.unappliedMigrationNames)
    assert.equal(entry.appliedCount, alone.appliedMigrationNames.length)
  }
  const dup = byTarget.tenant_dup.failed
  assert.deepEqual(dup.map((f) => [f.name, f.verdict, f.action]), [[M2, 'not-applied', 'fix-data']])
  const hand = byTarget.tenant_hand.failed
  assert.deepEqual(hand.map((f) => [f.name, f.verdict, f.action]), [[M2, 'fully-applied', 'mark-applied']])
  assert.deepEqual(byTarget.tenant_behind.unappliedMigrationNames, [M2, M3])
  assert.equal(byTarget.tenant_empty.hasMigrationsTable, false)

  const down = report.targets.find((t) => t.state === 'error')
  assert.equal(down.error.code, 'P1001')
  assert.equal(down.host, '127.0.0.1')

  // Reuse: the five schemas of one database and two other servers, three workers.
  assert.ok(report.connections <= 3 + 1, `connections: ${report.connections}`)
  assert.equal(report.localMigrations, 3)
  assert.deepEqual(progress.map((p) => p.done), [1, 2, 3, 4, 5, 6, 7])
  assert.ok(progress.every((p) => p.total === 7))

  const text = JSON.stringify(report)
  assert.doesNotMatch(text, /s3cr3t-Pw/)
  assert.doesNotMatch(text, new RegExp(db.server.password.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
  assert.match(report.summary, /^BLOCKED: 2 of 7 targets cannot deploy\./)
  assert.ok(report.summary.indexOf('tenant_dup') < report.summary.indexOf('P1001'), 'blocked tenants are listed first')
})

test('diagnoseMany: a LIKE pattern over the schemas that hold a ledger; one connection serves them', async () => {
  const report = await doctor.diagnoseMany({ url: db.url(), cwd: project.dir, schemas: 'tenant\\_%', concurrency: 1 })
  assert.deepEqual(
    report.targets.map((t) => t.target).sort(),
    ['tenant_behind', 'tenant_dup', 'tenant_hand', 'tenant_ok'],
    'tenant_empty has no ledger: not matched',
  )
  assert.equal(report.connections, 1, 'one connection, search_path switched per schema')
  assert.equal(report.counts.blocked, 2)
  const none = await doctor.diagnoseMany({ url: db.url(), cwd: project.dir, schemas: 'nobody%' })
  assert.equal(none.counts.total, 0)
  assert.match(none.summary, /no target matched/)
})

test('diagnoseMany: bad input is refused with E_INVALID_ARG before anything runs', async () => {
  const base = { url: db.url(), cwd: project.dir }
  await assert.rejects(doctor.diagnoseMany(base), { code: 'E_INVALID_ARG' })
  await assert.rejects(doctor.diagnoseMany({ ...base, targets: ['tenant_ok'], concurrency: 0 }), { code: 'E_INVALID_ARG' })
  await assert.rejects(doctor.diagnoseMany({ ...base, targets: 'tenant_ok' }), { code: 'E_INVALID_ARG' })
  await assert.rejects(doctor.diagnoseMany({ ...base, targets: ['tenant_ok'], onProgress: 5 }), { code: 'E_INVALID_ARG' })
  await assert.rejects(doctor.diagnoseMany('tenant_ok'), { code: 'E_INVALID_ARG' })
  // A malformed URL among the targets is that target's error, not the run's.
  const r = await doctor.diagnoseMany({ ...base, targets: ['tenant_ok', 'postgresql://u:pw@host:notaport/db'] })
  assert.deepEqual(r.targets.map((t) => t.state), ['error', 'healthy'])
  assert.equal(r.targets[0].error.code, 'E_CONFIG')
})

function cli(args, { env = {}, input } = {}) {
  const clean = { ...process.env }
  delete clean.DATABASE_URL
  delete clean.CI
  delete clean.NO_COLOR
  const r = spawnSync(process.execPath, [CLI, ...args], { env: { ...clean, ...env }, encoding: 'utf8', input })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** Runs the CLI on a pseudo-terminal (util-linux `script`), so stdout and stderr are TTYs. */
function cliOnTty(args, env = {}) {
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')
  const clean = { ...process.env, TERM: 'xterm' }
  delete clean.CI
  delete clean.NO_COLOR
  const r = spawnSync('script', ['-qec', quoted, '/dev/null'], { env: { ...clean, ...env }, encoding: 'utf8' })
  assert.equal(r.error, undefined, 'util-linux `script` is needed to run the CLI on a terminal')
  return { code: r.status, out: r.stdout }
}

test('CLI: --targets FILE and --schemas PATTERN, exit codes, one JSON document, progress only on a TTY', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmd-fleet-'))
  try {
    const file = path.join(dir, 'targets.txt')
    fs.writeFileSync(file, `# tenants\ntenant_ok\ntenant_behind   # comment\n\n${own.url()}\n`)
    let r = cli(['diagnose', '--targets', file, '--url', db.url(), '--cwd', project.dir])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /^OK: all 3 targets can deploy\./)
    assert.equal(r.stderr, '', 'no progress bar off a terminal')

    fs.appendFileSync(file, `${UNREACHABLE}\n`)
    r = cli(['diagnose', '--json', '--targets', file, '--url', db.url(), '--cwd', project.dir])
    assert.equal(r.code, 2, 'a target that could not be checked')
    const doc = JSON.parse(r.stdout)
    assert.equal(doc.counts.error, 1)
    assert.doesNotMatch(r.stdout + r.stderr, /s3cr3t-Pw/)

    r = cli(['diagnose', '--targets', '-', '--url', db.url(), '--cwd', project.dir], { input: 'tenant_dup\ntenant_ok\n' })
    assert.equal(r.code, 1, 'a blocked tenant')
    assert.match(r.stdout, /^BLOCKED: 1 of 2 targets cannot deploy\./)
    assert.match(r.stdout, /tenant_dup/)

    r = cli(['diagnose', '--schemas', 'tenant%', '--concurrency', 'many', '--url', db.url(), '--cwd', project.dir])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /E_USAGE.*--concurrency/)
    r = cli(['resolve', '--applied', M2, '--schemas', 'tenant%', '--url', db.url(), '--cwd', project.dir])
    assert.equal(r.code, 2)
    r = cli(['diagnose', '--targets', path.join(dir, 'missing.txt'), '--url', db.url(), '--cwd', project.dir])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /E_CONFIG/)

    const args = ['diagnose', '--schemas', 'tenant%', '--url', db.url(), '--cwd', project.dir]
    const tty = cliOnTty(args)
    assert.equal(tty.code, 1)
    assert.match(tty.out, /\r\[[#.]+\] 4\/4 targets/, 'a progress bar on a terminal')
    for (const env of [{ NO_COLOR: '1' }, { CI: 'true' }]) {
      const quiet = cliOnTty(args, env)
      assert.equal(quiet.code, 1)
      assert.doesNotMatch(quiet.out, /\/4 targets/, `no progress bar with ${Object.keys(env)[0]}`)
    }
    assert.doesNotMatch(cliOnTty([...args, '--json']).out, /\/4 targets/, 'no progress bar with --json')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('healMany: dry run writes nothing; then each tenant healed or refused as heal() would, under the lock', async () => {
  const schemas = ['tenant_ok', 'tenant_dup', 'tenant_hand', 'tenant_behind']
  const before = {}
  for (const s of schemas) before[s] = await ledger(s)
  const dry = await doctor.healMany({ url: db.url(), cwd: project.dir, schemas: 'tenant%', dryRun: true })
  assert.equal(dry.dryRun, true)
  assert.deepEqual(dry.targets.map((t) => [t.target, t.state]).slice(0, 2), [['tenant_dup', 'refused'], ['tenant_hand', 'healed']])
  for (const s of schemas) assert.deepEqual(await ledger(s), before[s], `${s}: a dry run writes nothing`)

  const report = await doctor.healMany({ url: db.url(), cwd: project.dir, targets: [...schemas, UNREACHABLE], concurrency: 4 })
  const by = Object.fromEntries(report.targets.map((t) => [t.target.startsWith('postgresql') ? 'down' : t.target, t]))
  assert.equal(by.tenant_dup.state, 'refused')
  assert.equal(by.tenant_dup.decisions[0].resolved, false)
  assert.equal(by.tenant_dup.decisions[0].action, 'fix-data')
  assert.equal(by.tenant_hand.state, 'healed')
  assert.equal(by.tenant_hand.decisions[0].action, 'mark-applied')
  assert.equal(by.tenant_ok.state, 'healthy')
  assert.equal(by.tenant_behind.state, 'behind')
  assert.equal(by.down.error.code, 'P1001')
  for (const s of schemas) assert.equal(by[s].locked, true, `${s}: under Prisma's lock`)
  assert.deepEqual(await ledger('tenant_dup'), before.tenant_dup, 'a refused tenant is left as it was')

  // The real engine agrees: the healed tenant deploys the rest, the refused one still stops.
  assert.deepEqual(await deploy(db.url({ schema: 'tenant_hand' }), project.migrationsDir), { ok: true })
  assert.equal((await deploy(db.url({ schema: 'tenant_dup' }), project.migrationsDir)).code, 'P3009')
  const again = await doctor.healMany({ url: db.url(), cwd: project.dir, targets: ['tenant_hand'] })
  assert.deepEqual(again.targets[0].decisions, [], 'healMany is idempotent')
})

test("healMany: Prisma's lock is per database; a deploy holding it stops that database's tenants only", async () => {
  const holder = await db.connect()
  try {
    await holder.query('SELECT pg_advisory_lock(72707369)')
    const report = await doctor.healMany({
      url: db.url(),
      cwd: project.dir,
      targets: ['tenant_ok', 'tenant_behind', own.url()],
      lockTimeoutMs: 300,
    })
    const by = Object.fromEntries(report.targets.map((t) => [t.schema === 'public' ? 'own' : t.target, t]))
    assert.equal(by.tenant_ok.error.code, 'P1002', 'every schema of the locked database waits on the same lock')
    assert.equal(by.tenant_behind.error.code, 'P1002')
    assert.equal(by.own.state, 'healthy', 'another database has its own lock')
    assert.equal(by.own.locked, true)
  } finally {
    await holder.end()
  }
})
