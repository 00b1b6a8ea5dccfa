/**
 * Page script (plain ES2019, run in the browser): the Chart.js charts, as
 * function declarations. html-page.ts puts them after html-client-script.ts in
 * one function scope: hoisting lets that script call them, and they use its
 * helpers (fmtMs, COLORS, PALETTE...). No backticks or dollar-brace in here:
 * this is a String.raw template.
 */
export const HTML_CLIENT_CHARTS = String.raw`
function baseOptions(extra) {
  var o = { responsive: true, maintainAspectRatio: false, animation: false,
    plugins: { legend: { position: 'bottom', labels: { boxWidth: 12, boxHeight: 12 } } } };
  return Object.assign(o, extra || {});
}

function outcomeDonut(canvas, summary) {
  var live = OUTCOMES.filter(function (o) { return summary[o] > 0; });
  return new Chart(canvas, {
    type: 'doughnut',
    data: { labels: live, datasets: [{ data: live.map(function (o) { return summary[o]; }), backgroundColor: live.map(function (o) { return COLORS[o]; }), borderWidth: 2, borderColor: '#fff' }] },
    options: baseOptions({ cutout: '62%', plugins: { legend: { display: false } } })
  });
}

function requirementGroupsChart(canvas, groups) {
  var statuses = REQ_ORDER.slice().reverse();
  return new Chart(canvas, {
    type: 'bar',
    data: {
      labels: groups.map(function (g) { return g.name; }),
      datasets: statuses.map(function (st) {
        return { label: st, backgroundColor: COLORS[st], data: groups.map(function (g) { return g.counts[st] || 0; }), borderWidth: 0, barPercentage: 0.8 };
      }).filter(function (d) { return d.data.some(function (n) { return n > 0; }); })
    },
    // The section's legend above already names the colours.
    options: baseOptions({ indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { stacked: true, title: { display: true, text: 'requirements per group' }, ticks: { precision: 0 } }, y: { stacked: true } } })
  });
}

function latencyBoxChart(canvas, arg) {
  // Always a log axis: step kinds differ by orders of magnitude (a PUBACK in
  // 1 ms, an expiry in seconds), and a linear axis flattens all but the slowest.
  var stats = arg.stats, floor = arg.floor;
  function at(v) { return Math.max(floor, v); }
  var labels = stats.map(function (s) { return s.kind + ' (n=' + s.count + ')'; });
  var colors = stats.map(function (_s, i) { return PALETTE[i % PALETTE.length]; });
  return new Chart(canvas, {
    type: 'bar',
    data: { labels: labels, datasets: [
      { label: 'min–max', data: stats.map(function (s) { return [at(s.min), at(s.max)]; }), backgroundColor: '#c9d1dd', barPercentage: 0.12, grouped: false, order: 3 },
      { label: 'p25–p75', data: stats.map(function (s) { return [at(s.p25), at(s.p75)]; }), backgroundColor: colors.map(function (c) { return c + 'cc'; }), borderColor: colors, borderWidth: 1, barPercentage: 0.55, grouped: false, order: 2 },
      { type: 'line', label: 'median', data: stats.map(function (s) { return at(s.median); }), showLine: false, pointStyle: 'line', pointRadius: 22, pointHoverRadius: 22, borderWidth: 3, borderColor: '#1d2330', order: 1 },
      { type: 'line', label: 'p95', data: stats.map(function (s) { return at(s.p95); }), showLine: false, pointStyle: 'triangle', pointRadius: 5, backgroundColor: '#d64545', borderColor: '#d64545', order: 0 }
    ] },
    options: baseOptions({
      interaction: { mode: 'index', intersect: false },
      scales: { y: { type: 'logarithmic', min: floor, title: { display: true, text: 'latency (ms, log scale)' } } },
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 12, boxHeight: 12 } },
        tooltip: {
          filter: function (item) { return item.datasetIndex === 1; },
          callbacks: { label: function (item) {
            var s = stats[item.dataIndex];
            return ['median ' + fmtMs(s.median) + ' · mean ' + fmtMs(s.mean), 'p25 ' + fmtMs(s.p25) + ' · p75 ' + fmtMs(s.p75) + ' · p95 ' + fmtMs(s.p95), 'min ' + fmtMs(s.min) + ' · max ' + fmtMs(s.max)];
          } }
        }
      }
    })
  });
}

function latencyHistogramChart(canvas, histogram) {
  return new Chart(canvas, {
    type: 'bar',
    data: { labels: histogram.bins.map(function (b) { return b.label; }), datasets: histogram.series.map(function (s, i) {
      return { label: s.kind, data: s.counts, backgroundColor: PALETTE[i % PALETTE.length], borderWidth: 0, barPercentage: 0.95, categoryPercentage: 0.9 };
    }) },
    options: baseOptions({ scales: { x: { stacked: true, title: { display: true, text: 'latency' } }, y: { stacked: true, ticks: { precision: 0 }, title: { display: true, text: 'steps' } } } })
  });
}

// A rate check is drawn as the runner computed it (runners/matching/rate-check.ts,
// the windows it examined): for each arrival t, how many arrivals fall in [t, t + per); the limit is a
// flat line at max + tolerance; the fullest window is marked as a bar over its
// span, red when it broke the limit. Other timelines: cumulative arrivals.
function timelineChart(canvas, tl) {
  var datasets, yTitle;
  if (tl.rate && tl.rate.windows) {
    var r = tl.rate, allowed = r.max + r.tolerance;
    yTitle = 'arrivals per ' + r.perMs + ' ms window';
    datasets = [{ label: 'arrivals per sliding window', data: tl.rate.windows.map(function (w) { return { x: w.start, y: w.count }; }), stepped: 'before', borderColor: '#3056d3', backgroundColor: '#3056d3', pointRadius: 2, borderWidth: 2, fill: false }];
    datasets.push({ label: 'arrivals', data: tl.points.map(function (t) { return { x: t, y: 0 }; }), showLine: false, pointStyle: 'line', rotation: 90, pointRadius: 5, borderColor: '#5f6b7a', borderWidth: 1 });
    if (r.max > 0) {
      var x0 = tl.points.length ? tl.points[0] : 0, x1 = tl.points.length ? tl.points[tl.points.length - 1] + r.perMs : r.perMs;
      datasets.push({ label: 'limit: ' + r.max + (r.tolerance ? ' (+' + r.tolerance + ')' : '') + ' per ' + r.perMs + ' ms', data: [{ x: x0, y: allowed }, { x: x1, y: allowed }], borderColor: '#d64545', borderDash: [6, 4], borderWidth: 2, pointRadius: 0, fill: false });
    }
    var over = r.max > 0 && !r.passed;
    datasets.push({ label: 'fullest window: ' + r.peak.count + (over ? ' (over the limit)' : ''), data: [{ x: r.peak.start, y: r.peak.count }, { x: r.peak.start + r.perMs, y: r.peak.count }],
      borderColor: over ? '#d64545' : '#2f9e5f', backgroundColor: over ? 'rgba(214,69,69,0.15)' : 'rgba(47,158,95,0.15)', borderWidth: 4, pointRadius: 4, fill: 'origin' });
  } else {
    yTitle = 'messages';
    datasets = [{ label: 'arrivals (cumulative)', data: tl.points.map(function (t, i) { return { x: t, y: i + 1 }; }), stepped: 'before', borderColor: '#3056d3', backgroundColor: '#3056d3', pointRadius: 3, borderWidth: 2, fill: false }];
  }
  return new Chart(canvas, {
    type: 'line',
    data: { datasets: datasets },
    options: baseOptions({
      parsing: false,
      scales: { x: { type: 'linear', title: { display: true, text: 'ms since scenario start' } }, y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: yTitle } } },
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 12, boxHeight: 2 } }, tooltip: { callbacks: { label: function (item) { return item.dataset.label + ': ' + item.parsed.y + ' at ' + fmtMs(item.parsed.x); } } } }
    })
  });
}
`
