'use strict';
// The real Prisma schema engine (the `@prisma/schema-engine-wasm` build of prisma-engines) as the
// reference peer of the doctor: it produces failed-migration scenarios and must then deploy (or
// still refuse) exactly as the Prisma CLI would.
//
// Wiring (see DESIGN.md "Tests use real parts"):
//   - the package targets bundlers (`import * as wasm from "./schema_engine_bg.wasm"`), so we
//     compile schema_engine_bg.wasm ourselves (once per process), instantiate it with the import
//     object { './schema_engine_bg.js': <the glue module> }, then __wbg_set_wasm + __wbindgen_start.
//     The glue module keeps the instance in a module-level variable: ONE instance per process,
//     shared by every open PrismaEngine (after a wasm panic, engines opened later get a new
//     instance with a new copy of the glue). The glue is an ES module and the package only
//     exports "./schema_engine_bg" (no ".js" subpath), so it is resolved that way and import()ed.
//   - database access goes through @prisma/adapter-pg (PrismaPg) bound with
//     bindMigrationAwareSqlAdapterFactory, like the Prisma CLI does when an adapter is configured.
//     We hand PrismaPg our own pg.Pool so close() can end it (the engine never disposes it).
//
// `?schema=NAME` in the URL: adapter-pg's `schema` option only feeds getConnectionInfo() (the
// engine then describes that schema and creates it if missing, `CREATE SCHEMA "NAME"`), it does
// not change the search_path that scripts and the unqualified `_prisma_migrations` run in. The
// native engine does both, so we also pass pg `options: -c search_path="NAME"`.
//
// Two ways of running a migration.sql (option `mode`):
//   'split'  adapter-pg's own executeScript: script.split(';'), each piece trimmed and run as its
//            own query (autocommit). A failure leaves the earlier statements applied; `;` inside
//            $$ bodies or string literals breaks the script.
//   'native' (default) like the native schema engine: the whole script is ONE simple-protocol
//            query (pool.query(script) without parameters), i.e. one implicit transaction on
//            PostgreSQL: a failing script leaves no trace unless it has its own BEGIN/COMMIT.
//            Errors are mapped exactly like adapter-pg maps them (its onError ->
//            DriverAdapterError(convertDriverError(e))), so the engine records them the same way.
//
// What ends up in `_prisma_migrations.logs` (observed with this engine build, both modes give the
// same text, only the statement that failed differs): the engine stores
// `ConnectorError::from_source(adapterError, "external connector error").to_string()`, i.e.
//
//   external connector error
//   Error querying the database: ERROR: type "datetime" does not exist
//      0: sql_schema_connector::apply_migration::apply_script
//              with migration_name="20240102000000_bad"
//                at schema-engine/connectors/sql-schema-connector/src/apply_migration.rs:113
//      1: schema_commands::commands::apply_migrations::Applying migration
//              with migration_name="20240102000000_bad"
//                at schema-engine/commands/src/commands/apply_migrations.rs:95
//      2: schema_engine_wasm::wasm::engine::ApplyMigrations
//                at schema-engine/schema-engine-wasm/src/wasm/engine.rs:167
//
// The SQLSTATE is NOT in these logs (in either mode). The second line depends on how adapter-pg
// maps the SQLSTATE (its convertDriverError): unmapped codes become kind "postgres" and read
// `Error querying the database: ERROR: <postgres message>` (42704 above, 42P07
// `... ERROR: relation "A" already exists`, 42601 `... ERROR: syntax error at or near ";"`);
// mapped codes read as quaint's own sentence, without the Postgres text:
//   42P01  `No such table: Nope`
//   42703  `Error accessing result set, column not found: zz of relation A`
//   23505  `Unique constraint failed: A_pkey`
// (also mapped: 23502, 23503, 23001, 22P02, 22001, 22003, 40001, 40P01, 3D000, 28000, 28P01,
// 42P04, 53300). The native CLI binary instead stores the P3018 text (`A migration failed to
// apply. ... Database error code: 42704 ...`): that shape cannot be produced by this harness.
//
// The advisory lock (72707369): the engine takes it with `SELECT pg_advisory_lock(72707369)` on
// whichever pool connection runs it and never unlocks; the lock lives as long as that connection.
// So an open PrismaEngine keeps holding it after applyMigrations/markMigration* returned, until
// close() (or until a query fails on that connection: pg-pool destroys a client whose
// pool.query() failed, e.g. the failing migration script (both modes) or the probe of a missing
// ledger). Close engines before the doctor takes the lock, or it will wait for them.
//
// Connection failures surface at open() as errors WITHOUT a code, messages like
// "Authentication failed against database server, the provided database credentials for
// `postgres` are not valid. ...", "Can't reach database server at `127.0.0.1:1` ...",
// "Database `x` does not exist".
//
// Errors: the wasm engine rejects with an Error named "SchemaConnectorError". User-facing errors
// (P3009, P3008, P3011, P3012, P3017, P3019, ...) carry the Prisma code in an own `code` property
// (that is what the Prisma CLI's SchemaEngineWasm checks: `'code' in error`). A failing migration
// script is NOT a user-facing error in the wasm engine (no P3018, no code): we add
// `code = 'P3018'` with `codeSynthesized = true` and `migrationName` for those, keeping the
// engine's message untouched.

