// The admin dashboard: reads the admin API with the token kept in this tab's sessionStorage and
// renders four views, refreshed every POLL_MS. Everything is built with DOM calls and
// textContent (no HTML from data), so the page runs under a CSP without 'unsafe-inline'.

const POLL_MS = 2000;
const TOKEN_KEY = 'gatewayd.admin-token';
const VIEWS = ['overview', 'routes', 'upstreams', 'websocket'];

class Refused extends Error {}

const byId = (id) => document.getElementById(id);

/** An element with attributes and children (strings become text). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child);
  }
  return node;
}

/** The nodes that are there: parts of a view may be left out. */
function present(...nodes) {
  return nodes.filter((n) => n !== null);
}

function badge(text, kind = text) {
  return el('span', { class: `badge ${kind}` }, text);
}

function table(headers, rows, attrs = {}) {
  return el(
    'table',
    attrs,
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        headers.map((h) => el('th', {}, h)),
      ),
    ),
    el('tbody', {}, rows),
  );
}

function cell(value, numeric = false) {
  return el('td', numeric ? { class: 'number' } : {}, value === null ? '–' : String(value));
}

function card(label, value, attrs = {}) {
  return el(
    'div',
    { class: 'card', ...attrs },
    el('div', { class: 'value' }, String(value)),
    el('div', { class: 'label' }, label),
  );
}

function time(iso) {
  return iso === null ? '–' : new Date(iso).toLocaleString();
}

async function api(path, { optional = false } = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token === null) throw new Refused('no token');
  const answer = await fetch(path, {
    headers: { authorization: `Bearer ${token}` },
    cache: 'no-store',
  });
  if (answer.status === 401) throw new Refused('the admin API refused this token');
  if (optional && answer.status === 404) return null;
  const body = await answer.json();
  if (!answer.ok) throw new Error(`${path}: ${answer.status} ${body.message ?? ''}`);
  return body;
}

/** Per-route rates: the difference between two reads of the usage counters. */
let previousUsage = null;

function routeRates(usage) {
  const now = performance.now();
  const current = new Map(usage.routes.map((r) => [r.route, r]));
  const rates = new Map();
  if (previousUsage !== null) {
    const seconds = (now - previousUsage.at) / 1000;
    for (const [route, r] of current) {
      const before = previousUsage.routes.get(route) ?? { requests: 0, server_errors: 0 };
      const requests = r.requests - before.requests;
      const errors = r.server_errors - before.server_errors;
      // A minute leaving the 15-minute window lowers the counts: no rate for that read.
      if (requests >= 0 && errors >= 0 && seconds > 0) {
        rates.set(route, { perSecond: requests / seconds, errorsPerSecond: errors / seconds });
      }
    }
  }
  previousUsage = { at: now, routes: current };
  return rates;
}

function renderOverview(data) {
  const { config, upstreams, hub } = data;
  const counts = { ok: 0, degraded: 0, down: 0 };
  for (const u of upstreams.upstreams) counts[u.status]++;
  const last = config.last_reload;
  byId('overview').replaceChildren(
    ...present(
      el(
        'div',
        { class: 'cards' },
        card('config generation', config.generation, { 'data-field': 'generation' }),
        card('routes', data.routes.routes.length),
        card(
          'upstreams ok / degraded / down',
          `${counts.ok} / ${counts.degraded} / ${counts.down}`,
        ),
        card('WebSocket connections', hub === null ? 'hub off' : hub.connections),
      ),
      el('h2', {}, 'Configuration'),
      table(
        ['file', 'hash', 'loaded', 'runtime routes'],
        [
          el(
            'tr',
            {},
            cell(config.file),
            cell(config.hash.slice(0, 12)),
            cell(time(config.loaded_at)),
            cell(
              `${config.runtime_routes.active} active, ${config.runtime_routes.inactive} inactive`,
            ),
          ),
        ],
      ),
      el('h2', {}, 'Last reload'),
      last === null
        ? el('p', {}, 'No reload since the start.')
        : el(
            'div',
            { 'data-field': 'last-reload' },
            el(
              'p',
              {},
              last.ok ? badge('applied', 'ok') : badge('refused', 'down'),
              ` ${time(last.at)} (${last.reason}); generation ${last.generation} in force`,
            ),
            last.problems.length === 0
              ? null
              : el('pre', { class: 'problems' }, last.problems.join('\n')),
          ),
      config.warnings.length === 0 ? null : el('h2', {}, 'Warnings'),
      config.warnings.length === 0
        ? null
        : el('pre', { class: 'problems' }, config.warnings.join('\n')),
    ),
  );
}

function renderRoutes(data, rates) {
  const usage = new Map(data.usage.routes.map((r) => [r.route, r]));
  const rows = data.routes.routes.map((r) => {
    const u = usage.get(r.name);
    const rate = rates.get(r.name);
    return el(
      'tr',
      { 'data-route': r.name },
      cell(r.name),
      cell((r.methods ?? ['any']).join(', ')),
      cell(`${r.host ?? ''}${r.path}`),
      cell(r.target),
      el('td', { class: 'filters' }, r.filters.join(' → ')),
      cell(rate === undefined ? null : rate.perSecond.toFixed(2), true),
      cell(rate === undefined ? null : rate.errorsPerSecond.toFixed(2), true),
      cell(u === undefined ? 0 : u.requests, true),
      cell(
        u === undefined || u.requests === 0
          ? null
          : `${((100 * u.server_errors) / u.requests).toFixed(1)}%`,
        true,
      ),
      cell(u === undefined ? null : `${u.p95_ms} ms`, true),
    );
  });
  byId('routes').replaceChildren(
    el('h2', {}, 'Routes in match order'),
    el(
      'p',
      { class: 'filters' },
      `Rates: the difference between two reads ${POLL_MS / 1000} s apart; counts, 5xx share and p95 over the last ${data.usage.window.minutes} minutes, this process only.`,
    ),
    table(
      ['name', 'methods', 'path', 'target', 'filters', 'req/s', '5xx/s', 'requests', '5xx', 'p95'],
      rows,
    ),
  );
}

