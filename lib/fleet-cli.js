'use strict'
// The CLI's fleet mode: `diagnose|heal --targets FILE | --schemas PATTERN`. bin/ parses the flags
// and hands over here; this file reads the targets file, draws the progress bar and prints the
// aggregated report.
//
// Exit code of a fleet run: 0 when every target can deploy (healthy, behind, no ledger, healed);
// 1 when some target is blocked, refused or needs a baseline; 2 when some target could not be
// checked (its error code is in the report) or nothing matched. The highest one wins.

const fs = require('node:fs')

/** Targets from a file (`-` = stdin): one URL or schema name per line, `#` starts a comment. */
function readTargetsFile(file) {
  let text
  try {
    text = file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8')
  } catch (e) {
    const err = new Error(`Cannot read the targets file ${file}: ${e.message}`)
    err.code = 'E_CONFIG'
    throw err
  }
  const targets = []
  for (const raw of text.split(/\r?\n/)) {
    const hash = raw.indexOf('#')
    // A '#' inside a URL is a percent-encoding mistake rather than a comment: only a '#' at the
    // start of the line or after whitespace starts one.
    const line = (hash === 0 || (hash > 0 && /\s/.test(raw[hash - 1])) ? raw.slice(0, hash) : raw).trim()
    if (line) targets.push(line)
  }
  return targets
}

/** A progress bar only where a person watches: a TTY, no --json, no NO_COLOR, not in CI. */
function progressEnabled(stream, env, json) {
  return Boolean(stream.isTTY) && !json && !('NO_COLOR' in env) && !env.CI && env.TERM !== 'dumb'
}

function progressBar(stream) {
  let last = 0
  let drawn = false
  const counts = { blocking: 0, error: 0 }
  return {
    update(p) {
      if (p.state === 'blocked' || p.state === 'refused' || p.state === 'needs-baseline') counts.blocking++
      if (p.state === 'error') counts.error++
      const now = Date.now()
      if (p.done !== p.total && now - last < 80) return
      last = now
      const width = 24
      const filled = p.total ? Math.round((p.done / p.total) * width) : width
      const extra = [counts.blocking && `${counts.blocking} blocked`, counts.error && `${counts.error} errors`].filter(Boolean).join(', ')
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total} targets${extra ? ` (${extra})` : ''}\u001b[K`)
      drawn = true
    },
    clear() {
      if (drawn) stream.write('\r\u001b[K')
    },
  }
}

function exitCode(report) {
  if (report.counts.total === 0 || report.counts.error > 0) return 2
  return report.blocked ? 1 : 0
}

/**
 * Runs diagnoseMany/healMany for the CLI. `opts` are the common options (url, cwd, ...),
 * `values` the parsed flags; returns the exit code.
 */
async function runFleet(doctor, command, opts, values, { stdout, stderr, env = process.env, paint }) {
  const targets = values.targets !== undefined ? readTargetsFile(values.targets) : []
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency)
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
    const err = new Error(`--concurrency takes a positive whole number, not "${values.concurrency}"`)
    err.code = 'E_USAGE'
    throw err
  }
  const bar = progressEnabled(stderr, env, values.json) ? progressBar(stderr) : null
  const request = {
    ...opts,
    targets,
    ...(values.schemas !== undefined ? { schemas: values.schemas } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(bar ? { onProgress: (p) => bar.update(p) } : {}),
  }
  let report
  try {
    if (command === 'heal') {
      const allow = values.allow === undefined ? undefined : values.allow.split(',').map((s) => s.trim()).filter(Boolean)
      report = await doctor.healMany({
        ...request,
        dryRun: values['dry-run'],
        allowPooler: values['allow-pooler'],
        ...(allow ? { allow } : {}),
      })
    } else {
      report = await doctor.diagnoseMany(request)
    }
  } finally {
    if (bar) bar.clear()
  }
  if (values.json) stdout.write(`${JSON.stringify(report, null, 2)}\n`)
  else stdout.write(paint(report.summary))
  return exitCode(report)
}

module.exports = { runFleet, readTargetsFile, progressEnabled, exitCode }
