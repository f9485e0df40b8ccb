/**
 * Close codes across the proxy (RFC 6455 7.4). 1005 (no code), 1006 (no close frame) and 1015
 * (TLS failure) are reported locally but may never be sent, so each side maps them to what the
 * other side should hear.
 */
export const NORMAL = 1000;
export const GOING_AWAY = 1001;
export const MESSAGE_TOO_BIG = 1009;
export const INTERNAL_ERROR = 1011;
export const TRY_AGAIN_LATER = 1013;

const NO_STATUS = 1005;

/** A close as sent on the wire: `code` undefined sends a close frame without a code (seen as 1005). */
export interface WireClose {
  code: number | undefined;
  reason: string;
}

/** Codes an endpoint may put in a close frame (RFC 6455 7.4.1 and the IANA registry). */
export function isSendable(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999)
  );
}

/** What the client hears when the upstream connection closes with `code`. */
export function closeForClient(code: number, reason: string): WireClose {
  if (code === NO_STATUS) return { code: undefined, reason: '' };
  if (isSendable(code)) return { code, reason };
  // 1006/1015 or nonsense: the upstream went away without a proper close.
  return { code: INTERNAL_ERROR, reason: 'upstream connection lost' };
}

/** What the upstream hears when the client connection closes with `code` (0: uWS ended it without one). */
export function closeForUpstream(code: number, reason: string): WireClose {
  if (code === NO_STATUS || code === 0) return { code: undefined, reason: '' };
  if (isSendable(code)) return { code, reason };
  return { code: GOING_AWAY, reason: 'client connection lost' };
}
