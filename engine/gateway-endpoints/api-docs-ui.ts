import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { RouteHandler } from '../data-plane/compiled-route.js';
import {
  sendError,
  sendPrepared,
  statusLine,
  type PreparedResponse,
} from '../data-plane/respond.js';
import { GatewayError } from '../errors/gateway-error.js';

export type DocsUi = 'swagger_ui' | 'redoc';

/**
 * The pages load only from the gateway: scripts and styles from the route, the document from
 * the openapi route. Both UIs set inline styles (ReDoc injects style elements), show data: images
 * and ReDoc runs its search in a blob: worker.
 */
const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; worker-src 'self' blob:; frame-ancestors 'none'";

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
};

/** The files each UI serves from its npm package, by the name they have under the route. */
const PACKAGE_FILES: Readonly<Record<DocsUi, { pkg: string; files: readonly string[] }>> = {
  swagger_ui: {
    pkg: 'swagger-ui-dist',
    files: [
      'swagger-ui.css',
      'swagger-ui-bundle.js',
      'swagger-ui-standalone-preset.js',
      'favicon-32x32.png',
      'favicon-16x16.png',
    ],
  },
  redoc: { pkg: 'redoc', files: ['bundles/redoc.standalone.js'] },
};

const require = createRequire(import.meta.url);

/** Package files are read once per process: a reload builds new pages around the same bytes. */
const packageFiles = new Map<string, Buffer>();

function packageFile(pkg: string, file: string): Buffer {
  const key = `${pkg}/${file}`;
  let body = packageFiles.get(key);
  if (body === undefined) {
    body = readFileSync(join(dirname(require.resolve(`${pkg}/package.json`)), file));
    packageFiles.set(key, body);
  }
  return body;
}

const NO_SUCH_FILE = new GatewayError('NOT_FOUND', 'the API documentation has no such file');

/**
 * `handler: swagger_ui | redoc` on a path ending in `/*`: the page at the route's prefix (with
 * or without the trailing slash, or as index.html), and the UI's files under it, all answered
 * from memory. `prefix` is the route's path without its `*`; `specUrl` the openapi route's path.
 */
export function createDocsUi(ui: DocsUi, prefix: string, specUrl: string): RouteHandler {
  const answers = new Map<string, PreparedResponse>();
  const page = prepared(
    '.html',
    Buffer.from(ui === 'redoc' ? redocPage(prefix) : swaggerPage(prefix)),
    false,
  );
  answers.set('', page);
  answers.set('index.html', page);
  answers.set(
    'init.js',
    prepared('.js', Buffer.from(ui === 'redoc' ? redocInit(specUrl) : swaggerInit(specUrl)), false),
  );
  const { pkg, files } = PACKAGE_FILES[ui];
  for (const file of files) {
    const name = file.slice(file.lastIndexOf('/') + 1);
    answers.set(name, prepared(name.slice(name.lastIndexOf('.')), packageFile(pkg, file), true));
  }
  return function apiDocsUi(ex, _params, wildcard) {
    const answer = answers.get(wildcard);
    if (answer === undefined) sendError(ex, NO_SUCH_FILE);
    else sendPrepared(ex, answer);
  };
}

function prepared(extension: string, body: Buffer, fromPackage: boolean): PreparedResponse {
  return {
    status: statusLine(200),
    statusCode: 200,
    headers: [
      ['content-type', TYPES[extension] ?? 'application/octet-stream'],
      // The page and its settings follow the config; the packages' files change with an upgrade.
      ['cache-control', fromPackage ? 'public, max-age=3600' : 'no-cache'],
      ['content-security-policy', CSP],
    ],
    body,
  };
}

function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

function swaggerPage(prefix: string): string {
  const at = attr(prefix);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>API documentation</title>
<link rel="stylesheet" href="${at}swagger-ui.css">
<link rel="icon" type="image/png" href="${at}favicon-32x32.png" sizes="32x32">
<link rel="icon" type="image/png" href="${at}favicon-16x16.png" sizes="16x16">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${at}swagger-ui-bundle.js"></script>
<script src="${at}swagger-ui-standalone-preset.js"></script>
<script src="${at}init.js"></script>
</body>
</html>
`;
}

/** validatorUrl null: Swagger UI would otherwise send the document to an online validator. */
function swaggerInit(specUrl: string): string {
  return `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: ${JSON.stringify(specUrl)},
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'StandaloneLayout'
  });
});
`;
}

function redocPage(prefix: string): string {
  const at = attr(prefix);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API documentation</title>
</head>
<body>
<div id="redoc"></div>
<script src="${at}redoc.standalone.js"></script>
<script src="${at}init.js"></script>
</body>
</html>
`;
}

function redocInit(specUrl: string): string {
  return `Redoc.init(${JSON.stringify(specUrl)}, {}, document.getElementById('redoc'));
`;
}
