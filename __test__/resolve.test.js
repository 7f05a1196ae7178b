'use strict'
// Resolve parity: twin databases built into the same state by the real engine; the doctor's
// resolve on one, the engine's markMigrationApplied / markMigrationRolledBack on the other. The
// ledgers must be equal (ids and timestamps aside), the errors must carry the same codes, and
// the engine's next deploy must do the same thing on both.

const test = require('node:test')
const assert = require('node:assert/strict')
const doctor = require('prisma-migrate-doctor')
const { setup } = require('./support/scenario')

const INIT = 'CREATE TABLE "User" ("id" SERIAL NOT NULL, CONSTRAINT "User_pkey" PRIMARY KEY ("id"));\n'
const BAD = 'CREATE TABLE "Session" ("id" TEXT NOT NULL PRIMARY KEY, "expires" DATETIME NOT NULL);\n'
const FIXED = 'CREATE TABLE "Session" ("id" TEXT NOT NULL PRIMARY KEY, "expires" TIMESTAMP(3) NOT NULL);\n'
const M1 = '20240101000000_init'
const M2 = '20240102000000_session'

const deployed = async (ctx) => assert.equal((await ctx.deploy()).ok, true)
const failed = async (ctx) => assert.equal((await ctx.deploy()).code, 'P3018')

const CASES = [
  { name: 'failed -> applied', build: failed, migration: M2, as: 'applied' },
  { name: 'failed -> rolled-back', build: failed, migration: M2, as: 'rolled-back' },
  {
    name: 'failed, script fixed -> rolled-back, then deploy re-runs it',
    build: async (ctx) => {
      await failed(ctx)
      ctx.project.write(M2, FIXED)
    },
    migration: M2,
    as: 'rolled-back',
  },
  { name: 'applied -> applied (P3008)', build: deployed, migration: M1, as: 'applied', migrations: { [M1]: INIT } },
  { name: 'applied -> rolled-back (P3012)', build: deployed, migration: M1, as: 'rolled-back', migrations: { [M1]: INIT } },
  { name: 'unknown name -> rolled-back (P3011)', build: failed, migration: '20991231000000_nope', as: 'rolled-back' },
  { name: 'missing folder -> applied (P3017)', build: failed, migration: '20991231000000_nope', as: 'applied' },
  { name: 'no ledger yet -> applied (creates it)', build: async () => {}, migration: M1, as: 'applied' },
  {
    name: 'already rolled back -> rolled-back (no-op)',
    build: async (ctx) => {
      await failed(ctx)
      await ctx.withEngine((e) => e.markMigrationRolledBack(M2))
    },
    migration: M2,
    as: 'rolled-back',
  },
  {
    name: 'resolved as applied, then -> rolled-back (no-op, not P3012)',
    build: async (ctx) => {
      await failed(ctx)
      await ctx.withEngine((e) => e.markMigrationApplied(ctx.project.migrationsDir, M2))
    },
    migration: M2,
    as: 'rolled-back',
  },
  {
    name: 'failed twice -> applied',
    build: async (ctx) => {
      await failed(ctx)
      await ctx.withEngine((e) => e.markMigrationRolledBack(M2))
      await failed(ctx)
    },
    migration: M2,
    as: 'applied',
  },
  { name: 'non-public ?schema= failed -> applied', schema: 'tenant_b', build: failed, migration: M2, as: 'applied' },
  { name: 'non-public ?schema= failed -> rolled-back', schema: 'tenant_b', build: failed, migration: M2, as: 'rolled-back' },
  {
    name: 'migration_lock.toml for sqlite -> applied (P3019)',
    lockProvider: 'sqlite',
    build: async () => {},
    migration: M1,
    as: 'applied',
  },
]

async function engineResolve(ctx, migration, as) {
  return ctx.withEngine(async (engine) => {
    try {
      if (as === 'applied') await engine.markMigrationApplied(ctx.project.migrationsDir, migration)
      else await engine.markMigrationRolledBack(migration)
      return { ok: true }
    } catch (err) {
      return { ok: false, code: err.code, message: err.message }
    }
  })
}

async function doctorResolve(ctx, migration, as) {
  try {
    const outcome = await doctor.resolve(ctx.options({ migration, as }))
    return { ok: true, outcome }
  } catch (err) {
    return { ok: false, code: err.code, message: err.message }
  }
}

for (const c of CASES) {
  test(`resolve parity: ${c.name}`, async () => {
    const migrations = c.migrations || { [M1]: INIT, [M2]: BAD }
    const opts = { migrations, schema: c.schema, lockProvider: c.lockProvider }
    const [ours, theirs] = await Promise.all([setup(opts), setup(opts)])
    try {
      await c.build(ours)
      await c.build(theirs)
      assert.deepEqual(await ours.ledger(), await theirs.ledger(), 'twins start equal')

      const a = await doctorResolve(ours, c.migration, c.as)
      const b = await engineResolve(theirs, c.migration, c.as)
      assert.equal(a.ok, b.ok, `doctor: ${a.message ?? 'ok'} / engine: ${b.message ?? 'ok'}`)
      if (!a.ok) {
        assert.equal(a.code, b.code, `doctor ${a.code}: ${a.message}\nengine ${b.code}: ${b.message}`)
        assert.equal(a.message.split('\n')[0], b.message.split('\n')[0])
      }
      assert.deepEqual(await ours.ledger(), await theirs.ledger(), 'ledgers after resolve')

      const nextOurs = await ours.deploy()
      const nextTheirs = await theirs.deploy()
      assert.deepEqual(
        { ok: nextOurs.ok, code: nextOurs.code, applied: nextOurs.applied },
        { ok: nextTheirs.ok, code: nextTheirs.code, applied: nextTheirs.applied },
        'the next deploy does the same',
      )
      assert.deepEqual(await ours.ledger(), await theirs.ledger(), 'ledgers after the next deploy')
    } finally {
      await Promise.all([ours.done(), theirs.done()])
    }
  })
}