function renderUpstreams(data) {
  const view = byId('upstreams');
  const parts = [];
  for (const u of data.upstreams.upstreams) {
    const breaker = u.breaker;
    parts.push(
      el(
        'h2',
        { 'data-upstream': u.name },
        `${u.name} `,
        badge(u.status),
        ` ${u.usable_endpoints}/${u.endpoints.length} usable`,
        breaker === null ? '' : ' · breaker ',
        breaker === null
          ? null
          : badge(breaker.state, breaker.state === 'closed' ? 'ok' : breaker.state),
        u.panicking ? ' · panic: health ignored' : '',
      ),
    );
    parts.push(
      table(
        ['endpoint', 'health', 'ejection', 'usable', 'in flight', 'failures in a row', 'ejections'],
        u.endpoints.map((e) =>
          el(
            'tr',
            { 'data-endpoint': e.url },
            cell(e.url),
            el('td', {}, e.healthy ? badge('healthy', 'ok') : badge('unhealthy')),
            el(
              'td',
              {},
              e.ejected ? badge(`ejected ${Math.ceil(e.ejected_for_ms / 1000)} s`, 'ejected') : '–',
            ),
            cell(e.usable ? 'yes' : 'no'),
            cell(e.in_flight, true),
            cell(e.consecutive_failures, true),
            cell(e.ejections, true),
          ),
        ),
      ),
    );
  }
  view.replaceChildren(...(parts.length === 0 ? [el('p', {}, 'No upstreams.')] : parts));
}

function renderWebSocket(data) {
  const view = byId('websocket');
  if (data.hub === null) {
    view.replaceChildren(el('p', {}, 'The WebSocket hub is not enabled in this config.'));
    return;
  }
  const { hub, channels, connections } = data;
  view.replaceChildren(
    el(
      'div',
      { class: 'cards' },
      card('connections', hub.connections, { 'data-field': 'connections' }),
      card('authenticated', hub.authenticated),
      card('subscriptions', hub.subscriptions),
      card('published', hub.published),
      card('delivered', hub.delivered),
    ),
    el('h2', {}, 'Channels'),
    table(
      ['channel or pattern', 'subscribers here'],
      channels.channels.map((c) =>
        el('tr', { 'data-channel': c.channel }, cell(c.channel), cell(c.subscribers, true)),
      ),
    ),
    el('h2', {}, `Connections of instance ${hub.instance}`),
    table(
      ['id', 'user', 'origin', 'channels', 'since', 'messages in / out'],
      connections.connections.map((c) =>
        el(
          'tr',
          {},
          cell(c.id),
          cell(c.subject),
          cell(c.origin),
          cell(c.channels.join(', ')),
          cell(new Date(c.since).toLocaleTimeString()),
          cell(`${c.messagesIn} / ${c.messagesOut}`, true),
        ),
      ),
    ),
  );
}

async function refresh() {
  const [config, routes, upstreams, usage, hub] = await Promise.all([
    api('/admin/config'),
    api('/admin/routes'),
    api('/admin/upstreams'),
    api('/admin/usage'),
    api('/admin/websocket/statistics', { optional: true }),
  ]);
  const [channels, connections] =
    hub === null
      ? [null, null]
      : await Promise.all([api('/admin/websocket/channels'), api('/admin/websocket/connections')]);
  const data = { config, routes, upstreams, usage, hub, channels, connections };
  const rates = routeRates(usage);
  renderOverview(data);
  renderRoutes(data, rates);
  renderUpstreams(data);
  renderWebSocket(data);
  byId('status').textContent =
    `generation ${config.generation} · updated ${new Date().toLocaleTimeString()}`;
}

let timer = null;

async function tick() {
  try {
    await refresh();
  } catch (err) {
    if (err instanceof Refused) {
      signOut(err.message);
      return;
    }
    byId('status').textContent = `cannot read the admin API: ${err.message}`;
  }
  if (sessionStorage.getItem(TOKEN_KEY) !== null) timer = setTimeout(tick, POLL_MS);
}

function showView() {
  const wanted = location.hash.slice(1);
  const current = VIEWS.includes(wanted) ? wanted : 'overview';
  for (const view of VIEWS) byId(view).hidden = view !== current;
  for (const link of document.querySelectorAll('#views a')) {
    link.classList.toggle('current', link.dataset.view === current);
  }
}

function signedIn(yes) {
  byId('sign-in').hidden = yes;
  byId('views').hidden = !yes;
  byId('sign-out').hidden = !yes;
  for (const view of VIEWS) if (!yes) byId(view).hidden = true;
  if (yes) showView();
}

function signOut(reason) {
  clearTimeout(timer);
  timer = null;
  sessionStorage.removeItem(TOKEN_KEY);
  previousUsage = null;
  byId('status').textContent = '';
  byId('sign-in-error').textContent = reason ?? '';
  signedIn(false);
}

byId('sign-in').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = byId('token');
  sessionStorage.setItem(TOKEN_KEY, input.value.trim());
  input.value = '';
  byId('sign-in-error').textContent = '';
  signedIn(true);
  void tick();
});
byId('sign-out').addEventListener('click', () => signOut());
window.addEventListener('hashchange', showView);

if (sessionStorage.getItem(TOKEN_KEY) === null) signedIn(false);
else {
  signedIn(true);
  void tick();
}
