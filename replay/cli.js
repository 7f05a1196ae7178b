#!/usr/bin/env node
'use strict';
// npm run replay -- <migrations dir> [--limit N] [--from N] [--every N] [--models 6,7] [--logs p3018,adapter]
//                   [--ks mid|all|N] [--heal-only] [--json] [--out raw.json] [--name NAME]
// npm run replay -- --score raw.json [--json]        (judge a saved run again)
// npm run replay -- --summary DIR                     (Markdown over every DIR/*.raw.json)
//
// Deploys the migrations with the real engine on an embedded PostgreSQL (or the server of
// PMD_TEST_DATABASE_URL), leaves each migration failed in states the replay knows the truth of,
// and scores the doctor's verdicts and heal plans. Exit code 0 when no verdict is wrong and no
// heal plan unsafe, 1 otherwise, 2 on a usage error.

const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { replay, MODELS } = require('./runner');
const { score } = require('./score');
const { formatReport, summaryJson } = require('./report');

const USAGE = 'usage: npm run replay -- <migrations dir> [--limit N] [--from N] [--every N] [--models 6,7] [--logs p3018,adapter] [--ks mid|all|N] [--heal-only] [--json] [--out FILE] [--name NAME]\n       npm run replay -- --score FILE [--json]\n       npm run replay -- --summary DIR';

function usageError(message) {
  process.stderr.write(`replay: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function list(value, allowed, what) {
  const items = String(value)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const i of items) if (!allowed.includes(i)) usageError(`unknown ${what} "${i}" (one of ${allowed.join(', ')})`);
  if (!items.length) usageError(`no ${what} given`);
  return items;
}

async function main() {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        limit: { type: 'string' },
        from: { type: 'string' },
        every: { type: 'string' },
        models: { type: 'string', default: '6,7' },
        logs: { type: 'string', default: 'p3018,adapter' },
        ks: { type: 'string', default: 'mid' },
        'heal-only': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        out: { type: 'string' },
        name: { type: 'string' },
        score: { type: 'string' },
        summary: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    usageError(e.message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (values.summary) {
    const { summarize, loadResults } = require('./summary');
    process.stdout.write(summarize(loadResults(values.summary)));
    return 0;
  }
  let result;
  if (values.score) {
    result = JSON.parse(fs.readFileSync(values.score, 'utf8'));
  } else {
    if (positionals.length !== 1) usageError('give one migrations folder');
    const num = (v, what) => {
      if (v === undefined) return undefined;
      const x = Number(v);
      if (!Number.isInteger(x) || x < 0) usageError(`--${what} takes a whole number`);
      return x;
    };
    const ks = values.ks;
    if (!(ks === 'mid' || ks === 'all' || /^[1-9][0-9]*$/.test(ks))) usageError('--ks takes mid, all or a number');
    const dir = path.resolve(positionals[0]);
    const started = Date.now();
    const total = { n: 0 };
    result = await replay({
      migrationsDir: dir,
      limit: num(values.limit, 'limit'),
      from: num(values.from, 'from') || 0,
      every: num(values.every, 'every') || 1,
      models: list(values.models, Object.keys(MODELS), 'model'),
      shapes: list(values.logs, ['p3018', 'adapter'], 'log shape'),
      ks,
      healOnly: values['heal-only'],
      log: values.quiet
        ? undefined
        : (r) => {
            total.n += 1;
            const tests = r.tests ? r.tests.length : 0;
            const n = r.statements ? r.statements.length : '?';
            process.stderr.write(`[${r.index + 1}] ${r.name} statements=${n} tests=${tests}${r.skipped ? ` skipped: ${r.skipped.slice(0, 100)}` : ''} ${r.ms} ms (${Math.round((Date.now() - started) / 1000)} s)\n`);
          },
    });
    result.project = values.name || guessName(dir);
    result.seconds = Math.round((Date.now() - started) / 1000);
    if (values.out) fs.writeFileSync(values.out, JSON.stringify(result));
  }
  const scored = score(result);
  if (values.json) process.stdout.write(JSON.stringify(summaryJson(result, scored), null, 2) + '\n');
  else process.stdout.write(formatReport(result, scored));
  const bad = Object.values(scored.byModel).some((b) => b.wrong > 0 || b.unsafe > 0);
  return bad ? 1 : 0;
}

function guessName(dir) {
  // <project>/migrations or <project>/prisma/migrations
  const parts = dir.split(path.sep).filter(Boolean);
  const i = parts.lastIndexOf('migrations');
  let j = i > 0 ? i - 1 : parts.length - 1;
  while (j > 0 && ['prisma', 'database', 'db'].includes(parts[j])) j -= 1;
  return parts[j] || dir;
}

main().then(
  // exit once stdout is flushed (a pipe takes a long report in several writes)
  (code) => process.stdout.write('', () => process.exit(code)),
  (e) => {
    process.stderr.write(`replay: ${(e && e.stack) || e}\n`);
    process.exit(e && e.code === 'E_CONFIG' ? 2 : 1);
  },
);
