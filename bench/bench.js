'use strict'
// npm run bench: the doctor against the real Prisma engine on the same databases, in one run,
// printed as Markdown tables (the README keeps the latest). Everything runs on one embedded
// PostgreSQL over loopback; each history is deployed by the real engine and left with one failed
// migration (bench/datasets.js).
//
//   node bench/bench.js [--real DIR] [--sizes 500,5000] [--iterations 20] [--cold-runs 15]
//                       [--tenants 1000] [--no-stages] [--no-fleet] [--real-name NAME]
//
//   --real DIR   a real project's migrations folder (e.g. trigger.dev's 820 migrations, see the
//                README for how to get it; default: $PMD_BENCH_REAL, else none)
//
// The machine is shared with other work: every comparison interleaves its contenders run by run
// (A, B, A, B, ...) so load spikes hit both, and reports medians and the ratio of medians taken
// in the same run.

const os = require('node:os')
const path = require('node:path')
const { parseArgs } = require('node:util')
const { spawnSync } = require('node:child_process')
const doctor = require('../lib/index.js')
const { PrismaEngine, readMigrationsList, FILTERS } = require('../__test__/support/engine')
const { getServer } = require('../__test__/support/postgres')
const { makeDataset } = require('./datasets')
const { measureCold, median } = require('./cold')
const { benchFleet } = require('./fleet')

const ROOT = path.resolve(__dirname, '..')
const CLI = path.join(ROOT, 'bin', 'prisma-migrate-doctor.js')

const { values } = parseArgs({
  options: {
    real: { type: 'string', default: process.env.PMD_BENCH_REAL },
    sizes: { type: 'string', default: '500,5000' },
    iterations: { type: 'string', default: '20' },
    'cold-runs': { type: 'string', default: '15' },
    tenants: { type: 'string', default: '1000' },
    'no-stages': { type: 'boolean', default: false },
    'no-fleet': { type: 'boolean', default: false },
    'real-name': { type: 'string' },
  },
})
const ITERATIONS = Number(values.iterations)
const COLD_RUNS = Number(values['cold-runs'])

/** A name for the real history: the folder under bench-data/ it was exported to, else the project's. */
function realName(dir) {
  const parts = path.resolve(dir).split(path.sep)
  const i = parts.indexOf('bench-data')
  return i >= 0 && parts[i + 1] ? parts[i + 1] : path.basename(path.resolve(dir, '..', '..'))
}

const ms = (t) => Number(process.hrtime.bigint() - t) / 1e6
const f1 = (x) => (x === undefined || x === null ? '-' : x.toFixed(1))
const f2 = (x) => x.toFixed(2)
const out = (s = '') => process.stdout.write(`${s}\n`)

/** The same URL with another application_name: a key no kept connection has, so a new one. */
function freshUrl(url, i) {
  const u = new URL(url)
  u.searchParams.set('application_name', `pmd-bench-${process.pid}-${i}`)
  return u.toString()
}

/**
 * diagnose() against the warm engine, interleaved: as an app calls it again with
 * `keepConnection: true` (the connection the previous call kept, see README "Benchmarks"), and
 * on a new connection each call (the default).
 */
async function inProcess(ds, iterations) {
  const migrationsDir = path.join(ds.project.dir, 'prisma', 'migrations')
  const engine = await PrismaEngine.open({ url: ds.url })
  try {
    const list = await readMigrationsList(migrationsDir)
    const call = () => engine._run('diagnoseMigrationHistory', { migrationsList: list, optInToShadowDatabase: false, filters: FILTERS })
    const opts = { url: ds.url, cwd: ds.project.dir, keepConnection: true }
    const first = await doctor.diagnose(opts)
    if (!first.blocked || first.failed.length !== 1 || first.failed[0].statements.length === 0) {
      throw new Error(`${ds.label}: expected one failed migration with its evidence`)
    }
    await call()
    const s = { doctor: [], fresh: [], call: [], callRead: [] }
    for (let i = 0; i < iterations; i++) {
      let t = process.hrtime.bigint()
      await doctor.diagnose(opts)
      s.doctor.push(ms(t))
      t = process.hrtime.bigint()
      await doctor.diagnose({ ...opts, url: freshUrl(ds.url, i), keepConnection: false })
      s.fresh.push(ms(t))
      t = process.hrtime.bigint()
      await call()
      s.call.push(ms(t))
      t = process.hrtime.bigint()
      await engine.diagnoseMigrationHistory(migrationsDir)
      s.callRead.push(ms(t))
    }
    return {
      doctor: median(s.doctor),
      fresh: median(s.fresh),
      call: median(s.call),
      callRead: median(s.callRead),
      statements: first.failed[0].statements.length,
    }
  } finally {
    await engine.close()
  }
}

