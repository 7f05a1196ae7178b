'use strict'
// Builds the native addon when it is missing or older than the Rust sources, so `npm test` and
// `npm run demo` work on a fresh clone. Set PMD_SKIP_BUILD=1 to use whatever is there.

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.resolve(__dirname, '..')

function newestMtime(entry) {
  const stat = fs.statSync(entry)
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = 0
  for (const name of fs.readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, name)))
  return newest
}

function addonPath() {
  const name = fs.readdirSync(root).find((f) => f.startsWith('prisma-migrate-doctor.') && f.endsWith('.node'))
  return name && path.join(root, name)
}

function main() {
  if (process.env.PMD_SKIP_BUILD === '1') return
  const addon = addonPath()
  const sources = Math.max(
    newestMtime(path.join(root, 'src')),
    newestMtime(path.join(root, 'Cargo.toml')),
    newestMtime(path.join(root, 'build.rs')),
  )
  if (addon && fs.statSync(addon).mtimeMs >= sources) return
  process.stderr.write(addon ? 'Rust sources changed: rebuilding the addon\n' : 'Building the native addon (first run)\n')
  const started = Date.now()
  const napi = path.join(root, 'node_modules', '@napi-rs', 'cli', 'dist', 'cli.js')
  const result = spawnSync(process.execPath, [napi, 'build', '--platform', '--release'], {
    cwd: root,
    stdio: 'inherit',
    env: { CARGO_BUILD_JOBS: String(require('node:os').availableParallelism()), ...process.env },
  })
  if (result.status !== 0) {
    process.stderr.write('Building the addon failed: is Rust (cargo) installed? https://rustup.rs\n')
    process.exit(result.status ?? 1)
  }
  process.stderr.write(`Addon built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
}

main()
