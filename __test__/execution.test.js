'use strict'
// One failing migration, deployed as Prisma 6 deploys it (the whole script in one transaction)
// and as Prisma 7.4+ deploys it (statement by statement, autocommit): the doctor must give two
// different verdicts and heal decisions, each right for how the script ran. The execution comes
// from the prismaVersion option, from the Prisma installed under the project, or stays unknown.
//
// The wasm engine used here writes the adapter's log text ("external connector error"), which
// says "statement by statement" by itself; the native CLI writes the P3018 text instead, which
// does not say how the script ran. So after the real engine failed, the failed row's logs are
// rewritten into the native engine's P3018 shape (tests/cause/fixtures/native has real ones).

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const doctor = require('prisma-migrate-doctor')
const { spawnSync } = require('node:child_process')
const { setup } = require('./support/scenario')

const CLI = path.join(__dirname, '..', 'bin', 'prisma-migrate-doctor.js')

const M1 = '20240101000000_init'
const M2 = '20240102000000_change'
const USER = `-- CreateTable
CREATE TABLE "User" (
    "id" SERIAL NOT NULL,
    "email" TEXT NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);
`
// Statement 0 adds a column, statement 1 fills it, statement 2 adds another, statement 3 waits
// on a lock and times out.
const CHANGE = `-- AlterTable
ALTER TABLE "Audit" ADD COLUMN "note" TEXT;

UPDATE "Audit" SET "note" = 'n';

ALTER TABLE "Audit" ADD COLUMN "seen" BOOLEAN;

-- AlterTable
ALTER TABLE "User" ADD COLUMN "name" TEXT;
`
const AUDIT = 'CREATE TABLE "Audit" ("id" SERIAL NOT NULL, CONSTRAINT "Audit_pkey" PRIMARY KEY ("id"));\n'

function p3018(name, code, message) {
  return `A migration failed to apply. New migrations cannot be applied before the error is recovered from. Read more about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve\n\nMigration name: ${name}\n\nDatabase error code: ${code}\n\nDatabase error:\nERROR: ${message}\n\nDbError { severity: "ERROR", parsed_severity: Some(Error), code: SqlState(E${code}), message: "${message}", detail: None, hint: None, position: None, where_: None, schema: None, table: None, column: None, datatype: None, constraint: None, file: Some("postgres.c"), line: Some(3400), routine: Some("ProcessInterrupts") }`
}

/** Deploys CHANGE with the engine in `mode` while a reader blocks "User": statement 2 times out. */
async function failUnderTimeout(ctx) {
  const reader = await ctx.db.connect()
  try {
    await ctx.db.query(`ALTER DATABASE "${ctx.db.name}" SET statement_timeout = '400ms'`)
    await reader.query('BEGIN')
    await reader.query('LOCK TABLE "User" IN ACCESS SHARE MODE')
    ctx.project.write(M2, CHANGE)
    const r = await ctx.deploy()
    assert.equal(r.code, 'P3018')
  } finally {
    await reader.query('COMMIT').catch(() => {})
    await reader.end()
    await ctx.db.query(`ALTER DATABASE "${ctx.db.name}" RESET statement_timeout`)
  }
  await ctx.db.query(`UPDATE "_prisma_migrations" SET logs = $1 WHERE migration_name = $2 AND finished_at IS NULL`, [
    p3018(M2, '57014', 'canceling statement due to statement timeout'),
    M2,
  ])
}

async function failed(mode) {
  const ctx = await setup({ mode, migrations: { [M1]: USER + AUDIT } })
  assert.equal((await ctx.deploy()).ok, true)
  await ctx.db.query(`INSERT INTO "Audit" DEFAULT VALUES`)
  await failUnderTimeout(ctx)
  return ctx
}

const only = (d) => {
  assert.equal(d.failed.length, 1, d.summary)
  return d.failed[0]
}

