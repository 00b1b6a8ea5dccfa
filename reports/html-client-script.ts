/**
 * Page script (plain ES2019, run in the browser): reads the embedded report,
 * builds the overview, filters, requirement matrix, charts and scenario list.
 * Report text comes from brokers under test, so it only ever goes into the
 * page through textContent and attributes, never innerHTML. No backticks or
 * dollar-brace in here: this is a String.raw template.
 */
export const HTML_CLIENT_SCRIPT = String.raw`
var data = JSON.parse(document.getElementById('report-data').textContent);
var report = data.report, view = data.view;
var COLORS = { passed: '#2f9e5f', failed: '#d64545', errored: '#8e44c9', skipped: '#c99a1e', waived: '#2f86c0', flaky: '#e07b39', untested: '#9aa3ad', inconclusive: '#d9822b', 'not-selected': '#c4cad1' };
var OUTCOMES = ['passed', 'flaky', 'failed', 'errored', 'skipped', 'waived'];
var REQ_ORDER = ['errored', 'failed', 'waived', 'flaky', 'inconclusive', 'skipped', 'untested', 'not-selected', 'passed'];
var REQ_ONLY = ['inconclusive', 'untested', 'not-selected'];
var SYMBOL = { passed: '✓', failed: '✗', errored: '!', skipped: '-', waived: '~', flaky: '≈', untested: '○', inconclusive: '?', 'not-selected': '·' };
var PALETTE = ['#3056d3', '#e07b39', '#2f9e5f', '#8e44c9', '#2f86c0', '#c94f7c', '#6b8e23', '#b8860b', '#5f6b7a', '#d64545'];
var filter = { statuses: {}, text: '' };
OUTCOMES.concat(REQ_ONLY).forEach(function (s) { filter.statuses[s] = true; });
window.mqttHarnessCharts = [];

function h(tag, attrs, children) {
  var el = document.createElement(tag);
  Object.keys(attrs || {}).forEach(function (k) {
    var v = attrs[k];
    if (v === undefined || v === null || v === false) return;
    if (k === 'text') el.textContent = String(v);
    else if (k === 'color') el.style.setProperty('--c', v);
    else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  });
  (children || []).forEach(function (c) { if (c !== null && c !== undefined) el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
  return el;
}
function fmtMs(ms) {
  if (typeof ms !== 'number' || !isFinite(ms)) return String(ms);
  if (ms === 0) return '0 ms';
  if (ms >= 1000) return (ms / 1000).toFixed(ms >= 10000 ? 1 : 2) + ' s';
  return (ms < 1 ? ms.toFixed(2) : ms < 10 ? ms.toFixed(1) : Math.round(ms)) + ' ms';
}
function loc(l, file) { return l ? l.file + ':' + l.line + ':' + l.col : (file || ''); }
function show(v) { if (v === undefined) return 'undefined'; try { return JSON.stringify(v, null, 2); } catch (e) { return String(v); } }
function chart(make, canvas, arg) {
  try { window.mqttHarnessCharts.push(make(canvas, arg)); } catch (e) { console.error('chart failed: ' + e); }
}
function pill(status) { return h('span', { class: 'pill', color: COLORS[status], text: status }); }
function matches(texts) {
  if (!filter.text) return true;
  var q = filter.text.toLowerCase();
  return texts.some(function (t) { return String(t).toLowerCase().indexOf(q) >= 0; });
}

function renderOverview() {
  var sm = report.summary;
  var tested = report.requirements.filter(function (r) { return r.status !== 'untested' && r.status !== 'not-selected'; }).length;
  var cards = [h('div', { class: 'card', color: '#3056d3' }, [h('div', { class: 'n', text: sm.total }), h('div', { class: 'l', text: 'scenarios' }),
    h('div', { class: 'pct', text: report.requirements.length ? tested + ' of ' + report.requirements.length + ' requirements tested' : '' })])];
  OUTCOMES.forEach(function (o) {
    if (o === 'flaky' && !sm.flaky) return;
    var share = sm.total ? Math.round(100 * sm[o] / sm.total) + '%' : '';
    cards.push(h('div', { class: 'card', color: COLORS[o] }, [h('div', { class: 'n', text: sm[o] }), h('div', { class: 'l', text: SYMBOL[o] + ' ' + o }), h('div', { class: 'pct', text: share })]));
  });
  var canvas = h('canvas', { id: 'chart-outcomes', 'aria-label': 'scenario outcomes' });
  cards.push(h('div', { class: 'donut' }, [canvas]));
  cards.forEach(function (c) { document.getElementById('overview-cards').appendChild(c); });
  if (sm.total > 0) chart(outcomeDonut, canvas, sm);
}

function renderFilters() {
  var bar = document.getElementById('filters');
  bar.appendChild(h('span', { class: 'label', text: 'Show' }));
  OUTCOMES.concat(REQ_ONLY).forEach(function (s) {
    var chip = h('button', { class: 'chip', type: 'button', 'aria-pressed': 'true', 'data-status': s, color: COLORS[s], onclick: function () {
      filter.statuses[s] = !filter.statuses[s];
      chip.setAttribute('aria-pressed', String(filter.statuses[s]));
      applyFilter();
    } }, [h('span', { class: 'dot' }), s]);
    bar.appendChild(chip);
  });
  bar.appendChild(h('input', { type: 'search', id: 'search', placeholder: 'Filter by id, title, file or requirement', oninput: function (e) { filter.text = e.target.value.trim(); applyFilter(); } }));
  bar.appendChild(h('span', { id: 'shown', class: 'label' }));
}

function renderRequirements() {
  var reqs = report.requirements.slice().sort(function (a, b) { return a.id < b.id ? -1 : a.id > b.id ? 1 : 0; });
  var section = document.getElementById('requirements-body');
  if (!reqs.length) { section.appendChild(h('div', { class: 'empty', text: 'This report lists no requirements.' })); return; }
  var counts = {};
  reqs.forEach(function (r) { counts[r.status] = (counts[r.status] || 0) + 1; });
  section.appendChild(h('div', { class: 'legend' }, REQ_ORDER.filter(function (s) { return counts[s]; }).map(function (s) { return h('span', { color: COLORS[s], text: counts[s] + ' ' + s }); })));
  var groups = {};
  reqs.forEach(function (r) {
    var name = (r.catalogue ? r.catalogue + ': ' : '') + (r.id.split(/[-_.:]/)[0] || r.id);
    (groups[name] = groups[name] || { name: name, counts: {}, items: [] }).items.push(r);
    groups[name].counts[r.status] = (groups[name].counts[r.status] || 0) + 1;
  });
  var list = Object.keys(groups).sort().map(function (k) { return groups[k]; });
  var canvas = h('canvas', { id: 'chart-requirements', 'aria-label': 'requirement status by group' });
  section.appendChild(h('div', { class: 'chart small', style: 'height:' + Math.max(140, 60 + list.length * 24) + 'px' }, [canvas]));
  chart(requirementGroupsChart, canvas, list);
  var matrix = h('div', { class: 'matrix' });
  list.forEach(function (g) {
    matrix.appendChild(h('div', { class: 'matrix-group' }, [h('h3', { text: g.name + ' (' + g.items.length + ')' }), h('div', { class: 'tiles' }, g.items.map(function (r) {
      var tip = r.id + ': ' + r.status + (r.scenarios.length ? '\nscenarios: ' + r.scenarios.join(', ') : '') + (r.reason ? '\nreason: ' + r.reason : '') + (r.catalogue ? '\ncatalogue: ' + r.catalogue : '');
      return h('span', { class: 'tile req ' + r.status, color: COLORS[r.status], title: tip, 'data-status': r.status, 'data-id': r.id, text: r.id, onclick: function () {
        var box = document.getElementById('search'); box.value = r.id; filter.text = r.id; applyFilter();
        document.getElementById('scenarios').scrollIntoView();
      } });
    }))]));
  });
  section.appendChild(matrix);
  var rows = reqs.slice().sort(function (a, b) { return REQ_ORDER.indexOf(a.status) - REQ_ORDER.indexOf(b.status) || (a.id < b.id ? -1 : 1); });
  section.appendChild(h('div', { style: 'max-height:420px;overflow:auto;margin-top:10px' }, [h('table', { id: 'req-table' }, [
    h('thead', {}, [h('tr', {}, ['Requirement', 'Status', 'Scenarios', 'Reason'].map(function (t) { return h('th', { text: t }); }))]),
    h('tbody', {}, rows.map(function (r) {
      return h('tr', { class: 'req', 'data-status': r.status, 'data-id': r.id }, [h('td', {}, [h('code', { text: r.id })]), h('td', {}, [pill(r.status)]),
        h('td', { class: 'mono', text: r.scenarios.join(', ') || '—' }), h('td', { text: r.reason || '' })]);
    }))
  ])]));
}

function renderLatency() {
  var body = document.getElementById('latency-body');
  if (!view.latency.stats.length) { body.appendChild(h('div', { class: 'empty', text: 'No step measured a latency in this run.' })); return; }
  var box = h('canvas', { id: 'chart-latency-box', 'aria-label': 'latency by step kind' });
  var hist = h('canvas', { id: 'chart-latency-histogram', 'aria-label': 'latency histogram' });
  body.appendChild(h('div', { class: 'grid2' }, [h('div', { class: 'chart' }, [box]), h('div', { class: 'chart' }, [hist])]));
  chart(latencyBoxChart, box, { stats: view.latency.stats, floor: view.latency.axisFloorMs });
  chart(latencyHistogramChart, hist, view.latency.histogram);
  var cols = view.latency.table.length ? view.latency.table[0].cells.map(function (c) { return c.label; }) : [];
  body.appendChild(h('table', { id: 'latency-table' }, [
    h('thead', {}, [h('tr', {}, ['Step kind', 'n'].concat(cols).map(function (t) { return h('th', { text: t }); }))]),
    h('tbody', {}, view.latency.table.map(function (r) {
      return h('tr', { 'data-kind': r.kind }, [h('td', {}, [h('code', { text: r.kind })]), h('td', { text: r.count })].concat(r.cells.map(function (c) { return h('td', { class: 'num', text: fmtMs(c.ms) }); })));
    }))
  ]));
}

function renderTimelines() {
  var list = document.getElementById('timeline-list');
  if (!view.timelines.length) { list.appendChild(h('div', { class: 'empty', text: 'No scenario in this run recorded a timeline.' })); return; }
  view.timelines.forEach(function (tl, i) {
    var canvas = h('canvas', { id: 'chart-timeline-' + i, 'aria-label': tl.name });
    var note = [tl.points.length + ' events' + (tl.client ? ' at ' + tl.client : '')];
    if (tl.assertion) note.push('assertion: ' + tl.assertion);
    if (tl.rate) note.push('fullest window: ' + tl.rate.peak.count + ' in ' + tl.rate.perMs + ' ms from ' + fmtMs(tl.rate.peak.start) + (tl.rate.max ? (tl.rate.passed ? ' (within the limit of ' : ' (over the limit of ') + (tl.rate.max + tl.rate.tolerance) + ')' : ''));
    list.appendChild(h('div', { class: 'tl', 'data-status': tl.status, 'data-scenario': tl.scenarioId }, [
      h('h3', {}, [pill(tl.status), h('span', { class: 'mono', text: tl.scenarioId }), h('span', { text: '· ' + tl.name })]),
      h('div', { class: 'note', text: note.join(' · ') }),
      h('div', { class: 'chart small' }, [canvas])
    ]));
    chart(timelineChart, canvas, tl);
  });
}

function failureView(f, s) {
  var kv = [];
  function row(k, v) { kv.push(h('div', { class: 'k', text: k }), v); }
  row('at', h('div', { class: 'mono', text: loc(f.location || s.location, s.file) + (f.step ? ' (' + f.step + ')' : '') }));
  if ('expected' in f) row('expected', h('pre', { text: show(f.expected) }));
  if ('actual' in f) row('actual', h('pre', { text: show(f.actual) }));
  var parts = [h('div', { class: 'msg', text: f.message }), h('div', { class: 'kv' }, kv)];
  if (f.trace && f.trace.length) {
    parts.push(h('details', { open: f.trace.length <= 20 }, [h('summary', { text: 'packet trace (' + f.trace.length + ')' }), h('table', { class: 'trace' }, [h('tbody', {}, f.trace.map(function (e) {
      var summary = Object.keys(e.summary).map(function (k) { var v = e.summary[k]; return k + '=' + (typeof v === 'string' ? v : JSON.stringify(v)); }).join(' ');
      return h('tr', {}, [h('td', { text: fmtMs(e.t) }), h('td', { text: e.client }), h('td', { class: 'dir-' + e.dir, text: e.dir === 'in' ? '← in' : e.dir === 'out' ? '→ out' : '• event' }), h('td', { text: summary })]);
    }))])]));
  }
  return h('div', { class: 'failure', color: COLORS[s.status] }, parts);
}

function renderScenarios() {
  var list = document.getElementById('scenario-list');
  if (!report.scenarios.length) { list.appendChild(h('div', { class: 'empty', text: 'No scenarios ran.' })); return; }
  var order = { errored: 0, failed: 1, flaky: 2, waived: 3, skipped: 4, passed: 5 };
  var sorted = report.scenarios.slice().sort(function (a, b) { return order[a.status] - order[b.status]; });
  sorted.forEach(function (s) {
    var body = [];
    var facts = [['file', loc(s.location, s.file)], ['requirements', s.requirements.map(function (id) { return s.verdicts && s.verdicts[id] ? id + ' ' + SYMBOL[s.verdicts[id]] + ' ' + s.verdicts[id] : id; }).join(', ') || '(none)']];
    if (s.matrix) facts.push(['matrix', Object.keys(s.matrix).map(function (k) { return k + '=' + s.matrix[k]; }).join(' ')]);
    if (s.reason) facts.push(['reason', s.reason]);
    if (s.tags && s.tags.length) facts.push(['tags', s.tags.join(', ')]);
    (s.attempts || []).forEach(function (a, i) {
      facts.push(['attempt ' + (i + 1), a.status + ' in ' + fmtMs(a.durationMs) + (a.failures[0] ? ': ' + a.failures[0].message : '')]);
    });
    body.push(h('div', { class: 'kv' }, facts.reduce(function (acc, f) { return acc.concat([h('div', { class: 'k', text: f[0] }), h('div', { class: 'mono', text: f[1] })]); }, [])));
    s.failures.forEach(function (f) { body.push(failureView(f, s)); });
    if (s.steps.length) {
      body.push(h('details', {}, [h('summary', { text: 'steps (' + s.steps.length + ')' }), h('table', {}, [h('tbody', {}, s.steps.map(function (st) {
        return h('tr', {}, [h('td', { text: '#' + st.index }), h('td', { class: 'mono', text: st.kind }), h('td', {}, [pill(st.status)]), h('td', { text: fmtMs(st.durationMs) }),
          h('td', { text: st.latencyMs === undefined ? '' : 'latency ' + fmtMs(st.latencyMs) }), h('td', { class: 'mono', text: loc(st.location, '') })]);
      }))])]));
    }
    list.appendChild(h('details', { class: 'scenario', 'data-status': s.status, 'data-search': [s.id, s.title, s.file].concat(s.requirements).join(' '), open: s.status === 'failed' || s.status === 'errored' || s.status === 'flaky' }, [
      h('summary', {}, [pill(s.status), h('span', { class: 'id', text: s.id }), h('span', { class: 'title', title: s.title + (s.reason ? '\n' + s.reason : '') }, [h('span', { class: 't', text: s.title }),
          s.reason && s.status !== 'failed' && s.status !== 'errored' ? h('span', { class: 'reason', text: s.reason }) : null]),
        h('span', { class: 'loc', text: loc(s.location, s.file) }), h('span', { class: 'dur', text: fmtMs(s.durationMs) })]),
      h('div', { class: 'body' }, body)
    ]));
  });
}

function applyFilter() {
  var shown = 0;
  document.querySelectorAll('details.scenario').forEach(function (el) {
    var ok = filter.statuses[el.getAttribute('data-status')] && matches([el.getAttribute('data-search')]);
    el.classList.toggle('hidden', !ok);
    if (ok) shown++;
  });
  document.querySelectorAll('.req').forEach(function (el) {
    el.classList.toggle('hidden', !(filter.statuses[el.getAttribute('data-status')] && matches([el.getAttribute('data-id')])));
  });
  document.querySelectorAll('.tl').forEach(function (el) {
    el.classList.toggle('hidden', !(filter.statuses[el.getAttribute('data-status')] && matches([el.getAttribute('data-scenario')])));
  });
  document.getElementById('shown').textContent = shown + ' of ' + report.scenarios.length + ' scenarios';
}

Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
Chart.defaults.color = '#475467';
renderOverview();
renderFilters();
renderRequirements();
renderLatency();
renderTimelines();
renderScenarios();
applyFilter();
document.body.setAttribute('data-rendered', 'true');
`
