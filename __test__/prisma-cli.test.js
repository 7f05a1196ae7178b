'use strict'
// Scenarios with the real Prisma CLI (prisma 7.10.1, its engine replaced by the wasm stand-in, see
// support/prisma-cli.js): `prisma migrate deploy` fails, the doctor explains and resolves, and
// then `prisma migrate deploy` and `prisma migrate status` agree with it; and
// `prisma-migrate-doctor deploy` end to end, as an npm prestart hook.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const doctor = require('prisma-migrate-doctor')
const { createDatabase } = require('./support/postgres')
const { makePrismaProject, prisma, prismaEnv, run, REPO } = require('./support/prisma-cli')

const M1 = '20240101000000_init'
const M2 = '20240102000000_session'
const M3 = '20240103000000_post'
const INIT = 'CREATE TABLE "User" ("id" SERIAL NOT NULL, CONSTRAINT "User_pkey" PRIMARY KEY ("id"));\n'
const SESSION_SQLITE = 'CREATE TABLE "Session" ("id" TEXT NOT NULL PRIMARY KEY, "expires" DATETIME NOT NULL);\n'
const SESSION = SESSION_SQLITE.replace('DATETIME', 'TIMESTAMP(3)')
const POST = 'CREATE TABLE "Post" ("id" SERIAL NOT NULL, "title" TEXT NOT NULL, CONSTRAINT "Post_pkey" PRIMARY KEY ("id"));\n'

async function scenario(migrations) {
  const db = await createDatabase('pmd_cli')
  const project = makePrismaProject({ migrations })
  const url = db.url()
  // The app's environment: prisma.config.ts reads DATABASE_URL, in the CLI and in the doctor's API.
  process.env.DATABASE_URL = url
  return {
    db,
    project,
    url,
    prisma: (...args) => prisma(project, args, { url }),
    async done() {
      delete process.env.DATABASE_URL
      project.cleanup()
      await db.drop()
    },
  }
}

/** `prisma migrate status` as data: exit code, failed names, and whether it says "up to date". */
async function status(ctx) {
  const r = await ctx.prisma('migrate', 'status')
  const failed = /Following migrations? have failed:\n([\s\S]*?)\n\n/.exec(r.output)
  return {
    code: r.code,
    failed: failed ? failed[1].split('\n').map((s) => s.trim()).filter(Boolean) : [],
    upToDate: /Database schema is up to date!/.test(r.output),
    output: r.output,
  }
}

test('the Prisma CLI fails on a SQLite script; the doctor explains it, the fixed script is retried, and the CLI agrees', async () => {
  const ctx = await scenario({ [M1]: INIT, [M2]: SESSION_SQLITE })
  try {
    let r = await ctx.prisma('migrate', 'deploy')
    assert.equal(r.code, 1, r.output)
    assert.match(r.output, /type "datetime" does not exist/)
    r = await ctx.prisma('migrate', 'deploy')
    assert.equal(r.code, 1)
    assert.match(r.output, /Error: P3009/)
    assert.match(r.output, new RegExp(`The \`${M2}\` migration started at .* failed`))
    let st = await status(ctx)
    assert.equal(st.code, 1, st.output)
    assert.deepEqual(st.failed, [M2], st.output)

    // The doctor reads the same project: prisma.config.ts with the project's own @prisma/config.
    const d = await doctor.diagnose({ cwd: ctx.project.dir })
    assert.equal(d.blocked, true)
    assert.deepEqual(d.failedMigrationNames, st.failed)
    assert.match(d.database.configFile || '', /prisma\.config\.ts$/)
    const failed = d.failed[0]
    assert.equal(failed.cause.code, 'foreign-dialect')
    assert.equal(failed.verdict, 'not-applied')
    assert.equal(failed.action, 'fix-script')
    assert.equal(failed.statements[0].effect, 'absent')

    // Unchanged, heal refuses; fixed, it retries (marks the failed row rolled back).
    let h = await doctor.heal({ cwd: ctx.project.dir })
    assert.equal(h.blocked, true)
    assert.equal(h.decisions[0].resolved, false)
    ctx.project.write(M2, SESSION)
    h = await doctor.heal({ cwd: ctx.project.dir })
    assert.equal(h.blocked, false, h.summary)
    assert.equal(h.decisions[0].action, 'retry')

    r = await ctx.prisma('migrate', 'deploy')
    assert.equal(r.code, 0, r.output)
    assert.match(r.output, new RegExp(`${M2.split('_')[0]}_session`))
    assert.match(r.output, /All migrations have been successfully applied/)
    st = await status(ctx)
    assert.equal(st.code, 0, st.output)
    assert.equal(st.upToDate, true)
    const after = await doctor.diagnose({ cwd: ctx.project.dir })
    assert.equal(after.blocked, false)
    assert.deepEqual(after.unappliedMigrationNames, [])
    assert.deepEqual(after.appliedMigrationNames, [M1, M2])
  } finally {
    await ctx.done()
  }
})

