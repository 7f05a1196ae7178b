'use strict';
// A migrations folder as Prisma reads it: every sub-directory is a migration, sorted with
// localeCompare like the CLI; a folder without migration.sql is kept out (Prisma would stop with
// P3015 on it; projects with their own runner keep data-migration folders there).

const fs = require('node:fs');
const path = require('node:path');

/**
 * @returns {{ dir: string, lockfile: string|null, migrations: Array<{ name: string, dir: string,
 *   scriptBytes: Buffer, script: string }>, skippedFolders: string[] }}
 */
function readHistory(migrationsDir) {
  const dir = path.resolve(migrationsDir);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    const e = new Error(`not a migrations folder: ${dir}`);
    e.code = 'E_CONFIG';
    throw e;
  }
  const lockPath = path.join(dir, 'migration_lock.toml');
  const lockfile = fs.existsSync(lockPath) ? fs.readFileSync(lockPath, 'utf8') : null;
  const names = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b));
  const migrations = [];
  const skippedFolders = [];
  for (const name of names) {
    const file = path.join(dir, name, 'migration.sql');
    if (!fs.existsSync(file)) {
      skippedFolders.push(name);
      continue;
    }
    const scriptBytes = fs.readFileSync(file);
    migrations.push({ name, dir: path.join(dir, name), scriptBytes, script: scriptBytes.toString('utf8') });
  }
  return { dir, lockfile, migrations, skippedFolders };
}

/** A project folder the doctor and the engine read, filled migration by migration. */
function makeWorkProject(root, lockfile) {
  const migrationsDir = path.join(root, 'prisma', 'migrations');
  fs.mkdirSync(migrationsDir, { recursive: true });
  fs.writeFileSync(
    path.join(root, 'prisma', 'schema.prisma'),
    'datasource db {\n  provider = "postgresql"\n  url      = env("DATABASE_URL")\n}\n',
  );
  if (lockfile !== null) fs.writeFileSync(path.join(migrationsDir, 'migration_lock.toml'), lockfile);
  return {
    root,
    migrationsDir,
    add(migration) {
      const d = path.join(migrationsDir, migration.name);
      fs.mkdirSync(d, { recursive: true });
      fs.writeFileSync(path.join(d, 'migration.sql'), migration.scriptBytes);
    },
  };
}

module.exports = { readHistory, makeWorkProject };
