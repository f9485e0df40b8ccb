import { connect } from 'node:net';

/**
 * Sends raw bytes and resolves with the raw response text: for requests a client library would
 * normalise or refuse to send. Resolves when a response with a Content-Length is complete or the
 * gateway closes the connection; rejects after `timeoutMs`.
 */
export function rawRequest(port: number, text: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let out = '';
    socket.setEncoding('latin1').on('data', (c: string) => {
      out += c;
      if (/\r\n\r\n/.test(out)) {
        const len = /content-length: (\d+)/i.exec(out);
        const bodyStart = out.indexOf('\r\n\r\n') + 4;
        if (len && out.length - bodyStart >= Number(len[1])) {
          socket.destroy();
          resolve(out);
        }
      }
    });
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
    setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete response within ${timeoutMs} ms: ${out}`));
    }, timeoutMs).unref();
  });
}

/** A GET of `target` with only a Host header, sent as written. */
export function rawGet(port: number, target: string, headers = ''): Promise<string> {
  return rawRequest(port, `GET ${target} HTTP/1.1\r\nHost: x\r\n${headers}\r\n`);
}

export function statusOf(raw: string): number {
  return Number(/^HTTP\/1\.[01] (\d{3})/.exec(raw)?.[1] ?? 0);
}

export function bodyOf(raw: string): string {
  return raw.slice(raw.indexOf('\r\n\r\n') + 4);
}

export function headerOf(raw: string, name: string): string | undefined {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
  const line = head.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name}:`));
  return line?.slice(name.length + 1).trim();
}