test('deployed by Prisma 6 (one transaction): not applied; heal retries; deploy succeeds', async () => {
  const ctx = await failed('native')
  try {
    const f = only(await doctor.diagnose(ctx.options({ prismaVersion: '6.19.3' })))
    assert.equal(f.execution, 'all-or-nothing')
    assert.match(f.executionSource, /prismaVersion option \(6\.19\.3\)/)
    // the CLI's --prisma-version is the same option
    const viaCli = spawnSync(process.execPath, [CLI, 'diagnose', '--json', '--prisma-version', '6.19.3', '--url', ctx.url, '--cwd', ctx.project.dir], { encoding: 'utf8' })
    assert.equal(viaCli.status, 1, viaCli.stderr)
    const g = JSON.parse(viaCli.stdout).failed[0]
    assert.deepEqual([g.execution, g.executionSource, g.verdict], [f.execution, f.executionSource, 'not-applied'])
    assert.equal(f.verdict, 'not-applied')
    assert.equal(f.appliedStatements, 0)
    assert.deepEqual(f.matchingPrefixes, [0])
    // The UPDATE shares the transaction's fate.
    assert.equal(f.statements[1].effect, 'absent')
    assert.equal(f.action, 'retry')
    const healed = await doctor.heal(ctx.options({ prismaVersion: '6.19.3' }))
    assert.equal(healed.blocked, false, healed.summary)
    assert.equal((await ctx.deploy()).ok, true)
    const notes = await ctx.db.query(`SELECT "note" FROM "Audit"`)
    assert.deepEqual(notes.rows.map((r) => r.note), ['n'])
  } finally {
    await ctx.done()
  }
})

test('deployed by Prisma 7 (statement by statement): partially applied after 3; complete runs only the rest', async () => {
  const ctx = await failed('split')
  try {
    const f = only(await doctor.diagnose(ctx.options({ prismaVersion: '7.10.1' })))
    assert.equal(f.execution, 'statement-by-statement')
    assert.equal(f.verdict, 'partially-applied')
    assert.equal(f.appliedStatements, 3, f.summary)
    // The UPDATE lies between an applied statement and the failing one: it ran.
    assert.equal(f.statements[1].effect, 'present')
    assert.match(f.statements[1].detail, /by inference/)
    assert.equal(f.action, 'complete')
    const refused = await doctor.heal(ctx.options({ prismaVersion: '7.10.1' }))
    assert.equal(refused.blocked, true, 'default policy does not complete')
    const plan = await doctor.heal(ctx.options({ prismaVersion: '7.10.1', allow: ['complete'], dryRun: true }))
    const runs = plan.decisions[0].changes.filter((c) => c.kind === 'run-statement')
    assert.equal(runs.length, 1, 'only the statement after the applied prefix runs')
    const done = await doctor.heal(ctx.options({ prismaVersion: '7.10.1', allow: ['complete'] }))
    assert.equal(done.blocked, false, done.summary)
    assert.equal((await ctx.deploy()).ok, true)
    const notes = await ctx.db.query(`SELECT "note" FROM "Audit"`)
    assert.deepEqual(notes.rows.map((r) => r.note), ['n'], 'the UPDATE ran once')
  } finally {
    await ctx.done()
  }
})

test('the same state with an unknown Prisma: never assumes one transaction', async () => {
  const ctx = await failed('split')
  try {
    const f = only(await doctor.diagnose(ctx.options()))
    assert.equal(f.execution, 'unknown')
    assert.match(f.executionSource, /prismaVersion/)
    // The catalog itself shows a partial state: only statement by statement can leave it.
    assert.equal(f.verdict, 'partially-applied')
    assert.equal(f.appliedStatements, 3)
    // Without the column added after the UPDATE, whether the UPDATE ran is not decided.
    await ctx.db.query('ALTER TABLE "Audit" DROP COLUMN "seen"')
    const g = only(await doctor.diagnose(ctx.options()))
    assert.deepEqual(g.matchingPrefixes, [1, 2])
    assert.equal(g.verdict, 'unknown')
    assert.equal(g.statements[1].effect, 'unverifiable')
    const h = await doctor.heal(ctx.options({ allow: ['retry', 'mark-applied', 'complete'] }))
    assert.equal(h.blocked, true, 'never re-runs or skips an UPDATE it cannot place')
  } finally {
    await ctx.done()
  }
})

