'use strict';
// A Markdown summary of several saved replays (the *.raw.json files `--out` writes): the figures
// per project and model, then the misses of all projects grouped by pattern.
//
//   npm run replay -- --summary DIR [> summary.md]

const fs = require('node:fs');
const path = require('node:path');
const { score, groupMisses } = require('./score');
const { modelLabel } = require('./report');

function pct(a, b) {
  return b ? `${((100 * a) / b).toFixed(1)}%` : '-';
}

function loadResults(dir) {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.raw.json'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
}

function md(s) {
  return String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function summarize(results) {
  const out = [];
  const all = [];
  out.push('| project | migrations (evaluated) | model | tests | right | wrong | miss | unknown, undecidable | unsafe heal plans (retry/mark-applied/complete) | accuracy |');
  out.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const result of results) {
    const scored = score(result);
    const evaluated = result.migrations.filter((m) => m.tests && m.fingerprints).length;
    for (const [key, b] of Object.entries(scored.byModel)) {
      out.push(
        `| ${md(result.project)} | ${result.migrations.length} of ${result.total} (${evaluated}) | ${modelLabel(key)} | ${b.tests} | ${b.right} | ${b.wrong} | ${b.miss} | ${b.undecidableUnknown} | ${b.unsafe} (${b.unsafeRetry}/${b.unsafeMarkApplied}/${b.unsafeComplete}) | ${pct(b.right, b.tests)} |`,
      );
    }
    for (const m of scored.misses) all.push({ ...m, project: result.project });
  }
  out.push('');
  const groups = groupMisses(all);
  out.push(`## Misses by pattern (${all.length})`);
  out.push('');
  out.push('A pattern is the outcome and the kind of the statement most likely behind it (the first statement that changes something between the true prefix and the claimed one, or the doctor\'s own per-statement effect that contradicts the truth).');
  out.push('');
  out.push('| pattern | count | projects |');
  out.push('|---|---|---|');
  for (const g of groups) {
    const per = {};
    for (const m of g.examples) per[m.project] = (per[m.project] || 0) + 1;
    out.push(`| ${md(g.key)} | ${g.count} | ${Object.entries(per).map(([p, c]) => `${md(p)} ${c}`).join(', ')} |`);
  }
  for (const g of groups) {
    out.push('');
    out.push(`### ${g.key} (${g.count})`);
    const seen = new Set();
    let shown = 0;
    for (const m of g.examples) {
      const key = `${m.project}/${m.migration}/${m.k}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (++shown > 4) break;
      out.push(`- ${m.project} \`${m.migration}\`, ${m.state}, ${modelLabel(m.shape === 'p3018' ? m.model : `${m.model}/${m.shape}`)}: expected ${m.expected}, got ${m.got}${m.action ? ` (action ${m.action})` : ''}`);
      if (m.why) out.push(`  - why: ${m.why}`);
      if (m.statement) out.push(`  - statement #${m.statement.index}: \`${m.statement.sql.replace(/`/g, "'")}\``);
      if (m.reason) out.push(`  - doctor: ${m.reason}`);
    }
  }
  return out.join('\n') + '\n';
}

module.exports = { summarize, loadResults };
