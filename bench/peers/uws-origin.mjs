// Fallback origin when nginx is not installed: answers every request with 200 "ok".
// Usage: node uws-origin.mjs PORT
import uWS from 'uWebSockets.js';

const port = Number(process.argv[2]);

uWS
  .App()
  .any('/*', (res) => {
    res.end('ok');
  })
  .listen('127.0.0.1', port, (socket) => {
    if (!socket) {
      console.error(`cannot listen on 127.0.0.1:${port}`);
      process.exit(1);
    }
  });
