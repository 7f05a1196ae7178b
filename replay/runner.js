'use strict';
// Replays a real migrations folder, migration by migration, and at each one asks the doctor about
// failed states whose truth is known because the replay made them.
//
// Two databases follow the history: `base`, deployed by the real engine only, and `walk`, where
// the replay makes the failed states. For migration N (both at state N-1):
//   1. on walk, run N's statements one at a time (cut by PostgreSQL's own parser), reading the
//      catalog fingerprint before the first and after each: F[0..n];
//   2. at the prefixes under test (nothing ran, everything ran, stopped after k), write the
//      failed ledger row as the engine would, and run diagnose and heal dry-run under each
//      execution model (the Prisma version given); a `complete` or `retry` plan is carried
//      out for real in a clone of that state, and its catalog compared with the clean one;
//   3. deploy N on base with the real engine (one query like Prisma 6's native engine; when that
//      cannot run it, statement by statement like Prisma 7's), check base's fingerprint is F[n],
//      and let the real engine record N applied on walk (or clone walk again from base).
// The raw observations go to the result; replay/score.js judges them.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const pg = require('pg');
const { getServer, buildUrl, quoteIdent } = require('../__test__/support/postgres');
const { PrismaEngine } = require('../__test__/support/engine');
const { readFingerprint, diffFingerprints, describeDiff } = require('../__test__/support/fingerprint');
const { loadSplitter, splitScript, splitTexts, countStatements, possiblePrefixes, openBlocks } = require('./split');
const { readHistory, makeWorkProject } = require('./history');
const { insertFailedRow, deleteRows } = require('./failed-row');

/** The execution models: the Prisma version the doctor is told, and which prefixes a failure can leave. */
const MODELS = {
  6: { prismaVersion: '6.19.3', prefixes: 'transaction' },
  7: { prismaVersion: '7.10.1', prefixes: 'statements' },
  // no version given: the doctor must not assume an atomicity it cannot show, so every prefix
  // statement-by-statement execution allows is possible
  auto: { prismaVersion: undefined, prefixes: 'statements' },
};

const HEAL_ALLOW = ['retry', 'mark-applied', 'complete'];

