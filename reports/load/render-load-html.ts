import { DM_BUCKETS, type LoadReport } from '../../spec/index.js'
import { readChartJsSource } from '../chart-js-source.js'
import { escapeHtml as esc, inlineScript, jsonForScript } from '../html-page.js'
import { abortText, buildLoadChartData, fmtMs, latencyRows, verdictText } from './load-view-model.js'

/** File name of the HTML load report. */
export const LOAD_HTML_FILE = 'load-report.html'

const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2733;background:#f6f7f9}
header{background:#fff;border-bottom:1px solid #dde1e6;padding:16px 24px}h1{margin:0 0 6px;font-size:20px}
main{padding:16px 24px;max-width:1200px}section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:12px 16px;margin:0 0 16px}
h2{font-size:16px;margin:0 0 8px}.sub{color:#5b6776;margin:0 0 8px}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eef0f3;vertical-align:top}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.verdict{display:inline-block;padding:2px 8px;border-radius:4px;color:#fff;font-size:13px}.ok{background:#1f883d}.bad{background:#cf222e}
.meta span{margin-right:16px;color:#5b6776}.meta b{color:#1d2733}.fail{color:#cf222e;font-weight:600}.pass{color:#1f883d}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:16px}.chart{position:relative;height:280px}code{font-size:12px}`

// Runs in the page: draws the charts from the numbers the report computed (no data is fetched).
const SCRIPT = `(function(){
var d=JSON.parse(document.getElementById('load-data').textContent);
var C=['#0969da','#cf222e','#1f883d','#bf8700','#8250df','#57606a','#e16f24','#1b7c83','#a40e26','#6e7781'];
function chart(id,cfg){var el=document.getElementById(id);if(el&&window.Chart)new Chart(el,cfg);}
var pl=d.percentiles.map(function(p){return p===100?'max':'p'+p;});
chart('chart-distribution',{type:'line',data:{labels:pl,datasets:d.distribution.map(function(s,i){return{label:s.name,data:s.values,borderColor:C[i%C.length],backgroundColor:C[i%C.length],tension:0.2};})},
 options:{maintainAspectRatio:false,scales:{y:{type:'logarithmic',title:{display:true,text:'ms (log)'}}},plugins:{title:{display:true,text:'Latency distribution (from due time)'}}}});
var t=d.seconds;
chart('chart-rates',{type:'line',data:{labels:t,datasets:[
 {label:'planned',data:d.rates.planned,borderColor:C[5],borderDash:[4,4],pointRadius:0},
 {label:'sent',data:d.rates.sent,borderColor:C[0],pointRadius:0},
 {label:'completed',data:d.rates.completed,borderColor:C[2],pointRadius:0},
 {label:'notSent',data:d.rates.notSent,borderColor:C[1],pointRadius:0}]},
 options:{maintainAspectRatio:false,scales:{x:{title:{display:true,text:'second'}},y:{title:{display:true,text:'per second'}}},plugins:{title:{display:true,text:'Rate per second'}}}});
chart('chart-outcomes',{type:'bar',data:{labels:t,datasets:d.outcomes.map(function(s,i){return{label:s.name,data:s.values,backgroundColor:C[(i+2)%C.length],stack:'o'};})},
 options:{maintainAspectRatio:false,scales:{x:{stacked:true,title:{display:true,text:'second'}},y:{stacked:true}},plugins:{title:{display:true,text:'Outcomes per second'}}}});
chart('chart-latency',{type:'line',data:{labels:t,datasets:[
 {label:'p50',data:d.latency.p50,borderColor:C[0],pointRadius:0},{label:'p99',data:d.latency.p99,borderColor:C[3],pointRadius:0},{label:'max',data:d.latency.max,borderColor:C[1],pointRadius:0}]},
 options:{maintainAspectRatio:false,scales:{y:{type:'logarithmic',title:{display:true,text:'ms (log)'}},x:{title:{display:true,text:'second'}}},plugins:{title:{display:true,text:'Latency per second (from due time)'}}}});
})();`

function table(head: string[], rows: string[][], numeric: boolean[] = []): string {
  const cls = (i: number) => (numeric[i] ? ' class="n"' : '')
  return `<table><thead><tr>${head.map((h, i) => `<th${cls(i)}>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`
}

function sections(r: LoadReport): string {
  const out: string[] = []
  const aborted = abortText(r)
  if (aborted) out.push(`<p class="fail" id="aborted">${esc(aborted)}</p>`)
  if (r.thresholds.length) {
    out.push(`<section id="thresholds"><h2>Thresholds</h2>${table(['threshold', 'result', 'measured'], r.thresholds.map((t) => [`<code>${esc(t.expression)}</code>`, t.passed ? '<span class="pass">pass</span>' : '<span class="fail">FAIL</span>', esc(t.actual)]))}</section>`)
  }
  out.push(`<section id="books"><h2>Books</h2>${r.books.balanced ? '<p class="pass">Balanced: every planned request is in exactly one bucket and every receipt matched.</p>' : `<ul>${r.books.problems.map((p) => `<li class="fail">${esc(p)}</li>`).join('')}</ul>`}</section>`)
  if (r.dm) {
    const dm = r.dm
    const rc = dm.receipts
    out.push(`<section id="buckets"><h2>Direct messages</h2>${table(['bucket', 'requests', 'share'], [...DM_BUCKETS.map((b) => [b, String(dm.buckets[b]), dm.planned ? `${((100 * dm.buckets[b]) / dm.planned).toFixed(2)} %` : '–']), ['<b>planned</b>', `<b>${dm.planned}</b>`, '']], [false, true, true])}
${dm.buckets.notSent ? `<p>Not sent: ${Object.entries(dm.notSentReasons).map(([k, v]) => `${v} ${k === 'behind' ? 'generator late by more than maxLag' : 'no free connection within maxLag'}`).join(', ')}.</p>` : ''}
<p>Receipts: ${rc.received} received, ${rc.delivered} delivered, ${rc.duplicates} duplicates, ${rc.orphans} orphans, ${rc.misrouted} misrouted, ${rc.unconfirmed} unconfirmed 200s, ${rc.undelivered} QoS 0 200s never received.</p>
${Object.entries(dm.samples).map(([b, l]) => `<p><b>${esc(b)}</b>: ${l.map((s) => `<code>${esc(s)}</code>`).join(' ')}</p>`).join('')}</section>`)
  }
  if (r.pubsub) {
    const p = r.pubsub
    out.push(`<section id="pubsub"><h2>Pub/sub</h2><p class="sub">${p.publishers} publishers → ${p.subscribers} subscribers, QoS ${p.qos}, ${esc(p.pattern)}</p>${table(['planned', 'sent', 'notSent', 'publish errors', 'expected', 'received', 'lost', 'duplicates', 'reordered', 'orphans'], [[p.planned, p.sent, p.notSent, p.publishErrors, p.expected, p.received, p.lost, p.duplicates, p.reordered, p.orphans].map(String)], Array(10).fill(true))}</section>`)
  }
  out.push(`<section id="latency"><h2>Latency</h2><p class="sub">Open model: measured from each request's due time, so queueing shows.</p>${table(['series', 'what', 'count', 'p50', 'p90', 'p99', 'p99.9', 'max'], latencyRows(r).map((l) => [esc(l.name), esc(l.meaning), String(l.h.count), ...[l.h.p50, l.h.p90, l.h.p99, l.h.p999, l.h.max].map((v) => (l.h.count ? fmtMs(v) : '–'))]), [false, false, true, true, true, true, true, true])}</section>`)
  out.push(`<section id="charts"><h2>Charts</h2><div class="charts">${['distribution', 'rates', 'outcomes', 'latency'].map((c) => `<div class="chart"><canvas id="chart-${c}" aria-label="${c} chart"></canvas></div>`).join('')}</div></section>`)
  if (r.closedLoop) {
    const c = r.closedLoop
    out.push(`<section id="closed-loop"><h2>Closed-loop peak throughput</h2><p><b>${c.throughputPerSecond.toFixed(0)} requests/s</b> with ${esc(c.tool)}, ${c.connections} connections, ${fmtMs(c.durationMs)} (${c.requests} requests, ${c.errors} errors).</p>
<p class="sub">Closed loop: each connection waits for its reply, so its latency (p50 ${fmtMs(c.latency.p50)}, p99 ${fmtMs(c.latency.p99)}) cannot show queueing and is not comparable with the open-model figures.</p></section>`)
  }
  if (r.warnings.length) out.push(`<section id="warnings"><h2>Warnings</h2><ul>${r.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></section>`)
  return out.join('\n')
}

/** The load report as one self-contained HTML page (Chart.js inlined, no network). */
export async function renderLoadHtml(r: LoadReport, opts: { chartJs?: string } = {}): Promise<string> {
  const chartJs = opts.chartJs ?? (await readChartJsSource())
  const ok = r.verdict === 'passed'
  const meta: [string, string][] = [
    ['scenario', r.scenario.id], ['target', `${r.target.name} (${r.target.kind})`], ['profile', r.target.profile],
    ['started', r.run.startedAt], ['duration', fmtMs(r.run.durationMs)], ['devices', `${r.fleet.connected}/${r.fleet.devices}`],
    ['slices', String(r.run.slices.length)], ['mqtt-harness', r.tool.version],
  ]
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>Load: ${esc(r.scenario.title)} · ${esc(verdictText(r))}</title><style>${STYLE}</style></head>
<body><header><h1>Load: ${esc(r.scenario.title)} <span class="verdict ${ok ? 'ok' : 'bad'}">${esc(verdictText(r))}</span></h1>
<div class="meta">${meta.map(([k, v]) => `<span>${esc(k)} <b>${esc(v)}</b></span>`).join('')}</div></header>
<main>${sections(r)}</main>
<script type="application/json" id="load-data">${jsonForScript(buildLoadChartData(r))}</script>
<script>${inlineScript(chartJs)}</script>
<script>${SCRIPT}</script>
</body></html>
`
}
