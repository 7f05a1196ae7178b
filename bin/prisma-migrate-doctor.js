#!/usr/bin/env node
'use strict'
// CLI: diagnose (default) | resolve --applied NAME | --rolled-back NAME | heal | deploy.
// Exit codes: 0 deploy can proceed; 1 blocked or refused; 2 usage, config or connection error.

const { parseArgs } = require('node:util')
const path = require('node:path')

const USAGE = `Usage: prisma-migrate-doctor [diagnose|resolve|heal|deploy] [options]

Commands:
  diagnose                      Explain why \`prisma migrate deploy\` is blocked (default). Never writes.
  resolve --applied NAME        Record NAME as applied, exactly like \`prisma migrate resolve --applied\`.
  resolve --rolled-back NAME    Record NAME's failed rows as rolled back, like \`prisma migrate resolve --rolled-back\`.
  heal                          Resolve failed migrations only where the evidence proves it safe.
  deploy                        For a prestart hook: heal, then the project's own \`prisma migrate deploy\`;
                                when it fails, the diagnosis (cause and fix) at once. Exit 0 only when it succeeded.

Options:
  --url URL                     Database URL (default: DATABASE_URL, from the environment or .env)
  --schema PATH                 Path to schema.prisma (the migrations folder is beside it)
  --migrations-dir PATH         Migrations folder (default: prisma/migrations)
  --cwd PATH                    Project root (default: the current directory)
  --dry-run                     Show what resolve/heal would write; write nothing
  --prisma PATH                 deploy: the Prisma CLI to run (default: node_modules/.bin/prisma under --cwd)
  --allow LIST                  heal, deploy: comma-separated actions heal may take (retry,mark-applied,complete,revert)
  --allow-pooler                resolve/heal: write even through a pooler URL (session-mode poolers only)
  --lock-timeout MS             How long to wait for Prisma's advisory lock (default 10000)
  --connect-timeout MS          Connection timeout (default: the URL's connect_timeout, else 5000)
  --prisma-version VERSION      The Prisma version that ran \`migrate deploy\` (e.g. 6.19.3, 7.10.1): how the failed
                                script ran (default: the one installed under --cwd; deploy: the CLI it runs)
  --json                        Print one JSON document on stdout
  --if-configured               For install hooks: no URL or no reachable server -> one line, exit 0
  --strict                      Keep configuration/connection failures fatal (default)
  -h, --help                    Show this help
  -v, --version                 Show the version

Fleet (many databases or tenant schemas; diagnose and heal):
  --targets FILE                One URL or schema name per line ('-': stdin; '#' comments)
  --schemas PATTERN             Every schema matching the LIKE pattern that holds _prisma_migrations
                                (in the database of --url / the project's URL), e.g. 'tenant_%'
  --concurrency N               Targets checked at once, one connection each (default 4)

Exit codes: 0 deploy can proceed (deploy: it succeeded), 1 blocked, refused or deploy failed,
2 usage/config/connection error.
Fleet: the highest over the targets (2 when a target could not be checked).`

const SETUP_CODES = new Set([
  'P1000', 'P1001', 'P1003', 'P1011', 'E_CONFIG', 'E_INVALID_ARG', 'E_TLS', 'E_UNSUPPORTED_PROVIDER', 'E_IO',
  'E_DATABASE', 'E_INTERNAL', 'E_NO_BINARY', 'E_PRISMA_CLI',
])
// Failures that mean "nothing to do here" for a hook run with --if-configured.
const NOT_CONFIGURED_CODES = new Set(['E_CONFIG', 'P1001'])

function colours(stream) {
  const on = Boolean(stream.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb'
  const paint = (code) => (text) => (on ? `\u001b[${code}m${text}\u001b[0m` : text)
  return { red: paint('31'), green: paint('32'), yellow: paint('33'), bold: paint('1'), dim: paint('2') }
}

function parse(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      schema: { type: 'string' },
      'migrations-dir': { type: 'string' },
      cwd: { type: 'string' },
      applied: { type: 'string' },
      'rolled-back': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      prisma: { type: 'string' },
      allow: { type: 'string' },
      'lock-timeout': { type: 'string' },
      'connect-timeout': { type: 'string' },
      'prisma-version': { type: 'string' },
      json: { type: 'boolean', default: false },
      'if-configured': { type: 'boolean', default: false },
      'allow-pooler': { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
      targets: { type: 'string' },
      schemas: { type: 'string' },
      concurrency: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', short: 'v', default: false },
    },
  })
  if (positionals.length > 1) throw usageError(`Unexpected argument: ${positionals[1]}`)
  const command = positionals[0] ?? 'diagnose'
  if (!COMMANDS.includes(command)) throw usageError(`Unknown command: ${command}`)
  if (values.prisma !== undefined && command !== 'deploy') throw usageError('--prisma is for the deploy command')
  if (command === 'deploy') {
    // The deploy is the project's own CLI, which reads the URL and the migrations path from the
    // project's configuration: a different one here would heal one database and deploy another.
    for (const flag of ['url', 'migrations-dir', 'applied', 'rolled-back', 'dry-run']) {
      if (values[flag] !== undefined && values[flag] !== false) {
        throw usageError(
          `deploy does not take --${flag}: \`prisma migrate deploy\` reads the database URL and the migrations ` +
            'folder from the project (prisma.config.*, schema.prisma, the environment); set them there.',
        )
      }
    }
  }
  return { command, values }
}

