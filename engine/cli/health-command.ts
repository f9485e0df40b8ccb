import { isIPv6 } from 'node:net';
import { request } from 'undici';
import { compileServerSettings } from '../compile/server-settings.js';
import { print } from './print.js';
import { readConfigOrExit } from './read-config-or-exit.js';

const TIMEOUT_MS = 2000;

/**
 * `gatewayd health`: GET /health from the gateway the config file describes, on its own
 * server.http_port and bind address (read with the same environment as the gateway), so a
 * container's HEALTHCHECK follows the config. Exit 0 on 200, else 1.
 */
export async function healthCommand(opts: { config?: string }): Promise<void> {
  const { config } = await readConfigOrExit(opts.config, 'gatewayd health');
  const settings = compileServerSettings(config);
  const url = `http://${reachable(settings.bindAddress)}:${settings.httpPort}/health`;
  try {
    const res = await request(url, { headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
    await res.body.dump();
    print(`${url}: ${res.statusCode}`);
    process.exitCode = res.statusCode === 200 ? 0 : 1;
  } catch (err) {
    console.error(`${url}: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}

/** Where a listener bound to `address` answers from the same host (a wildcard means loopback). */
function reachable(address: string): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (address === '::') return '[::1]';
  return isIPv6(address) ? `[${address}]` : address;
}
