// The errors reference (docs/reference/errors.md), generated from engine/errors/: the codes of
// gateway-generated responses with their statuses, the config problem codes, and for each one
// what it means and how to fix it (code-docs.ts).
import { code, generatedNotice, prose, table } from './markdown.mjs';

export function renderErrorsReference({ statuses, configCodes, requestDocs, configDocs }) {
  const requestRows = Object.entries(statuses).map(([name, status]) => [
    code(name),
    status,
    prose(requestDocs[name].meaning),
    prose(requestDocs[name].fix),
  ]);
  const configRows = (prefix) =>
    Object.values(configCodes)
      .filter((c) => c.startsWith(prefix))
      .map((c) => [code(c), prose(configDocs[c].meaning), prose(configDocs[c].fix)]);
  return [
    generatedNotice('engine/errors/'),
    '',
    '# Errors reference',
    '',
    '## Error responses',
    '',
    'Every error the gateway answers itself is JSON of one shape; an error an upstream returns',
    'passes through unchanged. `service` names the upstream (never its address) on the 502, 503',
    'and 504 answers an upstream causes; errors raised before an upstream is chosen have none.',
    "`problems` lists what is wrong item by item on the admin API's `CONFIG_INVALID` answers. With",
    '`response_envelope: true` the same fields come wrapped as',
    '`{"success": false, "error": <summary>, "code": <CODE>, ...}` (see the',
    '[response envelope guide](../guides/response-envelope.md)).',
    '',
    '```json',
    '{',
    '  "error": "BAD_GATEWAY",',
    '  "message": "upstream \\"users\\" is unreachable or failed (ECONNREFUSED)",',
    '  "status_code": 502,',
    '  "service": "users",',
    '  "request_id": "4f1c…",',
    '  "timestamp": "2026-11-23T14:00:00.000Z"',
    '}',
    '```',
    '',
    'Clients key on `error` (the code), which never changes meaning; `message` is for people.',
    '',
    table(['code', 'status', 'meaning', 'fix'], requestRows),
    '',
    '## Config problems',
    '',
    '`gatewayd check`, a start and every reload report problems as',
    '`file:line:col: CODE message`, with a hint below. An error makes the file invalid (a running',
    'gateway keeps its previous config); a warning does not.',
    '',
    '### Errors',
    '',
    table(['code', 'meaning', 'fix'], configRows('GW_ERR_')),
    '',
    '### Warnings',
    '',
    table(['code', 'meaning', 'fix'], configRows('GW_WARN_')),
    '',
  ].join('\n');
}
