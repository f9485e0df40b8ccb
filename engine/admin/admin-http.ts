import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors/gateway-error.js';
import type { AdminContext } from './admin-context.js';

/** Most admin requests are small JSON documents; anything bigger is refused unread. */
export const MAX_JSON_BYTES = 64 * 1024;

export interface AdminRequest {
  readonly req: IncomingMessage;
  readonly ctx: AdminContext;
  /** The values of the path's {params}, in order. */
  readonly params: readonly string[];
}

/** A JSON answer; no body for 204. */
export interface AdminResponse {
  status: number;
  body?: unknown;
}

export type AdminHandler = (request: AdminRequest) => Promise<AdminResponse>;

/** One resource's endpoints: [method, path pattern, handler]. */
export type AdminResource = ReadonlyArray<readonly [string, string, AdminHandler]>;

export async function readText(req: IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req) {
    bytes += (chunk as Buffer).length;
    if (bytes > maxBytes) {
      throw new GatewayError(
        'PAYLOAD_TOO_LARGE',
        `this admin request is at most ${maxBytes} bytes`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await readText(req, MAX_JSON_BYTES);
  try {
    return JSON.parse(text);
  } catch {
    throw new GatewayError('BAD_REQUEST', 'the body is not JSON');
  }
}

/** Epoch ms → ISO 8601; null stays null. */
export function isoTime(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString();
}