const fsp = require('node:fs/promises');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const pg = require('pg');
const { PrismaPg } = require('@prisma/adapter-pg');
const { bindMigrationAwareSqlAdapterFactory } = require('@prisma/driver-adapter-utils');
const { parseUrl, searchPathOption } = require('./postgres');

const FILTERS = Object.freeze({ externalTables: [], externalEnums: [] });
const LOCKFILE_NAME = 'migration_lock.toml';
const MIGRATION_FILE = 'migration.sql';

// ---------------------------------------------------------------------------------------------
// loading the wasm engine

let compiled = null; // Promise<WebAssembly.Module>, per process
let runtime = null; // Promise<{ bg, instanceId }>: the live instance
let instanceCounter = 0;
let lastPanic = null;

function wasmPath() {
  // PMD_SCHEMA_ENGINE_WASM: another build of the same engine (the prisma CLI package ships its own,
  // build/schema_engine_bg.wasm; the glue of @prisma/schema-engine-wasm loads it as well).
  if (process.env.PMD_SCHEMA_ENGINE_WASM) return process.env.PMD_SCHEMA_ENGINE_WASM;
  // "." is exported with a "require" condition: resolves to schema_engine.js next to the .wasm
  return path.join(path.dirname(require.resolve('@prisma/schema-engine-wasm')), 'schema_engine_bg.wasm');
}

async function loadRuntime() {
  if (!runtime) {
    runtime = (async () => {
      // the engine's panic hook calls global.PRISMA_WASM_PANIC_REGISTRY.set_message(msg)
      if (!globalThis.PRISMA_WASM_PANIC_REGISTRY) {
        globalThis.PRISMA_WASM_PANIC_REGISTRY = {
          set_message(message) {
            lastPanic = String(message);
          },
        };
      }
      if (!compiled) compiled = fsp.readFile(wasmPath()).then((bytes) => WebAssembly.compile(bytes));
      const mod = await compiled;
      // A fresh copy of the glue per instance (the query string makes a new ES module instance):
      // the glue caches views of the instance's memory, so a replacement instance (after a
      // panic) must not share it with the dead one.
      const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
      const bg = await import(`${pathToFileURL(gluePath).href}?instance=${instanceCounter + 1}`);
      // The engine arms a 10 s setTimeout for every advisory-lock wait (tokio::time::timeout) and
      // never clears it (the glue imports no clearTimeout): left as is, each deploy/resolve keeps
      // the process alive 10 s after the test is done. Hand it unref'd timers instead.
      const imports = Object.assign({}, bg);
      for (const name of Object.keys(bg)) {
        if (name.startsWith('__wbg_setTimeout_')) {
          imports[name] = (cb, ms) => {
            const t = setTimeout(cb, ms >>> 0);
            if (t && typeof t.unref === 'function') t.unref();
            return t;
          };
        }
      }
      const instance = new WebAssembly.Instance(mod, { './schema_engine_bg.js': imports });
      bg.__wbg_set_wasm(instance.exports);
      instance.exports.__wbindgen_start();
      instanceCounter += 1;
      return { bg, instanceId: instanceCounter };
    })();
    runtime.catch(() => {
      runtime = null;
    });
  }
  return runtime;
}

