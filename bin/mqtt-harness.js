#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the
// `prepare` script). Keeping this file plain JS lets `npx mqtt-harness` work
// without a TypeScript loader.
import { main } from '../dist/runners/index.js'

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code },
  (err) => {
    process.stderr.write(`mqtt-harness: internal error (HX_INTERNAL): ${err?.stack ?? err}\n`)
    process.exitCode = 70
  },
)
