#!/usr/bin/env node
'use strict';
// Runs the Node test suite against ONE PostgreSQL server for the whole run.
//
//   node scripts/run-node-tests.js [node --test flags...] [files...]
//
// - PMD_TEST_DATABASE_URL set (a superuser URL): that server is used, nothing is started.
// - otherwise one embedded PostgreSQL is started, its coordinates are written to a temp JSON file
//   and exported as PMD_TEST_PG_STATE (read by __test__/support/postgres.js getServer()).
// Then `node --test --test-concurrency=1 <files>` runs (files: the arguments, or every
// __test__/*.test.js); arguments starting with "-" are passed to node before the files.
// The exit code of the test run is forwarded; the server is stopped in every case, also on
// SIGINT/SIGTERM (exit code 128 + signal number then).

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..');
const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };

function listTestFiles() {
  const dir = path.join(ROOT, '__test__');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.test.js'))
    .sort()
    .map((f) => path.join('__test__', f));
}

async function main() {
  const args = process.argv.slice(2);
  // --cargo: run `cargo test` (the core's integration tests need a server too) before node's.
  const withCargo = args.includes('--cargo');
  const flags = args.filter((a) => a.startsWith('-') && a !== '--cargo');
  let files = args.filter((a) => !a.startsWith('-'));
  if (files.length === 0) files = listTestFiles();
  if (files.length === 0) {
    console.error('run-node-tests: no test files');
    return 1;
  }

  const env = { ...process.env };
  let server = null;
  let stateDir = null;
  let child = null;
  let stopping = null;

  const cleanup = () => {
    if (!stopping) {
      stopping = (async () => {
        if (server) await server.stop().catch((e) => console.error('run-node-tests: stopping postgres:', e.message));
        if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
      })();
    }
    return stopping;
  };

  let signalled = null;
  for (const sig of Object.keys(SIGNALS)) {
    process.on(sig, () => {
      if (signalled) {
        // second signal: stop waiting for the tests
        if (child) child.kill('SIGKILL');
        return;
      }
      signalled = sig;
      if (child) child.kill(sig);
      else cleanup().finally(() => process.exit(128 + SIGNALS[sig]));
    });
  }

  try {
    if (env.PMD_TEST_DATABASE_URL) {
      delete env.PMD_TEST_PG_STATE;
      console.error('run-node-tests: using the server from PMD_TEST_DATABASE_URL');
    } else {
      const { startPostgres } = require(path.join(ROOT, '__test__', 'support', 'postgres.js'));
      const t0 = Date.now();
      server = await startPostgres();
      if (signalled) return 128 + SIGNALS[signalled];
      stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmd-run-'));
      const stateFile = path.join(stateDir, 'postgres.json');
      const { adminUrl, host, port, user, password, database, socketDir, dataDir, pid, serverVersion } = server;
      fs.writeFileSync(
        stateFile,
        JSON.stringify({ adminUrl, host, port, user, password, database, socketDir, dataDir, pid, serverVersion }, null, 2),
        { mode: 0o600 },
      );
      env.PMD_TEST_PG_STATE = stateFile;
      console.error(`run-node-tests: PostgreSQL ${serverVersion} on ${host}:${port} (started in ${Date.now() - t0} ms)`);
    }

    const run = (command, commandArgs, commandEnv) =>
      new Promise((resolve) => {
        child = spawn(command, commandArgs, { cwd: ROOT, env: commandEnv, stdio: 'inherit' });
        child.on('error', (e) => {
          console.error(`run-node-tests: cannot start ${command}:`, e.message);
          resolve(1);
        });
        child.on('exit', (c, sig) => {
          child = null;
          resolve(c != null ? c : 128 + (SIGNALS[sig] || 9));
        });
      });
    if (withCargo) {
      const cargoEnv = { ...env, PMD_TEST_DATABASE_URL: env.PMD_TEST_DATABASE_URL || server.adminUrl };
      const cargoCode = await run('cargo', ['test', '--no-default-features'], cargoEnv);
      if (signalled) return 128 + SIGNALS[signalled];
      if (cargoCode !== 0) return cargoCode;
    }
    const code = await run(process.execPath, ['--test', '--test-concurrency=1', ...flags, ...files], env);
    if (signalled) return 128 + SIGNALS[signalled];
    return code;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error('run-node-tests:', (e && e.stack) || e);
    process.exit(1);
  },
);
