'use strict'
// Issue 3 scenarios: the real engine fails a deploy; the doctor says what the failed migration
// did (per statement), why it failed, the verdict and the action; heal acts only on proof; then
// the real engine deploys (or still refuses) as expected, and where heal acted, the final
// catalog equals the one a clean deploy of the same migrations produces.

const test = require('node:test')
const assert = require('node:assert/strict')
const doctor = require('../lib/index.js')
const { setup } = require('./support/scenario')

const USER = `-- CreateTable
CREATE TABLE "User" (
    "id" SERIAL NOT NULL,
    "email" TEXT NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);
`
const SESSION_SQLITE = `-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL,
    "expires" DATETIME NOT NULL,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);
`
const SESSION_PG = SESSION_SQLITE.replace('DATETIME', 'TIMESTAMP(3)')
const POST = `-- CreateTable
CREATE TABLE "Post" (
    "id" SERIAL NOT NULL,
    "title" VARCHAR(191) NOT NULL,
    "authorId" INTEGER NOT NULL,

    CONSTRAINT "Post_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Post_title_key" ON "Post"("title");

-- AddForeignKey
ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
`
const TAIL = 'CREATE TABLE "Tag" ("id" SERIAL NOT NULL, CONSTRAINT "Tag_pkey" PRIMARY KEY ("id"));\n'

const M1 = '20240101000000_init'
const M2 = '20240102000000_change'
const M3 = '20240103000000_tail'

