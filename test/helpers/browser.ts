import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { reportMissing } from './private-server.js';

/** The few tap methods the helper needs; a tap `Test` satisfies it. */
interface Tap {
  teardown(fn: () => unknown): void;
  fail(message: string): unknown;
  comment(...message: unknown[]): unknown;
  pass(message: string, extra: { skip: string }): unknown;
}

/** Debian's chromium; CHROMIUM_PATH names another build. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const MISSING = `${CHROMIUM} not found: skipping browser tests (apt-get install chromium)`;
const CLOSE_TIMEOUT_MS = 10_000;

/**
 * Quiet on a closed network: without the background flags Chromium opens connections of its
 * own (updates, sync, field trials) that can only fail here. playwright's launch gives every
 * browser a fresh temporary profile (--user-data-dir), removed when it closes.
 */
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * One headless Chromium for a test file, closed (by its own API, bounded) at teardown. Without
 * the browser the test fails under CI=true (browser coverage must not silently vanish there)
 * and is skipped, loudly, elsewhere; both return null so the caller can return early.
 */
export async function startBrowser(t: Tap): Promise<Browser | null> {
  if (!existsSync(CHROMIUM)) {
    reportMissing(t, MISSING);
    return null;
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    timeout: 30_000,
  });
  t.teardown(async () => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      browser.close(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
  });
  return browser;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
};

export type ExtraRoute = (
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
) => boolean | Promise<boolean>;

export interface StaticSite {
  /** `http://127.0.0.1:<port>`: the pages' origin. */
  readonly origin: string;
}

/**
 * A tiny static server for test pages: `/hub-client/*` serves the built hub client package as
 * ES modules (no bundler), `pages` maps paths to HTML, and `extra` answers anything else first
 * (a token endpoint, say). Closed at teardown.
 */
export async function startStaticSite(
  t: Tap,
  pages: Readonly<Record<string, string>>,
  extra: ExtraRoute | null = null,
): Promise<StaticSite> {
  const packageDir = new URL('../../packages/hub-client/dist/', import.meta.url).pathname;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    void (async () => {
      if (extra !== null && (await extra(req, res, url))) return;
      const page = pages[url.pathname];
      if (page !== undefined) {
        res.writeHead(200, { 'content-type': TYPES['.html'] as string }).end(page);
        return;
      }
      if (url.pathname.startsWith('/hub-client/')) {
        const file = normalize(join(packageDir, url.pathname.slice('/hub-client/'.length)));
        if (file.startsWith(packageDir) && existsSync(file)) {
          const type = TYPES[extname(file)] ?? 'application/octet-stream';
          res.writeHead(200, { 'content-type': type }).end(readFileSync(file));
          return;
        }
      }
      res.writeHead(404).end();
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
