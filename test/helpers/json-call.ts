import { request } from 'undici';

export interface JsonAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON; {} when it is empty. */
  body: Record<string, unknown>;
}

/**
 * One request to a gatewayd (or any server with `url(path)`): `token` as a Bearer credential,
 * `apiKey` as X-API-Key, `body` sent as JSON.
 */
export async function jsonCall(
  server: { url(path: string): string },
  method: string,
  path: string,
  opts: { token?: string; apiKey?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonAnswer> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  if (opts.apiKey !== undefined) headers['x-api-key'] = opts.apiKey;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await request(server.url(path), {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    headers: res.headers,
    text,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}
