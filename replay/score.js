'use strict';
// Judges the doctor's answers in a replay result against what the replay made.
//
// Truth: at prefix k, statements 0..k-1 of the script (PostgreSQL's split) ran. Under an
// execution model only some prefixes are possible (replay/split.js possiblePrefixes). The
// catalog fingerprints F[0..n] say which of those look alike: the class of k. Two prefixes j and
// k are interchangeable when they look alike and no data statement lies between them (then
// either answer is as true as the other, and acting on either is as safe); k is decidable when
// every prefix of its class is interchangeable with it.
//
// Verdicts: right (the state, or one interchangeable with it; or unknown where undecidable),
// wrong (a state that is not the truth, conflicting, or a verdict its own appliedStatements
// contradicts), miss (unknown on a decidable state), error (the doctor threw, or did not list
// the migration).
// Heal plans: unsafe when a retry re-runs a statement that changed something (the catalog, or
// possibly data), a mark-applied skips one, or a complete leaves another catalog than the clean
// deploy's, re-runs an applied statement or skips an unapplied one.

const VERDICTS_DECIDED = new Set(['not-applied', 'fully-applied', 'partially-applied']);

function verdictFor(k, n) {
  if (k === 0) return 'not-applied';
  if (k === n) return 'fully-applied';
  return 'partially-applied';
}

function stateName(k, n) {
  if (k === 0) return 'nothing ran';
  if (k === n) return 'everything ran';
  return `stopped after ${k} of ${n}`;
}

/** Facts about one migration record that every test of it shares. */
function migrationFacts(record) {
  const F = record.fingerprints;
  const st = record.statements;
  const n = st.length;
  // inside the script's own transaction block no fingerprint is read (null): a statement there
  // changes something when the block as a whole does
  const before = (i) => {
    let j = i;
    while (j > 0 && F[j] === null) j -= 1;
    return F[j];
  };
  const after = (i) => {
    let j = i;
    while (j < F.length - 1 && F[j] === null) j += 1;
    return F[j];
  };
  const changes = (i) => before(i) !== after(i + 1);
  const effective = (i) => st[i].data || changes(i);
  const dataBetween = (a, b) => {
    for (let i = Math.min(a, b); i < Math.max(a, b); i++) if (st[i].data) return true;
    return false;
  };
  // a prefix inside the script's own block that only lacks session statements (its COMMIT) holds
  // what the prefix after them holds
  const settled = (j) => {
    while (j < n && F[j] === null && st[j].session) j += 1;
    return F[j];
  };
  const interchangeable = (a, b) => settled(a) !== null && settled(a) === settled(b) && !dataBetween(a, b);
  // the doctor's split -> PostgreSQL's: doctor prefix j holds map[j] of our statements
  const map = record.doctorSplit ? record.doctorSplit.map : null;
  const toOurs = (j) => {
    if (j === null || j === undefined) return j;
    if (!map) return j;
    return j >= 0 && j < map.length ? map[j] : null;
  };
  return { F, st, n, changes, effective, dataBetween, interchangeable, toOurs, map };
}

// Statements that say they may do nothing (IF [NOT] EXISTS, OR REPLACE): where one of them left
// the catalog as it is, the live catalog alone cannot tell "it ran" from "the object was already
// so before the script". A wrong verdict that differs from the truth only by such statements is
// marked, so the figures show which wrong verdicts come from that ambiguity.
const IDEMPOTENT_FLAGS = /"(if_not_exists|missing_ok|replace|skipIfNewValExists)":true/;

// shapes saved by an older replay may still hold list positions
function normalizeShape(shape) {
  return typeof shape === 'string' ? shape.replace(/,?"[a-z_]*list_(start|end)":-?\d+/g, '') : shape;
}

function isIdempotent(shape) {
  return typeof shape === 'string' && IDEMPOTENT_FLAGS.test(shape);
}

