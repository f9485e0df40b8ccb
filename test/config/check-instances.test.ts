import t from 'tap';
import type { ConfigProblem } from '../../engine/config/config-problem.js';
import { loadConfigText } from '../../engine/config-loader/load-config.js';

/** The checks of the redis target and of upstream discovery, through the loader. */

function report(lines: string[]): ConfigProblem[] {
  const text = [...lines, ...(lines.includes('routes:') ? [] : ['routes: []'])].join('\n');
  const result = loadConfigText(text, 'gateway.yaml', {});
  return result.ok ? result.warnings : result.problems;
}

const where = (p: ConfigProblem): string => `${p.code} ${p.line}:${p.column} ${p.message}`;

function upstream(discovery: string[]): string[] {
  return ['routes:', '  - { path: /a, upstream: svc }', 'upstreams:', '  svc:', ...discovery];
}

t.test('the redis block names exactly one target', async (t) => {
  t.same(report(['redis:', '  url: redis://127.0.0.1:6379']).map(where), []);
  t.same(
    report(['redis:', '  cluster: { nodes: ["10.0.0.1:7000"] }']).map(where),
    [],
    'a cluster alone',
  );
  t.same(report(['redis:', '  key_prefix: "gw:"']).map(where), [
    'GW_ERR_CONFIG_REDIS_TARGET 1:1 the redis block says neither url, sentinel nor cluster',
  ]);
  t.same(
    report([
      'redis:',
      '  url: redis://127.0.0.1:6379',
      '  sentinel: { master_name: mymaster, nodes: ["10.0.0.1:26379"] }',
    ]).map(where),
    ['GW_ERR_CONFIG_REDIS_TARGET 3:3 the redis block has both url and sentinel'],
  );
});

t.test('discovery has what its type needs and nothing of another type', async (t) => {
  t.same(
    report(upstream(['    discovery: { type: DNS, name: svc.local, port: 8080 }'])).map(where),
    [],
  );
  t.same(
    report(upstream(['    discovery: { type: SRV, name: _http._tcp.svc.local }'])).map(where),
    [],
  );
  t.same(report(upstream(['    discovery: { type: DNS, name: svc.local }'])).map(where), [
    'GW_ERR_CONFIG_DISCOVERY 5:16 upstream "svc" has DNS discovery without a port',
  ]);
  t.same(report(upstream(['    discovery: { type: SRV, port: 80 }'])).map(where), [
    'GW_ERR_CONFIG_DISCOVERY 5:16 upstream "svc" has SRV discovery without a name to resolve',
    'GW_ERR_CONFIG_DISCOVERY 5:35 upstream "svc": the SRV records give the port',
  ]);
  t.same(
    report(
      upstream([
        '    discovery:',
        '      type: Static',
        '      endpoints: ["http://10.0.0.5:3001"]',
        '      name: svc.local',
      ]),
    ).map(where),
    ['GW_ERR_CONFIG_DISCOVERY 8:13 upstream "svc": name applies to DNS and SRV discovery only'],
  );
  t.same(
    report(
      upstream([
        '    discovery:',
        '      type: DNS',
        '      name: svc.local',
        '      port: 8080',
        '      endpoints: ["http://10.0.0.5:3001"]',
        '      refresh: { min: 1m, max: 10s }',
      ]),
    ).map(where),
    [
      'GW_ERR_CONFIG_DISCOVERY 9:18 upstream "svc" resolves its endpoints in DNS, but also lists some',
      'GW_ERR_CONFIG_DISCOVERY 10:23 upstream "svc": refresh.min is above refresh.max',
    ],
  );
});
