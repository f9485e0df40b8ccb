import { request } from 'undici';
import type { GatewaydProcess } from './gatewayd-process.js';

export const ADMIN_TOKEN = 'admin-token-for-tests-only';

export interface AdminAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON; null for an empty body. */
  json: unknown;
}

/** The admin API's address, from the gateway's "admin API listening" log line. */
export async function adminUrl(gw: GatewaydProcess, path: string): Promise<string> {
  const line = await gw.waitForLog((l) => l.msg === 'admin API listening', 5000);
  return `http://127.0.0.1:${Number(line.port)}${path}`;
}

/**
 * One admin request. `body`: an object is sent as JSON, a string as is (YAML for /admin/check).
 * `token: null` sends no Authorization header.
 */
export async function admin(
  gw: GatewaydProcess,
  method: 'GET' | 'POST' | 'DELETE' | 'PUT',
  path: string,
  body?: unknown,
  token: string | null = ADMIN_TOKEN,
): Promise<AdminAnswer> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined && typeof body !== 'string') headers['content-type'] = 'application/json';
  const res = await request(await adminUrl(gw, path), {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    headers: res.headers,
    json: text === '' ? null : (JSON.parse(text) as unknown),
  };
}