/** Tables, columns, indexes, constraints and enums of a schema, ledger excluded, comparable. */
async function catalog(db, schema = 'public') {
  const q = async (sql) => (await db.query(sql, [schema])).rows
  return {
    columns: await q(`SELECT table_name, column_name, data_type, is_nullable, column_default
                        FROM information_schema.columns WHERE table_schema = $1 AND table_name <> '_prisma_migrations'
                       ORDER BY 1, 2`),
    indexes: await q(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename <> '_prisma_migrations' ORDER BY 1`),
    constraints: await q(`SELECT conrelid::regclass::text AS rel, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
                           WHERE connamespace = $1::regnamespace ORDER BY 1, 2`),
    enums: await q(`SELECT t.typname, e.enumlabel, e.enumsortorder FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
                     WHERE t.typnamespace = $1::regnamespace ORDER BY 1, 3`),
  }
}

/** The catalog a clean deploy of the project's current migrations produces. */
async function cleanCatalog(ctx) {
  const twin = await setup({ migrations: Object.fromEntries(ctx.project.names().map((n) => [n, ctx.project.read(n)])), schema: ctx.schema === 'public' ? undefined : ctx.schema })
  try {
    assert.equal((await twin.deploy()).ok, true, 'a clean deploy of the fixed migrations works')
    return await catalog(twin.db, twin.schema)
  } finally {
    await twin.done()
  }
}

function only(d) {
  assert.equal(d.failed.length, 1, `one failed migration: ${JSON.stringify(d.failedMigrationNames)}`)
  return d.failed[0]
}

const effects = (f) => f.statements.map((s) => s.effect)

async function expectHealRefused(ctx, action) {
  const before = await ctx.rawLedger()
  const outcome = await doctor.heal(ctx.options())
  assert.equal(outcome.blocked, true)
  assert.equal(outcome.decisions.length, 1)
  assert.equal(outcome.decisions[0].resolved, false)
  assert.equal(outcome.decisions[0].action, action)
  assert.ok(outcome.decisions[0].commands.length > 0, 'a refusal comes with commands')
  assert.match(outcome.summary, /REFUSED/)
  assert.deepEqual(await ctx.rawLedger(), before, 'a refusing heal writes nothing')
  assert.equal((await ctx.deploy()).code, 'P3009', 'deploy still refuses')
}

async function expectHealed(ctx, action) {
  const dry = await doctor.heal(ctx.options({ dryRun: true }))
  assert.equal(dry.blocked, false)
  assert.equal(dry.decisions[0].action, action)
  const outcome = await doctor.heal(ctx.options())
  assert.equal(outcome.blocked, false, outcome.summary)
  assert.equal(outcome.decisions[0].resolved, true)
  assert.equal(outcome.decisions[0].action, action)
  assert.match(outcome.summary, /HEALED/)
  const again = await doctor.heal(ctx.options())
  assert.deepEqual(again.decisions, [], 'heal is idempotent')
  const deploy = await ctx.deploy()
  assert.equal(deploy.ok, true, `deploy after heal: ${deploy.message}`)
  assert.deepEqual(await catalog(ctx.db, ctx.schema), await cleanCatalog(ctx), 'catalog equals a clean deploy')
  const after = await doctor.diagnose(ctx.options())
  assert.equal(after.blocked, false)
  assert.deepEqual(after.unappliedMigrationNames, [])
}

test('SQLite DATETIME, script unchanged: not applied, foreign dialect, fix-script; heal refuses', async () => {
  const ctx = await setup({ migrations: { [M1]: USER, [M2]: SESSION_SQLITE } })
  try {
    assert.equal((await ctx.deploy()).code, 'P3018')
    const f = only(await doctor.diagnose(ctx.options()))
    assert.deepEqual(effects(f), ['absent'])
    assert.equal(f.verdict, 'not-applied')
    assert.equal(f.cause.code, 'foreign-dialect')
    assert.equal(f.action, 'fix-script')
    assert.match(f.cause.fix, /TIMESTAMP/)
    await expectHealRefused(ctx, 'fix-script')
  } finally {
    await ctx.done()
  }
})

test('SQLite DATETIME, script fixed afterwards: retry; heal resolves; deploy succeeds', async () => {
  const ctx = await setup({ migrations: { [M1]: USER, [M2]: SESSION_SQLITE, [M3]: TAIL } })
  try {
    assert.equal((await ctx.deploy()).code, 'P3018')
    ctx.project.write(M2, SESSION_PG)
    const f = only(await doctor.diagnose(ctx.options()))
    assert.equal(f.scriptChanged, true)
    assert.deepEqual(effects(f), ['absent'])
    assert.equal(f.verdict, 'not-applied')
    assert.equal(f.action, 'retry')
    await expectHealed(ctx, 'retry')
  } finally {
    await ctx.done()
  }
})

for (const mode of ['native', 'split']) {
  test(`table already created by hand with the same shape (${mode}): fully applied, mark-applied; heal resolves`, async () => {
    const ctx = await setup({ mode, migrations: { [M1]: USER } })
    try {
      assert.equal((await ctx.deploy()).ok, true)
      // As `db push` would: the schema is there before the migration that creates it.
      await ctx.db.query(POST)
      ctx.project.write(M2, POST)
      ctx.project.write(M3, TAIL)
      assert.equal((await ctx.deploy()).code, 'P3018')
      const f = only(await doctor.diagnose(ctx.options()))
      assert.equal(f.cause.code, 'object-already-exists')
      assert.deepEqual(effects(f), ['present', 'present', 'present'])
      assert.equal(f.verdict, 'fully-applied')
      assert.equal(f.action, 'mark-applied')
      await expectHealed(ctx, 'mark-applied')
    } finally {
      await ctx.done()
    }
  })
}

test('table created by hand with another column type: conflicting, manual; heal refuses', async () => {
  const ctx = await setup({ migrations: { [M1]: USER } })
  try {
    assert.equal((await ctx.deploy()).ok, true)
    await ctx.db.query('CREATE TABLE "Post" ("id" SERIAL NOT NULL, "title" INTEGER NOT NULL, "authorId" INTEGER NOT NULL, CONSTRAINT "Post_pkey" PRIMARY KEY ("id"))')
    ctx.project.write(M2, POST)
    assert.equal((await ctx.deploy()).code, 'P3018')
    const f = only(await doctor.diagnose(ctx.options()))
    assert.equal(f.statements[0].effect, 'conflicting')
    assert.match(f.statements[0].detail, /title/)
    assert.equal(f.verdict, 'conflicting')
    assert.equal(f.action, 'manual')
    await expectHealRefused(ctx, 'manual')
  } finally {
    await ctx.done()
  }
})

test('table created by hand but its index and foreign key not: partially applied, complete; heal refuses', async () => {
  const ctx = await setup({ migrations: { [M1]: USER } })
  try {
    assert.equal((await ctx.deploy()).ok, true)
    await ctx.db.query(POST.split('-- CreateIndex')[0])
    ctx.project.write(M2, POST)
    assert.equal((await ctx.deploy()).code, 'P3018')
    const f = only(await doctor.diagnose(ctx.options()))
    assert.deepEqual(effects(f), ['present', 'absent', 'absent'])
    assert.equal(f.verdict, 'partially-applied')
    assert.equal(f.action, 'complete')
    assert.ok(f.commands.some((c) => c.includes('CREATE UNIQUE INDEX "Post_title_key"')))
    await expectHealRefused(ctx, 'complete')
  } finally {
    await ctx.done()
  }
})

for (const mode of ['native', 'split']) {
  test(`duplicate rows block a unique index (${mode})`, async () => {
    const add = 'ALTER TABLE "User" ADD COLUMN "nickname" TEXT;\n\n-- CreateIndex\nCREATE UNIQUE INDEX "User_email_key" ON "User"("email");\n'
    const ctx = await setup({ mode, migrations: { [M1]: USER } })
    try {
      assert.equal((await ctx.deploy()).ok, true)
      await ctx.db.query(`INSERT INTO "User" ("email") VALUES ('a@x.io'), ('a@x.io'), ('b@x.io')`)
      ctx.project.write(M2, add)
      assert.equal((await ctx.deploy()).code, 'P3018')
      const f = only(await doctor.diagnose(ctx.options()))
      assert.equal(f.cause.code, 'duplicate-rows-block-unique')
      assert.match(f.cause.fix, /GROUP BY/)
      if (mode === 'native') {
        assert.deepEqual(effects(f), ['absent', 'absent'])
        assert.equal(f.verdict, 'not-applied')
      } else {
        assert.deepEqual(effects(f), ['present', 'absent'])
        assert.equal(f.verdict, 'partially-applied')
      }
      assert.equal(f.action, 'fix-data')
      await expectHealRefused(ctx, 'fix-data')
    } finally {
      await ctx.done()
    }
  })
}

test('NOT NULL column added to a non-empty table: not applied, fix-data', async () => {
  const ctx = await setup({ migrations: { [M1]: USER } })
  try {
    assert.equal((await ctx.deploy()).ok, true)
    await ctx.db.query(`INSERT INTO "User" ("email") VALUES ('a@x.io')`)
    ctx.project.write(M2, '-- AlterTable\nALTER TABLE "User" ADD COLUMN     "age" INTEGER NOT NULL;\n')
    assert.equal((await ctx.deploy()).code, 'P3018')
    const f = only(await doctor.diagnose(ctx.options()))
    assert.equal(f.cause.code, 'not-null-without-default')
    assert.deepEqual(effects(f), ['absent'])
    assert.equal(f.verdict, 'not-applied')
    assert.equal(f.action, 'fix-data')
    await expectHealRefused(ctx, 'fix-data')
  } finally {
    await ctx.done()
  }
})

test('enum value added and used in one script (native): not applied, fix-script', async () => {
  const ctx = await setup({ migrations: { [M1]: `-- CreateEnum\nCREATE TYPE "Role" AS ENUM ('USER', 'ADMIN');\n\n${USER.replace('"email" TEXT NOT NULL,', '"email" TEXT NOT NULL,\n    "role" "Role" NOT NULL DEFAULT \'USER\',')}` } })
  try {
    assert.equal((await ctx.deploy()).ok, true)
    ctx.project.write(M2, `-- AlterEnum\nALTER TYPE "Role" ADD VALUE 'MODERATOR';\n\n-- AlterTable\nALTER TABLE "User" ALTER COLUMN "role" SET DEFAULT 'MODERATOR';\n`)
    assert.equal((await ctx.deploy()).code, 'P3018')
    const f = only(await doctor.diagnose(ctx.options()))
    assert.equal(f.cause.code, 'enum-value-used-in-same-transaction')
    assert.deepEqual(effects(f), ['absent', 'absent'])
    assert.ok(f.statements[0].nonTransactional, 'ADD VALUE used later is flagged')
    assert.equal(f.verdict, 'not-applied')
    assert.equal(f.action, 'fix-script')
  } finally {
    await ctx.done()
  }
})

test('CREATE INDEX CONCURRENTLY in a migration: not applied, fix-script', async () => {
  const ctx = await setup({ migrations: { [M1]: USER } })
  try {
    assert.equal((await ctx.deploy()).ok, true)
    ctx.project.write(M2, 'ALTER TABLE "User" ADD COLUMN "name" TEXT;\nCREATE INDEX CONCURRENTLY "User_name_idx" ON "User"("name");\n')
    assert.equal((await ctx.deploy()).code, 'P3018')
    const f = only(await doctor.diagnose(ctx.options()))
    assert.equal(f.cause.code, 'concurrently-in-transaction')
    assert.ok(f.statements[1].nonTransactional)
    assert.deepEqual(effects(f), ['absent', 'absent'])
    assert.equal(f.action, 'fix-script')
  } finally {
    await ctx.done()
  }
})

test('a script with its own BEGIN/COMMIT that fails after the COMMIT: partially applied', async () => {
  const ctx = await setup({ migrations: { [M1]: USER } })
  try {
    assert.equal((await ctx.deploy()).ok, true)
    ctx.project.write(M2, `BEGIN;\nCREATE TABLE "Audit" ("id" SERIAL NOT NULL, CONSTRAINT "Audit_pkey" PRIMARY KEY ("id"));\nCOMMIT;\n${SESSION_SQLITE}`)
    assert.equal((await ctx.deploy()).code, 'P3018')
    const f = only(await doctor.diagnose(ctx.options()))
    assert.equal(f.execution, 'statement-by-statement')
    assert.ok(f.statements[0].transactionControl)
    const verifiable = f.statements.filter((s) => !s.transactionControl)
    assert.deepEqual(verifiable.map((s) => s.effect), ['present', 'absent'])
    assert.equal(f.verdict, 'partially-applied')
    assert.equal(f.action, 'complete')
    await expectHealRefused(ctx, 'complete')
  } finally {
    await ctx.done()
  }
})

test('a DO $$ block after a statement that did not run: did not run either (inferred); not applied', async () => {
  const ctx = await setup({ migrations: { [M1]: USER } })
  try {
    assert.equal((await ctx.deploy()).ok, true)
    ctx.project.write(M2, `CREATE TABLE "Flag" ("id" SERIAL NOT NULL, CONSTRAINT "Flag_pkey" PRIMARY KEY ("id"));\nDO $$ BEGIN RAISE EXCEPTION 'refusing: %', 'data check failed'; END $$;\n`)
    assert.equal((await ctx.deploy()).code, 'P3018')
    const f = only(await doctor.diagnose(ctx.options()))
    assert.equal(f.statements[0].effect, 'absent')
    // Statement 0 is not applied, so the DO block after it cannot have run (one by one or not).
    assert.equal(f.statements[1].effect, 'absent')
    assert.match(f.statements[1].detail, /by inference/)
    assert.equal(f.verdict, 'not-applied')
    assert.equal(f.appliedStatements, 0)
    assert.deepEqual(f.matchingPrefixes, [0])
    assert.notEqual(f.action, 'retry', 'a RAISE EXCEPTION fails again when retried unchanged')
  } finally {
    await ctx.done()
  }
})

test('a DO $$ block before the checkable statements: never guessed; unknown, manual', async () => {
  const ctx = await setup({ mode: 'split', migrations: { [M1]: USER } })
  try {
    assert.equal((await ctx.deploy()).ok, true)
    ctx.project.write(M2, `DO $$ BEGIN PERFORM 1; END $$;\nCREATE TABLE "Flag" ("id" SERIAL NOT NULL, CONSTRAINT "Flag_pkey" PRIMARY KEY ("id"));\nCREATE TABLE "Flag" ("id" int);\n`)
    assert.equal((await ctx.deploy()).code, 'P3018')
    const f = only(await doctor.diagnose(ctx.options()))
    // adapter-pg splits on ';', which breaks the DO body: the first piece fails, nothing ran.
    // Whether the DO block ran cannot be read from the catalog, and nothing after it ran, so
    // "none" and "the DO block only" both fit: nothing is decided.
    assert.deepEqual(f.matchingPrefixes, [0, 1])
    assert.equal(f.statements[0].effect, 'unverifiable')
    assert.equal(f.verdict, 'unknown')
    assert.equal(f.appliedStatements, null)
    assert.equal(f.action, 'manual')
    await expectHealRefused(ctx, 'manual')
  } finally {
    await ctx.done()
  }
})

test('missing privilege (a restricted role): not applied, insufficient privilege; heal refuses', async () => {
  const admin = await setup({ migrations: { [M1]: USER } })
  const role = `pmd_app_${process.pid}_${Date.now() % 100000}`
  try {
    assert.equal((await admin.deploy()).ok, true)
    await admin.db.query(`CREATE ROLE ${role} LOGIN PASSWORD 'app-pw'`)
    await admin.db.query(`GRANT CONNECT ON DATABASE "${admin.db.name}" TO ${role}`)
    await admin.db.query(`GRANT USAGE ON SCHEMA public TO ${role}`)
    await admin.db.query(`GRANT SELECT, INSERT, UPDATE ON "_prisma_migrations" TO ${role}`)
    await admin.db.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`)
    admin.project.write(M2, POST)
    const url = new URL(admin.url)
    url.username = role
    url.password = 'app-pw'
    const { PrismaEngine } = require('./support/engine')
    const engine = await PrismaEngine.open({ url: url.toString() })
    await assert.rejects(engine.applyMigrations(admin.project.migrationsDir), { code: 'P3018' })
    await engine.close()
    const f = only(await doctor.diagnose({ url: url.toString(), cwd: admin.project.dir }))
    assert.equal(f.cause.code, 'insufficient-privilege')
    assert.deepEqual(effects(f), ['absent', 'absent', 'absent'])
    assert.equal(f.verdict, 'not-applied')
    assert.notEqual(f.action, 'retry')
    const outcome = await doctor.heal({ url: url.toString(), cwd: admin.project.dir })
    assert.equal(outcome.blocked, true)
  } finally {
    await admin.done()
    const { getServer } = require('./support/postgres')
    const server = await getServer()
    const pg = require('pg')
    const c = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: 'postgres' })
    await c.connect()
    await c.query(`DROP ROLE IF EXISTS ${role}`).catch(() => {})
    await c.end()
  }
})