test('resolve dryRun plans the same changes and writes nothing', async () => {
  const ctx = await setup({ migrations: { [M1]: INIT, [M2]: BAD } })
  try {
    await failed(ctx)
    const before = await ctx.rawLedger()
    const plan = await doctor.resolve(ctx.options({ migration: M2, as: 'applied', dryRun: true }))
    assert.equal(plan.dryRun, true)
    assert.equal(plan.locked, false)
    assert.deepEqual(plan.changes.map((c) => c.kind), ['mark-rolled-back', 'insert-applied'])
    assert.equal(plan.changes[0].rowId, before.find((r) => r.migration_name === M2).id)
    assert.match(plan.summary, /Dry run: nothing was written/)
    assert.deepEqual(await ctx.rawLedger(), before)
  } finally {
    await ctx.done()
  }
})

test('resolve waits for a held advisory lock, then fails with P1002 and writes nothing', async () => {
  const ctx = await setup({ migrations: { [M1]: INIT, [M2]: BAD } })
  const holder = await ctx.db.connect()
  try {
    await failed(ctx)
    const before = await ctx.rawLedger()
    await holder.query('SELECT pg_advisory_lock(72707369)')
    const started = Date.now()
    await assert.rejects(
      doctor.resolve(ctx.options({ migration: M2, as: 'rolled-back', lockTimeoutMs: 700 })),
      (err) => {
        assert.equal(err.code, 'P1002')
        assert.match(err.message, /pg_advisory_lock\(72707369\)/)
        return true
      },
    )
    const waited = Date.now() - started
    assert.ok(waited >= 650, `gave up after ${waited} ms, before the timeout`)
    assert.ok(waited < 5000, `waited ${waited} ms`)
    assert.deepEqual(await ctx.rawLedger(), before)

    // Once the holder lets go, the same call goes through.
    await holder.query('SELECT pg_advisory_unlock(72707369)')
    const outcome = await doctor.resolve(ctx.options({ migration: M2, as: 'rolled-back', lockTimeoutMs: 700 }))
    assert.equal(outcome.locked, true)
    assert.equal(outcome.changes.length, 1)
  } finally {
    await holder.end()
    await ctx.done()
  }
})

test('PRISMA_SCHEMA_DISABLE_ADVISORY_LOCK skips the lock, as Prisma does', async () => {
  const ctx = await setup({ migrations: { [M1]: INIT, [M2]: BAD } })
  const holder = await ctx.db.connect()
  try {
    await failed(ctx)
    await holder.query('SELECT pg_advisory_lock(72707369)')
    process.env.PRISMA_SCHEMA_DISABLE_ADVISORY_LOCK = '1'
    const outcome = await doctor.resolve(ctx.options({ migration: M2, as: 'rolled-back', lockTimeoutMs: 300 }))
    assert.equal(outcome.locked, false)
    assert.equal(outcome.changes.length, 1)
    process.env.PRISMA_SCHEMA_DISABLE_ADVISORY_LOCK = '0'
    await assert.rejects(doctor.resolve(ctx.options({ migration: M2, as: 'rolled-back', lockTimeoutMs: 300 })), {
      code: 'P1002',
    })
  } finally {
    delete process.env.PRISMA_SCHEMA_DISABLE_ADVISORY_LOCK
    await holder.end()
    await ctx.done()
  }
})

test('bad input gets a stable code and leaves the database alone', async () => {
  const ctx = await setup({ migrations: { [M1]: INIT, [M2]: BAD } })
  try {
    await failed(ctx)
    const before = await ctx.rawLedger()
    await assert.rejects(doctor.resolve(ctx.options({ migration: '', as: 'applied' })), { code: 'E_INVALID_ARG' })
    await assert.rejects(doctor.resolve(ctx.options({ migration: '../x', as: 'applied' })), { code: 'E_INVALID_ARG' })
    await assert.rejects(doctor.resolve(ctx.options({ migration: M2, as: 'sideways' })), { code: 'E_INVALID_ARG' })
    await assert.rejects(doctor.resolve({ ...ctx.options({ migration: M2, as: 'applied' }), url: 'mysql://u:p@h/d' }), {
      code: 'E_UNSUPPORTED_PROVIDER',
    })
    await assert.rejects(doctor.diagnose({ cwd: ctx.project.dir, url: 'postgresql://u:p@127.0.0.1:1/d', connectTimeoutMs: 500 }), {
      code: 'P1001',
    })
    await assert.rejects(doctor.diagnose({ cwd: '/nonexistent-dir-pmd', url: ctx.url }), { code: 'E_CONFIG' })
    assert.deepEqual(await ctx.rawLedger(), before)
  } finally {
    await ctx.done()
  }
})
