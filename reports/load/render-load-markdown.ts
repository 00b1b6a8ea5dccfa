import { DM_BUCKETS, type LoadReport } from '../../spec/index.js'
import { mdText } from '../markdown-escape.js'
import { abortText, fmtMs, latencyRows, verdictText } from './load-view-model.js'

/** File name of the Markdown load report. */
export const LOAD_MARKDOWN_FILE = 'load-report.md'

const pct = (n: number, of: number) => (of === 0 ? '–' : `${((100 * n) / of).toFixed(n > 0 && n / of < 0.001 ? 3 : 1)} %`)

/** The load report as GitHub-flavoured Markdown (CI job summaries). */
export function renderLoadMarkdown(r: LoadReport): string {
  const out: string[] = []
  const row = (cells: (string | number)[]) => out.push(`| ${cells.map((c) => String(c)).join(' | ')} |`)
  out.push(`# Load: ${mdText(r.scenario.title)} — ${verdictText(r)}`, '')
  row(['', ''])
  row(['---', '---'])
  row(['scenario', `${mdText(r.scenario.id)} (${mdText(r.scenario.file)})`])
  row(['target', `${mdText(r.target.name)} (${r.target.kind}, profile ${mdText(r.target.profile)})`])
  row(['run', `${r.run.id}, ${r.run.startedAt}, ${fmtMs(r.run.durationMs)}`])
  row(['slices', r.run.slices.map((s) => `${s.index + 1}/${s.count}`).join(', ')])
  row(['plan', `${r.plan.arrival} arrivals; ${r.plan.stages.map((s) => `${s.stage} ${fmtMs(s.durationMs)} ${s.stage === 'ramp' ? `${s.from}→` : ''}${s.rate}/s`).join(', ')}${r.run.durationScale !== 1 ? ` (durations × ${r.run.durationScale})` : ''}`])
  row(['devices', `${r.fleet.connected}/${r.fleet.devices} connected, ${r.fleet.disconnects} unplanned disconnects, ${r.fleet.reconnects} reconnects${r.fleet.heapBytesPerDevice !== undefined ? `, ${(r.fleet.heapBytesPerDevice / 1024).toFixed(1)} KiB heap/device` : ''}`])
  out.push('')
  const aborted = abortText(r)
  if (aborted) out.push(`**${mdText(aborted)}**`, '')
  if (r.thresholds.length) {
    out.push('## Thresholds', '')
    row(['threshold', 'result', 'measured'])
    row(['---', '---', '---'])
    for (const t of r.thresholds) row([`\`${t.expression.replace(/\|/g, '\\|')}\``, t.passed ? 'pass' : '**FAIL**', mdText(t.actual)])
    out.push('')
  }
  out.push('## Books', '', r.books.balanced ? 'Balanced: every planned request is in exactly one bucket and every receipt matched.' : `**Unbalanced:**\n${r.books.problems.map((p) => `- ${mdText(p)}`).join('\n')}`, '')
  if (r.dm) {
    const dm = r.dm
    out.push('## Direct messages', '')
    row(['bucket', 'requests', 'share'])
    row(['---', '---:', '---:'])
    for (const b of DM_BUCKETS) row([b, dm.buckets[b], pct(dm.buckets[b], dm.planned)])
    row(['**planned**', `**${dm.planned}**`, ''])
    out.push('')
    const rc = dm.receipts
    out.push(`Receipts: ${rc.received} received, ${rc.delivered} delivered (200 and received), ${rc.duplicates} duplicates, ${rc.orphans} orphans, ${rc.misrouted} misrouted, ${rc.unconfirmed} unconfirmed 200s, ${rc.undelivered} QoS 0 200s never received.`, '')
    if (dm.buckets.notSent) out.push(`Not sent: ${Object.entries(dm.notSentReasons).map(([k, v]) => `${v} ${k === 'behind' ? 'the generator was late by more than maxLag' : 'no free connection within maxLag'}`).join(', ')}.`, '')
    if (Object.keys(dm.otherStatuses).length) out.push(`Other statuses: ${Object.entries(dm.otherStatuses).map(([k, v]) => `${k} × ${v}`).join(', ')}`, '')
    for (const [b, list] of Object.entries(dm.samples)) out.push(`- ${b}: ${list.map((s) => `\`${s.replace(/`/g, "'").replace(/\|/g, '\\|')}\``).join(', ')}`)
    out.push('')
  }
  if (r.pubsub) {
    const p = r.pubsub
    out.push('## Pub/sub', '', `${p.publishers} publishers → ${p.subscribers} subscribers, QoS ${p.qos}, ${p.pattern}.`, '')
    row(['planned', 'sent', 'notSent', 'publish errors', 'expected', 'received', 'lost', 'duplicates', 'reordered', 'orphans'])
    row(Array(10).fill('---:'))
    row([p.planned, p.sent, p.notSent, p.publishErrors, p.expected, p.received, p.lost, p.duplicates, p.reordered, p.orphans])
    out.push('')
  }
  out.push('## Latency', '', 'Open model: latency counts from each request\'s due time, so queueing shows (no coordinated omission).', '')
  row(['series', 'what', 'count', 'p50', 'p90', 'p99', 'p99.9', 'max'])
  row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:'])
  for (const l of latencyRows(r)) row([l.name, mdText(l.meaning), l.h.count, ...[l.h.p50, l.h.p90, l.h.p99, l.h.p999, l.h.max].map((v) => (l.h.count ? fmtMs(v) : '–'))])
  out.push('')
  if (r.closedLoop) {
    const c = r.closedLoop
    out.push('## Closed-loop peak throughput', '', `${mdText(c.tool)}, ${c.connections} connections, ${fmtMs(c.durationMs)}: **${c.throughputPerSecond.toFixed(0)} requests/s** (${c.requests} requests, ${c.errors} errors; statuses ${Object.entries(c.statuses).map(([k, v]) => `${k} × ${v}`).join(', ')}).`, '',
      `Closed-loop latency (each connection waits for its reply, so it cannot show queueing; not comparable with the open-model figures above): p50 ${fmtMs(c.latency.p50)}, p99 ${fmtMs(c.latency.p99)}, max ${fmtMs(c.latency.max)}.`, '')
  }
  if (r.warnings.length) out.push('## Warnings', '', ...r.warnings.map((w) => `- ${mdText(w)}`), '')
  if (r.series.length) {
    out.push('## Per second', '')
    const names = [...new Set(r.series.flatMap((p) => Object.keys(p.outcomes)))].filter((n) => n !== 'notSent')
    row(['t (s)', 'planned', 'sent', 'notSent', ...names, 'p50', 'p99'])
    row(Array(names.length + 6).fill('---:'))
    const shown = r.series.slice(0, 300)
    for (const p of shown) row([p.t, p.planned, p.sent, p.notSent, ...names.map((n) => p.outcomes[n] ?? 0), p.latency.count ? fmtMs(p.latency.p50) : '–', p.latency.count ? fmtMs(p.latency.p99) : '–'])
    if (r.series.length > shown.length) out.push('', `(${r.series.length - shown.length} more seconds in the JSON report)`)
    out.push('')
  }
  return out.join('\n')
}