test('a table made by hand with the migration\'s shape: the doctor marks it applied and the CLI deploys what follows', async () => {
  const ctx = await scenario({ [M1]: INIT })
  try {
    let r = await ctx.prisma('migrate', 'deploy')
    assert.equal(r.code, 0, r.output)
    await ctx.db.query(SESSION) // made by hand (or `db push`) before the migration shipped
    ctx.project.write(M2, SESSION)
    r = await ctx.prisma('migrate', 'deploy')
    assert.equal(r.code, 1, r.output)
    assert.match(r.output, /relation "Session" already exists/)

    const d = await doctor.diagnose({ cwd: ctx.project.dir })
    assert.equal(d.failed[0].cause.code, 'object-already-exists')
    assert.equal(d.failed[0].verdict, 'fully-applied')
    assert.equal(d.failed[0].action, 'mark-applied')

    // The doctor's resolve writes the rows `prisma migrate resolve --applied` writes.
    const outcome = await doctor.resolve({ cwd: ctx.project.dir, migration: M2, as: 'applied' })
    assert.deepEqual(outcome.changes.map((c) => c.kind), ['mark-rolled-back', 'insert-applied'])
    r = await ctx.prisma('migrate', 'resolve', '--applied', M2)
    assert.equal(r.code, 1, 'the CLI sees it as applied already')
    assert.match(r.output, /P3008/)

    ctx.project.write(M3, POST)
    r = await ctx.prisma('migrate', 'deploy')
    assert.equal(r.code, 0, r.output)
    assert.match(r.output, /_post/)
    assert.doesNotMatch(r.output, /_session/, 'the resolved migration is not applied again')
    const st = await status(ctx)
    assert.equal(st.code, 0, st.output)
    assert.equal(st.upToDate, true)
    assert.deepEqual((await doctor.diagnose({ cwd: ctx.project.dir })).appliedMigrationNames, [M1, M2, M3])
  } finally {
    await ctx.done()
  }
})

