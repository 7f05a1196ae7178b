'use strict'
// Project discovery against real projects on disk (__test__/fixtures/discovery) and a real
// PostgreSQL: Prisma 5 and 6 layouts (single file, schema folders, package.json, directUrl, .env
// layering and ${VAR} expansion) and Prisma 7 config files loaded by the real @prisma/config.
// Each diagnosis must connect to the database the project names, and say where every value came
// from; no output may carry a password.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

const doctor = require('prisma-migrate-doctor')
const { createDatabase, DEFAULT_PASSWORD } = require('./support/postgres')

const ROOT = path.resolve(__dirname, '..')
const FIXTURES = path.join(__dirname, 'fixtures', 'discovery')
const CLI = path.join(ROOT, 'bin', 'prisma-migrate-doctor.js')
const fixture = (name) => path.join(FIXTURES, name)
const enc = (s) => encodeURIComponent(s)

// Variables the fixtures read; the real environment of the test run must not leak into them.
const MANAGED = [
  'DATABASE_URL', 'DIRECT_URL', 'SHADOW_DATABASE_URL', 'P6_FOLDER_URL', 'PMD_P7_URL', 'P6_SCHEMA', 'DB_NAME',
  'SHARED_SETTING', 'PMD_T_USER', 'PMD_T_PASS', 'PMD_T_HOST', 'PMD_T_PORT', 'PMD_T_DB',
]
const saved = Object.fromEntries(MANAGED.map((k) => [k, process.env[k]]))

let db
let base // the PMD_T_* variables
const SECRETS = [DEFAULT_PASSWORD, enc(DEFAULT_PASSWORD), enc(DEFAULT_PASSWORD).toLowerCase(), 'pooled_secret']

function assertNoSecret(text, label) {
  for (const s of SECRETS) assert.ok(!String(text).includes(s), `${label} leaks a password (${s}):\n${text}`)
}

/** Runs fn with exactly these managed variables set (the others unset), then restores them. */
async function withEnv(vars, fn) {
  for (const k of MANAGED) delete process.env[k]
  Object.assign(process.env, base, vars)
  try {
    return await fn()
  } finally {
    for (const k of MANAGED) delete process.env[k]
  }
}

async function diagnoseIn(dir, vars = {}, extra = {}) {
  return withEnv(vars, async () => {
    const d = await doctor.diagnose({ cwd: dir, ...extra })
    assertNoSecret(JSON.stringify(d), `diagnosis of ${dir}`)
    assertNoSecret(d.summary, `summary of ${dir}`)
    return d
  })
}

async function failIn(dir, vars = {}, extra = {}) {
  return withEnv(vars, async () => {
    let error
    try {
      await doctor.diagnose({ cwd: dir, ...extra })
    } catch (e) {
      error = e
    }
    assert.ok(error, `expected diagnose in ${dir} to fail`)
    assertNoSecret(`${error.message}\n${error.stack}`, `error in ${dir}`)
    return error
  })
}

