// @ts-check
// The canary example's four versions of two services, each answering with its own name so a
// response shows which version took the request.
import { startEchoService } from '../../lib/echo-service.mjs';
import { closeAll } from '../../lib/example-run.mjs';

export const needsRedis = false;

/** The upstream names of gateway.yaml and the variable each one's endpoint comes from. */
const VERSIONS = {
  'orders-v1': 'ORDERS_V1_URL',
  'orders-v2': 'ORDERS_V2_URL',
  'catalog-blue': 'CATALOG_BLUE_URL',
  'catalog-green': 'CATALOG_GREEN_URL',
};

/** @returns {Promise<import('../../lib/example-run.mjs').ExampleRun>} */
export async function start() {
  const services = await Promise.all(Object.keys(VERSIONS).map((name) => startEchoService(name)));
  const entries = Object.entries(VERSIONS).map(([name, variable], i) => {
    const service = /** @type {import('../../lib/json-service.mjs').JsonService} */ (services[i]);
    return { name, variable, url: service.url };
  });
  return {
    env: Object.fromEntries(entries.map((e) => [e.variable, e.url])),
    shell: {},
    backends: entries.map((e) => [e.name, e.url]),
    close: () => closeAll(services),
  };
}
