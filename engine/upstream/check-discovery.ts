import { ConfigCode } from '../errors/config-codes.js';
import type { ConfigPath, PathProblem } from '../config/config-problem.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import { parseDuration } from '../config/units.js';

/**
 * An upstream's discovery has the keys its type needs: Static lists endpoints; DNS and SRV name
 * a DNS name (DNS also a port) and list none; refresh.min is not above refresh.max.
 */
export function checkDiscovery(config: GatewayConfig): PathProblem[] {
  const problems: PathProblem[] = [];
  for (const [name, upstream] of Object.entries(config.upstreams ?? {})) {
    const d = upstream.discovery;
    const at: ConfigPath = ['upstreams', name, 'discovery'];
    const problem = (path: ConfigPath, message: string, hint: string): void => {
      problems.push({ severity: 'error', code: ConfigCode.DISCOVERY, message, hint, path });
    };
    const label = `upstream "${name}"`;
    if (d.type === 'Static') {
      if (d.endpoints === undefined) {
        problem(
          at,
          `${label} has static discovery without endpoints`,
          'list them: endpoints: ["http://10.0.0.5:3001"]',
        );
      }
      for (const key of ['name', 'port', 'refresh', 'resolver'] as const) {
        if (d[key] !== undefined) {
          problem(
            [...at, key],
            `${label}: ${key} applies to DNS and SRV discovery only`,
            `remove ${key}, or set type: DNS`,
          );
        }
      }
      continue;
    }
    if (d.endpoints !== undefined) {
      problem(
        [...at, 'endpoints'],
        `${label} resolves its endpoints in DNS, but also lists some`,
        'remove endpoints, or set type: Static',
      );
    }
    if (d.name === undefined) {
      problem(
        at,
        `${label} has ${d.type} discovery without a name to resolve`,
        'add name: orders.shop.svc.cluster.local',
      );
    }
    if (d.type === 'DNS' && d.port === undefined) {
      problem(
        at,
        `${label} has DNS discovery without a port`,
        'add port: 8080 (the A/AAAA records carry no port)',
      );
    }
    if (d.type === 'SRV' && d.port !== undefined) {
      problem(
        [...at, 'port'],
        `${label}: the SRV records give the port`,
        'remove port, or set type: DNS',
      );
    }
    const min = d.refresh?.min === undefined ? null : (parseDuration(d.refresh.min) ?? null);
    const max = d.refresh?.max === undefined ? null : (parseDuration(d.refresh.max) ?? null);
    if (min !== null && max !== null && min > max) {
      problem(
        [...at, 'refresh', 'min'],
        `${label}: refresh.min is above refresh.max`,
        'make min at most max',
      );
    }
  }
  return problems;
}