/** The app of a user: prisma-migrate-doctor installed (linked) with `prestart: prisma-migrate-doctor deploy`. */
function withPrestartHook(project, command = 'prisma-migrate-doctor deploy') {
  const modules = path.join(project.dir, 'node_modules')
  fs.symlinkSync(REPO, path.join(modules, 'prisma-migrate-doctor'), 'dir')
  fs.symlinkSync(path.join('..', 'prisma-migrate-doctor', 'bin', 'prisma-migrate-doctor.js'), path.join(modules, '.bin', 'prisma-migrate-doctor'))
  const pkg = {
    name: 'app',
    private: true,
    scripts: { prestart: command, start: 'node -e "console.log(\'APP STARTED\')"' },
  }
  fs.writeFileSync(path.join(project.dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`)
}

function npmStart(ctx, env = {}) {
  return run('npm', ['start', '--silent'], { cwd: ctx.project.dir, env: prismaEnv({ DATABASE_URL: ctx.url, ...env }) })
}

function doctorCli(ctx, args, env = { DATABASE_URL: ctx.url }) {
  return run(process.execPath, [path.join(ctx.project.dir, 'node_modules', '.bin', 'prisma-migrate-doctor'), ...args], {
    cwd: ctx.project.dir,
    env: prismaEnv(env),
  })
}

test('prisma-migrate-doctor deploy as a prestart hook: the failure explained at once, then healed and deployed', async () => {
  const ctx = await scenario({ [M1]: INIT, [M2]: SESSION_SQLITE })
  try {
    withPrestartHook(ctx.project)
    // First boot: the migration fails inside `prisma migrate deploy`; the report follows it.
    let r = await npmStart(ctx)
    assert.notEqual(r.code, 0, r.output)
    assert.doesNotMatch(r.output, /APP STARTED/)
    assert.match(r.output, /type "datetime" does not exist/, 'Prisma\'s own output is passed through')
    assert.match(r.output, /`prisma migrate deploy` failed/)
    assert.match(r.stdout, /BLOCKED/)
    assert.match(r.stdout, /foreign-dialect/)
    assert.match(r.stdout, /fix:/)
    assert.ok(r.output.indexOf('datetime" does not exist') < r.output.indexOf('foreign-dialect'), 'the report comes after the failure')

    // Second boot, script unchanged: heal refuses, the deploy is not attempted.
    r = await doctorCli(ctx, ['deploy'])
    assert.equal(r.code, 1, r.output)
    assert.match(r.stdout, /REFUSED/)
    assert.match(r.stderr, /not running `prisma migrate deploy`/)
    assert.doesNotMatch(r.output, /Error: P3009/)

    // The script fixed: heal retries it and the deploy succeeds; the app starts.
    ctx.project.write(M2, SESSION)
    r = await npmStart(ctx)
    assert.equal(r.code, 0, r.output)
    assert.match(r.output, /All migrations have been successfully applied/)
    assert.match(r.output, /`prisma migrate deploy` succeeded/)
    assert.match(r.stdout, /APP STARTED/)

    // --json: one document on stdout, the CLI's output on stderr.
    r = await doctorCli(ctx, ['deploy', '--json'])
    assert.equal(r.code, 0, r.output)
    const doc = JSON.parse(r.stdout)
    assert.equal(doc.deploy.ok, true)
    assert.equal(doc.heal.blocked, false)
    assert.equal(doc.prismaCli.version, '7.10.1')
    assert.match(r.stderr, /No pending migrations to apply/)
    const st = await status(ctx)
    assert.equal(st.upToDate, true, st.output)
  } finally {
    await ctx.done()
  }
})

test('deploy --json: a migration that fails on the data is diagnosed at once; P3005 is refused before the deploy', async () => {
  const DEDUP = 'CREATE UNIQUE INDEX "User_email_key" ON "User"("email");\n'
  const ctx = await scenario({ [M1]: INIT.replace('"id" SERIAL NOT NULL,', '"id" SERIAL NOT NULL, "email" TEXT,') })
  try {
    withPrestartHook(ctx.project)
    assert.equal((await ctx.prisma('migrate', 'deploy')).code, 0)
    await ctx.db.query(`INSERT INTO "User" ("email") VALUES ('a@example.com'), ('a@example.com')`)
    ctx.project.write(M2, DEDUP)
    let r = await doctorCli(ctx, ['deploy', '--json'])
    assert.equal(r.code, 1, r.output)
    let doc = JSON.parse(r.stdout)
    assert.equal(doc.deploy.ran, true)
    assert.equal(doc.deploy.ok, false)
    assert.equal(doc.diagnosis.blocked, true)
    assert.equal(doc.diagnosis.failed[0].name, M2)
    assert.equal(doc.diagnosis.failed[0].cause.code, 'duplicate-rows-block-unique')
    assert.equal(doc.diagnosis.failed[0].action, 'fix-data')
    assert.match(r.stderr, /Unique constraint failed|could not create unique index/, 'Prisma\'s output, on stderr with --json')

    // A schema made without Migrate: heal already knows deploy stops with P3005; no deploy is run.
    await ctx.db.query('DROP TABLE "_prisma_migrations"')
    ctx.project.remove(M2)
    r = await doctorCli(ctx, ['deploy', '--json'])
    assert.equal(r.code, 1, r.output)
    doc = JSON.parse(r.stdout)
    assert.equal(doc.deploy.ran, false)
    assert.equal(doc.heal.diagnosis.needsBaseline, true)
    assert.deepEqual(doc.heal.diagnosis.baselineMigrationNames, [M1])
    assert.match(r.stderr, /not running `prisma migrate deploy`: it would stop with P3005/)
  } finally {
    await ctx.done()
  }
})

test('deploy in hooks: --if-configured without a URL skips, a missing Prisma CLI or a bad flag is an error', async () => {
  const project = makePrismaProject({ migrations: { [M1]: INIT } })
  const ctx = { project, url: undefined }
  try {
    withPrestartHook(project)
    let r = await doctorCli(ctx, ['deploy', '--if-configured'], {})
    assert.equal(r.code, 0, r.output)
    assert.match(r.stderr, /skipped \(E_CONFIG\)/)
    assert.equal(r.stderr.trim().split('\n').length, 1)

    r = await doctorCli(ctx, ['deploy', '--prisma', 'no/such/prisma'], { DATABASE_URL: 'postgresql://u:p@127.0.0.1:1/db' })
    assert.equal(r.code, 2, r.output)
    assert.match(r.stderr, /E_PRISMA_CLI/)

    fs.rmSync(path.join(project.dir, 'node_modules', '.bin', 'prisma'))
    r = await doctorCli(ctx, ['deploy'], { DATABASE_URL: 'postgresql://u:p@127.0.0.1:1/db' })
    assert.equal(r.code, 2, r.output)
    assert.match(r.stderr, /The Prisma CLI is not installed/)

    r = await doctorCli(ctx, ['deploy', '--url', 'postgresql://u:p@127.0.0.1:1/db'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /deploy does not take --url/)
  } finally {
    project.cleanup()
  }
})