test('a failed migration whose folder was deleted: unknown, manual; heal refuses', async () => {
  const ctx = await setup({ migrations: { [M1]: USER, [M2]: SESSION_SQLITE } })
  try {
    assert.equal((await ctx.deploy()).code, 'P3018')
    ctx.project.remove(M2)
    const f = only(await doctor.diagnose(ctx.options()))
    assert.equal(f.existsLocally, false)
    assert.deepEqual(f.statements, [])
    assert.equal(f.verdict, 'unknown')
    assert.equal(f.action, 'manual')
    assert.equal(f.cause.code, 'foreign-dialect')
    await expectHealRefused(ctx, 'manual')
  } finally {
    await ctx.done()
  }
})

/**
 * Deploys `script` as M2 while another session reads "User", under a 400 ms statement_timeout:
 * its ALTER of "User" waits for the reader and is cancelled (57014). The database is left as it
 * was (no reader, no timeout).
 */
async function deployUnderStatementTimeout(ctx, script) {
  const reader = await ctx.db.connect()
  try {
    await ctx.db.query(`ALTER DATABASE "${ctx.db.name}" SET statement_timeout = '400ms'`)
    await reader.query('BEGIN')
    await reader.query('SELECT * FROM "User"')
    ctx.project.write(M2, script)
    return await ctx.deploy()
  } finally {
    await reader.query('COMMIT').catch(() => {})
    await reader.end()
    await ctx.db.query(`ALTER DATABASE "${ctx.db.name}" RESET statement_timeout`)
  }
}

