'use strict';
// Text and JSON reports of a scored replay.

const { groupMisses } = require('./score');

const MODEL_LABEL = { 6: 'Prisma 6 (one transaction)', 7: 'Prisma 7 (statement by statement)', auto: 'no version given' };

function modelLabel(key) {
  const [model, shape] = key.split('/');
  return `${MODEL_LABEL[model] || model}${shape ? `, ${shape} logs` : ''}`;
}

function pct(a, b) {
  return b ? `${((100 * a) / b).toFixed(1)}%` : '-';
}

function counts(result) {
  const evaluated = result.migrations.filter((m) => m.tests && m.fingerprints).length;
  const skipped = result.migrations.filter((m) => m.skipped).length;
  return { replayed: result.migrations.length, evaluated, skipped };
}

function table(scored) {
  const rows = [['model', 'tests', 'right', 'wrong', 'miss', 'unknown (undecidable)', 'errors', 'unsafe plans (retry/mark/complete)', 'heal would act (retry/mark/complete)', 'accuracy']];
  for (const [key, b] of Object.entries(scored.byModel)) {
    rows.push([
      modelLabel(key),
      String(b.tests),
      String(b.right),
      String(b.wrong),
      String(b.miss),
      String(b.undecidableUnknown),
      String(b.error),
      `${b.unsafe} (${b.unsafeRetry}/${b.unsafeMarkApplied}/${b.unsafeComplete})`,
      `${b.acted.retry}/${b.acted['mark-applied']}/${b.acted.complete}`,
      pct(b.right, b.tests),
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

function formatMiss(m) {
  const lines = [`  [${m.category}] ${m.migration}: ${m.state}, ${modelLabel(m.shape === 'p3018' ? m.model : `${m.model}/${m.shape}`)}`];
  lines.push(`      expected ${m.expected}; got ${m.got}${m.action ? `, action ${m.action}` : ''}`);
  if (m.why) lines.push(`      why: ${m.why}`);
  if (m.statement) lines.push(`      statement #${m.statement.index} ${m.statement.tag}: ${m.statement.sql}`);
  if (m.reason) lines.push(`      doctor: ${m.reason}`);
  return lines.join('\n');
}

function formatReport(result, scored, { maxPerGroup = 5 } = {}) {
  const c = counts(result);
  const out = [];
  out.push(`Replay of ${result.project || result.migrationsDir}: ${c.replayed} of ${result.total} migrations replayed, ${c.evaluated} evaluated, ${c.skipped} left out; PostgreSQL ${result.serverVersion}${result.seconds ? `, ${result.seconds} s` : ''}`);
  if (result.skippedFolders && result.skippedFolders.length) out.push(`Folders without migration.sql (not migrations for Prisma): ${result.skippedFolders.length}`);
  out.push('');
  out.push(table(scored));
  out.push('');
  const groups = groupMisses(scored.misses);
  if (!groups.length) out.push('No miss.');
  for (const g of groups) {
    out.push(`${g.key}: ${g.count}`);
    for (const m of g.examples.slice(0, maxPerGroup)) out.push(formatMiss(m));
    if (g.count > maxPerGroup) out.push(`  ... ${g.count - maxPerGroup} more`);
  }
  if (scored.notes.skipped.length) {
    out.push('');
    out.push(`Left out (${scored.notes.skipped.length}):`);
    for (const s of scored.notes.skipped.slice(0, 20)) out.push(`  ${s.migration}: ${s.why.slice(0, 200)}`);
    if (scored.notes.skipped.length > 20) out.push(`  ... ${scored.notes.skipped.length - 20} more`);
  }
  if (scored.notes.walkMismatch.length) {
    out.push('');
    out.push(`Statement-by-statement run differs from the engine's deploy (${scored.notes.walkMismatch.length}):`);
    for (const s of scored.notes.walkMismatch.slice(0, 10)) out.push(`  ${s.migration}: ${s.diff}`);
  }
  const disagreements = Object.entries(scored.byModel).filter(([, b]) => b.healDisagrees > 0);
  if (disagreements.length) {
    out.push('');
    out.push(`heal's own diagnosis disagrees with diagnose: ${disagreements.map(([k, b]) => `${modelLabel(k)} ${b.healDisagrees}`).join(', ')}`);
  }
  out.push('');
  out.push(`Deploys: ${Object.entries(scored.notes.deployModes).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return out.join('\n') + '\n';
}

function summaryJson(result, scored) {
  return {
    project: result.project,
    migrationsDir: result.migrationsDir,
    serverVersion: result.serverVersion,
    seconds: result.seconds,
    ...counts(result),
    total: result.total,
    byModel: scored.byModel,
    patterns: groupMisses(scored.misses).map((g) => ({ pattern: g.key, count: g.count })),
    misses: scored.misses,
    notes: scored.notes,
  };
}

module.exports = { formatReport, summaryJson, modelLabel };
