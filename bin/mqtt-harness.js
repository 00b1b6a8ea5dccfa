#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the
// `prepare` script). Keeping this file plain JS lets `npx mqtt-harness` work
// without a TypeScript loader.
import { main } from '../dist/runners/index.js'

// main resolves to the exit code; an unexpected error is reported there as HX_INTERNAL.
process.exitCode = await main(process.argv.slice(2))
