'use strict'
// The package as a user installs it. The project is packed the way a release publishes it (the
// root package without a binary, plus the npm/<platform> package for this machine with the .node
// built here, wired by the real `napi prepublish`), both tarballs are installed offline into a
// fresh app, and from that app: require, import, npx, error codes, a strict TypeScript consumer,
// and the message for a platform whose binary is missing.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

const REPO = path.resolve(__dirname, '..')
const ROOT_PKG = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'))
const NAPI_CLI = path.join(REPO, 'node_modules', '@napi-rs', 'cli', 'dist', 'cli.js')
const TSC = path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc')
const PASSWORD = 'pkg-secret-Xq9'

// napi-rs's platform names of the release targets (package.json napi.targets).
const TARGET_NAMES = {
  'x86_64-unknown-linux-gnu': 'linux-x64-gnu',
  'x86_64-unknown-linux-musl': 'linux-x64-musl',
  'aarch64-unknown-linux-gnu': 'linux-arm64-gnu',
  'x86_64-apple-darwin': 'darwin-x64',
  'aarch64-apple-darwin': 'darwin-arm64',
  'x86_64-pc-windows-msvc': 'win32-x64-msvc',
}

function hostPlatform() {
  const base = `${process.platform}-${process.arch}`
  if (process.platform === 'linux') return `${base}-${process.report.getReport().header.glibcVersionRuntime ? 'gnu' : 'musl'}`
  if (process.platform === 'win32') return `${base}-msvc`
  return base
}

const HOST = hostPlatform()
const HOST_PKG = `prisma-migrate-doctor-${HOST}`

