'use strict'
// Cold processes: wall time and peak RSS of a command, many rounds, the commands interleaved
// within each round (so a load spike on this shared machine hits all of them alike), medians.
//
// Peak RSS comes from GNU time (`/usr/bin/time -f %M`, the child's maximum resident set) when it
// is installed; otherwise from a separate run under `node --require bench/rss-probe.js`.

const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

const GNU_TIME = ['/usr/bin/time', '/bin/time'].find((p) => fs.existsSync(p))
const PROBE = path.join(__dirname, 'rss-probe.js')

function median(values) {
  const s = [...values].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

/** One run: wall ms (spawn to exit) and peak RSS in MiB. */
function runOnce({ argv, env, cwd, expectStatus }) {
  const t = process.hrtime.bigint()
  const r = spawnSync(argv[0], argv.slice(1), { env, cwd, encoding: 'utf8', maxBuffer: 64 << 20 })
  const wall = Number(process.hrtime.bigint() - t) / 1e6
  if (r.error) throw r.error
  if (expectStatus !== undefined && r.status !== expectStatus) {
    throw new Error(`${argv.join(' ')}: exit ${r.status} (expected ${expectStatus}): ${String(r.stderr).slice(0, 500)}`)
  }
  return { wall, stdout: r.stdout }
}

function peakRss({ argv, env, cwd }) {
  if (GNU_TIME) {
    const r = spawnSync(GNU_TIME, ['-f', '%M', ...argv], { env, cwd, encoding: 'utf8', maxBuffer: 64 << 20 })
    const kb = Number(String(r.stderr).trim().split('\n').pop())
    if (Number.isFinite(kb)) return kb / 1024
  }
  const out = path.join(require('node:os').tmpdir(), `pmd-rss-${process.pid}.txt`)
  const probeArgv = argv[0] === process.execPath ? [argv[0], '--require', PROBE, ...argv.slice(1)] : argv
  spawnSync(probeArgv[0], probeArgv.slice(1), { env: { ...env, PMD_RSS_OUT: out }, cwd })
  const kb = Number(fs.readFileSync(out, 'utf8'))
  fs.rmSync(out, { force: true })
  return kb / 1024
}

/**
 * @param {Record<string, { argv: string[], env?: object, cwd?: string, expectStatus?: number }>} commands
 * @param {number} rounds
 * @returns {Record<string, { wallMs: number, rssMiB: number, samples: number[] }>}
 */
function measureCold(commands, rounds) {
  const names = Object.keys(commands)
  const samples = Object.fromEntries(names.map((n) => [n, []]))
  for (const n of names) runOnce(commands[n]) // warm the page cache, once each
  for (let i = 0; i < rounds; i++) {
    for (const n of names) samples[n].push(runOnce(commands[n]).wall)
  }
  const out = {}
  for (const n of names) {
    const rss = []
    for (let i = 0; i < 3; i++) rss.push(peakRss(commands[n]))
    out[n] = { wallMs: median(samples[n]), rssMiB: median(rss), samples: samples[n] }
  }
  return out
}

module.exports = { measureCold, median, runOnce, GNU_TIME }
