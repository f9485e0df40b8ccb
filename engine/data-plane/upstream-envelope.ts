import { STATUS_CODES, type IncomingHttpHeaders } from 'node:http';
import type { RouteConfig } from '../config/gateway-config.js';
import { CONFIG_DEFAULTS } from '../config/config-defaults.js';
import { size } from '../config/units.js';
import type { Exchange } from './exchange.js';

/** application/json and the +json types; not NDJSON or JSON text sequences, which stream. */
const JSON_TYPE = /^application\/(?:[a-z0-9.!#$&^_-]+\+)?json\s*(?:;|$)/i;

/**
 * A route's `upstream_envelope`: the upstream's JSON answers wrapped in the response envelope.
 * Only answers that are JSON, not compressed by the upstream and within `max_body_size` are held
 * (the rest stream through untouched), so a route without the key, and every other answer of a
 * route with it, pays nothing.
 */
export class UpstreamEnvelope {
  constructor(private readonly maxBytes: number) {}

  /** The route's setting, or null when it has none. */
  static of(rc: RouteConfig): UpstreamEnvelope | null {
    const setting = rc.upstream_envelope;
    if (setting === undefined) return null;
    return new UpstreamEnvelope(
      size(
        setting === true ? undefined : setting.max_body_size,
        CONFIG_DEFAULTS.routes.upstream_envelope.max_body_size,
      ),
    );
  }

  /** At the response head: a holder for the body when this answer is to be wrapped, else null. */
  open(headers: IncomingHttpHeaders): HeldBody | null {
    const type = headers['content-type'];
    if (type === undefined || !JSON_TYPE.test(type)) return null;
    const encoding = headers['content-encoding'];
    if (encoding !== undefined && encoding !== 'identity') return null;
    const length = headers['content-length'];
    if (length !== undefined && Number(length) > this.maxBytes) return null;
    return new HeldBody(this.maxBytes);
  }
}

/** One upstream body held until its end, to be sent wrapped. */
export class HeldBody {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly maxBytes: number) {}

  /** Holds the chunk; false when the body has outgrown the bound (then `release` it). */
  take(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    this.size += chunk.length;
    return this.size <= this.maxBytes;
  }

  /** What was held, as it came: the body is sent unwrapped from here on. */
  release(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }

  /**
   * The whole body in the envelope: `{success: true, data}` for a 2xx or 3xx, `{success: false,
   * error: <status text>, status_code, data}` for a 4xx or 5xx, with `timestamp` and
   * `request_id`. A body that does not parse as JSON goes out as it came.
   */
  wrap(ex: Exchange): Buffer {
    const body = this.release();
    let data: unknown;
    try {
      data = JSON.parse(body.toString('utf8'));
    } catch {
      return body;
    }
    const status = ex.status;
    const envelope =
      status < 400
        ? { success: true, data, timestamp: new Date().toISOString(), request_id: ex.requestId }
        : {
            success: false,
            error: STATUS_CODES[status] ?? 'Error',
            status_code: status,
            data,
            timestamp: new Date().toISOString(),
            request_id: ex.requestId,
          };
    return Buffer.from(JSON.stringify(envelope));
  }
}
