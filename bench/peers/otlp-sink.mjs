// A collector that discards: accepts OTLP/HTTP trace exports and answers 200, so a tracing
// target pays for building and sending spans, not for a real backend.
// Usage: node otlp-sink.mjs PORT
import http from 'node:http';

const port = Number(process.argv[2]);

http
  .createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  })
  .listen(port, '127.0.0.1');