test('a statement timeout (transient, script unchanged): retry; heal resolves; deploy succeeds', async () => {
  const ctx = await setup({ migrations: { [M1]: USER } })
  try {
    assert.equal((await ctx.deploy()).ok, true)
    const failed = await deployUnderStatementTimeout(ctx, '-- AlterTable\nALTER TABLE "User" ADD COLUMN     "name" TEXT;\n')
    assert.equal(failed.code, 'P3018')
    const f = only(await doctor.diagnose(ctx.options()))
    assert.equal(f.cause.code, 'statement-timeout')
    assert.equal(f.cause.transient, true)
    assert.equal(f.scriptChanged, false)
    assert.deepEqual(effects(f), ['absent'])
    assert.equal(f.action, 'retry')
    await expectHealed(ctx, 'retry')
  } finally {
    await ctx.done()
  }
})

test('non-public ?schema=: evidence looks in that schema; heal retries the fixed script', async () => {
  const ctx = await setup({ schema: 'tenant_c', migrations: { [M1]: USER, [M2]: SESSION_SQLITE } })
  try {
    assert.equal((await ctx.deploy()).code, 'P3018')
    // A same-named table in public must not count as evidence for tenant_c.
    await ctx.db.query(SESSION_PG)
    ctx.project.write(M2, SESSION_PG)
    const f = only(await doctor.diagnose(ctx.options()))
    assert.deepEqual(effects(f), ['absent'])
    assert.equal(f.action, 'retry')
    await expectHealed(ctx, 'retry')
  } finally {
    await ctx.done()
  }
})

