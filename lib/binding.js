'use strict'
// Loads the native addon through the napi-generated loader (../index.js), which looks for
// ./prisma-migrate-doctor.<platform>.node (a local build), then the npm package
// prisma-migrate-doctor-<platform> (an optionalDependency of the published package), and honours
// NAPI_RS_NATIVE_LIBRARY_PATH. When none loads, the loader's own error says little; this one
// says which package is missing and how to get a binary, with the stable code E_NO_BINARY.

const path = require('node:path')

// The npm/<platform> packages a release publishes (package.json napi.targets).
const PREBUILT = ['linux-x64-gnu', 'linux-x64-musl', 'linux-arm64-gnu', 'darwin-x64', 'darwin-arm64', 'win32-x64-msvc']

function isMusl() {
  if (process.platform !== 'linux') return false
  try {
    const report = process.report && process.report.getReport()
    if (report && report.header && report.header.glibcVersionRuntime) return false
    if (report && Array.isArray(report.sharedObjects)) return report.sharedObjects.some((f) => /libc\.musl-|ld-musl-/.test(f))
  } catch {}
  return false
}

/** napi-rs's name for this platform: linux-x64-gnu, darwin-arm64, win32-x64-msvc, ... */
function platformArchAbi() {
  const base = `${process.platform}-${process.arch}`
  if (process.platform === 'linux') return `${base}-${isMusl() ? 'musl' : 'gnu'}`
  if (process.platform === 'win32') return `${base}-msvc`
  return base
}

function causes(err) {
  const out = []
  for (let e = err && err.cause; e && out.length < 10; e = e.cause) out.push(e)
  return out
}

function noBinaryError(loadError) {
  const platform = platformArchAbi()
  const pkg = `prisma-migrate-doctor-${platform}`
  let installed = false
  try {
    require.resolve(`${pkg}/package.json`)
    installed = true
  } catch {}
  const lines = []
  const override = process.env.NAPI_RS_NATIVE_LIBRARY_PATH
  if (override) {
    const reason = causes(loadError)
      .map((e) => String(e && e.message).split('\n')[0])
      .find((m) => m.includes(override))
    lines.push(`prisma-migrate-doctor: NAPI_RS_NATIVE_LIBRARY_PATH=${override} could not be loaded${reason ? `: ${reason}` : '.'}`)
  } else if (installed) {
    // The package is there but its .node did not load (an older glibc, a wrong architecture, ...).
    const reasons = causes(loadError)
      .map((e) => String(e && e.message).split('\n')[0])
      .filter((m) => m && !/Cannot find module/.test(m))
    lines.push(
      `prisma-migrate-doctor: the native binary in ${pkg} could not be loaded on this platform (${platform}, Node ${process.version})` +
        (reasons.length ? `: ${reasons[0]}` : '.'),
    )
  } else if (PREBUILT.includes(platform)) {
    lines.push(
      `prisma-migrate-doctor: the native binary for ${platform} is missing: the package ${pkg} is not installed. ` +
        'It is an optional dependency of prisma-migrate-doctor that npm installs on this platform only; it was skipped ' +
        '(an install with --omit=optional / --no-optional, or a lockfile made on another platform, ' +
        'https://github.com/npm/cli/issues/4828). Reinstall: remove node_modules (and package-lock.json if it was made ' +
        `elsewhere), then \`npm install\`; or add it yourself: \`npm install ${pkg}\`.`,
    )
  } else {
    lines.push(
      `prisma-migrate-doctor: there is no prebuilt native binary for ${platform} (Node ${process.version}): ` +
        `the package ${pkg} does not exist. Prebuilt: ${PREBUILT.join(', ')}.`,
    )
  }
  lines.push(
    'To build it from source: install Rust (https://rustup.rs) and a C linker, then in a clone of the ' +
      'prisma-migrate-doctor repository run `npm ci && npm run build`, and point the environment variable ' +
      `NAPI_RS_NATIVE_LIBRARY_PATH at the file it makes (${path.join('<clone>', `prisma-migrate-doctor.${platform}.node`)}).`,
  )
  const err = new Error(lines.join('\n'))
  err.code = 'E_NO_BINARY'
  err.platform = platform
  err.package = pkg
  err.cause = loadError
  return err
}

/** The napi binding, or an E_NO_BINARY error. */
function loadBinding() {
  try {
    return require('../index.js')
  } catch (err) {
    throw noBinaryError(err)
  }
}

module.exports = { loadBinding, platformArchAbi, PREBUILT }
