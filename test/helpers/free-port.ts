// One implementation for the tests and the example runner (scripts/example.mjs).
import { freePort } from '../../scripts/lib/free-port.mjs';

export { freePort };

/**
 * A port on 127.0.0.1 where a connection is refused: one the kernel handed out and that was
 * released at once, so nothing listens on it (a dead upstream, an unreachable Redis).
 */
export const closedPort: () => Promise<number> = freePort;