test('heal honours allow and dryRun', async () => {
  const ctx = await setup({ migrations: { [M1]: USER, [M2]: SESSION_SQLITE } })
  try {
    assert.equal((await ctx.deploy()).code, 'P3018')
    ctx.project.write(M2, SESSION_PG)
    const before = await ctx.rawLedger()
    const narrowed = await doctor.heal(ctx.options({ allow: ['mark-applied'] }))
    assert.equal(narrowed.blocked, true)
    assert.match(narrowed.decisions[0].reason, /not allowed/)
    const dry = await doctor.heal(ctx.options({ dryRun: true }))
    assert.equal(dry.blocked, false)
    assert.equal(dry.decisions[0].changes[0].kind, 'mark-rolled-back')
    assert.deepEqual(await ctx.rawLedger(), before, 'neither wrote anything')
    await assert.rejects(doctor.heal(ctx.options({ allow: ['everything'] })), { code: 'E_INVALID_ARG' })
  } finally {
    await ctx.done()
  }
})

test('stopped part-way by a statement timeout (split): complete, only when allowed; one transaction', async () => {
  const ctx = await setup({ mode: 'split', migrations: { [M1]: USER } })
  try {
    assert.equal((await ctx.deploy()).ok, true)
    const script = `-- CreateTable\nCREATE TABLE "Audit" (\n    "id" SERIAL NOT NULL,\n\n    CONSTRAINT "Audit_pkey" PRIMARY KEY ("id")\n);\n\n-- AlterTable\nALTER TABLE "User" ADD COLUMN     "name" TEXT;\n`
    assert.equal((await deployUnderStatementTimeout(ctx, script)).code, 'P3018')
    const f = only(await doctor.diagnose(ctx.options()))
    assert.equal(f.cause.code, 'statement-timeout')
    assert.deepEqual(effects(f), ['present', 'absent'])
    assert.equal(f.verdict, 'partially-applied')
    assert.equal(f.action, 'complete')
    assert.ok(f.commands.some((c) => c.startsWith('ALTER TABLE "User" ADD COLUMN')))

    const refused = await doctor.heal(ctx.options())
    assert.equal(refused.blocked, true)
    assert.match(refused.decisions[0].reason, /not allowed: `complete`/)

    const plan = await doctor.heal(ctx.options({ allow: ['complete'], dryRun: true }))
    assert.deepEqual(plan.decisions[0].changes.map((c) => c.kind), ['run-statement', 'mark-rolled-back', 'insert-applied'])
    const outcome = await doctor.heal(ctx.options({ allow: ['complete'] }))
    assert.equal(outcome.blocked, false, outcome.summary)
    const deploy = await ctx.deploy()
    assert.equal(deploy.ok, true)
    assert.deepEqual(await catalog(ctx.db, ctx.schema), await cleanCatalog(ctx), 'catalog equals a clean deploy')
  } finally {
    await ctx.done()
  }
})

