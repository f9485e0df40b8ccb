import { TAG_SEPARATOR } from './endpoint-tag.js';

/** An engine.io v4 open packet: the type digit 0, then the session's JSON (sid, upgrades, ...). */
const OPEN = '0';

/**
 * The handshake answer with `tag` put before the sid it opens, so that the client's next
 * requests name the endpoint that holds the session. Null when the body is not one engine.io v4
 * open packet (another protocol version, an error): it then goes to the client unchanged.
 */
export function tagOpenPacket(body: string, tag: string): string | null {
  if (!body.startsWith(OPEN + '{')) return null;
  let session: unknown;
  try {
    session = JSON.parse(body.slice(1));
  } catch {
    return null;
  }
  if (typeof session !== 'object' || session === null || Array.isArray(session)) return null;
  const open = session as Record<string, unknown>;
  if (typeof open.sid !== 'string' || open.sid === '') return null;
  return OPEN + JSON.stringify({ ...open, sid: `${tag}${TAG_SEPARATOR}${open.sid}` });
}