function cold(ds, big) {
  const env = { ...process.env }
  delete env.DATABASE_URL
  const node = process.execPath
  const migrationsDir = path.join(ds.project.dir, 'prisma', 'migrations')
  const commands = {
    node: { argv: [node, '-e', '0'], env },
    load: { argv: [node, '-e', "require('prisma-migrate-doctor')"], env, cwd: ROOT },
    cli: { argv: [node, CLI, 'diagnose', '--json', '--url', ds.url, '--cwd', ds.project.dir], env, expectStatus: 1 },
    engine: { argv: [node, path.join(__dirname, 'engine-status.js'), ds.url, migrationsDir], env, expectStatus: 1 },
  }
  if (big) commands.cliBig = { argv: [node, CLI, 'diagnose', '--json', '--url', big.url, '--cwd', big.project.dir], env, expectStatus: 1 }
  return measureCold(commands, COLD_RUNS)
}

/** The core's own stage timings (bench/stages.rs), or null without cargo. */
function stages(ds) {
  const r = spawnSync(
    'cargo',
    ['run', '--quiet', '--release', '--no-default-features', '--example', 'stages', '--', ds.url, ds.project.dir, String(ITERATIONS)],
    { cwd: ROOT, encoding: 'utf8', env: { CARGO_BUILD_JOBS: String(os.availableParallelism()), ...process.env } },
  )
  if (r.error || r.status !== 0) {
    process.stderr.write(`stages skipped: ${r.error ? r.error.message : r.stderr.slice(-400)}\n`)
    return null
  }
  return r.stdout
    .trim()
    .split('\n')
    .map((line) => line.split('\t'))
    .map(([stage, value]) => [stage, Number(value)])
}

/** `SHOW server_version` of the server the datasets are on. */
async function serverVersion(url) {
  const pg = require('pg')
  const c = new pg.Client({ connectionString: url })
  try {
    await c.connect()
    return (await c.query('SHOW server_version')).rows[0].server_version
  } catch {
    return 'unknown'
  } finally {
    await c.end().catch(() => {})
  }
}

/** The CPU model as /proc/cpuinfo names it (os.cpus() elsewhere). */
function cpuModel() {
  try {
    const line = require('node:fs').readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'))
    if (line) return line.split(':').slice(1).join(':').trim()
  } catch {}
  return os.cpus()[0].model.trim()
}

