import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The admin dashboard's page, script and style sheet (engine/admin/dashboard/, copied into
 * dist/ by the build). They hold no data: the page asks for the admin token and reads the admin
 * API with it, so they are served without the token, under a CSP that allows nothing but this
 * origin's own script, style and API (no inline code, no other host, no framing).
 */
const POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const COMMON_HEADERS = {
  'content-security-policy': POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

const ASSETS: ReadonlyArray<readonly [string, string, string]> = [
  ['/admin/dashboard', 'index.html', 'text/html; charset=utf-8'],
  ['/admin/dashboard/dashboard.js', 'dashboard.js', 'text/javascript; charset=utf-8'],
  ['/admin/dashboard/dashboard.css', 'dashboard.css', 'text/css; charset=utf-8'],
];

interface Asset {
  body: Buffer;
  headers: Record<string, string>;
}

/** Serves a dashboard asset and returns true, or returns false for any other request. */
export function createDashboardAssets(): (req: IncomingMessage, res: ServerResponse) => boolean {
  const dir = new URL('./dashboard/', import.meta.url);
  // Read on first use, then kept: three small files that change only with the build.
  let assets: Map<string, Asset> | null = null;
  const load = (): Map<string, Asset> =>
    new Map(
      ASSETS.map(([path, file, type]) => {
        const body = readFileSync(new URL(file, dir));
        return [path, { body, headers: { ...COMMON_HEADERS, 'content-type': type } }];
      }),
    );
  return function serveDashboard(req, res) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = (req.url ?? '/').split('?')[0] as string;
    if (path !== '/admin/dashboard' && !path.startsWith('/admin/dashboard/')) return false;
    assets ??= load();
    const asset = assets.get(path === '/admin/dashboard/' ? '/admin/dashboard' : path);
    if (asset === undefined) return false;
    res.writeHead(200, { ...asset.headers, 'content-length': String(asset.body.length) });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
    return true;
  };
}
