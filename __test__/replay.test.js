'use strict';
// The replay (replay/, `npm run replay`) on a bounded sample, in npm test:
//   - a real history published on npm: @danielcok17/prisma-db (MIT), 51 PostgreSQL migrations
//     of a production app, hand-written ones among them (DO blocks, IF NOT EXISTS, BEGIN/COMMIT,
//     enum changes); brought with `npm pack` at test time (never committed);
//   - __test__/fixtures/replay/patterns: migrations written for this repository in the patterns
//     real histories use (drop and re-create a foreign key, index, view, function; add a column,
//     backfill, SET NOT NULL; Prisma's enum swap; a table swap by rename; IF [NOT] EXISTS;
//     SET lock_timeout / LOCK TABLE inside BEGIN ... COMMIT; CONCURRENTLY; data-only scripts).
// Each migration is left failed (nothing ran / everything ran / stopped part-way), the doctor is
// asked under Prisma 6's and Prisma 7's execution models, and the promise is checked: no wrong
// verdict, no unsafe heal plan. The instrument itself is checked too (its statement-by-statement
// walk ends where the engine's deploy ends, so its truths are the engine's).

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { replay } = require('../replay/runner');
const { score, groupMisses } = require('../replay/score');
const { formatReport } = require('../replay/report');
const { loadSplitter, splitScript, possiblePrefixes } = require('../replay/split');
const { readFingerprint, diffFingerprints } = require('./support/fingerprint');
const { createDatabase } = require('./support/postgres');
const { npmPackage } = require('./support/npm-fixture');

const PUBLISHED_HISTORY = {
  spec: '@danielcok17/prisma-db@1.20.36',
  integrity: 'sha512-BxGjG71pOTbKsNWsdn9etxAfDDMjA3OyJIkN6T+DmWGaK/YtS+F0LqD932kCN4Sc663kx9wBUyu+t5a6hRv3nw==',
  migrations: 'prisma/migrations',
};
const PATTERNS = path.join(__dirname, 'fixtures', 'replay', 'patterns', 'migrations');

function assertInstrument(result) {
  const evaluated = result.migrations.filter((m) => m.tests);
  assert.ok(evaluated.length > 0, 'the replay evaluated no migration');
  for (const m of evaluated) {
    assert.equal(m.walkMatchesClean, true, `${m.name}: the statement-by-statement walk does not end where the engine's deploy ends (${m.walkVsClean || ''})`);
    assert.ok(m.tests.length >= 2, `${m.name}: not every state was tested`);
  }
}

function assertPromise(result, scored) {
  const report = formatReport(result, scored, { maxPerGroup: 2 });
  const bad = Object.entries(scored.byModel).filter(([, b]) => b.wrong > 0 || b.unsafe > 0 || b.error > 0);
  const patterns = groupMisses(scored.misses.filter((m) => m.category !== 'miss'))
    .map((g) => `${g.key}: ${g.count}`)
    .join('; ');
  assert.deepEqual(
    bad.map(([model]) => model),
    [],
    `wrong verdicts or unsafe heal plans (${patterns})\n${report}`,
  );
}

test('the replay splitter: prefixes each execution model can leave', async () => {
  await loadSplitter();
  const { statements } = splitScript(`SET lock_timeout = '1s';\nBEGIN;\nALTER TABLE a ADD COLUMN b INT;\nUPDATE a SET b = 1;\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON a(b);\nDO $$ BEGIN PERFORM 1; END $$;`);
  assert.deepEqual(statements.map((s) => s.tag), ['Set:lock_timeout', 'Transaction:BEGIN', 'AlterTable:AddColumn', 'Update', 'Transaction:COMMIT', 'CreateIndex:CONCURRENTLY', 'Do']);
  assert.deepEqual(statements.map((s) => s.data), [false, false, false, true, false, false, true]);
  // statement by statement: inside BEGIN ... COMMIT a failure leaves the prefix before BEGIN
  assert.deepEqual(possiblePrefixes(statements, 'statements'), [0, 1, 5, 6, 7]);
  // one transaction: only nothing, everything, or what a COMMIT of the script committed
  assert.deepEqual(possiblePrefixes(statements, 'transaction'), [0, 5, 7]);
  // a DO block that only runs DDL (PostgreSQL's PL/pgSQL parser says so) changes no data: the
  // catalog shows what it did; anything else in one is taken as a data change
  const dos = splitScript(
    [
      `DO $$ BEGIN CREATE TYPE "A" AS ENUM ('x'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;`,
      `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'b') THEN CREATE TYPE b AS ENUM ('y'); END IF; END $$;`,
      `DO $$ BEGIN UPDATE t SET a = 1; END $$;`,
      `DO $$ BEGIN EXECUTE 'DROP TABLE x'; END $$;`,
      `DO $$ DECLARE r record; BEGIN FOR r IN SELECT 1 LOOP NULL; END LOOP; END $$;`,
    ].join('\n'),
  ).statements;
  assert.deepEqual(dos.map((s) => s.data), [false, false, true, true, true]);
});