function isWasmPanic(e) {
  return e && e.name === 'RuntimeError';
}

/** The engine's version (git hash of prisma-engines). */
async function engineVersion() {
  const { bg } = await loadRuntime();
  return bg.version();
}

// ---------------------------------------------------------------------------------------------
// migrations directory, read like the Prisma CLI (packages/migrate/src/utils/listMigrations.ts)

/**
 * Builds the `migrationsList` the engine expects from a migrations directory on disk:
 * every sub-directory (Dirent.isDirectory(), hidden ones included) is a migration, sorted with
 * `localeCompare` like the CLI; migration.sql is read as UTF-8; an unreadable one gives
 * content { tag: 'error', value: <fs error message> }; a missing migration_lock.toml gives
 * lockfile.content null; a missing directory gives an empty list.
 */
async function readMigrationsList(migrationsDir, { shadowDbInitScript = '' } = {}) {
  const baseDir = path.resolve(migrationsDir);
  const lockContent = await fsp.readFile(path.join(baseDir, LOCKFILE_NAME), { encoding: 'utf-8' }).catch(() => null);
  const lockfile = { path: LOCKFILE_NAME, content: lockContent };
  const entries = await fsp.readdir(baseDir, { withFileTypes: true }).catch(() => []);
  const migrationDirectories = [];
  for (const entry of entries.filter((e) => e.isDirectory())) {
    const content = await fsp
      .readFile(path.join(baseDir, entry.name, MIGRATION_FILE), { encoding: 'utf-8' })
      .then((value) => ({ tag: 'ok', value }))
      .catch((error) => ({ tag: 'error', value: error.message }));
    migrationDirectories.push({ path: entry.name, migrationFile: { path: MIGRATION_FILE, content } });
  }
  migrationDirectories.sort((a, b) => a.path.localeCompare(b.path));
  return { baseDir, lockfile, migrationDirectories, shadowDbInitScript };
}

// ---------------------------------------------------------------------------------------------
// errors

class PrismaEngineError extends Error {
  constructor(engineError, command) {
    super(String((engineError && engineError.message) || engineError));
    this.name = 'PrismaEngineError';
    this.command = command;
    this.engineName = engineError && engineError.name;
    this.engineError = engineError;
    if (engineError && typeof engineError.code === 'string') {
      this.code = engineError.code;
      this.codeSynthesized = false;
    } else {
      const m = /apply_migration::apply_script\s+with migration_name="([^"]*)"/.exec(this.message);
      if (m) {
        this.code = 'P3018';
        this.codeSynthesized = true;
        this.migrationName = m[1];
      }
    }
    if (engineError && engineError.meta !== undefined) this.meta = engineError.meta;
  }
}

// ---------------------------------------------------------------------------------------------
// the adapter factory

/** The pg.Pool config for a Prisma-style postgresql URL (schema -> search_path). */
function poolConfigFromUrl(url) {
  const p = parseUrl(url);
  const cfg = {
    host: p.host,
    port: p.port,
    user: p.user || undefined,
    password: p.password,
    database: p.database || undefined,
    max: 4,
    idleTimeoutMillis: 0,
    allowExitOnIdle: true,
  };
  const schema = p.params.schema || undefined;
  const options = [];
  if (schema) options.push(searchPathOption(schema));
  if (p.params.options) options.push(p.params.options);
  if (options.length) cfg.options = options.join(' ');
  const ct = p.params.connect_timeout !== undefined ? Number(p.params.connect_timeout) : 5;
  if (ct > 0) cfg.connectionTimeoutMillis = ct * 1000;
  if (p.params.application_name) cfg.application_name = p.params.application_name;
  return { cfg, schema };
}

