'use strict'
// For bench/fleet.js: diagnoses the first N tenants in one diagnoseMany() and prints the size of
// the report (JSON bytes) and the number of targets; its peak RSS is measured from outside.
const doctor = require('../lib/index.js')
const { tenantName } = require('./fleet')

const [url, cwd, n, concurrency] = process.argv.slice(2)
const targets = Array.from({ length: Number(n) }, (_, i) => tenantName(i))
doctor.diagnoseMany({ url, cwd, targets, concurrency: Number(concurrency) }).then(
  (report) => {
    process.stdout.write(`${JSON.stringify(report).length} ${report.counts.total}\n`)
    process.exitCode = report.blocked ? 1 : 0
  },
  (err) => {
    process.stderr.write(`${err.stack}\n`)
    process.exitCode = 2
  },
)
