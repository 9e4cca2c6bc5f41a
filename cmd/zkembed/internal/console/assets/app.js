// zkembed console: plain JavaScript, no framework, no build step.
// Every znode byte, name and server message reaches the page through
// textContent (the el helper) and never through innerHTML.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const utf8 = new TextEncoder();
  let info = null;
  let current = null; // {path, bytes, stat, acl}
  let view = 'text';
  const items = new Map(); // path -> li of the tree
  let selected = '/';
  const feed = []; // events, newest last
  let paused = false;
  let pollTimer = null;

  // el builds an element; string children become text nodes.
  function el(tag, props, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const k of kids) if (k !== null && k !== undefined) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
    return e;
  }

  function toast(msg, error) {
    const d = el('div', { class: error ? 'error' : '' }, msg);
    $('toast').append(d);
    setTimeout(() => d.remove(), error ? 8000 : 4000);
  }

  async function api(method, url, body) {
    const opts = { method, headers: {}, credentials: 'same-origin' };
    if (method !== 'GET') opts.headers['X-Console-Token'] = info ? info.token : '';
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const r = await fetch(url, opts);
    let j = null;
    try { j = await r.json(); } catch (e) { /* not JSON */ }
    if (!r.ok) {
      const e = new Error(j && j.error ? j.error + ': ' + j.message : r.status + ' ' + r.statusText);
      e.status = r.status; e.body = j;
      throw e;
    }
    return j;
  }
  const q = (p) => encodeURIComponent(p);

  // Bytes.
  function b64ToBytes(s) {
    const bin = atob(s || '');
    const u = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i);
    return u;
  }
  function bytesToB64(u) {
    let s = '';
    for (let i = 0; i < u.length; i += 0x8000) s += String.fromCharCode.apply(null, u.subarray(i, i + 0x8000));
    return btoa(s);
  }
  function decodeText(u) {
    try { return { text: new TextDecoder('utf-8', { fatal: true }).decode(u), valid: true }; } catch (e) {
      return { text: new TextDecoder('utf-8').decode(u), valid: false };
    }
  }
  const HEX_LIMIT = 64 * 1024;
  function hexdump(u) {
    const n = Math.min(u.length, HEX_LIMIT);
    const lines = [];
    for (let off = 0; off < n; off += 16) {
      let hex = '', asc = '';
      for (let i = 0; i < 16; i++) {
        if (off + i < n) {
          const b = u[off + i];
          hex += b.toString(16).padStart(2, '0') + ' ';
          asc += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
        } else hex += '   ';
        if (i === 7) hex += ' ';
      }
      lines.push(off.toString(16).padStart(8, '0') + '  ' + hex + ' |' + asc + '|');
    }
    if (u.length > n) lines.push('… showing the first ' + n + ' of ' + u.length + ' bytes');
    return lines.join('\n');
  }
  function size(n) {
    if (n < 1024) return n + ' B';
    if (n < 1 << 20) return (n / 1024).toFixed(1) + ' KiB (' + n + ' B)';
    return (n / (1 << 20)).toFixed(2) + ' MiB (' + n + ' B)';
  }
  const join = (p, name) => (p === '/' ? '/' + name : p + '/' + name);
  const parentOf = (p) => (p === '/' ? null : p.slice(0, p.lastIndexOf('/')) || '/');
  const nameOf = (p) => (p === '/' ? '/' : p.slice(p.lastIndexOf('/') + 1));
  const time = (ms) => (ms ? new Date(ms).toLocaleString() + ' (' + new Date(ms).toISOString() + ')' : '—');
  function ago(ms) {
    if (!ms) return '—';
    const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
    return s < 60 ? s + ' s ago' : Math.round(s / 60) + ' min ago';
  }

  // The tree.
  function treeItem(path, child) {
    const li = el('li', { role: 'treeitem', 'data-path': path, 'aria-expanded': 'false', 'aria-selected': 'false', tabindex: '-1' });
    const row = el('div', { class: 'item' });
    li.append(row);
    li._child = child || { numChildren: 1 };
    li._loaded = false;
    renderItem(li);
    row.addEventListener('click', (ev) => {
      if (ev.target.classList.contains('twisty')) toggle(li);
      else select(path, true);
    });
    items.set(path, li);
    return li;
  }
  function renderItem(li) {
    const path = li.dataset.path, c = li._child, row = li.firstChild;
    // replaceChildren would render a null as the text "null": drop them.
    row.replaceChildren(...[
      el('span', { class: 'twisty', 'aria-hidden': 'true' }, c.numChildren > 0 ? (li.getAttribute('aria-expanded') === 'true' ? '▾' : '▸') : ''),
      el('span', { class: 'name' }, nameOf(path)),
      c.numChildren > 0 ? el('span', { class: 'count', title: 'children' }, '(' + c.numChildren + ')') : null,
      c.ephemeral ? el('span', { class: 'mark', title: 'ephemeral' }, 'E') : null,
    ].filter(Boolean));
  }
  async function loadChildren(li) {
    const path = li.dataset.path;
    let j;
    try { j = await api('GET', 'api/children?path=' + q(path)); } catch (e) {
      if (e.status === 404) { removeItem(path); return; }
      toast(path + ': ' + e.message, true); return;
    }
    li._loaded = true;
    let ul = li.querySelector(':scope > ul');
    if (!ul) { ul = el('ul', { role: 'group' }); li.append(ul); }
    const old = new Map();
    for (const c of ul.children) old.set(c.dataset.path, c);
    const kids = [];
    for (const c of j.children) {
      const p = join(path, c.name);
      let ci = old.get(p);
      if (ci) { old.delete(p); ci._child = c; renderItem(ci); } else {
        ci = treeItem(p, c);
        if (li._loaded && li._seen) { ci.classList.add('flash'); setTimeout(() => ci.classList.remove('flash'), 1000); }
      }
      kids.push(ci);
    }
    if (j.truncated) kids.push(el('li', { class: 'muted' }, '… ' + (j.total - j.children.length) + ' more (use search)'));
    for (const gone of old.values()) forget(gone);
    ul.replaceChildren(...kids);
    li._seen = true;
    li._child.numChildren = j.total;
    renderItem(li);
  }
  function forget(li) {
    if (!li.dataset || !li.dataset.path) return;
    for (const d of li.querySelectorAll('li[role=treeitem]')) items.delete(d.dataset.path);
    items.delete(li.dataset.path);
  }
  function removeItem(path) {
    const li = items.get(path);
    if (li && path !== '/') { forget(li); li.remove(); }
  }
  async function expand(li) {
    li.setAttribute('aria-expanded', 'true');
    renderItem(li);
    const ul = li.querySelector(':scope > ul');
    if (ul) ul.hidden = false;
    await loadChildren(li);
  }
  function collapse(li) {
    li.setAttribute('aria-expanded', 'false');
    const ul = li.querySelector(':scope > ul');
    if (ul) ul.hidden = true;
    renderItem(li);
  }
  function toggle(li) { li.getAttribute('aria-expanded') === 'true' ? collapse(li) : expand(li); }
  async function reveal(path) {
    const parts = path === '/' ? [] : path.slice(1).split('/');
    let p = '/';
    for (const part of parts) {
      const li = items.get(p);
      if (!li) return;
      if (li.getAttribute('aria-expanded') !== 'true' || !li._loaded) await expand(li);
      p = join(p, part);
    }
  }
  function markSelected(path) {
    for (const li of document.querySelectorAll('#tree li[aria-selected=true]')) { li.setAttribute('aria-selected', 'false'); li.tabIndex = -1; }
    const li = items.get(path);
    if (li) { li.setAttribute('aria-selected', 'true'); li.tabIndex = 0; }
  }
  async function select(path, focus) {
    selected = path;
    await reveal(path);
    markSelected(path);
    const li = items.get(path);
    if (li && focus) li.focus();
    await openNode(path);
  }
  // Keyboard navigation of the tree (WAI-ARIA tree pattern).
  $('tree').addEventListener('keydown', (ev) => {
    const li = ev.target.closest('li[role=treeitem]');
    if (!li) return;
    const visible = [...document.querySelectorAll('#tree li[role=treeitem]')].filter((x) => x.offsetParent !== null);
    const i = visible.indexOf(li);
    let next = null;
    switch (ev.key) {
      case 'ArrowDown': next = visible[i + 1]; break;
      case 'ArrowUp': next = visible[i - 1]; break;
      case 'ArrowRight':
        if (li._child.numChildren > 0 && li.getAttribute('aria-expanded') !== 'true') { expand(li); ev.preventDefault(); return; }
        next = visible[i + 1]; break;
      case 'ArrowLeft':
        if (li.getAttribute('aria-expanded') === 'true') { collapse(li); ev.preventDefault(); return; }
        next = items.get(parentOf(li.dataset.path)); break;
      case 'Enter': case ' ': select(li.dataset.path, true); ev.preventDefault(); return;
      default: return;
    }
    ev.preventDefault();
    if (next) { for (const x of visible) x.tabIndex = -1; next.tabIndex = 0; next.focus(); }
  });

  // The open znode.
  function crumbs(path) {
    const nav = $('crumbs');
    nav.replaceChildren();
    let p = '/';
    nav.append(el('button', { type: 'button', onclick: () => select('/', false) }, '/'));
    if (path === '/') return;
    const parts = path.slice(1).split('/');
    parts.forEach((part, i) => {
      p = join(p, part);
      const target = p;
      if (i > 0) nav.append('/');
      nav.append(el('button', { type: 'button', onclick: () => select(target, false) }, part));
    });
  }
  async function openNode(path) {
    // A refresh of a znode the user has already left (a live event
    // arriving while another is being opened) must not take the page back.
    const stale = () => selected && selected !== path;
    if (stale()) return;
    crumbs(path);
    history.replaceState(null, '', '#' + path);
    let j;
    try { j = await api('GET', 'api/node?path=' + q(path)); } catch (e) {
      if (stale()) return;
      current = null;
      $('node').hidden = true;
      const m = $('node-missing');
      m.hidden = false;
      m.replaceChildren(el('p', { class: 'err' }, path + ': ' + e.message));
      return;
    }
    if (stale()) return;
    $('node-missing').hidden = true;
    $('node').hidden = false;
    const same = current && current.path === path;
    current = { path, bytes: b64ToBytes(j.data), stat: j.stat, acl: j.acl || [] };
    if (!same) { $('diff').hidden = true; $('changed').hidden = true; $('conflict').hidden = true; }
    renderNode(!same);
  }
  function renderData() {
    const pre = $('data'), u = current.bytes;
    pre.classList.toggle('hex', view === 'hex');
    for (const b of document.querySelectorAll('.views button')) b.setAttribute('aria-selected', String(b.dataset.view === view));
    const t = decodeText(u);
    let s;
    switch (view) {
      case 'text': s = (t.valid ? '' : '[not valid UTF-8: invalid bytes shown as U+FFFD]\n') + t.text; break;
      case 'json':
        try { s = JSON.stringify(JSON.parse(t.text), null, 2); } catch (e) { s = 'not valid JSON: ' + e.message; }
        if (!t.valid) s = 'not valid UTF-8, so not JSON';
        break;
      case 'hex': s = hexdump(u); break;
      case 'base64': s = bytesToB64(u); break;
    }
    pre.textContent = s;
    $('size').textContent = size(u.length);
  }
  function renderNode(fresh) {
    renderData();
    const st = current.stat;
    const rows = [
      ['czxid', st.czxid], ['mzxid', st.mzxid], ['pzxid', st.pzxid],
      ['ctime', time(st.ctime)], ['mtime', time(st.mtime)],
      ['version', st.version], ['cversion', st.cversion], ['aversion', st.aversion],
      ['ephemeralOwner', st.ephemeralOwner === '0x0' ? '0x0' : st.ephemeralOwner + (info && st.ephemeralOwner === info.session ? ' (this console)' : ' (ephemeral)')],
      ['dataLength', st.dataLength], ['numChildren', st.numChildren],
    ];
    $('stat').replaceChildren(...rows.map(([k, v]) => el('tr', {}, el('td', {}, k), el('td', {}, v))));
    $('acl').replaceChildren(el('tr', {}, el('th', {}, 'scheme'), el('th', {}, 'id'), el('th', {}, 'perms')),
      ...current.acl.map((a) => el('tr', {}, el('td', {}, a.scheme), el('td', {}, a.id), el('td', {}, a.perms))));
    $('edit-version').textContent = st.version;
    if (fresh) {
      const t = decodeText(current.bytes);
      $('edit').value = t.text;
      $('acl-edit').value = current.acl.map((a) => a.scheme + ':' + a.id + ':' + a.perms).join('\n');
    }
  }
  for (const b of document.querySelectorAll('.views button')) b.addEventListener('click', () => { view = b.dataset.view; if (current) renderData(); });

  // A change made elsewhere to the open znode: keep the previous value.
  async function refreshOpen() {
    if (!current) return;
    const old = current.bytes;
    await openNode(current.path);
    if (!current || sameBytes(old, current.bytes)) return;
    $('diff-old').textContent = decodeText(old).text;
    $('diff-new').textContent = decodeText(current.bytes).text;
    $('diff').hidden = false;
    $('changed').hidden = false;
  }
  function sameBytes(a, b) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  $('diff-close').addEventListener('click', () => { $('diff').hidden = true; $('changed').hidden = true; });

  $('save').addEventListener('click', async () => {
    if (!current) return;
    const version = $('edit-force').checked ? -1 : current.stat.version;
    try {
      await api('PUT', 'api/node', { path: current.path, data: bytesToB64(utf8.encode($('edit').value)), version });
      $('conflict').hidden = true;
      toast('saved ' + current.path);
      const p = current.path;
      current = null;
      await openNode(p);
    } catch (e) {
      if (e.status === 409 && e.body && e.body.current) {
        const c = e.body.current;
        $('conflict-version').textContent = c.stat.version;
        $('conflict-data').textContent = decodeText(b64ToBytes(c.data)).text;
        $('conflict').hidden = false;
        $('conflict')._current = c;
      } else toast(e.message, true);
    }
  });
  $('conflict-take').addEventListener('click', () => {
    const c = $('conflict')._current;
    current.bytes = b64ToBytes(c.data);
    current.stat = c.stat;
    renderNode(true);
    $('conflict').hidden = true;
  });

  function parseACL(text) {
    const out = [];
    for (const line of text.split(/[\n,]/).map((s) => s.trim()).filter(Boolean)) {
      const a = line.indexOf(':'), z = line.lastIndexOf(':');
      if (a < 0 || z === a) throw new Error('ACL entry "' + line + '": want scheme:id:perms');
      out.push({ scheme: line.slice(0, a), id: line.slice(a + 1, z), perms: line.slice(z + 1) });
    }
    return out;
  }
  $('acl-save').addEventListener('click', async () => {
    try {
      await api('PUT', 'api/acl', { path: current.path, acl: parseACL($('acl-edit').value), version: current.stat.aversion });
      toast('ACL set on ' + current.path);
      const p = current.path; current = null; await openNode(p);
    } catch (e) { toast(e.message, true); }
  });
  $('digest').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const j = await api('POST', 'api/digest', { user: $('digest-user').value, password: $('digest-pw').value });
      $('digest-pw').value = '';
      $('digest-out').textContent = 'digest:' + j.id;
      const t = $('acl-edit');
      t.value = (t.value.trim() ? t.value.trim() + '\n' : '') + 'digest:' + j.id + ':cdrwa';
    } catch (e) { toast(e.message, true); }
  });

  $('create').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!current) return;
    const mode = $('create-mode').value;
    const body = { path: join(current.path, $('create-name').value), data: bytesToB64(utf8.encode($('create-data').value)), mode };
    if (mode.includes('TTL')) body.ttlMs = Number($('create-ttl').value);
    try {
      const j = await api('POST', 'api/node', body);
      toast('created ' + j.path + ' (' + j.mode + ')');
      $('create-name').value = '';
      $('create-data').value = '';
      const li = items.get(current.path);
      if (li) await expand(li);
      await select(j.path, false);
    } catch (e) { toast(e.message, true); }
  });

  $('delete').addEventListener('click', async () => {
    if (!current || current.path === '/') return;
    const path = current.path;
    let n;
    try { n = (await api('GET', 'api/count?path=' + q(path))).count; } catch (e) { toast(e.message, true); return; }
    const box = el('div', { id: 'confirm', role: 'alertdialog', 'aria-label': 'confirm delete' },
      el('p', { class: 'err' }, 'Delete ' + path + (n > 1 ? ' and the ' + (n - 1) + ' znodes below it' : '') + '? (' + n + ' znode' + (n > 1 ? 's' : '') + ')'));
    const yes = el('button', { type: 'button', id: 'confirm-yes', class: 'danger' }, 'Delete ' + n + ' znode' + (n > 1 ? 's' : ''));
    const no = el('button', { type: 'button', id: 'confirm-no' }, 'Cancel');
    box.append(yes, ' ', no);
    $('delete').after(box);
    yes.focus();
    no.addEventListener('click', () => box.remove());
    yes.addEventListener('click', async () => {
      box.remove();
      try {
        const j = await api('DELETE', 'api/node?recursive=1&path=' + q(path));
        toast('deleted ' + j.deleted + ' znode' + (j.deleted === 1 ? '' : 's') + ' under ' + path);
        removeItem(path);
        await select(parentOf(path), false);
      } catch (e) { toast(e.message, true); }
    });
  });

  // Export and import: NDJSON progress lines from the server.
  async function streamLines(resp, onLine) {
    if (!resp.ok) { let m = resp.statusText; try { const j = await resp.json(); m = j.error + ': ' + j.message; } catch (e) { /* */ } throw new Error(m); }
    const reader = resp.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (value) buf += dec.decode(value, { stream: true });
      let i;
      while ((i = buf.indexOf('\n')) >= 0) { const line = buf.slice(0, i); buf = buf.slice(i + 1); if (line) onLine(JSON.parse(line)); }
      if (done) return;
    }
  }
  function progress(l, label) {
    const pr = $('progress');
    pr.hidden = false;
    if (l.total > 0) { pr.max = l.total; pr.value = l.done; } else pr.removeAttribute('value');
    $('progress-text').textContent = label + ' ' + l.done + (l.total > 0 ? '/' + l.total : '') + ' znodes';
  }
  $('export').addEventListener('click', async () => {
    if (!current) return;
    const root = current.path;
    let result = null;
    try {
      await streamLines(await fetch('api/export?path=' + q(root), { credentials: 'same-origin' }), (l) => {
        if (l.error) throw new Error(l.error.error + ': ' + l.error.message);
        progress(l, 'export');
        if (l.export) result = l.export;
      });
    } catch (e) { toast('export: ' + e.message, true); return; }
    const blob = new Blob([JSON.stringify(result, null, 1) + '\n'], { type: 'application/json' });
    const a = el('a', { href: URL.createObjectURL(blob), download: 'zkembed-export' + (root === '/' ? '' : root.replaceAll('/', '_')) + '.json' });
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    toast('exported ' + result.nodes.length + ' znodes under ' + root);
  });
  $('import').addEventListener('change', async (ev) => {
    const f = ev.target.files[0];
    ev.target.value = '';
    if (!f || !current) return;
    const dest = current.path;
    try {
      const text = await f.text();
      await streamLines(await fetch('api/import?path=' + q(dest), {
        method: 'POST', credentials: 'same-origin', body: text,
        headers: { 'Content-Type': 'application/json', 'X-Console-Token': info.token },
      }), (l) => {
        progress(l, 'import');
        if (l.error) throw new Error(l.error.error + ': ' + l.error.message);
        if (l.result) toast('imported ' + l.result.znodes + ' znodes (' + l.result.created + ' created, ' + l.result.updated + ' updated)');
      });
    } catch (e) { toast('import: ' + e.message, true); }
    const li = items.get(dest);
    if (li) await expand(li);
  });

  // Jump and search.
  $('jump').addEventListener('submit', (ev) => { ev.preventDefault(); const p = $('jump-path').value.trim(); if (p) select(p.replace(/\/+$/, '') || '/', false); });
  $('search').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const glob = $('search-glob').value.trim();
    const out = $('search-results');
    if (!glob) { out.hidden = true; return; }
    try {
      const root = selected || '/';
      const j = await api('GET', 'api/search?path=' + q(root) + '&glob=' + q(glob));
      out.replaceChildren(el('div', { class: 'muted' }, j.matches.length + ' match' + (j.matches.length === 1 ? '' : 'es') + ' under ' + root + ', ' + j.visited + ' znodes searched' + (j.complete ? '' : ' (stopped at the limit)')),
        ...j.matches.map((p) => el('button', { type: 'button', onclick: () => select(p, false) }, p)));
      out.hidden = false;
    } catch (e) { toast(e.message, true); }
  });

  // Login.
  $('login').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await api('POST', 'api/login', { user: $('login-user').value, password: $('login-pw').value });
      $('login-pw').value = '';
      await loadInfo();
      if (current) await openNode(current.path);
    } catch (e) { toast(e.message, true); }
  });
  $('logout-btn').addEventListener('click', async () => {
    try { await api('POST', 'api/logout'); await loadInfo(); } catch (e) { toast(e.message, true); }
  });
  async function loadInfo() {
    info = await api('GET', 'api/info');
    $('server').textContent = info.server + ' · session ' + info.session;
    $('ro').hidden = !info.readOnly;
    document.body.classList.toggle('readonly', info.readOnly);
    const logged = info.users && info.users.length > 0;
    $('who').textContent = logged ? 'digest: ' + info.users.join(', ') : '';
    $('logout-btn').hidden = !logged;
    for (const t of document.querySelectorAll('.zkembed')) t.hidden = !info.zkembed;
  }

  // Live events.
  const pending = new Set();
  let flushTimer = null;
  function onEvent(e) {
    feed.push(e);
    if (feed.length > 1000) feed.splice(0, feed.length - 1000);
    $('event-count').textContent = '(' + feed.length + ')';
    if (!paused) addEventRow(e, true);
    switch (e.type) {
      case 'NodeCreated': case 'NodeDeleted': case 'NodeChildrenChanged':
        pending.add(e.type === 'NodeChildrenChanged' ? e.path : parentOf(e.path));
        if (e.type === 'NodeDeleted') pending.add('deleted:' + e.path);
        break;
      case 'NodeDataChanged':
        pending.add('data:' + e.path);
        break;
      case 'Session': case 'State':
        if (e.state === 'Expired' || e.state === 'Reset' || e.state === 'Closed') loadInfo().catch(() => {});
        return;
      case 'Overflow':
        pending.add('/');
        break;
    }
    if (!flushTimer) flushTimer = setTimeout(flush, 100);
  }
  async function flush() {
    flushTimer = null;
    const work = [...pending];
    pending.clear();
    for (const w of work) {
      if (w.startsWith('data:')) {
        if (current && current.path === w.slice(5)) await refreshOpen();
      } else if (w.startsWith('deleted:')) {
        const p = w.slice(8);
        removeItem(p);
        if (current && current.path === p) await openNode(p);
      } else {
        const li = items.get(w);
        if (li && li._loaded) await loadChildren(li);
        else if (li) { li._child.numChildren = Math.max(li._child.numChildren, 1); renderItem(li); }
        if (current && current.path === w) await refreshOpen();
      }
    }
  }
  function eventMatches(e) {
    const f = $('events-filter').value.trim().toLowerCase();
    return !f || (e.type + ' ' + (e.path || '') + ' ' + (e.state || '')).toLowerCase().includes(f);
  }
  function addEventRow(e, prepend) {
    if (!eventMatches(e)) return;
    const tb = document.querySelector('#events tbody');
    const tr = el('tr', {}, el('td', {}, new Date(e.time).toLocaleTimeString()), el('td', {}, e.type + (e.state ? ' ' + e.state : '')),
      el('td', {}, e.path ? el('button', { type: 'button', class: 'link', onclick: () => { showTab('node'); select(e.path, false); } }, e.path) : ''),
      el('td', {}, e.zxid || ''));
    if (prepend) tb.prepend(tr); else tb.append(tr);
    while (tb.children.length > 500) tb.lastChild.remove();
  }
  function renderFeed() {
    const tb = document.querySelector('#events tbody');
    tb.replaceChildren();
    for (let i = feed.length - 1; i >= 0 && tb.children.length < 500; i--) addEventRow(feed[i], false);
  }
  $('events-pause').addEventListener('click', () => {
    paused = !paused;
    $('events-pause').textContent = paused ? 'Resume' : 'Pause';
    $('events-pause').setAttribute('aria-pressed', String(paused));
    if (!paused) renderFeed();
  });
  $('events-filter').addEventListener('input', renderFeed);
  $('events-clear').addEventListener('click', () => { feed.length = 0; $('event-count').textContent = ''; renderFeed(); });
  function connect() {
    const es = new EventSource('api/events');
    es.onopen = () => $('live').classList.remove('off');
    es.onerror = () => $('live').classList.add('off');
    es.onmessage = (m) => { try { onEvent(JSON.parse(m.data)); } catch (e) { /* ignore */ } };
  }

  // Tabs, sessions and metrics.
  function showTab(name) {
    for (const b of document.querySelectorAll('#tabs button')) b.setAttribute('aria-selected', String(b.dataset.tab === name));
    for (const t of document.querySelectorAll('.tab')) t.hidden = t.id !== 'tab-' + name;
    clearInterval(pollTimer);
    pollTimer = null;
    if (name === 'sessions') { loadSessions(); pollTimer = setInterval(loadSessions, 5000); }
    if (name === 'metrics') { loadMetrics(); pollTimer = setInterval(loadMetrics, 2000); }
  }
  for (const b of document.querySelectorAll('#tabs button')) b.addEventListener('click', () => showTab(b.dataset.tab));
  $('sessions-refresh').addEventListener('click', loadSessions);
  async function loadSessions() {
    let j;
    try { j = await api('GET', 'api/sessions'); } catch (e) { toast(e.message, true); return; }
    const list = (xs) => (xs.length ? el('div', {}, ...xs.map((x) => el('div', {}, x))) : '—');
    document.querySelector('#sessions tbody').replaceChildren(...j.sessions.map((s) => el('tr', { 'data-session': s.id },
      el('td', {}, s.id + (s.id === j.own ? ' (this console)' : '')), el('td', {}, s.timeoutMs ? s.timeoutMs + ' ms' : '—'),
      el('td', {}, s.remoteAddr || '(not connected)'), el('td', {}, ago(s.lastSeen)),
      el('td', {}, list(s.ephemerals)), el('td', {}, list(s.watches)))));
  }
  const charts = [
    { id: 'requests', title: 'requests/s', rate: 'packets_received' },
    { id: 'latency', title: 'latency ms (avg, max)', keys: ['avg_latency', 'max_latency'] },
    { id: 'znodes', title: 'znodes', keys: ['znode_count'] },
    { id: 'connections', title: 'connections', keys: ['num_alive_connections'] },
    { id: 'watches', title: 'watches', keys: ['watch_count'] },
    { id: 'outstanding', title: 'outstanding requests', keys: ['outstanding_requests'] },
    { id: 'datasize', title: 'approximate data size (bytes)', keys: ['approximate_data_size'] },
  ];
  async function loadMetrics() {
    let j;
    try { j = await api('GET', 'api/metrics'); } catch (e) { toast(e.message, true); return; }
    const box = $('charts');
    if (!box.children.length) for (const c of charts) box.append(el('figure', { id: 'chart-' + c.id }, el('figcaption', {}, c.title), el('canvas', { width: '360', height: '120' })));
    const ss = j.samples;
    for (const c of charts) {
      let series;
      if (c.rate) {
        const pts = [];
        for (let i = 1; i < ss.length; i++) {
          const dt = (ss[i].t - ss[i - 1].t) / 1000;
          pts.push([ss[i].t, dt > 0 ? Math.max(0, (ss[i].values[c.rate] - ss[i - 1].values[c.rate]) / dt) : 0]);
        }
        series = [pts];
      } else series = c.keys.map((k) => ss.map((s) => [s.t, s.values[k] || 0]));
      draw($('chart-' + c.id), series);
    }
  }
  function draw(fig, series) {
    const cv = fig.querySelector('canvas'), g = cv.getContext('2d');
    const w = cv.width, h = cv.height;
    g.clearRect(0, 0, w, h);
    const all = series.flat();
    const cap = fig.querySelector('figcaption');
    const last = series.map((s) => (s.length ? s[s.length - 1][1] : 0));
    cap.dataset.last = last.join(',');
    cap.textContent = cap.textContent.replace(/ — .*$/, '') + ' — ' + last.map((v) => (Math.round(v * 100) / 100).toLocaleString()).join(', ');
    if (all.length < 2) return;
    const t0 = Math.min(...all.map((p) => p[0])), t1 = Math.max(...all.map((p) => p[0]));
    const vmax = Math.max(1, ...all.map((p) => p[1]));
    g.font = '10px sans-serif'; g.fillStyle = '#66707a';
    g.fillText(String(Math.round(vmax * 100) / 100), 2, 10);
    const colors = ['#2364aa', '#b35c00'];
    series.forEach((s, i) => {
      g.strokeStyle = colors[i % colors.length]; g.lineWidth = 1.5; g.beginPath();
      s.forEach(([t, v], k) => {
        const x = t1 > t0 ? ((t - t0) / (t1 - t0)) * (w - 4) + 2 : 2, y = h - 2 - (v / vmax) * (h - 14);
        if (k === 0) g.moveTo(x, y); else g.lineTo(x, y);
      });
      g.stroke();
    });
  }

  async function start() {
    try { await loadInfo(); } catch (e) { toast('cannot reach the server: ' + e.message, true); return; }
    const root = treeItem('/', { numChildren: 1 });
    $('tree').append(root);
    await expand(root);
    connect();
    const p = decodeURIComponent(location.hash.slice(1)) || '/';
    await select(p.startsWith('/') ? p : '/', false);
    document.body.dataset.ready = 'true';
  }
  start();
})();