function firstEffective(facts, from, to) {
  for (let i = from; i < to; i++) if (facts.effective(i)) return i;
  return null;
}

/** The statement most likely behind a wrong or missed answer, by our index. */
function involvedStatement(facts, test, claimed) {
  const { n } = facts;
  const k = test.k;
  if (claimed !== null && claimed !== undefined && claimed !== k) {
    const i = firstEffective(facts, Math.min(claimed, k), Math.max(claimed, k));
    if (i !== null) return i;
  }
  // the doctor's own per-statement effects that contradict the truth
  const effects = test.effects || [];
  const map = facts.map;
  const ours = (j) => (map ? map[j] : j);
  let unverifiable = null;
  for (let j = 0; j < effects.length; j++) {
    const i = ours(j);
    if (i === null || i === undefined || i >= n) continue;
    const ran = i < k;
    const e = effects[j];
    if (e === 'conflicting') return i;
    if (facts.changes(i) && ((e === 'present' && !ran) || (e === 'absent' && ran))) return i;
    if (e === 'unverifiable' && unverifiable === null && facts.effective(i) && !facts.st[i].session) unverifiable = i;
  }
  if (unverifiable !== null) return unverifiable;
  if (k < n) return k;
  return n - 1;
}

/** Judges one verdict. Returns { outcome, expected, got, claimed, decidable, classOf } */
function judgeVerdict(facts, record, test) {
  const { n, interchangeable, toOurs } = facts;
  const k = test.k;
  const allowed = record.allowed[test.model];
  const classOf = allowed.filter((j) => facts.F[j] === facts.F[k]);
  const equivalent = classOf.filter((j) => interchangeable(j, k));
  const decidable = equivalent.length === classOf.length;
  const expected = `${verdictFor(k, n)} (k=${k})`;
  const res = { expected, decidable, classOf, claimed: null };
  if (test.error || !test.verdict) {
    res.outcome = 'error';
    res.got = test.error || 'migration not listed as failed';
    return res;
  }
  const v = test.verdict;
  const a = test.appliedStatements === undefined ? undefined : toOurs(test.appliedStatements);
  const prefixes = Array.isArray(test.matchingPrefixes) ? test.matchingPrefixes.map(toOurs) : null;
  res.got = `${v}${a !== undefined && a !== null ? ` (k=${a})` : ''}${prefixes ? ` prefixes=[${prefixes.join(',')}]` : ''}`;
  if (prefixes) res.rangeExact = prefixes.length === classOf.length && prefixes.every((p, i) => p === classOf[i]);
  if (v === 'unknown') {
    res.outcome = decidable ? 'miss' : 'right';
    return res;
  }
  if (!VERDICTS_DECIDED.has(v)) {
    res.outcome = 'wrong'; // conflicting: the truth is a prefix, by construction
    return res;
  }
  if (a !== undefined && a !== null) {
    res.claimed = a;
    if (verdictFor(a, n) !== v) {
      res.outcome = 'wrong';
      res.got += ' (verdict and appliedStatements disagree)';
      return res;
    }
    res.outcome = equivalent.includes(a) || interchangeable(a, k) ? 'right' : 'wrong';
    return res;
  }
  // no single prefix claimed: the verdict (and the range, when given) must hold the truth
  const claimedSet = prefixes || (v === 'not-applied' ? [0] : v === 'fully-applied' ? [n] : allowed.filter((j) => j > 0 && j < n));
  const holdsTruth = claimedSet.some((j) => equivalent.includes(j)) && claimedSet.every((j) => verdictFor(j, n) === v);
  if (!holdsTruth) {
    res.outcome = 'wrong';
    if (v === 'not-applied') res.claimed = 0;
    else if (v === 'fully-applied') res.claimed = n;
    return res;
  }
  // right verdict, no prefix named: a miss where one prefix could have been named
  res.outcome = v === 'partially-applied' && test.appliedStatements === null && decidable ? 'miss' : 'right';
  return res;
}

