// Checks an HMAC-SHA256 request signature and refuses replays. The client signs
//   METHOD \n PATH?QUERY \n TIMESTAMP \n NONCE
// with the shared secret and sends the hex digest in X-Signature, the Unix time (seconds) in
// X-Signature-Timestamp and a fresh random value in X-Signature-Nonce. A nonce is accepted once
// within the allowed clock skew: in Redis when the gateway has one (shared by every instance),
// else in this process's memory.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Plugin, PluginRequest } from 'gatewayd';

interface HmacConfig {
  secret: string;
  max_skew_seconds: number;
  key_prefix: string;
  reject_replays: boolean;
}

const refused = (message: string) => ({
  status: 401,
  headers: { 'www-authenticate': 'HMAC-SHA256' },
  body: { error: 'UNAUTHORIZED', message },
});

const plugin: Plugin<HmacConfig> = {
  name: 'hmac-signature',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['secret'],
    properties: {
      secret: { type: 'string', minLength: 16, description: 'The shared secret (use ${VAR}).' },
      max_skew_seconds: { type: 'integer', minimum: 1, maximum: 3600, default: 300 },
      key_prefix: { type: 'string', default: 'gatewayd:hmac-nonce:' },
      reject_replays: {
        type: 'boolean',
        default: true,
        description:
          'Refuse a nonce seen before (false only for load tests that repeat one request).',
      },
    },
  },
  create(config, context) {
    const secret = Buffer.from(config.secret);
    const skewMs = config.max_skew_seconds * 1000;
    const seen = new Map<string, number>();
    const refusals = context.metrics?.counter({
      name: 'gatewayd_plugin_hmac_refusals_total',
      help: 'Requests the HMAC signature plugin refused, by reason.',
      labelNames: ['reason'],
    });

    /** True the first time a nonce is offered within the skew window. */
    async function firstUse(nonce: string): Promise<boolean> {
      if (context.redis !== null)
        return context.redis.set(config.key_prefix + nonce, '1', { px: 2 * skewMs, nx: true });
      const now = Date.now();
      if (seen.size > 10_000) for (const [n, until] of seen) if (until < now) seen.delete(n);
      const until = seen.get(nonce);
      if (until !== undefined && until >= now) return false;
      seen.set(nonce, now + 2 * skewMs);
      return true;
    }

    function refuse(reason: string, message: string) {
      refusals?.inc({ reason });
      return refused(message);
    }

    return {
      async request(req: PluginRequest) {
        const signature = req.header('x-signature');
        const timestamp = req.header('x-signature-timestamp');
        const nonce = req.header('x-signature-nonce');
        if (!signature || !timestamp || !nonce || !/^\d+$/.test(timestamp))
          return refuse('missing', 'the request is not signed');
        if (Math.abs(Date.now() - Number(timestamp) * 1000) > skewMs)
          return refuse('stale', 'the signature timestamp is outside the allowed skew');
        const target = req.query === '' ? req.path : `${req.path}?${req.query}`;
        const expected = createHmac('sha256', secret)
          .update(`${req.method}\n${target}\n${timestamp}\n${nonce}`)
          .digest();
        const given = Buffer.from(signature, 'hex');
        if (given.length !== expected.length || !timingSafeEqual(given, expected))
          return refuse('bad_signature', 'the signature does not match');
        if (config.reject_replays && !(await firstUse(nonce)))
          return refuse('replayed', 'the signature was already used');
        return undefined;
      },
    };
  },
};

export default plugin;
