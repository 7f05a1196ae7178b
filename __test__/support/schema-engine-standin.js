'use strict'
// A stand-in for Prisma's native `schema-engine` binary, so the real Prisma CLI (prisma 7.10.1)
// runs here, where its engine download is impossible. The CLI is pointed at it with
// PRISMA_SCHEMA_ENGINE_BINARY (an executable: see makeStandinExecutable in ./prisma-cli.js).
//
// It answers the CLI the way the binary does (read in node_modules/prisma/build/cli.js):
//   --version                                   -> "schema-engine-cli <engine hash>" on stdout
//   --datasource JSON cli can-connect-to-database
//   --datasource JSON cli create-database       -> exit 0, or exit 1 with JSON log lines on stderr
//                                                  (the CLI skips the first line and reads the
//                                                  ERROR line of target schema_engine::logger:
//                                                  fields.error_code, fields.message)
//   --datamodels FILE... --datasource JSON      -> JSON-RPC 2.0 on stdin/stdout, one object a line
// and forwards every RPC call, params untouched, to Prisma's own engine: the wasm build shipped in
// the prisma package (build/schema_engine_bg.wasm), connected through @prisma/adapter-pg (the
// harness in ./engine.js). adapter-pg runs a migration script statement by statement, as the
// 7.x native engine does; the logs it stores have the adapter's shape ("external connector
// error"), and a failed script comes back as a plain error, not P3018 (the wasm engine does not
// make it a user-facing error; the stand-in does not invent one).

const fs = require('node:fs')
const path = require('node:path')
const readline = require('node:readline')

const ENGINE_WASM = path.join(path.dirname(require.resolve('prisma/package.json')), 'build', 'schema_engine_bg.wasm')
process.env.PMD_SCHEMA_ENGINE_WASM = ENGINE_WASM

const pg = require('pg')
const { PrismaEngine, poolConfigFromUrl, engineVersion } = require('./engine')
const { parseUrl, quoteIdent } = require('./postgres')

// The JSON-RPC error code the native engine uses for every engine error.
const RPC_ENGINE_ERROR = 4466

function parseArgv(argv) {
  const out = { datamodels: [], datasource: null, cli: null, version: false }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--version' || arg === '-V') out.version = true
    else if (arg === '--datamodels') out.datamodels.push(argv[++i])
    else if (arg === '--datasource') out.datasource = JSON.parse(argv[++i])
    else if (arg === 'cli') out.cli = argv[++i]
    else if (arg === '--enabled-preview-features' || arg === '--extension-types') i++
    else throw new Error(`schema-engine stand-in: unknown argument ${arg}`)
  }
  return out
}

function logLine(level, fields) {
  return JSON.stringify({ timestamp: new Date().toISOString(), level, fields, target: 'schema_engine::logger' })
}

/** A connection failure as the native engine names it (user-facing error codes P1000/P1001/P1003). */
function connectionError(err, url) {
  const p = parseUrl(url)
  const at = `${p.host}:${p.port}`
  if (err && (err.code === '28P01' || err.code === '28000')) {
    return {
      error_code: 'P1000',
      message: `Authentication failed against database server, the provided database credentials for \`${p.user}\` are not valid.\n\nPlease make sure to provide valid database credentials for the database server at the configured address.`,
    }
  }
  if (err && err.code === '3D000') {
    return { error_code: 'P1003', message: `Database \`${p.database}\` does not exist on the database server at \`${at}\`.` }
  }
  if (err && err.code && /^[0-9A-Z]{5}$/.test(err.code)) return { message: String(err.message) }
  return {
    error_code: 'P1001',
    message: `Can't reach database server at \`${at}\`\n\nPlease make sure your database server is running at \`${at}\`.`,
  }
}

async function withClient(url, fn) {
  const client = new pg.Client(poolConfigFromUrl(url).cfg)
  client.on('error', () => {})
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end().catch(() => {})
  }
}

async function runCliCommand(command, url) {
  try {
    if (command === 'can-connect-to-database') {
      await withClient(url, () => undefined)
    } else if (command === 'create-database') {
      const u = new URL(url)
      const database = decodeURIComponent(u.pathname.slice(1))
      u.pathname = '/postgres'
      await withClient(u.toString(), (c) => c.query(`CREATE DATABASE ${quoteIdent(database)}`))
    } else if (command === 'drop-database') {
      const u = new URL(url)
      const database = decodeURIComponent(u.pathname.slice(1))
      u.pathname = '/postgres'
      await withClient(u.toString(), (c) => c.query(`DROP DATABASE ${quoteIdent(database)}`))
    } else {
      throw new Error(`unknown cli command ${command}`)
    }
    return 0
  } catch (err) {
    const fields = { is_panic: false, ...connectionError(err, url) }
    process.stderr.write(`${logLine('INFO', { message: 'Starting schema engine CLI' })}\n${logLine('ERROR', fields)}\n`)
    return 1
  }
}

function rpcError(err) {
  const message = String((err && err.message) || err)
  if (err && err.panic !== undefined) {
    return { code: RPC_ENGINE_ERROR, message, data: { is_panic: true, message, backtrace: null } }
  }
  const data = { is_panic: false, message }
  if (err && typeof err.code === 'string' && !err.codeSynthesized) {
    data.error_code = err.code
    if (err.meta !== undefined) data.meta = err.meta
  }
  return { code: RPC_ENGINE_ERROR, message: 'An error happened. Check the data field for details.', data }
}

async function serveRpc({ datamodels, datasource }) {
  const url = datasource && datasource.url
  const files = datamodels.map((file) => [file, fs.readFileSync(file, 'utf8')])
  let engine = null
  const open = async () => {
    if (!engine) engine = await PrismaEngine.open({ url, mode: 'split', datamodels: files })
    return engine
  }
  const reply = (message) => process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`)
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
  // One call at a time, in order, as the binary does.
  let queue = Promise.resolve()
  lines.on('line', (line) => {
    if (!line.trim()) return
    queue = queue.then(async () => {
      let request
      try {
        request = JSON.parse(line)
      } catch (err) {
        reply({ id: null, error: { code: -32700, message: `Parse error: ${err.message}` } })
        return
      }
      try {
        const e = await open()
        const result = await e.call(request.method, request.params === undefined ? {} : request.params)
        reply({ id: request.id, result: result === undefined ? null : result })
      } catch (err) {
        reply({ id: request.id, error: rpcError(err) })
      }
    })
  })
  await new Promise((resolve) => lines.on('close', resolve))
  await queue
  if (engine) await engine.close()
}

async function main() {
  const args = parseArgv(process.argv.slice(2))
  if (args.version) {
    process.stdout.write(`schema-engine-cli ${await engineVersion()}\n`)
    return 0
  }
  if (args.cli) return runCliCommand(args.cli, args.datasource && args.datasource.url)
  await serveRpc(args)
  return 0
}

// The CLI ends the engine with a signal when it is done: close the pool first (releases the lock).
process.on('SIGTERM', () => process.exit(0))

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${logLine('ERROR', { is_panic: true, message: String((err && err.stack) || err) })}\n`)
    process.exit(101)
  },
)