test('complete refuses a deterministic failure and writes nothing', async () => {
  const ctx = await setup({ mode: 'split', migrations: { [M1]: USER } })
  try {
    assert.equal((await ctx.deploy()).ok, true)
    // Stops at the second statement for a deterministic reason (SQLite syntax).
    ctx.project.write(M2, `CREATE TABLE "Audit" ("id" SERIAL NOT NULL, CONSTRAINT "Audit_pkey" PRIMARY KEY ("id"));\n${SESSION_SQLITE}`)
    assert.equal((await ctx.deploy()).code, 'P3018')
    const before = await ctx.rawLedger()
    const refused = await doctor.heal(ctx.options({ allow: ['complete'] }))
    assert.equal(refused.blocked, true)
    assert.match(refused.decisions[0].reason, /deterministic/)
    assert.deepEqual(await ctx.rawLedger(), before)
  } finally {
    await ctx.done()
  }
})

/** Starts a deploy in a child process and waits until its migration is stuck on the blocker. */
async function startStuckDeploy(ctx) {
  const { spawn } = require('node:child_process')
  const child = spawn(process.execPath, [require('node:path').join(__dirname, 'support', 'deploy-child.js'), ctx.url, ctx.project.migrationsDir], {
    stdio: 'ignore',
  })
  for (let i = 0; i < 200; i++) {
    const { rows } = await ctx.db.query(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%nickname%'`,
    )
    if (rows.length > 0) return { child, pid: rows[0].pid }
    await new Promise((r) => setTimeout(r, 50))
  }
  child.kill('SIGKILL')
  throw new Error('the child deploy never reached the blocked statement')
}

