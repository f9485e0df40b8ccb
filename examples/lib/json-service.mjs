// @ts-check
// The base of the examples' demo backends: a small JSON service on 127.0.0.1 that records every
// request it answers. The example runner (scripts/example.mjs) and the tests start the same code.
import { createServer } from 'node:http';

/**
 * @typedef {object} SeenRequest One request as a demo backend saw it.
 * @property {string} method
 * @property {string} path The path without the query.
 * @property {string} url The path with the query.
 * @property {URLSearchParams} query
 * @property {import('node:http').IncomingHttpHeaders} headers
 * @property {unknown} body The JSON body, null when empty or not JSON.
 *
 * @typedef {object} Answer
 * @property {number} status
 * @property {unknown} [body] Sent as JSON; no body when absent.
 * @property {Record<string, string>} [headers]
 *
 * @typedef {(req: SeenRequest) => Answer | Promise<Answer>} Handler
 *
 * @typedef {object} JsonService
 * @property {string} url `http://127.0.0.1:<port>`
 * @property {number} port
 * @property {SeenRequest[]} seen Every request, in arrival order.
 * @property {import('node:http').Server} server For a backend that also takes WebSocket upgrades.
 * @property {() => Promise<void>} close Stops listening and drops open connections.
 */

/**
 * @typedef {object} ListenOptions
 * @property {number} [port]
 * @property {string} [host]
 */

/**
 * Starts a JSON service on 127.0.0.1 (port 0: a free one), or where `options` say (a container
 * listens on 0.0.0.0 and a fixed port).
 * @param {Handler} handle
 * @param {ListenOptions} [options]
 * @returns {Promise<JsonService>}
 */
export async function startJsonService(handle, options = {}) {
  /** @type {SeenRequest[]} */
  const seen = [];
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://backend');
      /** @type {SeenRequest} */
      const request = {
        method: req.method ?? '',
        path: url.pathname,
        url: `${url.pathname}${url.search}`,
        query: url.searchParams,
        headers: req.headers,
        body: parseJson(text),
      };
      seen.push(request);
      Promise.resolve()
        .then(() => handle(request))
        .then(
          (answer) => send(res, answer),
          () => send(res, { status: 500, body: { error: 'internal error' } }),
        );
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve(undefined));
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    server,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** @param {string} text */
function parseJson(text) {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {Answer} answer
 */
function send(res, answer) {
  if (res.destroyed) return;
  const body = answer.body === undefined ? '' : JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    ...(answer.body === undefined ? {} : { 'content-type': 'application/json' }),
    ...answer.headers,
  });
  res.end(body);
}
