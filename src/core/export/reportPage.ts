// The HTML report's page code, inlined into the one file (it must run with no other file and no network).
// Plain ES2020 as a string: it is not bundled, so it may reference nothing outside itself. Every captured
// value reaches the DOM through textContent; bidi and zero-width controls are shown as visible marks.

export const REPORT_PAGE_STYLE = String.raw`
:root { color-scheme: light dark; --fg: CanvasText; --bg: Canvas; --muted: GrayText; --line: color-mix(in srgb, CanvasText 18%, Canvas);
  --warn-bg: #fff4ce; --warn-fg: #5c4300; --slot-bg: color-mix(in srgb, #0a64d8 16%, Canvas); }
@media (prefers-color-scheme: dark) { :root { --warn-bg: #4a3b00; --warn-fg: #ffe69a; } }
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: var(--fg); background: var(--bg); }
header { padding: 12px 16px; border-bottom: 1px solid var(--line); }
h1 { font-size: 18px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 20px 0 8px; } h3 { font-size: 14px; margin: 14px 0 6px; }
main { display: grid; grid-template-columns: minmax(320px, 44%) 1fr; gap: 0; min-height: calc(100vh - 70px); }
nav.tabs { display: flex; gap: 4px; padding: 6px 16px; border-bottom: 1px solid var(--line); }
nav.tabs button, .row { font: inherit; color: inherit; background: none; border: 1px solid transparent; cursor: pointer; }
nav.tabs button[aria-selected="true"] { border-color: var(--line); border-bottom-color: var(--bg); font-weight: 600; }
#list { border-right: 1px solid var(--line); overflow: auto; max-height: calc(100vh - 110px); }
#detail { padding: 8px 16px; overflow: auto; max-height: calc(100vh - 110px); }
.session { padding: 6px 12px; font-weight: 600; background: color-mix(in srgb, CanvasText 6%, Canvas); position: sticky; top: 0; }
.row { display: grid; grid-template-columns: 8.5em 5em 1fr auto; gap: 8px; width: 100%; text-align: left; padding: 4px 12px; border-bottom: 1px solid var(--line); }
.row:focus-visible, nav.tabs button:focus-visible, summary:focus-visible { outline: 2px solid Highlight; outline-offset: -2px; }
.row[aria-current="true"] { background: color-mix(in srgb, Highlight 22%, Canvas); }
.muted { color: var(--muted); }
.badge { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 12px; background: var(--warn-bg); color: var(--warn-fg); }
.captured { unicode-bidi: isolate; white-space: pre-wrap; word-break: break-word; font: 12px/1.4 ui-monospace, monospace; margin: 4px 0; }
.ctl { border: 1px solid currentColor; border-radius: 3px; font-size: 10px; padding: 0 2px; }
details { border-left: 2px solid var(--line); padding-left: 8px; margin: 4px 0; }
table.kv td { padding: 1px 8px 1px 0; vertical-align: top; }
.fixed { color: var(--muted); } .slot { background: var(--slot-bg); border-radius: 3px; }
section.full { grid-column: 1 / -1; padding: 8px 16px; }
`;

