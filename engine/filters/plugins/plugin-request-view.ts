import type { ClientAddress } from '../../data-plane/client-address.js';
import type { Exchange } from '../../data-plane/exchange.js';
import { isGatewayOwnedRequestHeader } from '../../data-plane/forward-headers.js';
import { isHttpToken } from '../is-http-token.js';
import type { PluginIdentity, PluginRequest } from './plugin-api.js';

/** A header value: visible ASCII, tab and space, and obs-text; never CR, LF or NUL. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** What a route's plugins need to build the request view they share. */
export interface RouteView {
  readonly paramNames: readonly string[];
  readonly clientAddress: ClientAddress;
  /** Request headers a plugin may not set: the identity headers the gateway sends upstream. */
  readonly protectedHeaders: ReadonlySet<string>;
}

/**
 * One request as its route's plugins see it, made once per request by the first plugin step
 * and shared by the others. It reads the exchange and edits its headers through checks; the
 * exchange itself (its response, its route's compiled state) stays out of reach.
 */
export class PluginRequestView implements PluginRequest {
  private paramsByName: Readonly<Record<string, string>> | null = null;

  private constructor(
    private readonly ex: Exchange,
    private readonly routeView: RouteView,
  ) {}

  /** The view of `ex`, made on first use. */
  static of(ex: Exchange, route: RouteView): PluginRequestView {
    const view = ex.pluginView as PluginRequestView | null;
    if (view !== null) return view;
    const made = new PluginRequestView(ex, route);
    ex.pluginView = made;
    return made;
  }

  get method(): string {
    return this.ex.method;
  }
  get path(): string {
    return this.ex.path;
  }
  get query(): string {
    return this.ex.query;
  }
  get host(): string {
    return this.ex.host;
  }
  get requestId(): string {
    return this.ex.requestId;
  }
  get clientAddress(): string {
    return this.routeView.clientAddress(this.ex);
  }
  get route(): string {
    return this.ex.routeName;
  }
  get identity(): PluginIdentity | null {
    return this.ex.identity;
  }

  get params(): Readonly<Record<string, string>> {
    if (this.paramsByName === null) {
      const byName: Record<string, string> = {};
      const names = this.routeView.paramNames;
      for (let i = 0; i < names.length; i++) byName[names[i] as string] = this.ex.params[i] ?? '';
      this.paramsByName = Object.freeze(byName);
    }
    return this.paramsByName;
  }

  header(name: string): string | undefined {
    return this.ex.header(name.toLowerCase());
  }

  setHeader(name: string, value: string): void {
    const lower = this.editable(name);
    if (typeof value !== 'string' || !FIELD_VALUE.test(value))
      throw new TypeError(`setHeader("${name}"): the value must be a string without CR, LF or NUL`);
    this.ex.replaceHeader(lower, value);
  }

  removeHeader(name: string): void {
    this.ex.replaceHeader(this.editable(name), null);
  }

  private editable(name: string): string {
    if (typeof name !== 'string' || !isHttpToken(name))
      throw new TypeError(`${JSON.stringify(name)} is not a header name`);
    const lower = name.toLowerCase();
    if (isGatewayOwnedRequestHeader(lower) || this.routeView.protectedHeaders.has(lower))
      throw new TypeError(`the gateway sets the ${lower} header itself; a plugin cannot change it`);
    return lower;
  }
}
