'use strict'
// The package entry: the native binding with errors that carry a stable `code`.
// napi-rs async functions can only reject with a generic status, so the Rust side prefixes the
// message with "[CODE] "; this wrapper moves it onto `err.code`.

// The napi loader (../index.js), or an error with code E_NO_BINARY naming the missing package.
const native = require('./binding.js').loadBinding()
const { withPrismaConfig } = require('./config.js')

const CODE_PREFIX = /^\[([A-Z][A-Z0-9_]*)\] ([\s\S]*)$/
// Statuses napi itself raises while converting arguments (a string where a number belongs, an
// unknown enum value, ...): the caller passed bad input.
const NAPI_ARGUMENT_STATUSES = /^(InvalidArg|GenericFailure|[A-Za-z]+Expected)$/

function withCode(err) {
  if (!(err instanceof Error)) return err
  const match = CODE_PREFIX.exec(err.message)
  if (match) {
    err.code = match[1]
    err.message = match[2]
    if (typeof err.stack === 'string') err.stack = err.stack.replace(`[${match[1]}] `, '')
  } else if (err.code === undefined || NAPI_ARGUMENT_STATUSES.test(err.code)) {
    err.code = 'E_INVALID_ARG'
  }
  return err
}

function wrap(fn) {
  return async function (options, ...rest) {
    try {
      // Prisma 7: read prisma.config.* with the project's own @prisma/config first (lib/config.js).
      return await fn(await withPrismaConfig(options), ...rest)
    } catch (err) {
      throw withCode(err)
    }
  }
}

function invalidArg(message) {
  const err = new Error(message)
  err.code = 'E_INVALID_ARG'
  return err
}

// diagnoseMany / healMany: `onProgress` is a function, so it travels as its own argument (a
// thread-safe callback on the native side), not inside the options object. A callback that
// throws must not take the run down with it.
function wrapMany(fn, name) {
  return async function (options) {
    try {
      if (options === null || typeof options !== 'object' || Array.isArray(options)) {
        throw invalidArg(`${name}() takes an options object with targets (URLs or schema names) and/or schemas (a LIKE pattern).`)
      }
      const { onProgress, ...rest } = options
      if (onProgress !== undefined && onProgress !== null && typeof onProgress !== 'function') {
        throw invalidArg(`${name}(): onProgress must be a function.`)
      }
      const progress = onProgress
        ? (p) => {
            try {
              onProgress(p)
            } catch {}
          }
        : undefined
      return await fn(await withPrismaConfig(rest), progress)
    } catch (err) {
      throw withCode(err)
    }
  }
}

module.exports = {
  diagnose: wrap(native.diagnose),
  resolve: wrap(native.resolve),
  heal: wrap(native.heal),
  diagnoseMany: wrapMany(native.diagnoseMany, 'diagnoseMany'),
  healMany: wrapMany(native.healMany, 'healMany'),
  __napiBindingTarget: native.__napiBindingTarget,
}
