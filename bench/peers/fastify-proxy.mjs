// fastify-proxy target: @fastify/http-proxy forwarding everything to the origin.
// Usage: node fastify-proxy.mjs PORT UPSTREAM_URL
import fastify from 'fastify';
import httpProxy from '@fastify/http-proxy';

const [port, upstream] = process.argv.slice(2);

const app = fastify({ logger: false });
await app.register(httpProxy, { upstream });
await app.listen({ host: '127.0.0.1', port: Number(port) });
