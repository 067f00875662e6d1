/// The console's stylesheet and script, inlined into the page: plain CSS and JS,
/// nothing fetched from the network.
enum ConsoleAssets {
    static let css = #"""
    :root { --bg:#f4f5f7; --panel:#fff; --ink:#1d2329; --muted:#6a737d; --line:#e3e6ea; --pv:#2f6fde; --lc:#e0702b; --bad:#c62828; }
    * { box-sizing: border-box; }
    body { margin:0; font:13px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--ink); background:var(--bg); }
    header { display:flex; align-items:center; gap:18px; padding:10px 20px; background:#1d2329; color:#fff; }
    header h1 { margin:0; font-size:17px; font-weight:600; }
    header h1 span { font-weight:400; color:#9fb3c8; }
    header .dataset { flex:1; color:#9fb3c8; font-family:ui-monospace,Menlo,monospace; font-size:12px; overflow:hidden; text-overflow:ellipsis; white-space:nowrap; }
    .live { display:flex; align-items:center; gap:6px; color:#cfd8e3; font-size:12px; }
    #live-dot { width:9px; height:9px; border-radius:50%; background:#8a939c; }
    #live-dot.ok { background:#3fb950; } #live-dot.error { background:#f85149; }
    main { padding:14px 20px 30px; }
    .cards { display:grid; grid-template-columns:repeat(6,1fr); gap:12px; margin-bottom:14px; }
    .card { background:var(--panel); border:1px solid var(--line); border-radius:8px; padding:10px 14px; }
    .card .value { font-size:24px; font-weight:600; font-variant-numeric:tabular-nums; }
    .card .label { color:var(--muted); }
    #count-pageviews { color:var(--pv); } #count-linkclicks { color:var(--lc); } #count-rejected { color:var(--bad); }
    .panel { background:var(--panel); border:1px solid var(--line); border-radius:8px; padding:12px 14px; margin-bottom:14px; }
    .panel h2 { margin:0 0 8px; font-size:14px; font-weight:600; }
    .muted { color:var(--muted); font-weight:400; }
    #chart svg { width:100%; height:auto; display:block; }
    #chart .pv { fill:var(--pv); } #chart .lc { fill:var(--lc); }
    #chart text { fill:var(--muted); font-size:11px; } #chart .legend text { fill:var(--ink); font-size:12px; }
    #chart .grid { stroke:var(--line); stroke-dasharray:3 3; } #chart .base { stroke:#b8bec5; }
    .columns { display:grid; grid-template-columns:minmax(0,1fr) 320px; gap:14px; align-items:start; }
    form#filter { display:flex; gap:8px; margin-bottom:8px; }
    form#filter input, form#filter select, form#filter button { font:inherit; padding:5px 8px; border:1px solid #c9ced4; border-radius:6px; background:#fff; }
    form#filter input[name=q] { flex:2; } form#filter input[name=identity] { flex:2; }
    form#filter button { background:#1d2329; color:#fff; border-color:#1d2329; cursor:pointer; }
    table.events { width:100%; border-collapse:collapse; table-layout:fixed; }
    table.events th { text-align:left; font-weight:600; color:var(--muted); border-bottom:1px solid var(--line); padding:4px 6px; }
    table.events th:nth-child(1) { width:162px; } table.events th:nth-child(2) { width:100px; }
    #events-panel table.events th:nth-child(4) { width:212px; } #events-panel table.events th:nth-child(5) { width:160px; }
    #timeline-panel table.events th:nth-child(4) { width:200px; }
    table.events td { padding:4px 6px; border-bottom:1px solid #eef0f2; vertical-align:top; overflow:hidden; text-overflow:ellipsis; }
    table.events td.url div { overflow-wrap:anywhere; }
    td.time { font-variant-numeric:tabular-nums; white-space:nowrap; }
    td.identity a { font-family:ui-monospace,Menlo,monospace; font-size:11.5px; color:var(--ink); text-decoration:none; word-break:break-all; }
    td.identity a:hover { text-decoration:underline; }
    .ns { display:inline-block; font-family:system-ui,sans-serif; font-size:10.5px; font-weight:600; padding:0 5px; border-radius:4px; background:#e8ecf1; color:#44505c; }
    .badge { display:inline-block; padding:1px 7px; border-radius:10px; font-size:11.5px; font-weight:600; white-space:nowrap; }
    .badge.pageView { background:#e1ebfd; color:var(--pv); } .badge.linkClick { background:#fde9dc; color:#b4531a; } .badge.other { background:#eee; color:#555; }
    .kv { display:inline-block; margin:0 4px 2px 0; padding:0 5px; border-radius:4px; background:#f1f3f5; font-size:11.5px; }
    .kv b { font-weight:600; color:var(--muted); }
    tr.new { animation:flash 2s ease-out; } @keyframes flash { from { background:#fff6c8; } to { background:transparent; } }
    #timeline-panel { border-color:#b7cdf5; box-shadow:0 0 0 2px #e1ebfd; }
    #timeline-title code { font-size:12px; } #timeline-title .close { float:right; font-weight:400; font-size:12px; }
    details.rejection { border-bottom:1px solid var(--line); padding:6px 0; }
    details.rejection summary { cursor:pointer; }
    .code { font-family:ui-monospace,Menlo,monospace; font-weight:600; padding:0 5px; border-radius:4px; background:#fde2e1; color:var(--bad); }
    .code.s2xx { background:#fff3cd; color:#8a6100; }
    .total { float:right; margin-left:8px; color:var(--muted); font-variant-numeric:tabular-nums; }
    details.rejection .meta { color:var(--muted); font-size:11.5px; margin:4px 0; }
    details.rejection ul { list-style:none; margin:0; padding:0; }
    details.rejection li { border-top:1px dashed var(--line); padding:5px 0; }
    details.rejection pre { margin:4px 0 0; padding:6px; background:#f6f8fa; border-radius:4px; font-size:11px; white-space:pre-wrap; word-break:break-all; }
    p.empty { color:var(--muted); margin:8px 0; }
    """#

    static let script = #"""
    (() => {
      'use strict';
      const $ = (id) => document.getElementById(id);
      const LIMIT = 100;
      const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
      const state = { q: '', type: '', identity: '', visitor: '', namespace: '', cursor: 0, chart: '', rejections: '', timeline: '' };

      function readLocation() {
        const query = new URLSearchParams(location.search);
        const hash = new URLSearchParams(location.hash.slice(1));
        state.q = query.get('q') || '';
        state.type = query.get('type') || '';
        state.identity = query.get('identity') || '';
        state.visitor = hash.get('visitor') || query.get('visitor') || '';
        state.namespace = hash.get('namespace') || query.get('namespace') || '';
      }

      function flatten(value, prefix, out) {
        if (value !== null && typeof value === 'object') {
          if (Array.isArray(value)) value.forEach((item, index) => flatten(item, prefix + '[' + index + ']', out));
          else Object.keys(value).sort().forEach((key) => flatten(value[key], prefix ? prefix + '.' + key : key, out));
        } else out.push([prefix, String(value)]);
        return out;
      }

      function kindLabel(event) {
        if (event.kind === 'pageView') return 'page view';
        if (event.kind === 'linkClick') return 'link click';
        return event.eventType || 'no type';
      }

      // A name that only repeats the URL's path is left out (ConsolePage.shownName).
      function shownName(event) {
        if (!event.name) return false;
        try { return new URL(event.url).pathname !== event.name; } catch (error) { return true; }
      }

      // The same markup as the server's first render (ConsolePage.row).
      function row(event, withIdentity) {
        const time = event.timestamp.replace('T', ' ').slice(0, 19);
        let cells = `<td class="time" title="received ${esc(event.receivedAt)}">${esc(time)}</td>`;
        cells += `<td><span class="badge ${esc(event.kind)}">${esc(kindLabel(event))}</span>${event.linkType ? ` <span class="muted">${esc(event.linkType)}</span>` : ''}</td>`;
        cells += `<td class="url"><div>${esc(event.url || '')}</div>${shownName(event) ? `<div class="muted">${esc(event.name)}</div>` : ''}</td>`;
        if (withIdentity) {
          const href = '/?visitor=' + encodeURIComponent(event.identity) + '&namespace=' + encodeURIComponent(event.namespace);
          cells += `<td class="identity"><a class="visitor" href="${esc(href)}" data-identity="${esc(event.identity)}" data-namespace="${esc(event.namespace)}"><span class="ns">${esc(event.namespace)}</span> ${esc(event.identity)}</a></td>`;
        }
        const data = event.pipelineData || {};
        const pairs = Object.keys(data).sort().flatMap((key) => flatten(data[key], key === 'data' ? '' : key, []));
        cells += `<td class="data">${pairs.map(([key, value]) => `<span class="kv"><b>${esc(key)}</b> ${esc(value)}</span>`).join('')}</td>`;
        return `<tr class="event ${esc(event.kind)}" data-seq="${event.seq}">${cells}</tr>`;
      }

      function filterQuery() {
        const query = new URLSearchParams();
        if (state.q) query.set('q', state.q);
        if (state.type) query.set('type', state.type);
        if (state.identity) query.set('identity', state.identity);
        return query;
      }

      function pageURL() {
        const query = filterQuery();
        if (state.visitor) {
          query.set('visitor', state.visitor);
          if (state.namespace) query.set('namespace', state.namespace);
        }
        const text = query.toString();
        return '/' + (text ? '?' + text : '');
      }

      async function getJSON(path) {
        const response = await fetch(path, { cache: 'no-store' });
        if (!response.ok) throw new Error(path + ' answered HTTP ' + response.status);
        return response.json();
      }

      function setText(id, value) {
        const element = $(id);
        if (element && element.textContent !== String(value)) element.textContent = String(value);
      }

      async function refreshSummary() {
        const summary = await getJSON('/console/api/summary');
        const types = summary.stats.event_types || {};
        setText('count-events', summary.stats.events_stored);
        setText('count-pageviews', types['web.webpagedetails.pageViews'] || 0);
        setText('count-linkclicks', types['web.webinteraction.linkClicks'] || 0);
        setText('count-identities', summary.stats.identities);
        setText('count-duplicates', summary.stats.duplicates);
        setText('count-rejected', summary.rejected);
        setText('rejected-total', summary.rejected);
      }

      async function refreshEvents(reset) {
        const query = filterQuery();
        query.set('limit', String(LIMIT));
        if (!reset && state.cursor) query.set('after', String(state.cursor));
        const answer = await getJSON('/console/api/events?' + query);
        const body = $('event-rows');
        setText('matching', answer.matching + ' matching');
        const rows = answer.events.map((event) => row(event, true)).join('');
        if (reset || answer.events.length >= LIMIT) {
          body.innerHTML = rows;
        } else if (answer.events.length) {
          body.insertAdjacentHTML('afterbegin', rows);
          for (let index = 0; index < answer.events.length; index++) body.rows[index].classList.add('new');
          while (body.rows.length > LIMIT) body.deleteRow(-1);
        }
        if (reset) state.cursor = answer.events.length ? answer.events[0].seq : 0;
        else if (answer.events.length) state.cursor = Math.max(state.cursor, answer.events[0].seq);
        $('events-empty').hidden = body.rows.length > 0;
      }

      async function refreshChart() {
        const response = await fetch('/console/chart.svg', { cache: 'no-store' });
        if (!response.ok) throw new Error('/console/chart.svg answered HTTP ' + response.status);
        const svg = await response.text();
        if (svg !== state.chart) {
          state.chart = svg;
          $('chart').innerHTML = svg;
        }
      }

      function pretty(json) {
        try { return JSON.stringify(JSON.parse(json), null, 2); } catch (error) { return json; }
      }

      async function refreshRejections() {
        const groups = await getJSON('/console/api/rejections');
        const key = JSON.stringify(groups);
        if (key === state.rejections) return;
        const open = new Set([...document.querySelectorAll('details.rejection[open]')].map((element) => element.dataset.code));
        state.rejections = key;
        $('rejection-groups').innerHTML = groups.length ? groups.map((group) => {
          const code = group.code || 'no code';
          const recent = group.recent.map((rejection) =>
            `<li><div class="detail">${esc(rejection.detail)}</div><div class="meta">${esc(rejection.receivedAt)} · request ${esc(rejection.requestId)}</div><pre>${esc(pretty(rejection.problem))}</pre></li>`).join('');
          return `<details class="rejection" data-code="${esc(code)}"${open.has(code) ? ' open' : ''}><summary><span class="total">${group.total}×</span><span class="code s${Math.floor(group.status / 100)}xx">${esc(code)}</span> ` +
            `<span class="title">${esc(group.title)}</span></summary>` +
            `<div class="meta">HTTP ${group.status}, last at ${esc(group.lastAt)}; the latest ${group.recent.length} kept</div><ul>${recent}</ul></details>`;
        }).join('') : '<p class="empty">No request refused.</p>';
      }

      async function refreshTimeline() {
        const panel = $('timeline-panel');
        if (!state.visitor) {
          panel.hidden = true;
          state.timeline = '';
          return;
        }
        const suffix = state.namespace ? '?namespace=' + encodeURIComponent(state.namespace) : '';
        const answer = await getJSON('/console/api/visitor/' + encodeURIComponent(state.visitor) + suffix);
        const namespace = state.namespace || (answer.events[0] ? answer.events[0].namespace : '');
        const key = JSON.stringify([state.visitor, namespace, answer.events.length, answer.events.length ? answer.events[answer.events.length - 1].seq : 0]);
        if (key !== state.timeline) {
          state.timeline = key;
          const count = answer.events.length;
          panel.innerHTML = `<h2 id="timeline-title">Visitor <span class="ns">${esc(namespace)}</span> <code>${esc(state.visitor)}</code> <span class="muted">${count} event${count === 1 ? '' : 's'} in time order</span> <a class="close" href="/">close</a></h2>` +
            '<table class="events"><thead><tr><th>time (event)</th><th>type</th><th>URL or link</th><th>pipeline data</th></tr></thead>' +
            `<tbody id="timeline-rows">${answer.events.map((event) => row(event, false)).join('')}</tbody></table>`;
          panel.dataset.identity = state.visitor;
          panel.dataset.namespace = state.namespace;
        }
        panel.hidden = false;
      }

      function report(error) {
        setText('updated', 'not updating: ' + error.message);
        $('live-dot').className = 'error';
      }

      function openVisitor(identity, namespace) {
        state.visitor = identity;
        state.namespace = namespace;
        history.pushState(null, '', pageURL());
        refreshTimeline().then(() => { if (identity) $('timeline-panel').scrollIntoView({ behavior: 'smooth', block: 'start' }); }).catch(report);
      }

      document.addEventListener('click', (event) => {
        if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
        const visitor = event.target.closest('a.visitor');
        if (visitor) {
          event.preventDefault();
          openVisitor(visitor.dataset.identity, visitor.dataset.namespace);
        } else if (event.target.closest('#timeline-panel a.close')) {
          event.preventDefault();
          openVisitor('', '');
        }
      });

      const form = $('filter');
      let typing = null;
      function applyFilter() {
        const fields = new FormData(form);
        state.q = String(fields.get('q') || '');
        state.type = String(fields.get('type') || '');
        state.identity = String(fields.get('identity') || '');
        history.replaceState(null, '', pageURL());
        refreshEvents(true).catch(report);
      }
      form.addEventListener('submit', (event) => { event.preventDefault(); applyFilter(); });
      form.addEventListener('input', () => { clearTimeout(typing); typing = setTimeout(applyFilter, 300); });

      function followLocation() {
        readLocation();
        form.elements.q.value = state.q;
        form.elements.type.value = state.type;
        form.elements.identity.value = state.identity;
        Promise.all([refreshEvents(true), refreshTimeline()]).catch(report);
      }
      window.addEventListener('popstate', followLocation);
      window.addEventListener('hashchange', followLocation);

      readLocation();
      const newest = document.querySelector('#event-rows tr');
      state.cursor = newest ? Number(newest.dataset.seq) : 0;

      async function poll() {
        try {
          await Promise.all([refreshSummary(), refreshEvents(false), refreshChart(), refreshRejections(), refreshTimeline()]);
          setText('updated', 'live · updated ' + new Date().toLocaleTimeString());
          $('live-dot').className = 'ok';
        } catch (error) {
          report(error);
        }
        setTimeout(poll, 2000);
      }
      poll();
    })();
    """#
}
