/**
 * The control panel's stylesheet, kept as a TypeScript string module so that
 * it is embedded by a static import and a compiled binary needs no files on
 * disk. Edit the CSS here directly; it is served as `/assets/style.css`.
 *
 * @module
 */

/** The stylesheet of every control panel page. */
export const STYLE_CSS: string = `
:root {
  --bg: #f6f7f9;
  --surface: #ffffff;
  --text: #1c2430;
  --muted: #566170;
  --border: #d8dde4;
  --accent: #1d5fa8;
  --accent-dark: #154a85;
  --accent-soft: #e8f0fa;
  --ok: #17693a;
  --ok-soft: #e4f4ea;
  --bad: #a4221c;
  --bad-soft: #fbe9e8;
  --warn: #7a5200;
  --warn-soft: #fdf3dc;
  --radius: 8px;
  --shadow: 0 1px 2px rgba(16, 24, 40, 0.06);
  --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace;
  color-scheme: light;
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0;
  background: var(--bg);
  color: var(--text);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif;
  font-size: 15px;
  line-height: 1.5;
}
a { color: var(--accent); text-underline-offset: 2px; }
a:hover { color: var(--accent-dark); }
:focus-visible { outline: 3px solid #f0a500; outline-offset: 2px; border-radius: 3px; }
.skip { position: absolute; left: -9999px; top: 0; }
.skip:focus { left: 8px; top: 8px; background: var(--surface); padding: 6px 10px; z-index: 10; }
code, pre, .mono { font-family: var(--mono); font-size: 0.88em; }
time, .id { white-space: nowrap; }
td.mono { overflow-wrap: anywhere; }

/* Header */
.site-header { background: #14263d; color: #fff; }
.site-header .bar {
  max-width: 1180px; margin: 0 auto; padding: 10px 20px;
  display: flex; flex-wrap: wrap; align-items: center; gap: 8px 24px;
}
.brand { display: flex; align-items: center; gap: 8px; color: #fff; text-decoration: none; font-weight: 650; font-size: 17px; }
.brand:hover { color: #fff; }
.brand img { width: 26px; height: 26px; }
.site-nav ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 2px; }
.site-nav a {
  display: block; padding: 6px 10px; border-radius: 6px; color: #dbe5f1; text-decoration: none; font-size: 14px;
}
.site-nav a:hover { background: rgba(255, 255, 255, 0.1); color: #fff; }
.site-nav a[aria-current="page"] { background: rgba(255, 255, 255, 0.16); color: #fff; }
.mode-form { margin-left: auto; display: flex; align-items: center; gap: 6px; font-size: 13px; color: #dbe5f1; }
.mode-form select { padding: 4px 6px; font-size: 13px; border-radius: 6px; border: 1px solid #5c7391; background: #1e3653; color: #fff; }
.mode-form button { padding: 4px 10px; font-size: 13px; background: #2e4c71; border-color: #5c7391; }
.mode-form button:hover { background: #3a5d88; }
.who-form { display: flex; align-items: center; flex-wrap: wrap; gap: 6px; font-size: 13px; color: #dbe5f1; }
.who-form strong { color: #fff; }
.who-form button { padding: 4px 10px; font-size: 13px; background: #2e4c71; border-color: #5c7391; }
.who-form button:hover { background: #3a5d88; }
.login-card { max-width: 420px; }

/* Layout */
main { max-width: 1180px; margin: 0 auto; padding: 16px 20px 48px; }
.breadcrumb ol { list-style: none; margin: 0 0 8px; padding: 0; display: flex; flex-wrap: wrap; gap: 4px; font-size: 13px; color: var(--muted); }
.breadcrumb li + li::before { content: "/"; margin-right: 4px; color: #98a2b0; }
.breadcrumb a { color: var(--muted); }
h1 { font-size: 26px; line-height: 1.25; margin: 4px 0 16px; font-weight: 650; overflow-wrap: anywhere; }
h2 { font-size: 18px; margin: 0 0 12px; font-weight: 650; }
h3 { font-size: 15px; margin: 16px 0 8px; font-weight: 650; }
.page-head { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 8px 16px; }
.page-head h1 { margin-bottom: 12px; }
.lede { color: var(--muted); margin: -8px 0 16px; max-width: 70ch; }
.grid { display: grid; gap: 16px; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); align-items: start; }
.grid-2 { display: grid; gap: 16px; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); align-items: start; }
.stack > * + * { margin-top: 16px; }
.site-footer { max-width: 1180px; margin: 0 auto; padding: 0 20px 32px; color: var(--muted); font-size: 13px; }

/* Cards */
.card { background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); padding: 16px 18px; box-shadow: var(--shadow); min-width: 0; }
.card > :last-child { margin-bottom: 0; }
.stats { display: grid; gap: 12px; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); margin-bottom: 16px; }
.stat { background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); padding: 14px 16px; box-shadow: var(--shadow); text-decoration: none; color: var(--text); display: block; }
a.stat:hover { border-color: var(--accent); color: var(--text); }
.stat .label { display: block; font-size: 13px; color: var(--muted); }
.stat .value { display: block; font-size: 28px; font-weight: 650; font-variant-numeric: tabular-nums; }

/* Tables */
.table-wrap { overflow-x: auto; border: 1px solid var(--border); border-radius: var(--radius); background: var(--surface); }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 8px 12px; border-bottom: 1px solid #e8ebf0; vertical-align: top; }
td { overflow-wrap: break-word; }
td.wrap { overflow-wrap: anywhere; min-width: 14ch; }
thead th { background: #f0f2f5; font-weight: 600; color: #333d4a; white-space: nowrap; }
tbody tr:last-child td, tbody tr:last-child th { border-bottom: 0; }
tbody tr:hover { background: #fafbfc; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.kv th { width: 32%; color: var(--muted); font-weight: 500; background: none; white-space: normal; }
body.mode-lab th, body.mode-lab td { padding: 5px 10px; }
body.mode-lab table { font-size: 13.5px; }
caption { text-align: left; padding: 8px 12px; color: var(--muted); font-size: 13px; caption-side: bottom; }

/* Badges */
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12.5px; font-weight: 600; background: #eef0f3; color: #3a4452; white-space: nowrap; }
.badge.draft { background: #eef0f3; color: #3a4452; }
.badge.running, .badge.queued { background: var(--accent-soft); color: var(--accent-dark); }
.badge.completed, .badge.succeeded, .badge.ok, .badge.done { background: var(--ok-soft); color: var(--ok); }
.badge.failed, .badge.bad { background: var(--bad-soft); color: var(--bad); }
.badge.archived { background: #f1ecf7; color: #553a7d; }

/* Forms */
form.stacked { display: grid; gap: 14px; max-width: 720px; }
.field { display: grid; gap: 4px; }
.field label, .label-text { font-weight: 600; font-size: 14px; }
.field .hint { color: var(--muted); font-size: 13px; }
input[type="text"], input[type="password"], input[type="number"], input[type="search"], input[type="datetime-local"], input[type="file"], select, textarea {
  width: 100%; padding: 7px 10px; border: 1px solid #b9c1cc; border-radius: 6px; background: #fff; color: var(--text);
  font: inherit; font-size: 14px;
}
textarea { font-family: var(--mono); font-size: 13px; min-height: 90px; resize: vertical; }
input[type="checkbox"] { width: 18px; height: 18px; vertical-align: middle; }
.check { display: flex; align-items: center; gap: 8px; font-weight: 600; font-size: 14px; }
.field.has-error input, .field.has-error textarea, .field.has-error select { border-color: var(--bad); background: #fffafa; }
.field-error { color: var(--bad); font-size: 13px; font-weight: 600; margin: 0; }
button, .button {
  display: inline-flex; align-items: center; gap: 6px; padding: 7px 14px; border-radius: 6px; border: 1px solid var(--accent);
  background: var(--accent); color: #fff; font: inherit; font-size: 14px; font-weight: 600; cursor: pointer; text-decoration: none;
}
button:hover, .button:hover { background: var(--accent-dark); color: #fff; }
button.secondary, .button.secondary { background: #fff; color: var(--accent); }
button.secondary:hover, .button.secondary:hover { background: var(--accent-soft); color: var(--accent-dark); }
button.danger { background: #fff; color: var(--bad); border-color: #d9a3a0; }
button.danger:hover { background: var(--bad-soft); color: var(--bad); }
.actions { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.filters { display: flex; flex-wrap: wrap; gap: 10px; align-items: end; margin-bottom: 12px; }
.filters .field { min-width: 150px; flex: 1 1 150px; max-width: 240px; }
.inline-form { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; }
.inline-form .field { flex: 1 1 200px; }
.transition { border-top: 1px solid #e8ebf0; padding-top: 10px; margin-top: 10px; }
.transition:first-of-type { border-top: 0; margin-top: 0; padding-top: 0; }

/* Notices */
.notice { border-radius: var(--radius); padding: 10px 14px; margin: 0 0 16px; border: 1px solid; }
.notice.ok { background: var(--ok-soft); border-color: #a8d5b7; color: #0f4f2b; }
.notice.bad { background: var(--bad-soft); border-color: #e6b1ad; color: #7d1913; }
.notice.warn { background: var(--warn-soft); border-color: #ecd08e; color: #5b3d00; }
.notice.info { background: var(--accent-soft); border-color: #b7cde8; color: #153a66; }
.notice ul { margin: 6px 0 0; padding-left: 20px; }

/* Content */
.muted { color: var(--muted); }
.small { font-size: 13px; }
.empty { color: var(--muted); padding: 18px; text-align: center; }
.pager { display: flex; gap: 12px; align-items: center; justify-content: space-between; margin-top: 12px; font-size: 14px; }
.pager .disabled { color: #98a2b0; }
details { background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); padding: 10px 14px; }
details > summary { cursor: pointer; font-weight: 600; }
details[open] > summary { margin-bottom: 8px; }
details.raw pre { margin: 0; }
pre { background: #f3f5f8; border: 1px solid #e3e7ec; border-radius: 6px; padding: 10px 12px; overflow: auto; max-height: 420px; font-size: 12.5px; line-height: 1.45; }
pre.stack { background: var(--bad-soft); border-color: #e6b1ad; color: #5d130e; }
.plot { width: 100%; max-width: 760px; height: auto; display: block; border: 1px solid var(--border); border-radius: 6px; background: #fff; }
.lineage { max-width: 100%; height: auto; display: block; }
.timeline { list-style: none; margin: 0; padding: 0; }
.timeline li { position: relative; padding: 0 0 14px 22px; border-left: 2px solid #d8dde4; margin-left: 6px; }
.timeline li:last-child { border-left-color: transparent; padding-bottom: 0; }
.timeline li::before { content: ""; position: absolute; left: -7px; top: 4px; width: 12px; height: 12px; border-radius: 50%; background: var(--accent); border: 2px solid #fff; box-shadow: 0 0 0 1px var(--border); }
.timeline .when { color: var(--muted); font-size: 13px; }
.timeline .reason { margin: 2px 0 0; overflow-wrap: anywhere; }
.timeline .what { display: flex; flex-wrap: wrap; gap: 4px 6px; align-items: center; }
.steps { margin: 0; padding-left: 20px; }
.steps li { margin-bottom: 6px; }
.learn { background: #f7fbf3; border-color: #cfe3bf; }
.learn > summary { color: #2f5a14; }
abbr[title], dfn[title] { text-decoration: underline dotted; text-underline-offset: 3px; cursor: help; font-style: normal; }
dl.glossary dt { font-weight: 650; margin-top: 10px; }
dl.glossary dd { margin: 2px 0 0; color: #333d4a; }
.hash { font-family: var(--mono); font-size: 12.5px; word-break: break-all; }
.tags { display: inline-flex; gap: 4px; flex-wrap: wrap; }
.tag { font-size: 12px; padding: 0 7px; border-radius: 4px; background: #eef0f3; color: #3a4452; }
.module-list { display: grid; gap: 12px; grid-template-columns: repeat(auto-fill, minmax(280px, 1fr)); }
.module-list .card h2 { font-size: 16px; margin-bottom: 4px; }
.module-list .card p { margin: 4px 0; }
.module-list .domain { text-transform: uppercase; letter-spacing: 0.06em; font-size: 11.5px; font-weight: 600; margin: 0 0 2px; }

/* Guided labs */
tr.voided td, li.voided { color: var(--muted); }
.badge.voided { background: #fff4d6; color: #7a5200; }
tr.voided s, li.voided s { text-decoration-thickness: 2px; }
.plan-step .page-head h2 { margin: 0; }
.plan-step .table-wrap + .table-wrap { margin-top: 10px; }
.plan-summary progress { width: 100%; height: 14px; }
ul.plain { list-style: none; margin: 0; padding: 0; }
.show-narrow { display: none; }
tr.plan-check.bad td:first-child { box-shadow: inset 3px 0 0 var(--bad); }
tr.plan-check.ok td:first-child { box-shadow: inset 3px 0 0 var(--ok); }

@media (max-width: 760px) {
  main { padding: 12px 12px 40px; }
  .site-header .bar { padding: 8px 12px; gap: 6px 12px; }
  .mode-form { margin-left: 0; }
  .grid-2 { grid-template-columns: minmax(0, 1fr); }
  h1 { font-size: 22px; }
  .stat .value { font-size: 22px; }
  .filters .field { max-width: none; }
  th, td { padding: 6px 8px; }
  .hide-narrow { display: none; }
  .show-narrow { display: inline; }
}
`;