async function main() {
  await getServer()
  const load0 = os.loadavg()
  const started = Date.now()
  const specs = []
  if (values.real) specs.push({ label: `real: ${values['real-name'] || realName(values.real)}`, real: path.resolve(values.real) })
  for (const n of values.sizes.split(',').map(Number).filter(Boolean)) specs.push({ label: `synthetic ${n}`, synthetic: n })

  const datasets = []
  try {
    for (const spec of specs) {
      process.stderr.write(`setting up ${spec.label} ...\n`)
      datasets.push(await makeDataset(spec))
    }
    const results = []
    for (const ds of datasets) {
      process.stderr.write(`in-process: ${ds.label}\n`)
      results.push([ds, await inProcess(ds, ds.migrations > 2000 ? Math.max(5, Math.floor(ITERATIONS / 2)) : ITERATIONS)])
    }
    const coldBase = datasets.find((d) => d.label.startsWith('real')) || datasets[0]
    const big = datasets.reduce((a, b) => (b.migrations > a.migrations ? b : a))
    process.stderr.write(`cold processes on ${coldBase.label}\n`)
    const c = cold(coldBase, big !== coldBase ? big : null)
    const st = values['no-stages'] ? null : (process.stderr.write(`stages on ${coldBase.label}\n`), stages(coldBase))
    const fleet = values['no-fleet'] ? null : (process.stderr.write('fleet\n'), await benchFleet(doctor, { count: Number(values.tenants) }))
    const load1 = os.loadavg()
    const version = await serverVersion(datasets[0].url)

    out()
    out(`Machine: ${cpuModel()}, ${os.availableParallelism()} cores, shared (load average ${f2(load0[0])} at the start, ${f2(load1[0])} at the end); Node ${process.version}; PostgreSQL ${version} on loopback. ${new Date().toISOString().slice(0, 10)}, ${Math.round((Date.now() - started) / 1000)} s.`)
    if (!values.real) {
      out()
      out('Real history: none given, so only synthetic histories below (pass `--real DIR` or set `PMD_BENCH_REAL` to a project\'s migrations folder; README "Benchmarks" says how to get trigger.dev\'s).')
    }
    out()
    out('`diagnose()` (full evidence: files, checksums, ledger, catalog, cause, verdict) against the real engine\'s warm `diagnoseMigrationHistory` (engine open, pool connected), interleaved, medians. `diagnose({ keepConnection: true })` called again, as an app or a loop does, starts on the connection the previous call kept (plaintext sessions, 5 s); the next column opens a new connection each call (a new server backend, its catalog caches cold):')
    out()
    out('| history | migrations | failed statements | `diagnose()` ms | engine call ms | ratio | `diagnose()`, new connection, ms | ratio | engine + reading the folder (as the CLI does) ms | ratio |')
    out('|---|---|---|---|---|---|---|---|---|---|')
    for (const [ds, r] of results) {
      out(`| ${ds.label} | ${ds.migrations} | ${r.statements} | ${f1(r.doctor)} | ${f1(r.call)} | **${f2(r.doctor / r.call)}x** | ${f1(r.fresh)} | ${f2(r.fresh / r.call)}x | ${f1(r.callRead)} | ${f2(r.doctor / r.callRead)}x |`)
    }
    out()
    out(`Cold processes on ${coldBase.label} (${coldBase.migrations} migrations), ${COLD_RUNS} interleaved rounds, medians; peak RSS from GNU time:`)
    out()
    out('| process | wall ms | vs `node -e 0` | vs engine status | peak RSS MiB |')
    out('|---|---|---|---|---|')
    const row = (name, r) => out(`| ${name} | ${f1(r.wallMs)} | ${f2(r.wallMs / c.node.wallMs)}x | ${f2(r.wallMs / c.engine.wallMs)}x | ${f1(r.rssMiB)} |`)
    row('`node -e 0`', c.node)
    row("`require('prisma-migrate-doctor')` (JS + addon)", c.load)
    row('**CLI `diagnose --json`**', c.cli)
    row('engine: load the wasm engine, status (bench/engine-status.js)', c.engine)
    if (c.cliBig) row(`CLI \`diagnose --json\`, ${big.label} (${big.migrations} migrations)`, c.cliBig)
    if (st) {
      out()
      out(`Where one \`diagnose()\` spends its time on ${coldBase.label} (the core without Node, bench/stages.rs, each stage alone, medians):`)
      out()
      out('| stage | ms |')
      out('|---|---|')
      for (const [stage, v] of st) out(`| ${stage} | ${f2(v)} |`)
      out(`| Node start-up (\`node -e 0\`) | ${f1(c.node.wallMs)} |`)
      out(`| loading the package and its addon (above minus \`node -e 0\`) | ${f1(c.load.wallMs - c.node.wallMs)} |`)
    }
    if (fleet) {
      out()
      out(`Fleet: ${fleet.count} tenant schemas in one database (20 migrations each, ${fleet.failed} with a failed migration), one \`diagnoseMany({ schemas: 'tenant\\\\_%' })\`, median of 3:`)
      out()
      out('| concurrency | connections | ms | ms per tenant |')
      out('|---|---|---|---|')
      for (const r of fleet.rows) out(`| ${r.concurrency} | ${r.connections} | ${f1(r.ms)} | ${f2(r.ms / fleet.count)} |`)
      if (fleet.memory.full && fleet.memory.small) {
        const { small, full, smallCount } = fleet.memory
        const perTenant = ((full.rssMiB - small.rssMiB) * 1024 * 1024) / (fleet.count - smallCount)
        out()
        out(
          `Peak RSS of a process running diagnoseMany: ${f1(small.rssMiB)} MiB for ${smallCount} tenants, ${f1(full.rssMiB)} MiB for ${fleet.count}: ` +
            `${(perTenant / 1024).toFixed(1)} KiB per tenant, for a report of ${(full.reportBytes / fleet.count).toFixed(0)} bytes of JSON per tenant.`,
        )
      }
      out(`(fleet setup: ${Math.round(fleet.setupMs / 1000)} s)`)
    }
    out()
    out(`(setup: the engine deployed ${datasets.map((d) => `${d.label} in ${Math.round(d.deployMs / 1000)} s`).join(', ')})`)
  } finally {
    for (const ds of datasets) await ds.drop().catch(() => {})
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench failed: ${err.stack || err}\n`)
    process.exit(1)
  },
)