async function waitGone(ctx, pid) {
  for (let i = 0; i < 200; i++) {
    const { rows } = await ctx.db.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])
    if (rows.length === 0) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`backend ${pid} is still there`)
}

for (const outcome of ['cancelled by the server', 'finished by the server']) {
  test(`a deploy killed mid-migration (${outcome}): deploy-in-progress while it runs, then interrupted`, async () => {
    const ctx = await setup({ migrations: { [M1]: USER } })
    const blocker = await ctx.db.connect()
    try {
      assert.equal((await ctx.deploy()).ok, true)
      await blocker.query('BEGIN')
      await blocker.query('SELECT * FROM "User"')
      ctx.project.write(M2, '-- AlterTable\nALTER TABLE "User" ADD COLUMN     "nickname" TEXT;\n')
      const { child, pid } = await startStuckDeploy(ctx)

      // While it runs: Prisma's lock is held, the row has no logs yet.
      const during = await doctor.diagnose(ctx.options())
      assert.ok(during.findings.some((f) => f.code === 'deploy-in-progress'), JSON.stringify(during.findings))
      assert.equal(only(during).cause.code, 'interrupted')

      // The platform kills the deploy (no chance to record an error).
      child.kill('SIGKILL')
      if (outcome === 'cancelled by the server') await ctx.db.query('SELECT pg_terminate_backend($1)', [pid])
      await blocker.query('COMMIT')
      await waitGone(ctx, pid)

      const f = only(await doctor.diagnose(ctx.options()))
      assert.equal(f.logs, '')
      assert.equal(f.cause.code, 'interrupted')
      assert.equal(f.cause.transient, true)
      if (outcome === 'cancelled by the server') {
        assert.deepEqual(effects(f), ['absent'])
        assert.equal(f.verdict, 'not-applied')
        assert.equal(f.action, 'retry')
        await expectHealed(ctx, 'retry')
      } else {
        // The server ran the statement to the end after its client died: it is all there.
        assert.deepEqual(effects(f), ['present'])
        assert.equal(f.verdict, 'fully-applied')
        assert.equal(f.action, 'mark-applied')
        await expectHealed(ctx, 'mark-applied')
      }
    } finally {
      await blocker.end().catch(() => {})
      await ctx.done()
    }
  })
}
