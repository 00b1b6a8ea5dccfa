/** The HTML report's stylesheet: light, card-based, readable when printed. */
export const HTML_STYLES = String.raw`
:root {
  --passed: #2f9e5f; --failed: #d64545; --errored: #8e44c9; --skipped: #c99a1e; --waived: #2f86c0; --flaky: #e07b39; --untested: #9aa3ad; --inconclusive: #d9822b; --not-selected: #c4cad1;
  --bg: #f4f6f9; --card: #ffffff; --ink: #1d2330; --muted: #667085; --line: #e3e7ee; --accent: #3056d3;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header.top { background: #141a26; color: #fff; padding: 18px 32px 20px; }
header.top h1 { margin: 0 0 6px; font-size: 20px; font-weight: 600; display: flex; align-items: center; gap: 12px; }
header.top .meta { color: #b7c0d0; font-size: 13px; display: flex; flex-wrap: wrap; gap: 4px 18px; }
header.top .meta b { color: #fff; font-weight: 500; }
.verdict { font-size: 12px; font-weight: 700; letter-spacing: .06em; padding: 3px 10px; border-radius: 999px; text-transform: uppercase; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.verdict.ok { background: var(--passed); } .verdict.bad { background: var(--failed); } .verdict.err { background: var(--errored); } .verdict.flaky { background: var(--flaky); }
main { max-width: 1280px; margin: 0 auto; padding: 20px 32px 48px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 18px 20px; margin: 0 0 18px; }
section > h2 { margin: 0 0 4px; font-size: 16px; font-weight: 600; }
section > p.sub { margin: 0 0 14px; color: var(--muted); font-size: 13px; }
.overview { display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)) 200px; gap: 12px; align-items: stretch; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; border-top: 4px solid var(--c, var(--line)); }
.card .n { font-size: 26px; font-weight: 650; line-height: 1.1; }
.card .l { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .05em; }
.card .pct { color: var(--muted); font-size: 12px; margin-top: 10px; }
.donut { position: relative; height: 120px; }
.filters { position: sticky; top: 0; z-index: 5; background: rgba(244,246,249,.95); backdrop-filter: blur(4px); padding: 10px 0; margin: -4px 0 14px; display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.filters .label { color: var(--muted); font-size: 12px; margin-right: 4px; text-transform: uppercase; letter-spacing: .05em; }
.chip { border: 1px solid var(--line); background: #fff; border-radius: 999px; padding: 4px 11px 4px 9px; font: inherit; font-size: 13px; cursor: pointer; display: inline-flex; align-items: center; gap: 6px; color: var(--ink); }
.chip .dot { width: 9px; height: 9px; border-radius: 50%; background: var(--c); }
.chip[aria-pressed="false"] { opacity: .45; text-decoration: line-through; }
.filters input[type=search] { margin-left: auto; border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; font: inherit; min-width: 240px; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; }
.chart { position: relative; height: 300px; }
.chart.small { height: 220px; }
.empty { color: var(--muted); font-style: italic; padding: 12px 0; }
.matrix { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 14px 24px; margin-top: 16px; }
.matrix-group { min-width: 0; }
.matrix-group h3 { font-size: 12px; margin: 0 0 6px; color: var(--muted); text-transform: uppercase; letter-spacing: .06em; font-weight: 600; }
.tiles { display: flex; flex-wrap: wrap; gap: 5px; }
.tile { font: 11px/1 var(--mono); padding: 6px 7px; border-radius: 4px; color: #fff; background: var(--c); cursor: default; white-space: nowrap; }
.tile.untested { background: repeating-linear-gradient(45deg, #eceff3, #eceff3 5px, #e1e5eb 5px, #e1e5eb 10px); color: #4a5363; }
.tile.not-selected { background: #f4f6f8; color: #5f6b7a; border: 1px dashed #c4cad1; }
.legend { display: flex; flex-wrap: wrap; gap: 14px; font-size: 12px; color: var(--muted); margin: 0 0 12px; }
.legend span::before { content: ""; display: inline-block; width: 10px; height: 10px; border-radius: 2px; background: var(--c); margin-right: 5px; vertical-align: -1px; }
table { width: 100%; border-collapse: collapse; font-size: 13px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
code, .mono { font-family: var(--mono); font-size: 12px; }
.pill { display: inline-block; min-width: 64px; text-align: center; font-size: 11px; font-weight: 650; text-transform: uppercase; letter-spacing: .04em; padding: 2px 8px; border-radius: 999px; color: #fff; background: var(--c); }
.timelines { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 14px; }
.tl { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.tl h3 { margin: 0; font-size: 13px; font-weight: 600; display: flex; gap: 8px; align-items: center; }
.tl .note { color: var(--muted); font-size: 12px; margin: 2px 0 6px; }
details.scenario { border-bottom: 1px solid var(--line); }
details.scenario > summary { list-style: none; cursor: pointer; display: grid; grid-template-columns: 84px minmax(0, 2fr) minmax(0, 2.6fr) minmax(0, 2fr) 72px; gap: 10px; padding: 8px 4px; align-items: baseline; }
details.scenario > summary::-webkit-details-marker { display: none; }
details.scenario > summary:hover { background: #f7f9fc; }
details.scenario .title { color: var(--muted); min-width: 0; }
details.scenario .title > span { display: block; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
details.scenario .title .reason { font-size: 12px; font-style: italic; }
#readings td:first-child { width: 120px; }
details.scenario .id { font-family: var(--mono); font-size: 12px; font-weight: 600; overflow-wrap: anywhere; }
details.scenario .loc { font-family: var(--mono); font-size: 11.5px; color: var(--muted); overflow-wrap: anywhere; }
details.scenario .dur { text-align: right; color: var(--muted); font-variant-numeric: tabular-nums; }
.body { padding: 4px 8px 14px 98px; }
.failure { border-left: 3px solid var(--c, var(--failed)); background: #fbf7f7; padding: 8px 12px; margin: 8px 0; border-radius: 0 6px 6px 0; }
.failure .msg { font-weight: 600; white-space: pre-wrap; overflow-wrap: anywhere; }
.kv { display: grid; grid-template-columns: 80px minmax(0, 1fr); gap: 2px 10px; margin-top: 6px; }
.kv .k { color: var(--muted); font-size: 12px; }
pre { margin: 0; font: 12px/1.4 var(--mono); white-space: pre-wrap; overflow-wrap: anywhere; }
.trace td { font-family: var(--mono); font-size: 11.5px; padding: 2px 8px; }
.trace .dir-in { color: var(--passed); } .trace .dir-out { color: var(--accent); } .trace .dir-event { color: var(--skipped); }
.reqs code { background: #eef1f6; border-radius: 4px; padding: 1px 5px; margin-right: 4px; }
footer { color: var(--muted); font-size: 12px; text-align: center; margin-top: 20px; }
.hidden { display: none !important; }
@media (max-width: 960px) { .overview { grid-template-columns: repeat(3, 1fr); } .grid2 { grid-template-columns: 1fr; } .body { padding-left: 8px; } }
@media print { .filters { display: none; } section { break-inside: avoid; } }
`