const COMMANDS = ['diagnose', 'resolve', 'heal', 'deploy']

function usageError(message) {
  const err = new Error(message)
  err.code = 'E_USAGE'
  return err
}

function milliseconds(value, flag) {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value)) throw usageError(`${flag} takes a number of milliseconds, not "${value}"`)
  return Number(value)
}

function options(values) {
  const opts = {}
  if (values.url !== undefined) opts.url = values.url
  if (values.schema !== undefined) opts.schema = values.schema
  if (values['migrations-dir'] !== undefined) opts.migrationsDir = values['migrations-dir']
  if (values.cwd !== undefined) opts.cwd = path.resolve(values.cwd)
  const lock = milliseconds(values['lock-timeout'], '--lock-timeout')
  if (lock !== undefined) opts.lockTimeoutMs = lock
  const connect = milliseconds(values['connect-timeout'], '--connect-timeout')
  if (connect !== undefined) opts.connectTimeoutMs = connect
  if (values['prisma-version'] !== undefined) opts.prismaVersion = values['prisma-version']
  return opts
}

async function run(argv, { stdout = process.stdout, stderr = process.stderr } = {}) {
  let parsed
  const c = colours(stdout)
  try {
    parsed = parse(argv)
  } catch (err) {
    stderr.write(`prisma-migrate-doctor: ${err.message}\n\n${USAGE}\n`)
    return 2
  }
  const { command, values } = parsed
  if (values.help) {
    stdout.write(`${USAGE}\n`)
    return 0
  }
  if (values.version) {
    stdout.write(`${require('../package.json').version}\n`)
    return 0
  }
  try {
    // Inside the try: a platform without a binary gets the E_NO_BINARY message, exit 2.
    const doctor = require('../lib/index.js')
    const opts = options(values)
    if (values.targets !== undefined || values.schemas !== undefined) {
      if (command === 'resolve') throw usageError('--targets and --schemas work with diagnose and heal, not resolve')
      const { runFleet } = require('../lib/fleet-cli.js')
      return await runFleet(doctor, command, opts, values, { stdout, stderr, paint: (s) => paintSummary(s, c) })
    }
    if (command === 'diagnose') {
      const d = await doctor.diagnose(opts)
      if (values.json) stdout.write(`${JSON.stringify(d, null, 2)}\n`)
      else stdout.write(paintSummary(d.summary, c))
      return d.blocked || d.needsBaseline ? 1 : 0
    }
    if (command === 'resolve') {
      const applied = values.applied
      const rolledBack = values['rolled-back']
      if ((applied === undefined) === (rolledBack === undefined)) {
        throw usageError('resolve needs exactly one of --applied NAME or --rolled-back NAME')
      }
      const outcome = await doctor.resolve({
        ...opts,
        migration: applied ?? rolledBack,
        as: applied !== undefined ? 'applied' : 'rolled-back',
        dryRun: values['dry-run'],
        allowPooler: values['allow-pooler'],
      })
      if (values.json) stdout.write(`${JSON.stringify(outcome, null, 2)}\n`)
      else stdout.write(outcome.summary)
      return 0
    }
    const allow = values.allow === undefined ? undefined : values.allow.split(',').map((s) => s.trim()).filter(Boolean)
    if (command === 'deploy') return await deploy(doctor, { ...opts, allow }, values, { stdout, stderr, c })
    const outcome = await doctor.heal({
      ...opts,
      dryRun: values['dry-run'],
      allowPooler: values['allow-pooler'],
      ...(allow ? { allow } : {}),
    })
    if (values.json) stdout.write(`${JSON.stringify(outcome, null, 2)}\n`)
    else stdout.write(paintSummary(outcome.summary, c))
    return outcome.blocked ? 1 : 0
  } catch (err) {
    const code = err.code ?? 'E_INTERNAL'
    if (values['if-configured'] && !values.strict && NOT_CONFIGURED_CODES.has(code)) {
      stderr.write(`prisma-migrate-doctor: skipped (${code}): ${firstLine(err.message)}\n`)
      return 0
    }
    if (values.json) stdout.write(`${JSON.stringify({ error: { code, message: err.message } }, null, 2)}\n`)
    const ce = colours(stderr)
    stderr.write(`${ce.red(`Error ${code}`)}: ${err.message}\n`)
    if (code === 'E_USAGE') {
      stderr.write(`\n${USAGE}\n`)
      return 2
    }
    return SETUP_CODES.has(code) ? 2 : 1
  }
}

