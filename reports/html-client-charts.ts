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

function latencyBoxChart(canvas, stats) {
  var positive = stats.every(function (s) { return s.min > 0; });
  var spread = stats.reduce(function (m, s) { return Math.max(m, s.max); }, 0) / Math.max(1e-9, stats.reduce(function (m, s) { return Math.min(m, s.min); }, Infinity));
  var useLog = positive && spread > 50;
  var labels = stats.map(function (s) { return s.kind + ' (n=' + s.count + ')'; });
  var colors = stats.map(function (_s, i) { return PALETTE[i % PALETTE.length]; });
  return new Chart(canvas, {
    type: 'bar',
    data: { labels: labels, datasets: [
      { label: 'min–max', data: stats.map(function (s) { return [s.min, s.max]; }), backgroundColor: '#c9d1dd', barPercentage: 0.12, grouped: false, order: 3 },
      { label: 'p25–p75', data: stats.map(function (s) { return [s.p25, s.p75]; }), backgroundColor: colors.map(function (c) { return c + 'cc'; }), borderColor: colors, borderWidth: 1, barPercentage: 0.55, grouped: false, order: 2 },
      { type: 'line', label: 'median', data: stats.map(function (s) { return s.median; }), showLine: false, pointStyle: 'line', pointRadius: 22, pointHoverRadius: 22, borderWidth: 3, borderColor: '#1d2330', order: 1 },
      { type: 'line', label: 'p95', data: stats.map(function (s) { return s.p95; }), showLine: false, pointStyle: 'triangle', pointRadius: 5, backgroundColor: '#d64545', borderColor: '#d64545', order: 0 }
    ] },
    options: baseOptions({
      interaction: { mode: 'index', intersect: false },
      scales: { y: { type: useLog ? 'logarithmic' : 'linear', beginAtZero: !useLog, title: { display: true, text: 'latency (ms)' + (useLog ? ', log scale' : '') } } },
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

function timelineChart(canvas, tl) {
  var pts = tl.points.map(function (t, i) { return { x: t, y: i + 1 }; });
  var datasets = [{ label: 'arrivals (cumulative)', data: pts, stepped: 'before', borderColor: '#3056d3', backgroundColor: '#3056d3', pointRadius: 3, borderWidth: 2, fill: false }];
  if (tl.limit && pts.length) {
    var t0 = pts[0].x, t1 = pts[pts.length - 1].x;
    var span = Math.max(t1 - t0, tl.limit.windowMs);
    var slope = tl.limit.count / tl.limit.windowMs;
    datasets.push({ label: 'limit: ' + tl.limit.count + ' per ' + tl.limit.windowMs + ' ms' + (tl.limit.tolerance ? ' (+' + tl.limit.tolerance + ')' : ''),
      data: [{ x: t0, y: 1 + tl.limit.tolerance }, { x: t0 + span, y: 1 + tl.limit.tolerance + slope * span }],
      borderColor: '#d64545', borderDash: [6, 4], borderWidth: 2, pointRadius: 0, fill: false });
  }
  return new Chart(canvas, {
    type: 'line',
    data: { datasets: datasets },
    options: baseOptions({
      parsing: false,
      scales: { x: { type: 'linear', title: { display: true, text: 'ms since scenario start' } }, y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'messages' } } },
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 12, boxHeight: 2 } }, tooltip: { callbacks: { label: function (item) { return item.dataset.label + ': ' + item.parsed.y.toFixed(item.datasetIndex ? 1 : 0) + ' at ' + fmtMs(item.parsed.x); } } } }
    })
  });
}
`
