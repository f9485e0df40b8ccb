// bare-uws-undici target: the least a uWS + undici proxy can do (no routing, no header policy,
// no limits, no streaming: GET requests and small responses only). It is the ceiling for gatewayd's architecture on this machine, so
// gatewayd/bare is the cost of gatewayd's own features.
// Usage: node bare-uws-undici.mjs PORT UPSTREAM_URL
import uWS from 'uWebSockets.js';
import { Pool } from 'undici';

const [port, upstream] = process.argv.slice(2);
const pool = new Pool(upstream, { connections: 128 });

uWS
  .App()
  .any('/*', (res, req) => {
    const headers = [];
    req.forEach((name, value) => {
      if (name !== 'host' && name !== 'connection') headers.push(name, value);
    });
    const query = req.getQuery();
    const path = query ? `${req.getUrl()}?${query}` : req.getUrl();
    let aborted = false;
    res.onAborted(() => (aborted = true));
    let status = 0;
    let resHeaders = {};
    const chunks = [];
    // Buffers the (tiny) response and writes it in one corked call: the cheapest way uWS allows.
    pool.dispatch(
      { method: req.getMethod().toUpperCase(), path, headers },
      {
        onRequestStart() {},
        onResponseStart(_c, statusCode, h) {
          status = statusCode;
          resHeaders = h;
        },
        onResponseData(_c, chunk) {
          chunks.push(chunk);
        },
        onResponseEnd() {
          if (aborted) return;
          res.cork(() => {
            res.writeStatus(String(status));
            for (const name in resHeaders) {
              if (name === 'content-length' || name === 'connection' || name === 'date') continue;
              res.writeHeader(name, String(resHeaders[name]));
            }
            res.end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
          });
        },
        onResponseError() {
          if (!aborted) res.cork(() => res.writeStatus('502').end());
        },
      },
    );
  })
  .listen('127.0.0.1', Number(port), (socket) => {
    if (!socket) {
      console.error(`cannot listen on 127.0.0.1:${port}`);
      process.exit(1);
    }
  });
