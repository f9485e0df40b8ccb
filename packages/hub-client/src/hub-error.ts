/**
 * Codes the client itself gives, beside the hub's own (FORBIDDEN, CHANNEL_FULL, ...):
 * - DISCONNECTED: the connection went away before the answer came;
 * - QUEUE_FULL: `maxQueued` messages already wait for a connection;
 * - TIMEOUT: no answer within `requestTimeoutMs`;
 * - CLOSED: `close()` was called;
 * - UNAUTHORIZED: the hub refused the credential for good (state `unauthorized`);
 * - UNSUBSCRIBED: `unsubscribe()` came before the hub answered the subscribe;
 * - TOKEN_UNAVAILABLE: the token provider threw or rejected (the client retries);
 * - BAD_URL: the WebSocket could not even be created from the url.
 */
export type ClientErrorCode =
  | 'DISCONNECTED'
  | 'QUEUE_FULL'
  | 'TIMEOUT'
  | 'CLOSED'
  | 'UNAUTHORIZED'
  | 'UNSUBSCRIBED'
  | 'TOKEN_UNAVAILABLE'
  | 'BAD_URL';

/** A refused or failed request: `code` is stable, `message` is for people. */
export class HubError extends Error {
  override readonly name = 'HubError';

  constructor(
    /** A hub error code (docs/guides/websocket-hub.md) or a ClientErrorCode. */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
