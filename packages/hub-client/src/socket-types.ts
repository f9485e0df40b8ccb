/**
 * The part of the WebSocket API the client uses, as browsers, Node 22+'s global WebSocket and
 * the `ws` package all provide it; declared here so the package needs neither DOM nor Node types.
 */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketConstructor = new (url: string) => SocketLike;

/** What the client takes from the global scope of browsers and Node, without either's types. */
interface Host {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  WebSocket?: SocketConstructor;
}

export const host = globalThis as unknown as Host;
