'use strict'
// Parity: ledger states produced by the real Prisma engine; the doctor's classification must
// equal the engine's diagnoseMigrationHistory, and `blocked` must equal whether the engine's
// applyMigrations stops with P3009.

const test = require('node:test')
const assert = require('node:assert/strict')
const doctor = require('prisma-migrate-doctor')
const { setup, historyNames } = require('./support/scenario')

const INIT = '-- CreateTable\nCREATE TABLE "User" (\n    "id" SERIAL NOT NULL,\n    "email" TEXT NOT NULL,\n\n    CONSTRAINT "User_pkey" PRIMARY KEY ("id")\n);\n'
const POSTS = '-- CreateTable\nCREATE TABLE "Post" (\n    "id" SERIAL NOT NULL,\n    "title" TEXT NOT NULL,\n\n    CONSTRAINT "Post_pkey" PRIMARY KEY ("id")\n);\n'
// SQLite dialect: DATETIME does not exist on PostgreSQL.
const SQLITE_SESSION = 'CREATE TABLE "Session" (\n    "id" TEXT NOT NULL PRIMARY KEY,\n    "expires" DATETIME NOT NULL\n);\n'
const FIXED_SESSION = 'CREATE TABLE "Session" (\n    "id" TEXT NOT NULL PRIMARY KEY,\n    "expires" TIMESTAMP(3) NOT NULL\n);\n'
const TAIL = 'CREATE TABLE "Tag" ("id" SERIAL PRIMARY KEY);\n'

const M1 = '20240101000000_init'
const M2 = '20240102000000_session'
const M3 = '20240103000000_posts'
const M4 = '20240104000000_tags'

// Each state: how the real engine (and, where Prisma offers no way, plain SQL) builds it.
const STATES = [
  { name: 'fresh database, nothing deployed', migrations: { [M1]: INIT }, build: async () => {} },
  {
    name: 'healthy: everything applied',
    migrations: { [M1]: INIT, [M3]: POSTS },
    build: async (ctx) => assert.equal((await ctx.deploy()).ok, true),
  },
  {
    name: 'one failed migration (SQLite DATETIME)',
    migrations: { [M1]: INIT, [M2]: SQLITE_SESSION, [M3]: POSTS },
    build: async (ctx) => assert.equal((await ctx.deploy()).code, 'P3018'),
  },
  {
    name: 'failed migration in split mode (adapter-pg)',
    mode: 'split',
    migrations: { [M1]: INIT, [M2]: 'CREATE TABLE "A" (id int);\n' + SQLITE_SESSION },
    build: async (ctx) => assert.equal((await ctx.deploy()).code, 'P3018'),
  },
  {
    name: 'failed, then rolled back by Prisma',
    migrations: { [M1]: INIT, [M2]: SQLITE_SESSION },
    build: async (ctx) => {
      await ctx.deploy()
      await ctx.withEngine((e) => e.markMigrationRolledBack(M2))
    },
  },
  {
    name: 'failed, rolled back, fixed and deployed',
    migrations: { [M1]: INIT, [M2]: SQLITE_SESSION },
    build: async (ctx) => {
      await ctx.deploy()
      await ctx.withEngine((e) => e.markMigrationRolledBack(M2))
      ctx.project.write(M2, FIXED_SESSION)
      assert.equal((await ctx.deploy()).ok, true)
    },
  },
  {
    name: 'failed, then marked applied by Prisma',
    migrations: { [M1]: INIT, [M2]: SQLITE_SESSION },
    build: async (ctx) => {
      await ctx.deploy()
      await ctx.withEngine((e) => e.markMigrationApplied(ctx.project.migrationsDir, M2))
    },
  },
  {
    name: 'applied script edited afterwards',
    migrations: { [M1]: INIT, [M3]: POSTS },
    build: async (ctx) => {
      await ctx.deploy()
      ctx.project.write(M3, POSTS + '-- edited\n')
    },
  },
  {
    name: 'applied script with only CRLF line endings changed',
    migrations: { [M1]: INIT, [M3]: POSTS },
    build: async (ctx) => {
      await ctx.deploy()
      ctx.project.write(M3, POSTS.replace(/\n/g, '\r\n'))
    },
  },
  {
    name: 'applied migration missing locally',
    migrations: { [M1]: INIT, [M3]: POSTS },
    build: async (ctx) => {
      await ctx.deploy()
      ctx.project.remove(M3)
    },
  },
  {
    name: 'failed migration missing locally',
    migrations: { [M1]: INIT, [M2]: SQLITE_SESSION },
    build: async (ctx) => {
      await ctx.deploy()
      ctx.project.remove(M2)
    },
  },
  {
    name: 'failed, rolled back, then its folder deleted',
    migrations: { [M1]: INIT, [M2]: SQLITE_SESSION },
    build: async (ctx) => {
      await ctx.deploy()
      await ctx.withEngine((e) => e.markMigrationRolledBack(M2))
      ctx.project.remove(M2)
    },
  },
  {
    name: 'applied, rolled back by hand-run resolve, script edited',
    migrations: { [M1]: INIT, [M3]: POSTS },
    build: async (ctx) => {
      await ctx.deploy()
      await ctx.db.query(`UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = $1`, [M3])
      ctx.project.write(M3, POSTS + '-- edited\n')
    },
  },
  {
    name: 'unapplied tail',
    migrations: { [M1]: INIT, [M3]: POSTS },
    build: async (ctx) => {
      await ctx.deploy()
      ctx.project.write(M4, TAIL)
    },
  },
  {
    name: 'two failed rows of one migration (the race the advisory lock prevents)',
    migrations: { [M1]: INIT, [M2]: SQLITE_SESSION },
    build: async (ctx) => {
      await ctx.deploy()
      // Prisma offers no way to fail twice; copy the failed row as a second unlocked deploy would.
      await ctx.db.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs, started_at)
         SELECT gen_random_uuid()::text, checksum, migration_name, logs, started_at + interval '1 second'
           FROM "_prisma_migrations" WHERE migration_name = $1`,
        [M2],
      )
    },
  },
  {
    name: 'failed, rolled back, failed again',
    migrations: { [M1]: INIT, [M2]: SQLITE_SESSION },
    build: async (ctx) => {
      await ctx.deploy()
      await ctx.withEngine((e) => e.markMigrationRolledBack(M2))
      assert.equal((await ctx.deploy()).code, 'P3018')
    },
  },
  {
    name: 'legacy unpadded checksum',
    migrations: { [M1]: INIT, [M3]: POSTS },
    build: async (ctx) => {
      await ctx.deploy()
      // Old engines wrote hex without zero padding (prisma-engines#1887).
      const crypto = require('node:crypto')
      for (const [name, sql] of [[M1, INIT], [M3, POSTS]]) {
        const legacy = [...crypto.createHash('sha256').update(sql).digest()].map((b) => b.toString(16)).join('')
        await ctx.db.query(`UPDATE "_prisma_migrations" SET checksum = $1 WHERE migration_name = $2`, [legacy, name])
      }
    },
  },
  {
    name: 'non-public ?schema= with a failed migration',
    schema: 'tenant_a',
    migrations: { [M1]: INIT, [M2]: SQLITE_SESSION },
    build: async (ctx) => assert.equal((await ctx.deploy()).code, 'P3018'),
  },
]

for (const state of STATES) {
  test(`parity: ${state.name}`, async () => {
    const ctx = await setup({ migrations: state.migrations, schema: state.schema, mode: state.mode })
    try {
      await state.build(ctx)
      const ours = await doctor.diagnose(ctx.options())
      const theirs = await ctx.status()
      const { unapplied, missingLocally } = historyNames(theirs)

      assert.deepEqual(ours.failedMigrationNames, theirs.failedMigrationNames, 'failed')
      assert.deepEqual(ours.editedMigrationNames, theirs.editedMigrationNames, 'edited')
      assert.deepEqual(ours.unappliedMigrationNames, unapplied, 'unapplied')
      assert.deepEqual(ours.missingLocallyNames, missingLocally, 'missing locally')
      assert.equal(ours.hasMigrationsTable, theirs.hasMigrationsTable, 'hasMigrationsTable')
      assert.equal(ours.database.schema, ctx.schema)
      assert.equal(ours.failed.length, ours.failedMigrationNames.length)

      // blocked <=> the engine's deploy stops with P3009 (deploy runs last: it may apply things).
      const deploy = await ctx.deploy()
      assert.equal(ours.blocked, deploy.code === 'P3009', `blocked=${ours.blocked} deploy=${JSON.stringify(deploy)}`)
      if (ours.blocked) {
        for (const name of ours.failedMigrationNames) assert.match(deploy.message, new RegExp(`\`${name}\``))
      }
    } finally {
      await ctx.done()
    }
  })
}