function sh(command, args, { cwd, env, allowFail = false } = {}) {
  const r = spawnSync(command, args, {
    cwd,
    env: { ...process.env, NO_COLOR: '1', ...env },
    encoding: 'utf8',
    shell: process.platform === 'win32' && /^np[mx]$/.test(command),
    timeout: 180000,
  })
  if (r.error) throw r.error
  const out = { code: r.status, stdout: r.stdout, stderr: r.stderr }
  if (!allowFail && r.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`)
  }
  return out
}

function pack(dir, dest) {
  const r = sh('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dest], { cwd: dir })
  const [info] = JSON.parse(r.stdout)
  return { file: path.join(dest, info.filename), files: info.files.map((f) => f.path).sort() }
}

function closedPort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

let tmp
let app
let rootTarball
let hostTarball
let stagedManifest

test.before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pmd-pkg-'))
  const packs = path.join(tmp, 'packs')
  fs.mkdirSync(packs)
  // 1. What `npm pack` takes from the repository (package.json "files").
  rootTarball = pack(REPO, packs)
  // 2. The release: that package plus npm/<host> with the binary, through `napi prepublish`
  //    (only this machine's target: the other five binaries are built by the release workflow).
  const stage = path.join(tmp, 'stage')
  fs.mkdirSync(stage)
  sh('tar', ['-xzf', rootTarball.file, '-C', stage])
  const staged = path.join(stage, 'package')
  const manifest = JSON.parse(fs.readFileSync(path.join(staged, 'package.json'), 'utf8'))
  manifest.napi.targets = manifest.napi.targets.filter((t) => TARGET_NAMES[t] === HOST)
  assert.equal(manifest.napi.targets.length, 1, `${HOST} is one of the release targets`)
  fs.writeFileSync(path.join(staged, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  const hostDir = path.join(staged, 'npm', HOST)
  fs.cpSync(path.join(REPO, 'npm', HOST), hostDir, { recursive: true })
  const binary = `prisma-migrate-doctor.${HOST}.node`
  fs.copyFileSync(path.join(REPO, binary), path.join(hostDir, binary))
  sh(process.execPath, [NAPI_CLI, 'prepublish', '-t', 'npm', '--skip-optional-publish', '--no-gh-release'], { cwd: staged })
  stagedManifest = JSON.parse(fs.readFileSync(path.join(staged, 'package.json'), 'utf8'))
  const releasePacks = path.join(tmp, 'release')
  fs.mkdirSync(releasePacks)
  const releaseRoot = pack(staged, releasePacks)
  hostTarball = pack(hostDir, releasePacks)
  // 3. A fresh app installs both, offline.
  app = path.join(tmp, 'app')
  fs.mkdirSync(app)
  fs.writeFileSync(path.join(app, 'package.json'), '{ "name": "app", "version": "1.0.0", "private": true }\n')
  // ... a Prisma project (Prisma 6 layout: the URL comes from the environment or the options).
  fs.mkdirSync(path.join(app, 'prisma', 'migrations', '20240101000000_init'), { recursive: true })
  fs.writeFileSync(path.join(app, 'prisma', 'schema.prisma'), 'datasource db {\n  provider = "postgresql"\n  url      = env("DATABASE_URL")\n}\n')
  fs.writeFileSync(path.join(app, 'prisma', 'migrations', '20240101000000_init', 'migration.sql'), 'CREATE TABLE "A" ("id" INTEGER PRIMARY KEY);\n')
  sh('npm', ['install', '--offline', '--no-audit', '--no-fund', releaseRoot.file, hostTarball.file], { cwd: app })
})

test.after(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true })
})

test('the tarballs hold the wrapped API and the CLI; the binary ships in the platform package', () => {
  const files = rootTarball.files
  for (const f of ['package.json', 'README.md', 'index.js', 'index.d.ts', 'lib/index.js', 'lib/index.mjs', 'lib/binding.js', 'lib/config.js', 'lib/prisma-cli.js', 'bin/prisma-migrate-doctor.js']) {
    assert.ok(files.includes(f), `${f} is packed: ${files.join(', ')}`)
  }
  assert.deepEqual(files.filter((f) => /\.node$|^src\/|^__test__\/|^Cargo|^target\//.test(f)), [])
  assert.ok(hostTarball.files.includes(`prisma-migrate-doctor.${HOST}.node`), hostTarball.files.join(', '))
  // `napi prepublish` wired the platform package as an optional dependency, at the same version.
  assert.deepEqual(stagedManifest.optionalDependencies, { [HOST_PKG]: ROOT_PKG.version })
})

// Issue 8: what users download. The limit is for linux-x64-gnu, the one target built here (the
// release profile in Cargo.toml: fat LTO, dependencies optimised for size but the hot path).
test('the linux-x64-gnu release binary users download is at most 5 MB', { skip: HOST !== 'linux-x64-gnu' && `the size limit is set for linux-x64-gnu, this is ${HOST}` }, () => {
  const bytes = fs.statSync(path.join(REPO, `prisma-migrate-doctor.${HOST}.node`)).size
  assert.ok(bytes <= 5_000_000, `prisma-migrate-doctor.${HOST}.node is ${bytes} bytes (limit 5,000,000): see Cargo.toml [profile.release]`)
})

test('in the repository, the package name resolves to the wrapped API (self-reference through exports)', async () => {
  assert.equal(require.resolve('prisma-migrate-doctor'), path.join(REPO, 'lib', 'index.js'))
  const r = sh(process.execPath, ['--input-type=module', '-e', "process.stdout.write(import.meta.resolve('prisma-migrate-doctor'))"], { cwd: REPO })
  assert.equal(r.stdout, require('node:url').pathToFileURL(path.join(REPO, 'lib', 'index.mjs')).href)
  assert.equal(require('prisma-migrate-doctor'), require(path.join(REPO, 'lib', 'index.js')))
})

test('every release target has its npm/<platform> package, at the root version', () => {
  const dirs = fs.readdirSync(path.join(REPO, 'npm')).sort()
  assert.deepEqual(dirs, ROOT_PKG.napi.targets.map((t) => TARGET_NAMES[t]).sort())
  for (const dir of dirs) {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'npm', dir, 'package.json'), 'utf8'))
    assert.equal(pkg.name, `prisma-migrate-doctor-${dir}`)
    assert.equal(pkg.version, ROOT_PKG.version)
    assert.equal(pkg.main, `prisma-migrate-doctor.${dir}.node`)
    assert.deepEqual(pkg.files, [pkg.main])
    assert.ok(pkg.os && pkg.cpu, `${dir} has os and cpu`)
  }
})

const CHECKS = (url) => `
  const results = {}
  results.entry = resolvePath('prisma-migrate-doctor')
  results.functions = ['diagnose', 'resolve', 'heal'].map((n) => typeof doctor[n])
  results.target = doctor.__napiBindingTarget
  const codeOf = (p) => p.then(() => ({ code: 'resolved' }), (e) => ({ code: e.code, message: e.message, isError: e instanceof Error }))
  results.unreachable = await codeOf(doctor.diagnose({ url: ${JSON.stringify(url)}, cwd: process.cwd() }))
  results.badArg = await codeOf(doctor.resolve({ url: ${JSON.stringify(url)}, migration: 'x', as: 'sideways' }))
  results.noUrl = await codeOf(doctor.diagnose({ cwd: process.cwd() }))
  process.stdout.write(JSON.stringify(results))
`

function assertChecks(results, port) {
  assert.equal(results.entry, path.join(fs.realpathSync(app), 'node_modules', 'prisma-migrate-doctor', 'lib', results.entry.endsWith('.mjs') ? 'index.mjs' : 'index.js'))
  assert.deepEqual(results.functions, ['function', 'function', 'function'])
  assert.equal(results.target, 'native')
  assert.equal(results.unreachable.code, 'P1001', results.unreachable.message)
  assert.equal(results.unreachable.isError, true)
  assert.match(results.unreachable.message, new RegExp(`127\\.0\\.0\\.1:${port}`))
  assert.doesNotMatch(results.unreachable.message, /^\[/)
  assert.ok(!results.unreachable.message.includes(PASSWORD), 'no password in the message')
  assert.equal(results.badArg.code, 'E_INVALID_ARG', results.badArg.message)
  assert.equal(results.noUrl.code, 'E_CONFIG', results.noUrl.message)
}

function appEnv() {
  const env = { ...process.env }
  delete env.DATABASE_URL
  delete env.NAPI_RS_NATIVE_LIBRARY_PATH
  return env
}

test('require() by name from the app: the wrapped API with stable error codes', async () => {
  const port = await closedPort()
  const url = `postgresql://app:${PASSWORD}@127.0.0.1:${port}/db?connect_timeout=3`
  const script = path.join(app, 'check.cjs')
  fs.writeFileSync(script, `'use strict'\nconst doctor = require('prisma-migrate-doctor')\nconst resolvePath = (n) => require.resolve(n)\n;(async () => {${CHECKS(url)}})()\n`)
  const r = sh(process.execPath, [script], { cwd: app, env: appEnv() })
  assertChecks(JSON.parse(r.stdout), port)
})

