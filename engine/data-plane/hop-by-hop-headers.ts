/**
 * Headers that describe one connection, not the message (RFC 9110 7.6.1, plus the non-standard
 * Proxy-Connection): the gateway never forwards them as received and config never sets them.
 */
export const HOP_BY_HOP_HEADERS: readonly string[] = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];