test('diagnose reports the failed row: logs, SQLSTATE-or-message, scriptChanged, commands', async () => {
  const ctx = await setup({ migrations: { [M1]: INIT, [M2]: SQLITE_SESSION } })
  try {
    await ctx.deploy()
    let d = await doctor.diagnose(ctx.options())
    assert.equal(d.failed.length, 1)
    const f = d.failed[0]
    assert.equal(f.name, M2)
    assert.equal(f.scriptChanged, false)
    assert.equal(f.existsLocally, true)
    assert.match(f.logs, /type "datetime" does not exist/)
    assert.match(f.databaseError, /type "datetime" does not exist/)
    assert.ok(!Number.isNaN(Date.parse(f.startedAt)))
    assert.ok(f.commands.some((c) => c.includes(`--rolled-back ${M2}`)))
    assert.match(d.summary, new RegExp(M2))
    assert.match(d.summary, /BLOCKED/)

    ctx.project.write(M2, FIXED_SESSION)
    d = await doctor.diagnose(ctx.options())
    assert.equal(d.failed[0].scriptChanged, true)

    ctx.project.remove(M2)
    d = await doctor.diagnose(ctx.options())
    assert.equal(d.failed[0].scriptChanged, null)
    assert.equal(d.failed[0].existsLocally, false)
  } finally {
    await ctx.done()
  }
})

test('diagnose never writes', async () => {
  const ctx = await setup({ migrations: { [M1]: INIT, [M2]: SQLITE_SESSION } })
  try {
    await ctx.deploy()
    const before = await ctx.rawLedger()
    await doctor.diagnose(ctx.options())
    assert.deepEqual(await ctx.rawLedger(), before)
  } finally {
    await ctx.done()
  }
})

test('a forgotten ?schema=: the ledger in another schema is pointed out', async () => {
  const ctx = await setup({ schema: 'tenant_z', migrations: { [M1]: INIT } })
  try {
    assert.equal((await ctx.deploy()).ok, true)
    const d = await doctor.diagnose({ url: ctx.db.url(), cwd: ctx.project.dir })
    assert.equal(d.hasMigrationsTable, false)
    const f = d.findings.find((x) => x.code === 'ledger-in-other-schema')
    assert.ok(f, JSON.stringify(d.findings))
    assert.match(f.message, /\?schema=tenant_z/)
    const right = await doctor.diagnose(ctx.options())
    assert.ok(!right.findings.some((x) => x.code === 'ledger-in-other-schema'))
  } finally {
    await ctx.done()
  }
})