function patchNativeExecuteScript(adapter) {
  // PrismaPgAdapter.executeScript (adapter-pg dist/index.js, class PrismaPgAdapter) splits on ';'.
  // Replace it on the instance, before bindAdapter() binds it, with one simple query.
  adapter.executeScript = async function executeScriptAsOneQuery(script) {
    try {
      await this.client.query(script);
    } catch (error) {
      this.onError(error); // throws DriverAdapterError(convertDriverError(error))
    }
  };
  return adapter;
}

class NativeScriptPg extends PrismaPg {
  async connect() {
    return patchNativeExecuteScript(await super.connect());
  }
  async connectToShadowDb() {
    return patchNativeExecuteScript(await super.connectToShadowDb());
  }
}

// ---------------------------------------------------------------------------------------------

const DEFAULT_SCHEMA_TEXT = 'datasource db {\n  provider = "postgresql"\n}\n';

class PrismaEngine {
  /**
   * @param {{ url: string, mode?: 'native' | 'split', schema?: string, logLevel?: string }} opts
   *   url: Prisma-style postgresql URL (?schema=NAME honoured); schema: schema.prisma text
   *   (default: a bare postgresql datasource); datamodels: [[path, text], ...] passed to the engine
   *   as they are (what the CLI's --datamodels files hold), instead of `schema`.
   */
  static async open({ url, mode = 'native', schema, datamodels } = {}) {
    if (!url) throw new Error('PrismaEngine.open: url is required');
    if (mode !== 'native' && mode !== 'split') throw new Error(`PrismaEngine.open: unknown mode ${mode}`);
    const { bg, instanceId } = await loadRuntime();
    const { cfg, schema: dbSchema } = poolConfigFromUrl(url);
    const pool = new pg.Pool(cfg);
    pool.on('error', () => {}); // idle client errors (server restarts) must not crash the tests
    const Factory = mode === 'native' ? NativeScriptPg : PrismaPg;
    const factory = new Factory(pool, dbSchema ? { schema: dbSchema } : undefined);
    const bound = bindMigrationAwareSqlAdapterFactory(factory);
    const logs = [];
    const logFn = (line) => {
      logs.push(line);
      if (logs.length > 500) logs.shift();
    };
    const schemaText = schema ? withDatasource(schema) : DEFAULT_SCHEMA_TEXT;
    let engine;
    try {
      engine = await bg.SchemaEngine.new({ datamodels: datamodels || [['schema.prisma', schemaText]] }, logFn, bound);
    } catch (e) {
      await pool.end().catch(() => {});
      if (isWasmPanic(e)) runtime = null;
      throw new PrismaEngineError(e, 'new');
    }
    return new PrismaEngine({ engine, pool, mode, url, schemaText, dbSchema, logs, instanceId, bound });
  }

  constructor({ engine, pool, mode, url, schemaText, dbSchema, logs, instanceId, bound }) {
    this._engine = engine;
    this._pool = pool;
    this._instanceId = instanceId;
    this._bound = bound;
    this.mode = mode;
    this.url = url;
    this.schemaText = schemaText;
    this.dbSchema = dbSchema || 'public';
    this.logs = logs; // raw JSON lines from the engine's tracing
    this.closed = false;
  }

  async _run(command, input) {
    if (this.closed) throw new Error(`PrismaEngine.${command}: engine is closed`);
    const rt = await loadRuntime();
    if (rt.instanceId !== this._instanceId) {
      throw new Error(`PrismaEngine.${command}: the wasm instance was replaced after a panic; open a new engine`);
    }
    try {
      // keep the method call on the engine object (wasm-bindgen needs `this`)
      return await this._engine[command](input);
    } catch (e) {
      if (isWasmPanic(e)) {
        runtime = null; // nothing is safe after a panic: the next open() gets a new instance
        const err = new PrismaEngineError(e, command);
        err.message = `wasm panic in ${command}: ${lastPanic || e.message}`;
        err.panic = lastPanic;
        throw err;
      }
      throw new PrismaEngineError(e, command);
    }
  }