test('import by name from the app (ESM): the same wrapped API', async () => {
  const port = await closedPort()
  const url = `postgresql://app:${PASSWORD}@127.0.0.1:${port}/db?connect_timeout=3`
  const script = path.join(app, 'check.mjs')
  fs.writeFileSync(
    script,
    `import doctor, { diagnose, resolve, heal } from 'prisma-migrate-doctor'\n` +
      `import { fileURLToPath } from 'node:url'\n` +
      `if (doctor.diagnose !== diagnose || doctor.resolve !== resolve || doctor.heal !== heal) throw new Error('named and default exports differ')\n` +
      `const resolvePath = (n) => fileURLToPath(import.meta.resolve(n))\n` +
      CHECKS(url),
  )
  const r = sh(process.execPath, [script], { cwd: app, env: appEnv() })
  const results = JSON.parse(r.stdout)
  assert.match(results.entry, /index\.mjs$/)
  assertChecks(results, port)
})

test('npx prisma-migrate-doctor from the app: --version, and a P1001 as exit code 2', async () => {
  let r = sh('npx', ['--offline', 'prisma-migrate-doctor', '--version'], { cwd: app, env: appEnv() })
  assert.equal(r.stdout.trim(), ROOT_PKG.version)
  const port = await closedPort()
  r = sh('npx', ['--offline', 'prisma-migrate-doctor', 'diagnose', '--json', '--url', `postgresql://app:${PASSWORD}@127.0.0.1:${port}/db?connect_timeout=3`], {
    cwd: app,
    env: appEnv(),
    allowFail: true,
  })
  assert.equal(r.code, 2, r.stderr)
  assert.equal(JSON.parse(r.stdout).error.code, 'P1001')
  assert.ok(!(r.stdout + r.stderr).includes(PASSWORD))
})

const TSCONFIG = (files) => ({
  compilerOptions: {
    strict: true,
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2022',
    lib: ['es2022'],
    types: [],
    noEmit: true,
    skipLibCheck: false,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
  },
  files,
})

