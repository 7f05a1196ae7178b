'use strict'
// Prisma 7 keeps a project's settings in prisma.config.{ts,mts,cts,js,mjs,cjs} (or under .config/):
// `schema`, `migrations.path` and `datasource.url`. The file is TypeScript or ESM and may run code
// (e.g. `import 'dotenv/config'`, `env('DATABASE_URL')`), so it is loaded with the project's OWN
// `@prisma/config` package, the loader the Prisma CLI uses (loadConfigFromFile), never with a
// parser of ours. What it returns is passed to the native call as `prismaConfig`; explicit options
// (url, schema, migrationsDir) still win over it on the Rust side.
//
// Notes:
// - `@prisma/config` is resolved from the project directory (createRequire), then through the
//   project's `prisma` package (pnpm keeps it there).
// - Loading runs the config file in this process, as the Prisma CLI does: a `dotenv/config`
//   import in it reads `.env` from process.cwd() into process.env.
// - Pass `prismaConfig: null` to skip the config file altogether.

const fs = require('node:fs')
const path = require('node:path')
const { createRequire } = require('node:module')
const { pathToFileURL } = require('node:url')

// The order @prisma/config 7.x searches in (findPrismaConfigFile).
const EXTENSIONS = ['.js', '.ts', '.mjs', '.cjs', '.mts', '.cts']
const BASENAMES = ['prisma.config', path.join('.config', 'prisma'), path.join('.config', 'prisma.config')]
const CANDIDATES = [
  ...EXTENSIONS.map((ext) => `prisma7.config${ext}`),
  ...EXTENSIONS.map((ext) => path.join('.config', `prisma7${ext}`)),
  ...BASENAMES.flatMap((base) => [
    ...EXTENSIONS.map((ext) => `${base}${ext}`),
    ...EXTENSIONS.map((ext) => path.join(base, `index${ext}`)),
  ]),
]

function configError(message) {
  const err = new Error(message)
  err.code = 'E_CONFIG'
  return err
}

/** Replaces the password of any URL in `text` (and the given secrets) with ****. */
function redact(text, secrets = []) {
  let out = String(text).replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*:)[^\s@/]*@/gi, '$1****@')
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < 3) continue
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('****')
  }
  return out
}

/** The password of a URL, raw and as written, for redaction. */
function urlSecrets(url) {
  if (typeof url !== 'string') return []
  try {
    const u = new URL(url)
    if (!u.password) return []
    let decoded = u.password
    try {
      decoded = decodeURIComponent(u.password)
    } catch {}
    return [u.password, decoded]
  } catch {
    return []
  }
}

/** The first Prisma config file in `root`, or null. */
function findConfigFile(root) {
  for (const candidate of CANDIDATES) {
    const file = path.resolve(root, candidate)
    try {
      if (fs.statSync(file).isFile()) return file
    } catch {}
  }
  return null
}

/** The project's own `@prisma/config` module, or null when it is not installed. */
async function loadProjectConfigPackage(root) {
  const fromRoot = createRequire(path.join(root, 'package.json'))
  const attempts = [
    () => fromRoot.resolve('@prisma/config'),
    () => createRequire(fromRoot.resolve('prisma/package.json')).resolve('@prisma/config'),
  ]
  for (const attempt of attempts) {
    let resolved
    try {
      resolved = attempt()
    } catch {
      continue
    }
    try {
      return { module: require(resolved), resolved }
    } catch (e) {
      if (e && e.code === 'ERR_REQUIRE_ESM') return { module: await import(pathToFileURL(resolved).href), resolved }
      throw configError(`Cannot load the project's @prisma/config (${resolved}): ${e && e.message}`)
    }
  }
  return null
}

function describeLoadError(error) {
  const inner = error && error.error
  const detail = inner && inner.message ? `: ${inner.message}` : ''
  switch (error && error._tag) {
    case 'ConfigFileNotFound':
      return 'the file was not found'
    case 'ConfigFileSyntaxError':
      return `its default export is not a valid Prisma config${detail}`
    case 'ConfigLoadError':
      return `it failed to load${detail}`
    default:
      return `it could not be loaded${detail}`
  }
}

