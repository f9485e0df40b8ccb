// Sends exactly COUNT GET requests to URL with CONCURRENCY in flight over keep-alive connections,
// then prints { requests, failures, seconds } as JSON. Usage:
//   node fixed-load.mjs URL COUNT CONCURRENCY [HEADERS_JSON]
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

const [url, countText, concurrencyText, headersJson] = process.argv.slice(2);
const count = Number(countText);
const concurrency = Number(concurrencyText);
const headers = headersJson ? JSON.parse(headersJson) : {};
const target = new URL(url);
const pool = new Pool(target.origin, { connections: concurrency });

let sent = 0;
let failures = 0;
const started = performance.now();

async function worker() {
  while (sent < count) {
    sent++;
    try {
      const { statusCode, body } = await pool.request({
        method: 'GET',
        path: target.pathname,
        headers,
      });
      await body.dump();
      if (statusCode !== 200) failures++;
    } catch {
      failures++;
    }
  }
}

await Promise.all(Array.from({ length: concurrency }, worker));
const seconds = (performance.now() - started) / 1000;
await pool.close();
console.log(JSON.stringify({ requests: count, failures, seconds }));
