#!/usr/bin/env node
// Per-module mutation scores and the surviving mutants of Stryker's JSON report
// (results/mutation/mutation.json by default), as Markdown: the table of
// docs/mutation.md and the list its triage starts from.
//   node scripts/mutation-summary.mjs [report.json [later-report.json ...]]
// With several reports, a mutant's verdict is the last report's that has it
// (same file, position, mutator and replacement): a run over earlier
// survivors only (`--mutate file:line:col-line:col,...`) updates a full run.
import { readFileSync } from 'node:fs'

const paths = process.argv.length > 2 ? process.argv.slice(2) : ['results/mutation/mutation.json']
const DETECTED = new Set(['Killed', 'Timeout'])
const COUNTED = new Set(['Killed', 'Timeout', 'Survived', 'NoCoverage'])

/** file → (mutant key → mutant), and file → source, over all reports in order. */
const files = new Map()
const sources = new Map()
for (const path of paths) {
  const report = JSON.parse(readFileSync(path, 'utf8'))
  for (const [file, { mutants, source }] of Object.entries(report.files)) {
    if (sources.has(file) && sources.get(file) !== source) console.error(`warning: ${file} differs between reports`)
    sources.set(file, source)
    const byKey = files.get(file) ?? new Map()
    for (const m of mutants) {
      const { start, end } = m.location
      byKey.set(`${start.line}:${start.column}-${end.line}:${end.column} ${m.mutatorName} ${m.replacement}`, m)
    }
    files.set(file, byKey)
  }
}

const rows = []
const survivors = []
for (const [file, byKey] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
  const counted = [...byKey.values()].filter((m) => COUNTED.has(m.status))
  const detected = counted.filter((m) => DETECTED.has(m.status)).length
  const left = counted.filter((m) => !DETECTED.has(m.status)).sort((a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column)
  rows.push({ file, total: counted.length, detected, left: left.length })
  const lines = sources.get(file).split('\n')
  for (const m of left) {
    const { line, column } = m.location.start
    survivors.push(`- \`${file}:${line}:${column}\` ${m.status} ${m.mutatorName}: \`${lines[line - 1].trim().slice(0, 100)}\` → \`${m.replacement.replace(/\s+/g, ' ').slice(0, 80)}\``)
  }
}
const pct = (d, t) => (t === 0 ? 'n/a' : `${((100 * d) / t).toFixed(2)} %`)
const sum = rows.reduce((a, r) => ({ total: a.total + r.total, detected: a.detected + r.detected, left: a.left + r.left }), { total: 0, detected: 0, left: 0 })
console.log('| Module | Mutants | Killed or timed out | Survived or not covered | Score |')
console.log('|---|---:|---:|---:|---:|')
for (const r of rows) console.log(`| \`${r.file}\` | ${r.total} | ${r.detected} | ${r.left} | ${pct(r.detected, r.total)} |`)
console.log(`| **all** | ${sum.total} | ${sum.detected} | ${sum.left} | **${pct(sum.detected, sum.total)}** |`)
console.log('')
console.log(survivors.join('\n'))