const CONSUMER = `import { diagnose, heal, resolve } from 'prisma-migrate-doctor'
import type { Diagnosis, FailedMigration, HealAllow, Verdict, Action } from 'prisma-migrate-doctor'

export async function check(): Promise<string> {
  const d: Diagnosis = await diagnose({ cwd: '/srv/app', connectTimeoutMs: 2000 })
  const first: FailedMigration | undefined = d.failed[0]
  const verdict: Verdict | undefined = first?.verdict
  const action: Action | undefined = first?.action
  const allow: HealAllow[] = ['retry', 'mark-applied']
  const h = await heal({ allow, dryRun: true })
  const r = await resolve({ migration: '20240101000000_init', as: 'rolled-back' })
  return [d.summary, verdict, action, h.blocked, r.changes.length].join(' ')
}
`

const CONSUMER_ESM = `import doctor, { diagnose } from 'prisma-migrate-doctor'
export const same: boolean = doctor.diagnose === diagnose
`

const MISUSE = `import { heal, resolve } from 'prisma-migrate-doctor'

export async function misuse(): Promise<void> {
  await heal({ allow: ['retry', 'yolo'] })
  await resolve({ migration: 'x', as: 'applied-ish' })
}
`

test('a strict TypeScript consumer compiles with tsc; a misused string union does not', () => {
  fs.writeFileSync(path.join(app, 'consumer.ts'), CONSUMER)
  fs.writeFileSync(path.join(app, 'consumer-esm.mts'), CONSUMER_ESM)
  fs.writeFileSync(path.join(app, 'misuse.ts'), MISUSE)
  fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify(TSCONFIG(['consumer.ts', 'consumer-esm.mts'])))
  fs.writeFileSync(path.join(app, 'tsconfig.misuse.json'), JSON.stringify(TSCONFIG(['misuse.ts'])))

  let r = sh(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: app, allowFail: true })
  assert.equal(r.code, 0, r.stdout + r.stderr)

  r = sh(process.execPath, [TSC, '-p', 'tsconfig.misuse.json', '--pretty', 'false'], { cwd: app, allowFail: true })
  assert.notEqual(r.code, 0)
  const errors = r.stdout.split('\n').filter((l) => /error TS\d+/.test(l))
  assert.equal(errors.length, 2, r.stdout)
  assert.match(errors[0], /^misuse\.ts\(4,\d+\): error TS2322: Type '"yolo"' is not assignable to type 'HealAllow'\./)
  assert.match(errors[1], /^misuse\.ts\(5,\d+\): error TS2322: Type '"applied-ish"' is not assignable to type 'ResolveAs'\./)
})

test('a platform without its binary: E_NO_BINARY names the package and how to build; the CLI exits 2', () => {
  const installed = path.join(app, 'node_modules', HOST_PKG)
  const moved = path.join(tmp, `moved-${HOST_PKG}`)
  fs.renameSync(installed, moved)
  try {
    const script = path.join(app, 'nobinary.cjs')
    fs.writeFileSync(script, `try { require('prisma-migrate-doctor'); console.log('{}') } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message, pkg: e.package })) }\n`)
    let r = sh(process.execPath, [script], { cwd: app, env: appEnv() })
    const err = JSON.parse(r.stdout)
    assert.equal(err.code, 'E_NO_BINARY')
    assert.equal(err.pkg, HOST_PKG)
    assert.match(err.message, new RegExp(`the package ${HOST_PKG} is not installed`))
    assert.match(err.message, new RegExp(`npm install ${HOST_PKG}`))
    assert.match(err.message, /build it from source: .*npm run build.*NAPI_RS_NATIVE_LIBRARY_PATH/s)

    r = sh('npx', ['--offline', 'prisma-migrate-doctor', '--version'], { cwd: app, env: appEnv() })
    assert.equal(r.stdout.trim(), ROOT_PKG.version, '--version needs no binary')
    r = sh('npx', ['--offline', 'prisma-migrate-doctor', 'diagnose'], { cwd: app, env: appEnv(), allowFail: true })
    assert.equal(r.code, 2)
    assert.match(r.stderr, /E_NO_BINARY/)

    // The way out the message gives for a build from source.
    const binary = path.join(moved, `prisma-migrate-doctor.${HOST}.node`)
    r = sh(process.execPath, [script], { cwd: app, env: { ...appEnv(), NAPI_RS_NATIVE_LIBRARY_PATH: binary } })
    assert.equal(r.stdout.trim(), '{}')
  } finally {
    fs.renameSync(moved, installed)
  }
})