export const REPORT_PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var CONTROLS = /[\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g;

  // Counts in the right number, as src/shared/countText.ts words them (the page is standalone: no imports).
  function countOf(n, one, many) { return n.toLocaleString('en-US') + ' ' + (n === 1 ? one : many || one + 's'); }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) for (var key in attrs) {
      if (key === 'text') node.textContent = attrs[key];
      else if (key === 'className') node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    }
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }
  /** Captured text: isolated, with invisible controls made visible (never parsed as HTML). */
  function captured(text, tag) {
    var node = el(tag || 'pre', { className: 'captured' });
    var value = typeof text === 'string' ? text : JSON.stringify(text, null, 2);
    if (value === undefined) value = '';
    var at = 0;
    value.replace(CONTROLS, function (ch, offset) {
      node.appendChild(document.createTextNode(value.slice(at, offset)));
      node.appendChild(el('span', { className: 'ctl', text: 'U+' + ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0') }));
      at = offset + ch.length;
      return ch;
    });
    node.appendChild(document.createTextNode(value.slice(at)));
    return node;
  }
  function resolve(value) {
    if (value && typeof value === 'object' && Array.isArray(value.$blocks)) return value.$blocks.map(function (i) { return data.blocks[i]; });
    return value;
  }
  function clock(ms) { return ms === undefined ? '—' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19); }
  function tokens(usage) {
    if (!usage) return '';
    return (usage.input + usage.cacheRead + usage.cacheCreation) + ' in / ' + usage.output + ' out';
  }
  function blockText(block) {
    if (block && typeof block === 'object') {
      if (typeof block.text === 'string') return block.text;
      if (typeof block.content === 'string') return block.content;
    }
    return block;
  }
  function itemView(item, index) {
    var role = item && typeof item === 'object' ? (item.role || item.type || item.name || '') : '';
    var box = el('details', {}, [el('summary', { text: '#' + index + ' ' + role })]);
    var content = item && typeof item === 'object' && Array.isArray(item.content) ? item.content : null;
    if (content) content.forEach(function (part) {
      box.appendChild(el('div', { className: 'muted', text: part && part.type ? part.type : '' }));
      box.appendChild(captured(blockText(part)));
    });
    else box.appendChild(captured(item && typeof item === 'object' && typeof item.content === 'string' ? item.content : blockText(item)));
    return box;
  }

  var header = el('header', {}, [
    el('h1', { text: data.title }),
    el('div', { className: 'muted', text: countOf(data.exchanges.length, 'exchange') + ' in ' + countOf(data.sessions.length, 'session') + ' · ' +
      (data.masked ? 'secrets masked' : 'secrets NOT masked') + ' · ' + data.generator + ' · ' + data.generated }),
  ]);
  var withSecrets = data.exchanges.filter(function (x) { return x.secrets.length; }).length;
  if (withSecrets) header.appendChild(el('div', {}, [el('span', { className: 'badge', text: countOf(withSecrets, 'exchange') + (withSecrets === 1 ? ' carries' : ' carry') + ' secrets' })]));
  document.body.appendChild(header);

  var tabs = el('nav', { className: 'tabs', role: 'tablist' });
  var views = {};
  function tab(name, label) {
    var button = el('button', { role: 'tab', 'aria-selected': 'false', id: 'tab-' + name, text: label });
    button.addEventListener('click', function () { show(name); });
    tabs.appendChild(button);
  }
  function show(name) {
    for (var key in views) views[key].hidden = key !== name;
    Array.prototype.forEach.call(tabs.children, function (b) { b.setAttribute('aria-selected', String(b.id === 'tab-' + name)); });
  }
  tab('timeline', 'Timeline'); tab('skeleton', 'Prompt skeleton'); tab('cost', 'Cache & cost');
  document.body.appendChild(tabs);

  // Timeline + details.
  var main = el('main', { id: 'timeline' });
  var list = el('div', { id: 'list', role: 'list' });
  var detail = el('div', { id: 'detail' }, [el('p', { className: 'muted', text: 'Choose an exchange.' })]);
  main.appendChild(list); main.appendChild(detail);
  views.timeline = main;
  var session = null;
  var rows = [];
  data.exchanges.forEach(function (x) {
    if (x.session !== session) {
      session = x.session;
      var info = data.sessions.filter(function (s) { return s.id === session; })[0];
      list.appendChild(el('div', { className: 'session', text: info ? 'Session ' + info.id + ' · ' + info.start.slice(0, 19).replace('T', ' ') + ' · ' + countOf(info.exchanges, 'exchange') : 'Outside sessions' }));
    }
    var row = el('button', { className: 'row', role: 'listitem', 'data-id': x.id }, [
      el('span', { className: 'muted', text: clock(x.time).slice(5) }),
      el('span', { text: x.agent }),
      captured((x.model || x.method + ' ' + x.path) + (x.status && x.status !== 200 ? ' · ' + x.status : ''), 'span'),
      x.secrets.length ? el('span', { className: 'badge', title: 'secrets found', text: '⚠ ' + x.secrets.length }) : el('span', { className: 'muted', text: tokens(x.usage) }),
    ]);
    row.addEventListener('click', function () { select(x, row); });
    rows.push(row);
    list.appendChild(row);
  });
  function select(x, row) {
    rows.forEach(function (r) { r.removeAttribute('aria-current'); });
    row.setAttribute('aria-current', 'true');
    detail.textContent = '';
    detail.appendChild(el('h2', { text: x.method + ' ' + x.path }));
    var kv = el('table', { className: 'kv' });
    [['id', x.id], ['agent', x.agent], ['wire', x.wire], ['time', clock(x.time)], ['model', x.model], ['status', x.status],
     ['stop reason', x.stopReason], ['tokens', tokens(x.usage)], ['cache read / write', x.usage ? x.usage.cacheRead + ' / ' + x.usage.cacheCreation : undefined],
     ['first byte', x.ttfbMs !== undefined ? x.ttfbMs + ' ms' : undefined], ['duration', x.durationMs !== undefined ? x.durationMs + ' ms' : undefined], ['error', x.error]]
      .forEach(function (pair) { if (pair[1] !== undefined && pair[1] !== '') kv.appendChild(el('tr', {}, [el('td', { className: 'muted', text: pair[0] }), el('td', {}, [captured(String(pair[1]), 'span')])])); });
    detail.appendChild(kv);
    if (x.secrets.length) {
      detail.appendChild(el('h3', { text: 'Secrets' }));
      x.secrets.forEach(function (s) { detail.appendChild(el('div', {}, [el('span', { className: 'badge', text: s.kind }), captured(' ‹redacted:' + s.kind + ':' + s.hash + '›', 'span')])); });
    }
    var body = x.request;
    if (body && typeof body === 'object') {
      ['system', 'instructions', 'tools', 'messages', 'input'].forEach(function (key) {
        if (body[key] === undefined) return;
        var value = resolve(body[key]);
        detail.appendChild(el('h3', { text: key + (Array.isArray(value) ? ' (' + value.length + ')' : '') }));
        if (Array.isArray(value)) value.forEach(function (item, i) { detail.appendChild(itemView(item, i)); });
        else detail.appendChild(captured(value));
      });
    } else if (body !== undefined) {
      detail.appendChild(el('h3', { text: 'request' }));
      detail.appendChild(captured(body));
    }
    if (x.response !== undefined) {
      detail.appendChild(el('h3', { text: 'response' }));
      var response = x.response;
      if (response && typeof response.text === 'string') detail.appendChild(captured(response.text));
      if (response && Array.isArray(response.tool_uses)) response.tool_uses.forEach(function (t) { detail.appendChild(captured('→ ' + t.name + ' ' + JSON.stringify(t.input))); });
      var raw = el('details', {}, [el('summary', { text: 'as recorded' })]);
      raw.appendChild(captured(response));
      detail.appendChild(raw);
    }
  }

  // Prompt skeleton: fixed lines muted, slots highlighted with up to three of their values.
  var skeleton = el('section', { className: 'full', id: 'skeleton' });
  views.skeleton = skeleton;
  if (!data.skeletons.length) skeleton.appendChild(el('p', { className: 'muted', text: 'No prompt to analyze.' }));
  data.skeletons.forEach(function (agent) {
    skeleton.appendChild(el('h2', { text: agent.agent }));
    agent.families.forEach(function (family) {
      var box = el('details', {}, [el('summary', {}, [captured(family.label + ' — ' + countOf(family.requests, 'request') + ', ' + family.fixedPercent + '% fixed', 'span')])]);
      var slotsAt = {};
      family.slots.forEach(function (slot) { (slotsAt[slot.position] = slotsAt[slot.position] || []).push(slot); });
      for (var i = 0; i <= family.skeleton.length; i++) {
        (slotsAt[i] || []).forEach(function (slot) {
          var view = el('div', { className: 'slot' }, [el('div', { className: 'muted', text: 'slot' + (slot.section ? ' in ' + slot.section : '') })]);
          slot.values.forEach(function (value) { view.appendChild(captured(value)); });
          box.appendChild(view);
        });
        if (i < family.skeleton.length) { var line = captured(family.skeleton[i], 'div'); line.classList.add('fixed'); box.appendChild(line); }
      }
      skeleton.appendChild(box);
    });
  });

  // Cache & cost: each request's cache verdict and price (explain.ts), totals per model family.
  var cost = el('section', { className: 'full', id: 'cache-cost', 'data-hook': 'cache-cost' });
  views.cost = cost;
  var cc = data.cacheCost;
  function usd(value) { return value === null || value === undefined ? 'unpriced' : '$' + (value < 0.01 && value > 0 ? value.toPrecision(2) : value.toFixed(2)); }
  function cells(values) { return el('tr', null, values.map(function (value) { return el('td', null, [captured(String(value), 'span')]); })); }
  function head(names) { return el('tr', null, names.map(function (name) { return el('th', { text: name }); })); }
  if (!cc) {
    cost.appendChild(el('p', { className: 'muted', text: 'No cache and cost figures in this report.' }));
  } else {
    cost.appendChild(el('h2', { text: 'Cache and cost' }));
    cost.appendChild(el('p', { text: 'Cache-hit rate ' + (cc.hitRate === null ? '—' : (cc.hitRate * 100).toFixed(1) + '%') + ' (read ÷ uncached + read + written) · total ' + usd(cc.totalUsd) + (cc.unpriced ? ' + ' + cc.unpriced + ' unpriced' : '') + ' · prices as of ' + cc.pricingDate }));
    cost.appendChild(el('table', { 'data-table': 'cost-by-family' }, [head(['model family', 'requests', 'cost', 'unpriced'])].concat(cc.byFamily.map(function (row) { return cells([row.family, row.requests, usd(row.usd), row.unpriced]); }))));
    cost.appendChild(el('table', { 'data-table': 'cache-by-request' }, [head(['request', 'model', 'read', 'written', 'missed', 'cause', 'cost'])].concat(cc.requests.map(function (row) {
      var tr = cells([row.id, row.model || '—', row.read, row.written, row.missed, (row.isBreak ? '✂ ' : '') + row.cause, usd(row.usd)]);
      if (row.isBreak) tr.className = 'break';
      return tr;
    }))));
  }

  document.body.appendChild(main);
  document.body.appendChild(skeleton);
  document.body.appendChild(cost);
  show('timeline');
  document.documentElement.setAttribute('data-rendered', String(data.exchanges.length));
})();
`;
