import type { RecognizedString, us_listen_socket } from 'uWebSockets.js';

// The typings shipped with the uWS v20.30 binaries lag behind what the binaries export.
declare module 'uWebSockets.js' {
  interface TemplatedApp {
    /** Listens on host:port with uSockets listen options (1 = exclusive port, no SO_REUSEPORT). */
    listen(
      host: RecognizedString,
      port: number,
      options: number,
      cb: (listenSocket: us_listen_socket | false) => void | Promise<void>,
    ): TemplatedApp;
    /** Closes the listen sockets and every open connection. */
    close(): TemplatedApp;
  }
}

/** uSockets' LIBUS_LISTEN_EXCLUSIVE_PORT: exported by the binary, missing from the typings' values. */
export const LISTEN_EXCLUSIVE_PORT = 1;