/** Judges one heal plan. Returns null when safe, else { kind, why, statement }. */
function judgePlan(facts, test) {
  const plan = test.plan;
  if (!plan || plan.kind === 'none') return null;
  const { n, st } = facts;
  const k = test.k;
  if (plan.kind === 'retry') {
    // a data statement that already ran runs again; a catalog change that already ran is safe to
    // run again only if the real retry (replay/runner.js verifyRetry) reached the clean catalog
    for (let i = 0; i < k; i++) if (st[i].data) return { kind: 'unsafe-retry', why: `statement ${i} already ran and changes data: the retry runs it again`, statement: i };
    const i = firstEffective(facts, 0, k);
    if (i === null) return null;
    const r = test.retry || {};
    if (r.error) return { kind: 'retry-error', why: r.error, statement: null };
    if (r.resolved && r.deployOk && r.matchesClean) return null;
    const how = r.deployOk === false ? `deploying it again fails: ${r.deployError || ''}` : r.matchesClean === false ? `deploying it again leaves another catalog than a clean deploy: ${r.diff || ''}` : 'it was not carried out';
    return { kind: 'unsafe-retry', why: `statement ${i} already ran; ${how}`, statement: i };
  }
  if (plan.kind === 'mark-applied') {
    const i = firstEffective(facts, k, n);
    return i === null ? null : { kind: 'unsafe-mark-applied', why: `statement ${i} did not run and ${st[i].data ? 'changes data' : 'changes the catalog'}`, statement: i };
  }
  if (plan.kind === 'complete') {
    // judged by what carrying it out for real did (replay/runner.js verifyComplete): heal runs
    // the statements and checks the catalog in one transaction, rolling back when it is wrong
    const c = test.complete || {};
    if (c.error) return { kind: 'complete-rolled-back', why: c.error, statement: null };
    if (!c.resolved) return null;
    if (c.matchesClean === false) return { kind: 'unsafe-complete', why: `the catalog after it differs from a clean deploy: ${c.diff || ''}`, statement: null };
    // the catalog cannot show data: a data statement run twice or skipped is unsafe too
    const planned = (plan.shapes || []).flat().map(normalizeShape);
    if ((plan.shapes || []).some((x) => x === null)) return { kind: 'unsafe-complete', why: 'a statement it ran is not valid SQL for PostgreSQL', statement: k < n ? k : null };
    const shapes = facts.shapes.map(normalizeShape);
    const count = (arr, x) => arr.reduce((acc, y) => acc + (y === x ? 1 : 0), 0);
    const remaining = shapes.slice(k);
    for (let i = 0; i < k; i++) {
      if (st[i].data && count(planned, shapes[i]) > count(remaining, shapes[i])) {
        return { kind: 'unsafe-complete', why: `it ran data statement ${i} again, which had already run`, statement: i };
      }
    }
    for (let i = k; i < n; i++) {
      if (st[i].data && !planned.includes(shapes[i])) return { kind: 'unsafe-complete', why: `it skipped data statement ${i}, which had not run`, statement: i };
    }
    return null;
  }
  return null;
}

