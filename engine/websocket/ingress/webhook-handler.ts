import { timingSafeEqual } from 'node:crypto';
import type { RouteHandler } from '../../data-plane/compiled-route.js';
import { discardRequestBody, streamRequestBody } from '../../data-plane/request-body.js';
import { sendJson } from '../../data-plane/generated-json.js';
import { sendError } from '../../data-plane/respond.js';
import type { Exchange } from '../../data-plane/exchange.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { apiKeyDigest } from '../../filters/auth/hash-api-key.js';
import { IngressRefusal, readIngressEvent, type IngressEvent } from './ingress-event.js';
import type { IngressRules } from './ingress-rules.js';

/** Hands one ingress event to the hub; resolves with the seq it was given. */
export type IngressPublish = (event: IngressEvent, source: string) => Promise<{ seq: number }>;

export interface WebhookOptions {
  /** SHA-256 of `integration.webhook.auth_token`. */
  tokenDigest: Buffer;
  rules: IngressRules;
  maxBodyBytes: number;
  bodyTimeoutMs: number;
  publish: IngressPublish;
  /** The hub could not take the message (Redis down): logged, answered 503. */
  onPublishError: (err: unknown, ex: Exchange) => void;
}

const UNAUTHORIZED = new GatewayError('UNAUTHORIZED', 'the webhook needs its bearer token', [
  ['www-authenticate', 'Bearer realm="gatewayd-webhook"'],
]);
const UNAVAILABLE = new GatewayError(
  'SERVICE_UNAVAILABLE',
  'the hub cannot take messages right now; retry later',
);

/**
 * `POST <integration.webhook.path>`: services push hub messages (seed 001's bodies, see
 * readIngressEvent). The token is compared as a SHA-256 digest in constant time. The answer is
 * 202 with the channel and the seq the message got, once it is stored and handed to the bus
 * (delivery to sockets follows on every instance); 400 for a body that is not one of the shapes,
 * 401 without the token, 503 when the hub's Redis is away.
 */
export function createWebhookHandler(o: WebhookOptions): RouteHandler {
  return function webhook(ex) {
    if (!authorized(ex.header('authorization'), o.tokenDigest)) {
      if (ex.hasBody) {
        discardRequestBody(ex, o.maxBodyBytes, o.bodyTimeoutMs, () => sendError(ex, UNAUTHORIZED));
      } else sendError(ex, UNAUTHORIZED);
      return;
    }
    const chunks: Buffer[] = [];
    const body = streamRequestBody(ex, o.maxBodyBytes, o.bodyTimeoutMs, (err) => {
      body.destroy();
      sendError(ex, err);
    });
    body.on('data', (chunk: Buffer) => chunks.push(chunk));
    body.on('end', () => {
      void accept(ex, Buffer.concat(chunks), o);
    });
  };
}

async function accept(ex: Exchange, raw: Buffer, o: WebhookOptions): Promise<void> {
  let event: IngressEvent;
  try {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new IngressRefusal('the body is not JSON');
    }
    event = readIngressEvent(parsed, o.rules);
  } catch (err) {
    if (!(err instanceof IngressRefusal)) throw err;
    sendError(ex, new GatewayError('BAD_REQUEST', err.message));
    return;
  }
  try {
    const { seq } = await o.publish(event, 'webhook');
    sendJson(ex, 202, { status: 'accepted', channel: event.channel, seq });
  } catch (err) {
    if (err instanceof GatewayError) {
      sendError(ex, err);
      return;
    }
    o.onPublishError(err, ex);
    sendError(ex, UNAVAILABLE);
  }
}

function authorized(header: string | undefined, expected: Buffer): boolean {
  const token = /^Bearer[ \t]+(.+)$/i.exec(header ?? '')?.[1]?.trim() ?? '';
  // Digests have one length, so the comparison takes the same time whatever was sent.
  return timingSafeEqual(apiKeyDigest(token), expected);
}