// deploy: heal, then the project's own `prisma migrate deploy`; on failure the diagnosis at once.
async function deploy(doctor, { allow, ...opts }, values, { stdout, stderr, c }) {
  const { findPrismaCli, prismaCliVersion, runMigrateDeploy } = require('../lib/prisma-cli.js')
  const root = opts.cwd ?? process.cwd()
  const cli = findPrismaCli(root, values.prisma)
  const prismaVersion = prismaCliVersion(cli.file)
  // The CLI that runs the deploy says how it runs a script (unless --prisma-version says otherwise).
  const doctorOpts = { ...opts }
  if (prismaVersion && doctorOpts.prismaVersion === undefined) doctorOpts.prismaVersion = prismaVersion
  const report = { command: 'deploy', prismaCli: { path: cli.file, version: prismaVersion } }
  const say = (line) => stderr.write(`prisma-migrate-doctor: ${line}\n`)

  const healed = await doctor.heal({
    ...doctorOpts,
    allowPooler: values['allow-pooler'],
    ...(allow ? { allow } : {}),
  })
  report.heal = healed
  if (!values.json) stdout.write(paintSummary(healed.summary, c))
  if (healed.blocked) {
    // `migrate deploy` would stop (P3009, or P3005 for a schema to baseline): heal's report says
    // why and what to do.
    report.deploy = { ran: false }
    const stop = healed.diagnosis && healed.diagnosis.needsBaseline && !healed.diagnosis.blocked ? 'P3005' : 'P3009'
    say(`not running \`prisma migrate deploy\`: it would stop with ${stop} (see ${values.json ? 'heal.summary' : 'above'}).`)
    if (values.json) stdout.write(`${JSON.stringify(report, null, 2)}\n`)
    return 1
  }

  say(`running \`prisma migrate deploy\` (${cli.file}${prismaVersion ? `, prisma ${prismaVersion}` : ''})`)
  const extraArgs = opts.schema !== undefined ? ['--schema', opts.schema] : []
  // --json: stdout carries one document, so the CLI's own output goes to stderr.
  const result = await runMigrateDeploy(cli, { root, extraArgs, stdout: values.json ? stderr : stdout, stderr })
  report.deploy = { ran: true, ok: result.ok, exitCode: result.exitCode, signal: result.signal, errorCode: result.errorCode }
  if (result.ok) {
    if (values.json) stdout.write(`${JSON.stringify(report, null, 2)}\n`)
    else say('`prisma migrate deploy` succeeded.')
    return 0
  }

  const how = result.signal ? `was stopped by ${result.signal}` : `failed${result.errorCode ? ` with ${result.errorCode}` : ''} (exit code ${result.exitCode})`
  say(`\`prisma migrate deploy\` ${how}. Diagnosing:`)
  try {
    const diagnosis = await doctor.diagnose(doctorOpts)
    report.diagnosis = diagnosis
    if (values.json) stdout.write(`${JSON.stringify(report, null, 2)}\n`)
    else {
      stdout.write(paintSummary(diagnosis.summary, c))
      if (!diagnosis.blocked && !diagnosis.needsBaseline && diagnosis.failed.length === 0) {
        say('the migration history shows nothing that explains the failure: read Prisma\'s output above.')
      }
    }
    return 1
  } catch (err) {
    const code = err.code ?? 'E_INTERNAL'
    report.error = { code, message: err.message }
    if (values.json) stdout.write(`${JSON.stringify(report, null, 2)}\n`)
    stderr.write(`${colours(stderr).red(`Error ${code}`)}: the diagnosis after the failed deploy failed: ${err.message}\n`)
    return SETUP_CODES.has(code) ? 2 : 1
  }
}

function firstLine(text) {
  return String(text).split('\n')[0]
}

function paintSummary(summary, c) {
  return summary
    .split('\n')
    .map((line) => {
      if (/^(BLOCKED|REFUSED|ERRORS|NOTHING CHECKED)\b/.test(line)) return c.red(c.bold(line))
      if (line.startsWith('OK') || line.startsWith('HEALED')) return c.green(c.bold(line))
      if (line.startsWith('✗')) return c.red(line)
      if (/^\s+\[warning\]/.test(line)) return c.yellow(line)
      return line
    })
    .join('\n')
}

module.exports = { run }

if (require.main === module) {
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code
    },
    (err) => {
      process.stderr.write(`prisma-migrate-doctor: internal error: ${err && err.message}\n`)
      process.exitCode = 2
    },
  )
}