test('the replay fingerprint tells apart what a migration changes, and nothing else', async () => {
  const db = await createDatabase('fp');
  const c = await db.connect();
  try {
    await c.query(`CREATE TABLE "T" ("id" INT PRIMARY KEY, "x" TEXT); CREATE TABLE "U" ("id" INT PRIMARY KEY, "t" INT)`);
    const before = await readFingerprint(c);
    await c.query(`INSERT INTO "T" VALUES (1, 'a'); SET lock_timeout = '1s'`);
    assert.equal((await readFingerprint(c)).hash, before.hash, 'data and session settings are not schema');
    const changes = [
      [`ALTER TABLE "T" ADD CONSTRAINT "T_x_check" CHECK ("x" <> '') NOT VALID`, 'constraint public."T"."T_x_check"'],
      [`ALTER TABLE "T" VALIDATE CONSTRAINT "T_x_check"`, 'constraint public."T"."T_x_check"'],
      [`ALTER TABLE "U" ADD CONSTRAINT "U_t_fkey" FOREIGN KEY ("t") REFERENCES "T"("id")`, 'constraint public."U"."U_t_fkey"'],
      [`ALTER TABLE "U" DROP CONSTRAINT "U_t_fkey", ADD CONSTRAINT "U_t_fkey" FOREIGN KEY ("t") REFERENCES "T"("id") ON DELETE CASCADE`, 'constraint public."U"."U_t_fkey"'],
      [`ALTER TABLE "T" ALTER COLUMN "x" SET DEFAULT 'd'`, 'column public."T".x'],
      [`CREATE VIEW v AS SELECT id FROM "T"`, 'relation public.v'],
      [`CREATE OR REPLACE VIEW v AS SELECT id, x FROM "T"`, 'relation public.v'],
      [`COMMENT ON COLUMN "T"."x" IS 'x'`, 'comment table column public."T".x'],
      [`CREATE TYPE "E" AS ENUM ('a')`, 'type public."E"'],
      [`ALTER TYPE "E" ADD VALUE 'b'`, 'type public."E"'],
    ];
    let prior = await readFingerprint(c);
    for (const [sql, key] of changes) {
      await c.query(sql);
      const next = await readFingerprint(c);
      const d = diffFingerprints(prior, next);
      const keys = [...d.onlyA, ...d.onlyB, ...d.changed.map((x) => x.key)];
      assert.ok(keys.includes(key), `${sql}: expected ${key} to differ, got ${keys.join(', ')}`);
      prior = next;
    }
  } finally {
    await c.end();
    await db.drop();
  }
});

test('replay of a published real history: no wrong verdict, no unsafe heal plan', { timeout: 600000 }, async () => {
  const pkg = await npmPackage(PUBLISHED_HISTORY.spec, PUBLISHED_HISTORY.integrity);
  // every migration deployed by the real engine; every third one left failed and diagnosed
  const result = await replay({ migrationsDir: path.join(pkg, PUBLISHED_HISTORY.migrations), models: ['6', '7'], shapes: ['p3018'], ks: 'mid', every: 3 });
  result.project = PUBLISHED_HISTORY.spec;
  assertInstrument(result);
  assertPromise(result, score(result));
});

// The patterns (table swaps with RENAME CONSTRAINT / ALTER SEQUENCE, guarded IF [NOT] EXISTS
// statements, a SERIAL column made TEXT with its sequence dropped, a model renamed with its
// names, ...) hold no wrong verdict at any k since the replay follows renames and owned
// sequences, and decides only what every matching prefix agrees on. What this asserts is the
// promise: no wrong verdict, no unsafe heal plan, and heal never acts on a wrong verdict.
test('replay of the sequence patterns: no wrong verdict, no unsafe heal plan', { timeout: 600000 }, async () => {
  const result = await replay({ migrationsDir: PATTERNS, models: ['6', '7'], shapes: ['p3018', 'adapter'], ks: 'mid' });
  result.project = 'patterns';
  assertInstrument(result);
  const scored = score(result)
  const report = formatReport(result, scored, { maxPerGroup: 2 });
  for (const [model, b] of Object.entries(scored.byModel)) {
    assert.equal(b.wrong, 0, `${model}: wrong verdicts\n${report}`)
    assert.equal(b.unsafe, 0, `${model}: unsafe heal plans\n${report}`)
    assert.equal(b.error, 0, `${model}: errors\n${report}`)
  }
  const acting = ['retry', 'mark-applied', 'complete']
  const acted = scored.misses.filter((m) => m.category === 'wrong' && !m.idempotentOnly && acting.includes(m.action))
  assert.deepEqual(acted.map((m) => `${m.migration} (${m.state}, ${m.model}): ${m.got} -> ${m.action}`), [], report)
});