/** Scores a replay result. Returns { byModel, misses, totals, notes }. */
function score(result) {
  const byModel = {};
  const misses = [];
  const notes = { skipped: [], walkMismatch: [], deployModes: {} };
  const bucket = (model, shape) => {
    const key = `${model}${shape === 'p3018' ? '' : `/${shape}`}`;
    if (!byModel[key]) byModel[key] = { tests: 0, right: 0, wrong: 0, miss: 0, undecidableUnknown: 0, decidable: 0, error: 0, unsafe: 0, unsafeRetry: 0, unsafeMarkApplied: 0, unsafeComplete: 0, completeErrors: 0, acted: { retry: 0, 'mark-applied': 0, complete: 0 }, rangeExact: 0, rangeGiven: 0, healDisagrees: 0 };
    return byModel[key];
  };
  for (const record of result.migrations) {
    if (record.deploy) notes.deployModes[record.deploy.mode] = (notes.deployModes[record.deploy.mode] || 0) + 1;
    if (record.skipped) notes.skipped.push({ migration: record.name, why: record.skipped });
    if (record.walkMatchesClean === false) notes.walkMismatch.push({ migration: record.name, diff: record.walkVsClean || '' });
    if (!record.tests || !record.fingerprints) continue;
    const facts = migrationFacts(record);
    facts.shapes = record.shapes;
    for (const test of record.tests) {
      const b = bucket(test.model, test.shape);
      b.tests += 1;
      const v = judgeVerdict(facts, record, test);
      if (test.healVerdict) b.healDisagrees += 1;
      if (v.decidable) b.decidable += 1;
      if (v.outcome === 'right' && test.verdict === 'unknown') b.undecidableUnknown += 1;
      b[v.outcome] += 1;
      if (v.rangeExact !== undefined) {
        b.rangeGiven += 1;
        if (v.rangeExact) b.rangeExact += 1;
      }
      const base = { migration: record.name, k: test.k, n: facts.n, state: stateName(test.k, facts.n), model: test.model, shape: test.shape };
      if (v.outcome === 'wrong' || v.outcome === 'miss' || v.outcome === 'error') {
        const i = v.outcome === 'error' ? null : involvedStatement(facts, test, v.claimed);
        let idempotentOnly = false;
        if (v.claimed !== null && v.claimed !== undefined && v.claimed !== test.k) {
          idempotentOnly = true;
          for (let j = Math.min(v.claimed, test.k); j < Math.max(v.claimed, test.k); j++) {
            if (facts.effective(j) && !isIdempotent(facts.shapes[j])) idempotentOnly = false;
          }
        }
        if (idempotentOnly) b.wrongIdempotent = (b.wrongIdempotent || 0) + 1;
        misses.push({
          ...base,
          category: v.outcome,
          idempotentOnly,
          expected: v.expected,
          got: v.got,
          classOf: v.classOf,
          action: test.action,
          reason: test.verdictReason || '',
          statement: i === null || i === undefined ? null : { index: i, tag: facts.st[i].tag, sql: facts.st[i].sql },
        });
      }
      const p = judgePlan(facts, test);
      if (test.plan && test.plan.resolved && test.plan.kind !== 'none') b.acted[test.plan.kind] = (b.acted[test.plan.kind] || 0) + 1;
      if (p) {
        if (p.kind === 'complete-rolled-back' || p.kind === 'retry-error') b.completeErrors += 1;
        else {
          b.unsafe += 1;
          if (p.kind === 'unsafe-retry') b.unsafeRetry += 1;
          if (p.kind === 'unsafe-mark-applied') b.unsafeMarkApplied += 1;
          if (p.kind === 'unsafe-complete') b.unsafeComplete += 1;
        }
        misses.push({
          ...base,
          category: p.kind,
          expected: v.expected,
          got: `${test.verdict} -> heal ${test.plan.kind}`,
          why: p.why,
          reason: test.plan.reason,
          statement: p.statement === null ? null : { index: p.statement, tag: facts.st[p.statement].tag, sql: facts.st[p.statement].sql },
        });
      }
    }
  }
  return { byModel, misses, notes };
}

/** Misses grouped by pattern: category + the statement kind involved. */
function groupMisses(misses) {
  const groups = new Map();
  for (const m of misses) {
    const key = `${m.category} @ ${m.statement ? m.statement.tag : '-'}${m.idempotentOnly ? ' (only IF [NOT] EXISTS / OR REPLACE statements between truth and claim)' : ''}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(m);
  }
  return [...groups.entries()].sort((a, b) => b[1].length - a[1].length).map(([key, list]) => ({ key, count: list.length, examples: list }));
}

module.exports = { score, groupMisses, judgeVerdict, judgePlan, migrationFacts, verdictFor, stateName };
