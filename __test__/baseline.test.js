'use strict'
// P3005: a schema made without Migrate (db push, a restored dump) has no ledger, so deploy
// refuses. The doctor finds how many leading migrations the schema already holds exactly (facts
// carried forward through later migrations), which is what to mark applied to baseline.

const test = require('node:test')
const assert = require('node:assert/strict')
const doctor = require('prisma-migrate-doctor')
const { setup } = require('./support/scenario')

const M1 = '20240101000000_init'
const M2 = '20240102000000_posts'
const M3 = '20240103000000_drop_email'
const M4 = '20240104000000_tags'
const MIGRATIONS = {
  [M1]: 'CREATE TABLE "User" (\n    "id" SERIAL NOT NULL,\n    "email" TEXT NOT NULL,\n\n    CONSTRAINT "User_pkey" PRIMARY KEY ("id")\n);\n\nCREATE UNIQUE INDEX "User_email_key" ON "User"("email");\n',
  [M2]: 'CREATE TABLE "Post" (\n    "id" SERIAL NOT NULL,\n    "authorId" INTEGER NOT NULL,\n\n    CONSTRAINT "Post_pkey" PRIMARY KEY ("id")\n);\n\nALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;\n',
  // Undoes part of M1: M1's facts only hold carried forward through M3.
  [M3]: 'DROP INDEX "User_email_key";\n\nALTER TABLE "User" DROP COLUMN "email";\n',
  [M4]: 'CREATE TABLE "Tag" ("id" SERIAL NOT NULL, CONSTRAINT "Tag_pkey" PRIMARY KEY ("id"));\n',
}

test('a schema made without Migrate: P3005, and the migrations it already holds', async () => {
  const ctx = await setup({ migrations: MIGRATIONS })
  try {
    for (const name of [M1, M2, M3]) await ctx.db.query(MIGRATIONS[name])
    const refused = await ctx.deploy()
    assert.equal(refused.code, 'P3005', 'the premise: the real engine refuses a non-empty schema without a ledger')

    const d = await doctor.diagnose(ctx.options())
    assert.equal(d.hasMigrationsTable, false)
    assert.equal(d.blocked, false, 'not P3009')
    assert.equal(d.needsBaseline, true)
    assert.deepEqual(d.baselineMigrationNames, [M1, M2, M3])
    assert.ok(d.findings.some((f) => f.code === 'baseline-needed'))
    assert.match(d.summary, /P3005/)
    assert.match(d.summary, new RegExp(`resolve --applied ${M3}`))

    const healed = await doctor.heal(ctx.options())
    assert.equal(healed.blocked, true, 'heal leaves baselining to a person')
    assert.match(healed.summary, /does not baseline/)

    for (const name of d.baselineMigrationNames) await doctor.resolve(ctx.options({ migration: name, as: 'applied' }))
    const deploy = await ctx.deploy()
    assert.deepEqual(deploy, { ok: true, applied: [M4] })
    const after = await doctor.diagnose(ctx.options())
    assert.equal(after.needsBaseline, false)
    assert.deepEqual(after.unappliedMigrationNames, [])
  } finally {
    await ctx.done()
  }
})

test('a schema that matches no migration prefix gets no baseline list; an empty one needs none', async () => {
  const ctx = await setup({ migrations: MIGRATIONS })
  try {
    let d = await doctor.diagnose(ctx.options())
    assert.equal(d.needsBaseline, false, 'an empty schema: deploy creates the ledger')
    await ctx.db.query('CREATE TABLE "Legacy" ("id" INTEGER)')
    await ctx.db.query('CREATE TABLE "User" ("id" BIGINT)')
    d = await doctor.diagnose(ctx.options())
    assert.equal(d.needsBaseline, true)
    assert.deepEqual(d.baselineMigrationNames, [])
    assert.equal((await ctx.deploy()).code, 'P3005')
  } finally {
    await ctx.done()
  }
})