  /** Any engine method with the params as the CLI sends them over JSON-RPC (the engine stand-in). */
  call(method, params) {
    if (typeof this._engine[method] !== 'function') throw new Error(`PrismaEngine: the engine has no method ${method}`);
    return this._run(method, params);
  }

  /** `migrate deploy`. Resolves { appliedMigrationNames }. */
  async applyMigrations(migrationsDir) {
    const migrationsList = await readMigrationsList(migrationsDir);
    return this._run('applyMigrations', { migrationsList, filters: FILTERS });
  }

  /** `migrate status`: { failedMigrationNames, editedMigrationNames, history, hasMigrationsTable }. */
  async diagnoseMigrationHistory(migrationsDir, { optInToShadowDatabase = false } = {}) {
    const migrationsList = await readMigrationsList(migrationsDir);
    return this._run('diagnoseMigrationHistory', { migrationsList, optInToShadowDatabase, filters: FILTERS });
  }

  /** `migrate resolve --applied NAME`. */
  async markMigrationApplied(migrationsDir, migrationName) {
    const migrationsList = await readMigrationsList(migrationsDir);
    return this._run('markMigrationApplied', { migrationName, migrationsList });
  }

  /** `migrate resolve --rolled-back NAME` (needs no migrations dir; the argument is accepted for symmetry). */
  async markMigrationRolledBack(migrationsDirOrName, maybeName) {
    const migrationName = maybeName === undefined ? migrationsDirOrName : maybeName;
    return this._run('markMigrationRolledBack', { migrationName });
  }

  /**
   * The migration.sql `migrate dev` would write between two Prisma schema texts (`from` omitted
   * or null = empty database). A text without a datasource block gets a postgresql one.
   */
  async diff({ from = null, to }) {
    const target = (text) =>
      text == null
        ? { tag: 'empty' }
        : { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: withDatasource(text) }] };
    const res = await this._run('diff', { from: target(from), to: target(to), script: true, exitCode: null, filters: FILTERS });
    return res.stdout == null ? '' : res.stdout;
  }

  /** The full DiffResult for any DiffTarget pair ({ exitCode, stdout }). */
  async diffRaw(params) {
    return this._run('diff', { script: true, exitCode: null, filters: FILTERS, ...params });
  }

  /** `prisma db execute`: runs a script through the adapter (split or native, as the mode says). */
  async dbExecute(script) {
    return this._run('dbExecute', { datasourceType: { tag: 'url', url: this.url }, script });
  }

  /** Frees the engine and ends its pg pool (which also releases the advisory lock it holds). */
  async close() {
    if (this.closed) return;
    this.closed = true;
    try {
      const rt = await loadRuntime().catch(() => null);
      if (rt && rt.instanceId === this._instanceId) this._engine.free();
    } catch {
      // freeing after a panic may throw: the pool is what matters
    }
    await this._pool.end().catch(() => {});
  }
}

/**
 * Schema text as this (Prisma 7 line) engine accepts it: a postgresql datasource is added when
 * missing, and the Prisma 5/6 datasource URL properties (`url`, `directUrl`, `shadowDatabaseUrl`),
 * which it rejects with P1012, are dropped, so a Prisma 6 project's schema.prisma can be diffed.
 */
function withDatasource(text) {
  if (!/\bdatasource\s+\w+\s*\{/.test(text)) return DEFAULT_SCHEMA_TEXT + '\n' + text;
  return text.replace(/(\bdatasource\s+\w+\s*\{)([^}]*)(\})/, (_, open, body, close) =>
    open + body.split('\n').filter((l) => !/^\s*(url|directUrl|shadowDatabaseUrl)\s*=/.test(l)).join('\n') + close,
  );
}

module.exports = {
  PrismaEngine,
  PrismaEngineError,
  readMigrationsList,
  engineVersion,
  poolConfigFromUrl,
  FILTERS,
};
