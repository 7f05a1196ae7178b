'use strict'
// Preloaded with `node --require` when GNU time is missing: writes the process's peak RSS (KiB)
// to $PMD_RSS_OUT on exit.
process.on('exit', () => {
  if (process.env.PMD_RSS_OUT) require('node:fs').writeFileSync(process.env.PMD_RSS_OUT, String(process.resourceUsage().maxRSS))
})