function copyFixture(name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pmd-disc-${name}-`))
  fs.cpSync(fixture(name), dir, { recursive: true })
  return dir
}

test.before(async () => {
  for (const k of MANAGED) delete process.env[k]
  db = await createDatabase('discovery')
  const s = db.server
  base = { PMD_T_USER: enc(s.user), PMD_T_PASS: enc(s.password), PMD_T_HOST: s.host, PMD_T_PORT: String(s.port), PMD_T_DB: db.name }
})

test.after(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
  if (db) await db.drop()
})

test('Prisma 5: ./schema.prisma, URL from the root .env with ${VAR} expansion', async () => {
  const dir = fixture('p5-root-schema')
  const d = await diagnoseIn(dir)
  assert.equal(d.database.database, db.name)
  assert.equal(d.database.schema, 'p5_root')
  assert.equal(
    d.database.urlSource,
    `DATABASE_URL in ${dir}/.env, via url = env("DATABASE_URL") in ${dir}/schema.prisma`,
  )
  assert.equal(d.database.schemaPath, path.join(dir, 'schema.prisma'))
  assert.match(d.database.schemaSource, /^default location /)
  assert.equal(d.migrationsDir, path.join(dir, 'migrations'))
  assert.equal(d.database.migrationsDirSource, `next to the schema ${dir}/schema.prisma`)
  assert.deepEqual(d.database.envFiles, [path.join(dir, '.env')])
  assert.equal(d.database.configFile ?? null, null)
  assert.deepEqual(d.unappliedMigrationNames, ['20240101000000_init'])
  assert.equal(d.findings.filter((f) => f.code === 'pooler-url').length, 0)

  // The real environment wins over .env...
  const fromEnv = await diagnoseIn(dir, { DATABASE_URL: db.url({ schema: 'from_env' }) })
  assert.equal(fromEnv.database.schema, 'from_env')
  assert.match(fromEnv.database.urlSource, /^environment variable DATABASE_URL, via url = env\("DATABASE_URL"\) in /)
  // ...and an explicit url beats everything.
  const fromOption = await diagnoseIn(dir, { DATABASE_URL: db.url({ schema: 'from_env' }) }, { url: db.url({ schema: 'opt' }) })
  assert.equal(fromOption.database.schema, 'opt')
  assert.equal(fromOption.database.urlSource, 'option url')
})

test('Prisma 6: directUrl is preferred; .env layered root then prisma/, expanded across files', async () => {
  const dir = fixture('p6-direct-url')
  const d = await diagnoseIn(dir)
  // DATABASE_URL points at a pooler on port 6543 (nothing listens there): directUrl was used.
  assert.equal(d.database.port, db.server.port)
  assert.equal(d.database.database, db.name) // ${DB_NAME} comes from the root .env
  assert.equal(d.database.schema, 'p6_direct') // ${P6_SCHEMA:-p6_direct}
  assert.equal(
    d.database.urlSource,
    `DIRECT_URL in ${dir}/prisma/.env, via directUrl = env("DIRECT_URL") in ${dir}/prisma/schema.prisma`,
  )
  assert.deepEqual(d.database.envFiles, [path.join(dir, '.env'), path.join(dir, 'prisma', '.env')])
  assert.equal(d.migrationsDir, path.join(dir, 'prisma', 'migrations'))
  const conflict = d.findings.find((f) => f.code === 'configuration')
  assert.ok(conflict, JSON.stringify(d.findings))
  assert.match(conflict.message, /SHARED_SETTING is defined in both .*\.env and .*prisma\/\.env; the first one is used/)
  assert.equal(d.findings.filter((f) => f.code === 'pooler-url').length, 0)

  // A variable from the real environment inside a .env value.
  const env = await diagnoseIn(dir, { P6_SCHEMA: 'p6_from_env' })
  assert.equal(env.database.schema, 'p6_from_env')

  // Passing the pooled URL by hand is reported, pointing to directUrl.
  const pooled = await diagnoseIn(dir, {}, { url: db.url({ pgbouncer: 'true' }) })
  const finding = pooled.findings.find((f) => f.code === 'pooler-url')
  assert.ok(finding, JSON.stringify(pooled.findings))
  assert.equal(finding.severity, 'warning')
  assert.match(finding.message, /pgbouncer=true/)
  assert.match(finding.message, /directUrl/)
  assert.match(pooled.summary, /pooler/)
})

test('Prisma 6: a declared directUrl whose variable is missing is an error that says where it looked', async () => {
  const dir = copyFixture('p6-direct-url')
  try {
    fs.rmSync(path.join(dir, 'prisma', '.env'))
    const err = await failIn(dir)
    assert.equal(err.code, 'E_CONFIG')
    assert.match(err.message, /directUrl = env\("DIRECT_URL"\) in .*schema\.prisma, but DIRECT_URL is not set/)
    assert.ok(err.message.includes(path.join(dir, '.env')), err.message)
    assert.ok(err.message.includes(path.join(dir, 'prisma', '.env')), err.message)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('Prisma 6: a prisma/schema/ folder of .prisma files, migrations beside it', async () => {
  const dir = fixture('p6-schema-folder')
  const d = await diagnoseIn(dir, { P6_FOLDER_URL: db.url({ schema: 'p6_folder' }) })
  assert.equal(d.database.schema, 'p6_folder')
  assert.equal(
    d.database.urlSource,
    `environment variable P6_FOLDER_URL, via url = env("P6_FOLDER_URL") in ${dir}/prisma/schema/main.prisma`,
  )
  assert.equal(d.database.schemaPath, path.join(dir, 'prisma', 'schema'))
  assert.equal(d.migrationsDir, path.join(dir, 'prisma', 'migrations'))
  assert.match(d.database.migrationsDirSource, /^next to the schema folder /)

  const err = await failIn(dir)
  assert.equal(err.code, 'E_CONFIG')
  assert.match(err.message, /set P6_FOLDER_URL/)
  assert.match(err.message, /P6_FOLDER_URL \(from url = env\("P6_FOLDER_URL"\) in .*main\.prisma\) in the environment and in /)
  assert.ok(err.message.includes(path.join(dir, '.env')), err.message)
})

test('Prisma 6.7+: package.json "prisma.schema" names a folder; migrations inside it', async () => {
  const dir = fixture('p6-package-json-folder')
  const d = await diagnoseIn(dir, { P6_FOLDER_URL: db.url() })
  assert.equal(d.database.schemaPath, path.join(dir, 'db'))
  assert.equal(d.database.schemaSource, `"prisma": {"schema"} in ${dir}/package.json`)
  assert.equal(d.migrationsDir, path.join(dir, 'db', 'migrations'))
  assert.match(d.database.migrationsDirSource, /^inside the schema folder /)
  assert.deepEqual(d.unappliedMigrationNames, ['20240101000000_init'])
})

test('Prisma 7: prisma.config.ts loaded by the real @prisma/config', async () => {
  const dir = fixture('p7-config')
  const config = path.join(dir, 'prisma.config.ts')
  const d = await diagnoseIn(dir, { PMD_P7_URL: db.url({ schema: 'p7' }) })
  assert.equal(d.database.schema, 'p7')
  assert.equal(d.database.configFile, config)
  assert.equal(d.database.urlSource, `datasource.url in ${config}`)
  assert.equal(d.database.schemaPath, path.join(dir, 'database', 'schema.prisma'))
  assert.equal(d.database.schemaSource, `schema in ${config}`)
  assert.equal(d.migrationsDir, path.join(dir, 'database', 'history'))
  assert.equal(d.database.migrationsDirSource, `migrations.path in ${config}`)
  assert.deepEqual(d.unappliedMigrationNames, ['20240101000000_init'])

  // Explicit options still win over the config file.
  const explicit = await diagnoseIn(dir, { PMD_P7_URL: db.url({ schema: 'p7' }) }, { url: db.url({ schema: 'p7_opt' }) })
  assert.equal(explicit.database.schema, 'p7_opt')
  assert.equal(explicit.database.urlSource, 'option url')
  assert.equal(explicit.database.migrationsDirSource, `migrations.path in ${config}`)

  // env('PMD_P7_URL') throws when it is unset: the error names the file and the variable.
  const err = await failIn(dir)
  assert.equal(err.code, 'E_CONFIG')
  assert.ok(err.message.includes(config), err.message)
  assert.match(err.message, /Cannot resolve environment variable: PMD_P7_URL/)
  // ...unless everything the file would give was passed.
  const passed = await diagnoseIn(dir, {}, { url: db.url(), migrationsDir: 'database/history' })
  assert.equal(passed.database.configFile ?? null, null)
  assert.equal(passed.database.migrationsDirSource, 'option migrationsDir')
})

test('Prisma 7: .config/prisma.ts, paths relative to the config file', async () => {
  const dir = fixture('p7-dot-config')
  const d = await diagnoseIn(dir, { PMD_P7_URL: db.url() })
  assert.equal(d.database.configFile, path.join(dir, '.config', 'prisma.ts'))
  assert.equal(d.database.schemaPath, path.join(dir, 'prisma', 'schema.prisma'))
  assert.equal(d.migrationsDir, path.join(dir, 'prisma', 'migrations'))
  assert.match(d.database.migrationsDirSource, /^next to the schema /)
})

test('Prisma 7 without @prisma/config installed: E_CONFIG says what to install or pass', async () => {
  const dir = copyFixture('p7-config') // outside the repo: nothing resolves @prisma/config
  try {
    const err = await failIn(dir, { PMD_P7_URL: db.url() })
    assert.equal(err.code, 'E_CONFIG')
    assert.ok(err.message.includes(path.join(dir, 'prisma.config.ts')), err.message)
    assert.match(err.message, /@prisma\/config is not installed/)
    assert.match(err.message, /--url, --schema, --migrations-dir/)
    const d = await diagnoseIn(dir, {}, { url: db.url(), migrationsDir: 'database/history' })
    assert.equal(d.database.urlSource, 'option url')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('a provider other than PostgreSQL is E_UNSUPPORTED_PROVIDER naming it', async () => {
  const dir = fixture('unsupported-provider')
  const err = await failIn(dir, { DATABASE_URL: db.url() })
  assert.equal(err.code, 'E_UNSUPPORTED_PROVIDER')
  assert.match(err.message, /provider "mysql"/)
  assert.ok(err.message.includes(path.join(dir, 'prisma', 'schema.prisma')), err.message)
})

test('nothing to find: the errors list every place that was searched', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmd-disc-empty-'))
  try {
    const err = await failIn(dir, {}, { url: db.url() })
    assert.equal(err.code, 'E_CONFIG')
    assert.ok(err.message.includes(path.join(dir, 'prisma', 'migrations')), err.message)
    assert.match(err.message, /no Prisma schema found .*schema\.prisma, prisma\/schema\.prisma, prisma\/schema\//)
    fs.mkdirSync(path.join(dir, 'prisma', 'migrations'), { recursive: true })
    const noUrl = await failIn(dir)
    assert.equal(noUrl.code, 'E_CONFIG')
    assert.match(noUrl.message, /No database URL: pass url \(CLI: --url\) or set DATABASE_URL/)
    assert.ok(noUrl.message.includes(path.join(dir, '.env')), noUrl.message)
    assert.ok(noUrl.message.includes(path.join(dir, 'prisma', '.env')), noUrl.message)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('the CLI reports the sources in --json and never prints a password', async () => {
  const env = { ...process.env, ...base, NO_COLOR: '1' }
  for (const k of MANAGED) if (!(k in base)) delete env[k]
  const run = (args, extraEnv = {}) =>
    spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 60000 })

  const json = run(['diagnose', '--json', '--cwd', fixture('p6-direct-url')])
  assert.equal(json.status, 0, json.stderr)
  assertNoSecret(json.stdout + json.stderr, 'CLI --json')
  const d = JSON.parse(json.stdout)
  assert.match(d.database.urlSource, /^DIRECT_URL in /)
  assert.ok(d.database.migrationsDirSource)

  const p7 = run(['--json', '--cwd', fixture('p7-config')], { PMD_P7_URL: db.url({ schema: 'p7_cli' }) })
  assert.equal(p7.status, 0, p7.stderr)
  assertNoSecret(p7.stdout + p7.stderr, 'CLI --json (Prisma 7)')
  assert.equal(JSON.parse(p7.stdout).database.configFile, path.join(fixture('p7-config'), 'prisma.config.ts'))

  const text = run(['--cwd', fixture('p5-root-schema')])
  assert.equal(text.status, 0, text.stderr)
  assertNoSecret(text.stdout + text.stderr, 'CLI text')

  const failed = run(['--json', '--cwd', fixture('p7-config')])
  assert.equal(failed.status, 2)
  assertNoSecret(failed.stdout + failed.stderr, 'CLI config error')
  assert.equal(JSON.parse(failed.stdout).error.code, 'E_CONFIG')
})