function short(sql, max = 240) {
  const s = sql.replace(/\s+/g, ' ').trim();
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/** The database server and the databases the replay makes on it. */
class Cluster {
  static async open(prefix) {
    const server = await getServer();
    const admin = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: server.database || 'postgres' });
    await admin.connect();
    return new Cluster(server, admin, prefix);
  }

  constructor(server, admin, prefix) {
    this.server = server;
    this.admin = admin;
    this.prefix = prefix;
    this.counter = 0;
    this.made = new Set();
  }

  name(role) {
    this.counter += 1;
    return `${this.prefix}_${role}_${this.counter}`;
  }

  url(database) {
    return buildUrl({ host: this.server.host, port: this.server.port, user: this.server.user, password: this.server.password, database, params: { schema: 'public' } });
  }

  async connect(database) {
    const c = new pg.Client({ host: this.server.host, port: this.server.port, user: this.server.user, password: this.server.password, database });
    c.on('error', () => {});
    await c.connect();
    return c;
  }

  async create(database, template) {
    // a template must have no other session: the doctor's and the engine's pools close
    // asynchronously, so end what is left of them (they are ours) and try again
    for (let attempt = 0; ; attempt++) {
      try {
        await this.admin.query(`CREATE DATABASE ${quoteIdent(database)}${template ? ` TEMPLATE ${quoteIdent(template)}` : ''}`);
        this.made.add(database);
        return;
      } catch (e) {
        if (e.code !== '55006' || attempt >= 20) throw e;
        await this.admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [template]);
        await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
      }
    }
  }

  async drop(database) {
    await this.admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`);
    this.made.delete(database);
  }

  async close() {
    for (const d of [...this.made]) await this.drop(d).catch(() => {});
    await this.admin.end().catch(() => {});
  }
}

/** The prefixes to test at: nothing ran, everything ran, and interior ones (`ks`). */
function prefixesUnderTest(statements, ks) {
  const n = statements.length;
  const interior = possiblePrefixes(statements, 'statements').filter((k) => k > 0 && k < n);
  let chosen = [];
  if (ks === 'all') chosen = interior;
  else if (interior.length) {
    const count = ks === 'mid' ? 1 : Math.max(1, Number(ks) || 1);
    if (count >= interior.length) chosen = interior;
    else {
      // evenly spread, the middle one first
      const picks = new Set();
      for (let i = 0; i < count; i++) picks.add(interior[Math.min(interior.length - 1, Math.floor(((i + 0.5) * interior.length) / count))]);
      chosen = [...picks];
    }
  }
  return [...new Set([0, n, ...chosen])].sort((a, b) => a - b);
}

/** How a dry-run heal decision would change the ledger: retry, mark-applied, complete or none. */
function planKind(decision) {
  if (!decision) return 'none';
  const kinds = new Set((decision.changes || []).map((c) => c.kind));
  if (kinds.has('run-statement')) return 'complete';
  if (kinds.has('insert-applied')) return 'mark-applied';
  if (kinds.has('mark-rolled-back')) return 'retry';
  return 'none';
}

function pickFailed(diagnosis, name) {
  return diagnosis && Array.isArray(diagnosis.failed) ? diagnosis.failed.find((f) => f.name === name) : undefined;
}

function verdictOf(f) {
  if (!f) return null;
  return {
    verdict: f.verdict,
    appliedStatements: f.appliedStatements === undefined ? undefined : f.appliedStatements,
    matchingPrefixes: f.matchingPrefixes === undefined ? undefined : f.matchingPrefixes,
    failingStatement: f.failingStatement === undefined ? undefined : f.failingStatement,
    execution: f.execution,
    executionSource: f.executionSource,
    action: f.action,
    verdictReason: f.verdictReason ? short(f.verdictReason, 400) : '',
    effects: (f.statements || []).map((s) => s.effect),
  };
}

class Replay {
  constructor(opts) {
    this.opts = opts;
    this.timings = { clone: 0, fingerprint: 0, statements: 0, doctor: 0, verify: 0, deploy: 0 };
    this.doctor = require('prisma-migrate-doctor');
    this.log = opts.log || (() => {});
  }

  async timed(phase, fn) {
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      this.timings[phase] += Date.now() - t0;
    }
  }

  async run() {
    const { migrationsDir, limit, from = 0 } = this.opts;
    await loadSplitter();
    const history = readHistory(migrationsDir);
    const cluster = await Cluster.open(`replay_${process.pid}`);
    const workRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'pmd-replay-'));
    const project = makeWorkProject(workRoot, history.lockfile);
    const result = {
      migrationsDir: history.dir,
      startedAt: new Date().toISOString(),
      serverVersion: (await cluster.admin.query('SHOW server_version')).rows[0].server_version,
      options: { limit: limit ?? null, from, every: this.opts.every || 1, models: this.opts.models, shapes: this.opts.shapes, ks: this.opts.ks, healOnly: !!this.opts.healOnly },
      total: history.migrations.length,
      skippedFolders: history.skippedFolders,
      migrations: [],
    };
    this.cluster = cluster;
    this.project = project;
    const base = cluster.name('base');
    await cluster.create(base);
    try {
      // the ledger, as the engine creates it on a first deploy (a failure of migration 0 leaves it)
      const engine = await PrismaEngine.open({ url: cluster.url(base), mode: 'native' });
      try {
        await engine.applyMigrations(project.migrationsDir);
      } finally {
        await engine.close();
      }
      const end = limit ? Math.min(history.migrations.length, from + limit) : history.migrations.length;
      // the walk database follows base: at each migration it is at the same state as base
      this.walk = null;
      for (let i = 0; i < end; i++) {
        const m = history.migrations[i];
        project.add(m);
        const evaluate = i >= from && (i - from) % (this.opts.every || 1) === 0;
        const t0 = Date.now();
        let record;
        if (evaluate) {
          await this.syncWalk(base);
          record = await this.evaluate(m, i);
        } else {
          record = { index: i, name: m.name, evaluated: false };
        }
        record.deploy = await this.timed('deploy', () => this.deploy(base, m, record));
        if (record.fingerprints && record.deploy.ok) {
          const c = await cluster.connect(base);
          try {
            const clean = await readFingerprint(c);
            record.cleanHash = clean.hash.slice(0, 12);
            record.walkMatchesClean = clean.hash.slice(0, 12) === record.fingerprints[record.fingerprints.length - 1];
            if (!record.walkMatchesClean && record.walkEnd) record.walkVsClean = describeDiff(diffFingerprints(record.walkEnd, clean), 5);
            this.cleanEntries = clean.entries;
          } finally {
            await c.end().catch(() => {});
          }
          this.checkCompletes(record);
        }
        await this.advanceWalk(m, record, evaluate);
        delete record.walkEnd;
        record.ms = Date.now() - t0;
        result.migrations.push(record);
        this.log(record);
      }
    } finally {
      result.finishedAt = new Date().toISOString();
      result.timings = this.timings;
      await cluster.close();
      fs.rmSync(workRoot, { recursive: true, force: true });
    }
    return result;
  }

  /** Walks migration N's statements on a clone of base, testing the doctor at the chosen prefixes. */
  /** A walk database at base's state: kept from the last migration, or a new clone of base. */
  async syncWalk(base) {
    const { cluster } = this;
    if (this.walk && this.walkInSync) return;
    if (process.env.PMD_REPLAY_DEBUG) process.stderr.write(`walk: cloned again from base\n`);
    if (this.walk) await cluster.drop(this.walk);
    this.walk = cluster.name('walk');
    await this.timed('clone', () => cluster.create(this.walk, base));
    this.walkInSync = true;
  }

  /**
   * After base got migration N: the walk catches up. An evaluated walk ran N's statements itself
   * (checked equal to base): the real engine records N applied there (resolve --applied); a
   * migration not evaluated is deployed there by the real engine, as on base.
   */
  async advanceWalk(m, record, evaluated) {
    if (!this.walk || !this.walkInSync) return;
    if (evaluated && record.fingerprints) {
      if (!record.walkMatchesClean) {
        this.walkInSync = false;
        return;
      }
      const engine = await PrismaEngine.open({ url: this.cluster.url(this.walk), mode: 'native' });
      try {
        await engine.markMigrationApplied(this.project.migrationsDir, m.name);
      } catch (e) {
        if (process.env.PMD_REPLAY_DEBUG) process.stderr.write(`walk: resolve --applied ${m.name} failed: ${e.message}\n`);
        this.walkInSync = false;
      } finally {
        await engine.close();
      }
      return;
    }
    const r = await this.timed('deploy', () => this.deploy(this.walk, m, null));
    if (!r.ok) this.walkInSync = false;
  }

  async evaluate(m, index) {
    const { cluster } = this;
    const walk = this.walk;
    const split = splitScript(m.script);
    const record = { index, name: m.name, evaluated: true };
    if (!split.ok) {
      record.skipped = `PostgreSQL's parser rejects the script: ${split.error}`;
      return record;
    }
    const statements = split.statements;
    const n = statements.length;
    record.statements = statements.map((s) => ({ kind: s.kind, tag: s.tag, session: s.session, data: s.data, transaction: s.transaction, sql: short(s.sql) }));
    record.shapes = statements.map((s) => s.shape);
    if (n === 0) {
      record.skipped = 'no statement';
      return record;
    }
    const models = this.opts.models;
    record.allowed = {};
    for (const model of models) record.allowed[model] = possiblePrefixes(statements, MODELS[model].prefixes);
    const testAt = prefixesUnderTest(statements, this.opts.ks);
    record.tests = [];
    record.fingerprints = [];
    record.steps = [];
    // the walk is at another state than base's until advanceWalk
    this.verified = new Map();
    let client = await cluster.connect(walk);
    let previous = null;
    try {
      // inside the script's own BEGIN ... COMMIT no prefix can be left (a failure rolls the block
      // back) and a catalog read would be the block's first query (SET TRANSACTION must be):
      // no fingerprint there (null)
      const open = openBlocks(statements);
      for (let k = 0; k <= n; k++) {
        if (open[k] && k < n) {
          record.fingerprints.push(null);
          record.steps.push('');
        } else {
          const fp = await this.timed('fingerprint', () => readFingerprint(client));
          record.fingerprints.push(fp.hash.slice(0, 12));
          if (previous) record.steps.push(previous.hash === fp.hash ? '' : describeDiff(diffFingerprints(previous, fp)));
          previous = fp;
        }
        if (testAt.includes(k)) {
          client = await this.timed('doctor', () => this.testState({ walk, client, m, record, statements, k }));
        }
        if (k < n) {
          try {
            await this.timed('statements', () => client.query(statements[k].sql));
          } catch (e) {
            record.skipped = `statement ${k} fails when run on this server: ${e.code || ''} ${e.message}`;
            record.brokenAt = k;
            break;
          }
        }
      }
      record.walkEnd = previous;
    } finally {
      await client.end().catch(() => {});
    }
    if (record.skipped) {
      delete record.tests;
    }
    return record;
  }

  /** Writes the failed row at prefix k and asks the doctor, for every log shape and model. */
  async testState({ walk, client, m, record, statements, k }) {
    const { cluster, project } = this;
    const n = statements.length;
    const url = cluster.url(walk);
    for (const shape of this.opts.shapes) {
      const models = this.opts.models.filter((model) => {
        if (shape === 'adapter' && model === '6') return false; // the adapter path always splits
        return record.allowed[model].includes(k);
      });
      if (!models.length) continue;
      await insertFailedRow(client, { migrationName: m.name, scriptBytes: m.scriptBytes, shape });
      try {
        for (const model of models) {
          const opts = { url, cwd: project.root, migrationsDir: project.migrationsDir, lockTimeoutMs: 10000 };
          if (MODELS[model].prismaVersion) opts.prismaVersion = MODELS[model].prismaVersion;
          const test = { k, n, shape, model };
          const t0 = Date.now();
          try {
            // what diagnose says (the verdict judged), then what heal would do (the plan judged);
            // heal re-diagnoses under the lock: its verdict must be the same
            const diagnosis = this.opts.healOnly ? null : await this.doctor.diagnose(opts);
            const outcome = await this.doctor.heal({ ...opts, dryRun: true, allow: HEAL_ALLOW });
            const healed = pickFailed(outcome.diagnosis, m.name);
            const f = diagnosis ? pickFailed(diagnosis, m.name) : healed;
            Object.assign(test, verdictOf(f) || { verdict: null });
            if (diagnosis && healed && (healed.verdict !== test.verdict || (healed.appliedStatements ?? null) !== (test.appliedStatements ?? null))) {
              test.healVerdict = { verdict: healed.verdict, appliedStatements: healed.appliedStatements };
            }
            if (f && !record.doctorSplit) record.doctorSplit = doctorSplitMap(f.statements || []);
            const decision = (outcome.decisions || []).find((d) => d.migration === m.name);
            test.plan = {
              kind: planKind(decision),
              action: decision ? decision.action : null,
              resolved: decision ? !!decision.resolved : false,
              reason: decision ? short(decision.reason || '', 300) : '',
              run: decision ? (decision.changes || []).filter((c) => c.kind === 'run-statement').map((c) => c.sql || '') : [],
            };
          } catch (e) {
            test.error = `${e.code || ''} ${e.message}`.trim();
          }
          test.ms = Date.now() - t0;
          if (test.plan && test.plan.kind === 'complete') {
            test.plan.shapes = test.plan.run.map((sql) => {
              const r = splitScript(sql);
              return r.ok ? r.statements.map((s) => s.shape) : null;
            });
            // carry it out for real in a clone of this very state; the clean catalog is compared
            // once the base has the migration deployed (checkCompletes). The same plan at the
            // same state (another model or log shape) is carried out once.
            const key = `complete|${k}|${test.plan.run.join('\u0000')}`;
            if (this.verified.has(key)) test.complete = this.verified.get(key);
            else {
              client = await this.timed('verify', () => this.verifyComplete({ walk, client, m, opts, test, statements, k }));
              this.verified.set(key, test.complete);
            }
          }
          if (test.plan && test.plan.kind === 'retry' && k > 0) {
            // a retry re-runs the whole script on this state: do it for real in a clone
            const key = `retry|${k}|${MODELS[model].prefixes}`;
            if (this.verified.has(key)) test.retry = this.verified.get(key);
            else {
              client = await this.timed('verify', () => this.verifyRetry({ walk, client, m, opts, test, statements, k, model }));
              this.verified.set(key, test.retry);
            }
          }
          record.tests.push(test);
        }
      } finally {
        await deleteRows(client, m.name);
      }
    }
    void n;
    return client;
  }

  /** Runs heal with allow ['complete'] in a clone of the walk at its current state. */
  async verifyComplete({ walk, client, m, opts, test, statements, k }) {
    const { cluster } = this;
    await client.end().catch(() => {});
    const clone = cluster.name('complete');
    const check = {};
    try {
      await cluster.create(clone, walk);
      const outcome = await this.doctor.heal({ ...opts, url: cluster.url(clone), allow: ['complete'] });
      const decision = (outcome.decisions || []).find((d) => d.migration === m.name);
      check.resolved = !!(decision && decision.resolved);
      check.reason = decision ? short(decision.reason || '', 300) : '';
      const c = await cluster.connect(clone);
      try {
        const fp = await readFingerprint(c);
        check.hash = fp.hash.slice(0, 12);
        check.entries = fp.entries; // kept until checkCompletes, then replaced by a diff
        const rows = await c.query('SELECT finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back FROM "_prisma_migrations" WHERE migration_name = $1', [m.name]);
        check.ledgerFinished = rows.rows.some((r) => r.finished);
      } finally {
        await c.end().catch(() => {});
      }
    } catch (e) {
      check.error = `${e.code || ''} ${e.message}`.trim();
    } finally {
      await cluster.drop(clone).catch(() => {});
    }
    test.complete = check;
    // a new session on the walk: the session settings the script made so far apply again
    const next = await cluster.connect(walk);
    for (const s of statements.slice(0, k)) if (s.kind === 'VariableSetStmt') await next.query(s.sql).catch(() => {});
    return next;
  }

  /**
   * Carries out a retry for real in a clone of the walk at its current state: heal with allow
   * ['retry'] marks the row rolled back, then the real engine deploys the script again, as the
   * model runs it (one query for Prisma 6, statement by statement for Prisma 7).
   */
  async verifyRetry({ walk, client, m, opts, test, statements, k, model }) {
    const { cluster, project } = this;
    await client.end().catch(() => {});
    const clone = cluster.name('retry');
    const check = {};
    try {
      await cluster.create(clone, walk);
      const url = cluster.url(clone);
      const outcome = await this.doctor.heal({ ...opts, url, allow: ['retry'] });
      const decision = (outcome.decisions || []).find((d) => d.migration === m.name);
      check.resolved = !!(decision && decision.resolved);
      if (check.resolved) {
        const engine = await PrismaEngine.open({ url, mode: MODELS[model].prefixes === 'transaction' ? 'native' : 'statements', splitScript: splitTexts });
        try {
          await engine.applyMigrations(project.migrationsDir);
          check.deployOk = true;
        } catch (e) {
          check.deployOk = false;
          check.deployError = short(e.message, 200);
        } finally {
          await engine.close();
        }
      }
      const c = await cluster.connect(clone);
      try {
        const fp = await readFingerprint(c);
        check.hash = fp.hash.slice(0, 12);
        check.entries = fp.entries;
      } finally {
        await c.end().catch(() => {});
      }
    } catch (e) {
      check.error = `${e.code || ''} ${e.message}`.trim();
    } finally {
      await cluster.drop(clone).catch(() => {});
    }
    test.retry = check;
    const next = await cluster.connect(walk);
    for (const s of statements.slice(0, k)) if (s.kind === 'VariableSetStmt') await next.query(s.sql).catch(() => {});
    return next;
  }

  /** After the clean deploy: each complete or retry carried out must have left the clean catalog. */
  checkCompletes(record) {
    if (!record.tests) return;
    for (const t of record.tests) {
      for (const c of [t.complete, t.retry]) {
        if (!c || !c.entries || c.matchesClean !== undefined) continue;
        c.matchesClean = c.hash === record.cleanHash;
        if (!c.matchesClean && this.cleanEntries) c.diff = describeDiff(diffFingerprints({ entries: this.cleanEntries }, { entries: c.entries }), 5);
        delete c.entries;
      }
    }
  }

  /** Deploys migration N on base with the real engine. */
  async deploy(base, m, record) {
    const { cluster, project } = this;
    const url = cluster.url(base);
    const attempt = async (mode) => {
      const engine = await PrismaEngine.open({ url, mode, splitScript: splitTexts });
      try {
        await engine.applyMigrations(project.migrationsDir);
        return { ok: true };
      } catch (e) {
        return { ok: false, code: e.code, message: short(e.message, 300) };
      } finally {
        await engine.close();
      }
    };
    const rollBack = async () => {
      const engine = await PrismaEngine.open({ url, mode: 'native' });
      try {
        await engine.markMigrationRolledBack(m.name);
      } finally {
        await engine.close();
      }
    };
    let r = await attempt('native');
    if (r.ok) return { ok: true, mode: 'native' };
    const nativeError = r.message;
    await rollBack();
    if (splitScript(m.script).ok) {
      r = await attempt('statements');
      if (r.ok) return { ok: true, mode: 'statements', nativeError };
      await rollBack();
    }
    // the server cannot run it (an extension or role it lacks): apply what it can, record the
    // migration applied, and leave it out of the figures (its state is not the project's)
    const c = await cluster.connect(base);
    const failures = [];
    try {
      const split = splitScript(m.script);
      const pieces = split.ok ? split.statements.map((s) => s.sql) : [m.script];
      // done statements of a failed 'statements' attempt are already in: running them again fails
      // harmlessly or is idempotent; every failure is recorded
      for (const sql of pieces) {
        try {
          await c.query(sql);
        } catch (e) {
          failures.push(`${e.code || ''} ${short(e.message, 160)} in: ${short(sql, 120)}`);
        }
      }
    } finally {
      await c.end().catch(() => {});
    }
    const engine = await PrismaEngine.open({ url, mode: 'native' });
    try {
      await engine.markMigrationApplied(project.migrationsDir, m.name);
    } finally {
      await engine.close();
    }
    if (record) {
      record.skipped = record.skipped || `the engine cannot deploy it on this server: ${nativeError}`;
      delete record.tests;
    }
    return { ok: false, mode: 'by-hand', nativeError, failures: failures.slice(0, 5) };
  }
}

/**
 * For the doctor's own split: how many of PostgreSQL's statements its first j statements hold,
 * for every j (so its appliedStatements can be compared with the replay's prefixes).
 */
function doctorSplitMap(doctorStatements) {
  const map = [0];
  let total = 0;
  for (const s of doctorStatements) {
    const c = countStatements(s.sql || '');
    total = total === null || c === null ? null : total + c;
    map.push(total);
  }
  return { count: doctorStatements.length, map };
}

async function replay(opts) {
  const r = new Replay(opts);
  return r.run();
}

module.exports = { replay, MODELS, prefixesUnderTest, planKind, doctorSplitMap };
