import { GatewayError } from '../../errors/gateway-error.js';
import type { Identity } from '../../data-plane/identity.js';

/** The identity fields that can be forwarded upstream. */
export type ContextField =
  'subject' | 'roles' | 'permissions' | 'clientId' | 'tier' | 'email' | 'method';

/** Field → header name; a field left out is not forwarded. */
export type ContextHeaderMapping = Partial<Record<ContextField, string>>;

/** Seed 003's context enrichment headers. */
export const DEFAULT_CONTEXT_HEADERS: Readonly<Record<ContextField, string>> = Object.freeze({
  subject: 'x-user-id',
  roles: 'x-user-roles',
  permissions: 'x-user-permissions',
  clientId: 'x-client-id',
  tier: 'x-user-tier',
  email: 'x-user-email',
  method: 'x-auth-method',
});

export interface ContextHeaders {
  /**
   * Every configured header name, lower-case, with the names an upstream may read as one of
   * them (see spellingsOf). Strip these from every client request, with or without auth, or a
   * client could claim to be any user.
   */
  readonly names: ReadonlySet<string>;
  /** The headers to add for this identity, or the error to answer when a value is unsafe. */
  build(identity: Identity): Array<[string, string]> | GatewayError;
}

/** Past this many separators only the all-`-` and all-`_` spellings are stripped (2^n grows). */
const MIXED_SPELLING_LIMIT = 6;

/**
 * The names an upstream may take for `name`: CGI-style servers (PHP, Django, Rails behind some
 * proxies) read `_` and `-` alike, and an application reading `x-user-role` trusts a client's
 * copy when only `x-user-roles` is stripped. So every mix of `-` and `_` of the name, singular
 * and plural, is stripped too. Built once per table.
 */
function spellingsOf(name: string): string[] {
  const forms = name.endsWith('s') ? [name, name.slice(0, -1)] : [name, `${name}s`];
  if ((name.match(/[-_]/g)?.length ?? 0) > MIXED_SPELLING_LIMIT) {
    return forms.flatMap((form) => [form.replace(/_/g, '-'), form.replace(/-/g, '_')]);
  }
  const out: string[] = [];
  for (const form of forms) {
    let spellings = [''];
    for (const ch of form) {
      spellings =
        ch === '-' || ch === '_'
          ? spellings.flatMap((prefix) => [`${prefix}-`, `${prefix}_`])
          : spellings.map((prefix) => prefix + ch);
    }
    out.push(...spellings);
  }
  return out;
}

/** An RFC 9110 field name. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Visible ASCII, space and tab: no CR/LF (header injection), no control or non-ASCII bytes. */
const SAFE_VALUE = /^[\x20-\x7e\t]*$/;

/**
 * Compiles the mapping once: the per-request work is one pass over the configured fields.
 * A value that cannot be sent safely refuses the request instead of being dropped or cleaned,
 * since the upstream would otherwise see a different identity than the token carried. List
 * fields are comma-joined, so an entry containing a comma is refused too (it would read as two).
 */
export function createContextHeaders(mapping: ContextHeaderMapping): ContextHeaders {
  const fields = (Object.entries(mapping) as Array<[ContextField, string]>).map(
    function compileField([field, name]) {
      if (!TOKEN.test(name)) {
        throw new RangeError(`context headers: ${JSON.stringify(name)} is not a header name`);
      }
      return { field, name: name.toLowerCase() };
    },
  );
  if (new Set(fields.map((f) => f.name)).size !== fields.length) {
    throw new RangeError('context headers: two fields map to the same header');
  }

  return {
    names: new Set(fields.flatMap((f) => spellingsOf(f.name))),
    build(identity) {
      const headers: Array<[string, string]> = [];
      for (const { field, name } of fields) {
        const value = identity[field];
        if (value === undefined) continue;
        let text: string;
        if (typeof value === 'string') {
          text = value;
        } else {
          if (value.length === 0) continue;
          if (value.some((entry) => entry.includes(','))) return unsafe(name);
          text = value.join(',');
        }
        if (!SAFE_VALUE.test(text)) return unsafe(name);
        headers.push([name, text]);
      }
      return headers;
    },
  };
}

/** Names the header, never the value: the value is what was unsafe. */
function unsafe(name: string): GatewayError {
  return new GatewayError(
    'FORBIDDEN',
    `The credential's ${name} value contains characters that cannot be forwarded safely`,
  );
}
