/**
 * The plugin API: what a user's plugin module exports and what the gateway hands it. This file is
 * the package's entry point (`import type { Plugin } from 'gatewayd'`): it imports nothing of the
 * engine, so a plugin sees only what is declared here. docs/guides/plugins.md is the user guide.
 */

/** Where a plugin's request step runs in a route's chain. */
export type PluginPhase =
  /** After the IP filter and CORS, before the credentials are checked (no identity yet). */
  | 'before_auth'
  /** After authentication and the role/tier checks, before the rate limit (the default). */
  | 'after_auth'
  /** After every built-in filter, just before the upstream is asked. */
  | 'before_upstream';

/** The verified caller, as the route's auth step found it; null on routes without auth. */
export interface PluginIdentity {
  readonly subject: string;
  readonly clientId?: string;
  readonly roles: readonly string[];
  readonly permissions: readonly string[];
  readonly tier?: string;
  readonly email?: string;
  readonly method: 'jwt' | 'api_key';
  /** The verified JWT's claims. */
  readonly claims?: Readonly<Record<string, unknown>>;
}

/** One request as a plugin sees it: a view, not the gateway's own request object. */
export interface PluginRequest {
  readonly method: string;
  /** The normalised path the route matched. */
  readonly path: string;
  /** The raw query string, without "?". */
  readonly query: string;
  readonly host: string;
  readonly requestId: string;
  /** The client's address (behind `server.trust_proxy`, the forwarded one). */
  readonly clientAddress: string;
  /** The route's name. */
  readonly route: string;
  /** The route's `{param}` captures by name. */
  readonly params: Readonly<Record<string, string>>;
  readonly identity: PluginIdentity | null;
  /** A request header (lower-case name), as it will go upstream so far. */
  header(name: string): string | undefined;
  /** Sets a header sent upstream, replacing the client's. Gateway-owned names throw. */
  setHeader(name: string, value: string): void;
  /** Removes a header before the request goes upstream. Gateway-owned names throw. */
  removeHeader(name: string): void;
}

/** A response a request step answers with instead of letting the request go on. */
export interface PluginAnswer {
  /** 200 to 599. */
  status: number;
  headers?: Readonly<Record<string, string>>;
  /** A string or bytes as they are; any other value is sent as JSON. */
  body?: string | Uint8Array | object;
}

/** What a request step returns: nothing to let the request go on, an answer to stop it. */
export type RequestResult = PluginAnswer | undefined | void;

export type PluginRequestStep = (request: PluginRequest) => RequestResult | Promise<RequestResult>;

/** A response on its way to the client, before any of its headers is written. */
export interface PluginResponse {
  readonly status: number;
  /** A response header as it stands: the upstream's (or the gateway's answer's), as earlier steps left it. */
  header(name: string): string | undefined;
  /** Sets a header, replacing every value the response has. Framing headers, Date and X-Request-ID throw. */
  setHeader(name: string, value: string): void;
  /** Removes every value of a header. Framing headers, Date and X-Request-ID throw. */
  removeHeader(name: string): void;
}

/** The response step is synchronous: the response waits for no promise. */
export type PluginResponseStep = (response: PluginResponse, request: PluginRequest) => void;

/** What `create` returns: the steps of one configured instance of the plugin. */
export interface PluginSteps {
  request?: PluginRequestStep;
  response?: PluginResponseStep;
  /** Called once, when the table that uses this instance is replaced and its requests are done. */
  close?: () => void | Promise<void>;
}

export interface PluginLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  debug(fields: object, message: string): void;
}

export interface PluginCounter {
  inc(labels?: Readonly<Record<string, string>>, value?: number): void;
}

export interface PluginHistogram {
  observe(labels: Readonly<Record<string, string>>, value: number): void;
}

/**
 * The plugin's own series in the gateway's metrics endpoint. A name asked for again (the next
 * reload's instance) gets the same series. Names must start with `gatewayd_plugin_`.
 */
export interface PluginMetrics {
  counter(options: { name: string; help: string; labelNames?: readonly string[] }): PluginCounter;
  histogram(options: {
    name: string;
    help: string;
    labelNames?: readonly string[];
    buckets?: readonly number[];
  }): PluginHistogram;
}

/** The commands of the shared Redis client a plugin may use (an ioredis client). */
export interface PluginRedis {
  get(key: string): Promise<string | null>;
  /** SET with optional PX (expiry in ms) and NX (only when absent); true when the value was set. */
  set(key: string, value: string, options?: { px?: number; nx?: boolean }): Promise<boolean>;
  incr(key: string): Promise<number>;
  pexpire(key: string, ms: number): Promise<number>;
  del(...keys: string[]): Promise<number>;
}

/** What the gateway gives `create`. */
export interface PluginContext {
  /** The plugin's name in the config. */
  readonly name: string;
  /** Logs with the plugin's name on every line. */
  readonly logger: PluginLogger;
  /** Null when `observability.metrics` is off. */
  readonly metrics: PluginMetrics | null;
  /** The shared client of the config's `redis` block; null without one. */
  readonly redis: PluginRedis | null;
  /** True for `gatewayd check` and `routes`: the instance is built to be checked, not served. */
  readonly offline: boolean;
}

/** A JSON Schema (draft 2020-12, as ajv reads it). */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** A plugin module's default export. */
export interface Plugin<Config = Record<string, unknown>> {
  /** The plugin's own name, for logs and errors (the config names its instances). */
  readonly name: string;
  /** The schema `config` must pass; `gatewayd check` reports failures at their YAML line. */
  readonly configSchema?: JsonSchema;
  /** Default `after_auth`. */
  readonly phase?: PluginPhase;
  /** Builds one configured instance; runs at every load and reload, never per request. */
  create(config: Config, context: PluginContext): PluginSteps | Promise<PluginSteps>;
}

/** Types a plugin without a cast: `export default definePlugin<MyConfig>({ ... })`. */
export function definePlugin<Config = Record<string, unknown>>(
  plugin: Plugin<Config>,
): Plugin<Config> {
  return plugin;
}
