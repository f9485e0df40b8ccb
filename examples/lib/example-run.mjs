// @ts-check
// What each example's backends/index.mjs gives the example runner (scripts/example.mjs).

/**
 * @typedef {object} ExampleContext
 * @property {string | null} redisUrl The Redis the runner started (or REDIS_URL), when the
 *   example needs one.
 * @property {() => string} gatewayUrl The gateway's base URL, once it listens.
 *
 * @typedef {object} ExampleRun
 * @property {Record<string, string>} env What gatewayd gets: backend URLs and secrets.
 * @property {Record<string, string>} shell Variables the README's requests use, printed as one
 *   `export` line.
 * @property {Array<[string, string]>} backends Each backend's name and URL, printed.
 * @property {() => Promise<void>} close Stops the backends.
 */

/**
 * Closes every service in `services`, for an ExampleRun's close().
 * @param {Array<{ close(): Promise<void> }>} services
 */
export async function closeAll(services) {
  await Promise.all(services.map((s) => s.close()));
}