/**
 * Loads the Prisma config file of the project, if there is one.
 * @param {{ cwd?: string, url?: string, schema?: string, migrationsDir?: string }} [options]
 * @returns {Promise<null | { file: string, schema?: string, migrationsPath?: string, datasourceUrl?: string }>}
 */
async function loadPrismaConfig(options = {}) {
  const root = path.resolve(options.cwd ?? process.cwd())
  const file = findConfigFile(root)
  if (!file) return null
  const secrets = urlSecrets(options.url)
  // Everything the config could give was passed explicitly: nothing to load.
  const explicit = Boolean(options.url) && Boolean(options.migrationsDir || options.schema)

  const pkg = await loadProjectConfigPackage(root)
  if (!pkg) {
    if (explicit) return null
    throw configError(
      `Found the Prisma config file ${file}, but @prisma/config is not installed in ${root}, so it cannot be read ` +
        '(it is TypeScript/ESM and may run code). Install the project\'s dependencies (the `prisma` package brings ' +
        '@prisma/config; or `npm install --save-dev @prisma/config`), or pass url, schema and migrationsDir ' +
        '(CLI: --url, --schema, --migrations-dir).',
    )
  }
  const { loadConfigFromFile } = pkg.module
  if (typeof loadConfigFromFile !== 'function') {
    if (explicit) return null
    throw configError(
      `Found the Prisma config file ${file}, but the installed @prisma/config (${pkg.resolved}) has no ` +
        'loadConfigFromFile: it is too old to read it (Prisma 6.x early config?). Upgrade prisma, or pass url, ' +
        'schema and migrationsDir (CLI: --url, --schema, --migrations-dir).',
    )
  }

  let result
  try {
    // Runs the file (TypeScript via jiti) the way the Prisma CLI does.
    result = await loadConfigFromFile({ configFile: path.relative(root, file), configRoot: root })
  } catch (e) {
    result = { error: { _tag: 'UnknownError', error: e } }
  }
  if (!result || result.error || !result.config) {
    // url and a schema or migrations folder were passed: the config file is not needed.
    if (explicit) return null
    const why = redact(describeLoadError(result && result.error), secrets).replace(/[.\s]+$/, '')
    throw configError(
      `Cannot read the Prisma config file ${file}: ${why}. Fix the file (or set the environment variables it ` +
        'reads), or pass url, schema and migrationsDir (CLI: --url, --schema, --migrations-dir).',
    )
  }
  const config = result.config
  const loaded = {
    file: result.resolvedPath || file,
  }
  if (typeof config.schema === 'string' && config.schema) loaded.schema = config.schema
  const migrationsPath = config.migrations && config.migrations.path
  if (typeof migrationsPath === 'string' && migrationsPath) loaded.migrationsPath = migrationsPath
  const url = config.datasource && config.datasource.url
  if (typeof url === 'string' && url.trim()) loaded.datasourceUrl = url
  return loaded
}

/**
 * The options for the native call: with `prismaConfig` filled in when the project has a config
 * file (unless the caller passed `prismaConfig`, or `prismaConfig: null` to skip it).
 */
async function withPrismaConfig(options) {
  // Malformed options are left for the native layer to reject with E_INVALID_ARG.
  if (options !== undefined && options !== null && typeof options !== 'object') return options
  if (options && options.cwd !== undefined && options.cwd !== null && typeof options.cwd !== 'string') return options
  if (options && Object.prototype.hasOwnProperty.call(options, 'prismaConfig')) return options
  const config = await loadPrismaConfig(options || {})
  if (!config) return options
  return { ...(options || {}), prismaConfig: config }
}

module.exports = { loadPrismaConfig, withPrismaConfig, findConfigFile, redact, CANDIDATES }
