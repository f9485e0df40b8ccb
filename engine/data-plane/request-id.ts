import { randomUUID } from 'node:crypto';

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The client's X-Request-ID when it is a short token (safe in logs and headers), else a new one. */
export function requestIdFrom(clientValue: string): string {
  return clientValue !== '' && SANE_ID.test(clientValue) ? clientValue : randomUUID();
}
