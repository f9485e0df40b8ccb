/** The Cache-Control directives the response cache acts on (RFC 9111, section 5.2). */
export interface CacheDirectives {
  noStore: boolean;
  noCache: boolean;
  private: boolean;
  /** Seconds; -1 when absent. */
  maxAge: number;
  /** Seconds; -1 when absent. */
  sMaxAge: number;
}

/** Directives of a message without Cache-Control. */
export const NO_DIRECTIVES: Readonly<CacheDirectives> = Object.freeze({
  noStore: false,
  noCache: false,
  private: false,
  maxAge: -1,
  sMaxAge: -1,
});

/**
 * Reads a Cache-Control value (several headers joined by ", "). Names are matched without case;
 * a delta-seconds that is not a whole number counts as 0, so a malformed max-age never makes an
 * answer fresh (RFC 9111, section 4.2.1).
 */
export function parseCacheControl(value: string | undefined): Readonly<CacheDirectives> {
  if (value === undefined || value === '') return NO_DIRECTIVES;
  const d: CacheDirectives = { ...NO_DIRECTIVES };
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    const arg = eq < 0 ? '' : part.slice(eq + 1).trim();
    switch (name) {
      case 'no-store':
        d.noStore = true;
        break;
      case 'no-cache':
        d.noCache = true;
        break;
      case 'private':
        d.private = true;
        break;
      case 'max-age':
        d.maxAge = seconds(arg);
        break;
      case 's-maxage':
        d.sMaxAge = seconds(arg);
        break;
    }
  }
  return d;
}

function seconds(arg: string): number {
  const unquoted = arg.startsWith('"') && arg.endsWith('"') ? arg.slice(1, -1) : arg;
  return /^\d+$/.test(unquoted) ? Number(unquoted) : 0;
}