/** The native P3018 logs with the `Position:` block highlighting line `line` of CHANGE. */
function p3018At(line) {
  const lines = CHANGE.split('\n')
  const block = lines
    .slice(0, line)
    .map((text, i) => `\u001b[1m  ${i + 1}\u001b[${i + 1 === line ? '1;31m' : '0m'} ${text}${i + 1 === line ? '\u001b[0m' : ''}`)
    .join('\n')
  return p3018(M2, '57014', 'canceling statement due to statement timeout').replace(
    '\n\nDbError',
    `\n\nPosition:\n\u001b[1m  0\u001b[0m\n${block}\n\nDbError`,
  )
}

test('the failing statement named by the native logs places an UPDATE the catalog cannot', async () => {
  const ctx = await failed('split')
  try {
    // As in the test above: without the "seen" column, the catalog matches 1 and 2.
    await ctx.db.query('ALTER TABLE "Audit" DROP COLUMN "seen"')
    const setLogs = (logs) =>
      ctx.db.query(`UPDATE "_prisma_migrations" SET logs = $1 WHERE migration_name = $2 AND finished_at IS NULL`, [logs, M2])
    // Line 6 of the script is statement #2 (ADD COLUMN "seen"): the first two ran, UPDATE included.
    await setLogs(p3018At(6))
    const f = only(await doctor.diagnose(ctx.options({ prismaVersion: '7.10.1' })))
    assert.equal(f.failingStatement, 2, f.summary)
    assert.deepEqual(f.matchingPrefixes, [1, 2])
    assert.equal(f.verdict, 'partially-applied')
    assert.equal(f.appliedStatements, 2)
    assert.equal(f.statements[1].effect, 'present')
    assert.match(f.verdictReason, /logs name statement #2/)
    // Statement #3 named instead: the catalog does not show the first three, and says so.
    await setLogs(p3018At(9))
    const g = only(await doctor.diagnose(ctx.options({ prismaVersion: '7.10.1' })))
    assert.equal(g.failingStatement, 3)
    assert.equal(g.verdict, 'unknown')
    assert.match(g.verdictReason, /changed since the failure/)
    // One transaction: the logs do not place anything (nothing of a failed script stays).
    const h = only(await doctor.diagnose(ctx.options({ prismaVersion: '6.19.3' })))
    assert.equal(h.failingStatement, 3)
    assert.doesNotMatch(h.verdictReason, /logs name statement/)
  } finally {
    await ctx.done()
  }
})

test('the installed Prisma decides: node_modules/prisma, then the lockfile', async () => {
  const ctx = await failed('native')
  try {
    const pkg = path.join(ctx.project.dir, 'node_modules', 'prisma')
    fs.mkdirSync(pkg, { recursive: true })
    fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'prisma', version: '6.19.3' }))
    let f = only(await doctor.diagnose(ctx.options()))
    assert.equal(f.execution, 'all-or-nothing')
    assert.match(f.executionSource, /Prisma 6\.19\.3 installed/)
    fs.rmSync(path.join(ctx.project.dir, 'node_modules'), { recursive: true })
    fs.writeFileSync(
      path.join(ctx.project.dir, 'package-lock.json'),
      JSON.stringify({ lockfileVersion: 3, packages: { 'node_modules/prisma': { version: '7.10.1' } } }),
    )
    f = only(await doctor.diagnose(ctx.options()))
    assert.equal(f.execution, 'statement-by-statement')
    assert.match(f.executionSource, /package-lock\.json/)
    // The option wins over the project.
    f = only(await doctor.diagnose(ctx.options({ prismaVersion: '6.0.0' })))
    assert.equal(f.execution, 'all-or-nothing')
  } finally {
    await ctx.done()
  }
})
