import type { Logger } from 'pino';
import type { Exchange } from '../../data-plane/exchange.js';
import type {
  RequestStep,
  ResponseHead,
  ResponseStep,
  RouteFilter,
  Verdict,
} from '../../data-plane/filter-chain.js';
import { statusLine, type PreparedResponse } from '../../data-plane/respond.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { isHttpToken } from '../is-http-token.js';
import type { FilterRecorder } from '../filter-factory.js';
import type { PluginAnswer, PluginResponse, RequestResult } from './plugin-api.js';
import { describeFailure } from './plugin-modules.js';
import { PluginRequestView, type RouteView } from './plugin-request-view.js';
import { isGatewayWrittenResponseHeader } from './plugin-steps-check.js';
import type { PluginInstance } from './plugin-set.js';

/** A header value: visible ASCII, tab and space, and obs-text; never CR, LF or NUL. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export interface PluginFilterOptions {
  routeName: string;
  view: RouteView;
  logger: Logger;
  recorder: FilterRecorder | null;
}

/**
 * A plugin instance as one filter of one route. Its steps run behind a fence: a throw, a
 * rejection or an invalid answer answers that request 500 PLUGIN_ERROR, a promise that does not
 * settle within the plugin's timeout answers 504 PLUGIN_TIMEOUT; both are logged with the request
 * id and counted, and the gateway goes on serving.
 */
export function pluginFilter(instance: PluginInstance, options: PluginFilterOptions): RouteFilter {
  const { name, steps } = instance;
  const { view, logger, recorder } = options;
  const failed = new GatewayError('PLUGIN_ERROR', `plugin "${name}" failed to handle the request`);
  const timedOut = new GatewayError(
    'PLUGIN_TIMEOUT',
    `plugin "${name}" did not decide within ${instance.timeoutMs} ms`,
  );
  recorder?.expectPluginFailures(name);

  const fail = (ex: Exchange, err: unknown, step: 'request' | 'response'): GatewayError => {
    recorder?.pluginFailure(name, 'error');
    logger.error(
      {
        plugin: name,
        route: ex.routeName,
        request_id: ex.requestId,
        step,
        err,
        at: describeFailure(err, instance.file),
      },
      'plugin step failed',
    );
    return failed;
  };

  const verdictOf = (ex: Exchange, result: RequestResult): Verdict => {
    if (result === undefined || result === null) return null;
    try {
      return prepareAnswer(result);
    } catch (err) {
      return fail(ex, err, 'request');
    }
  };

  const settle = (ex: Exchange, pending: Promise<RequestResult>): Promise<Verdict> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        // A client that left is not the plugin's timeout: nothing is answered, nothing counted.
        if (ex.aborted) {
          resolve(timedOut);
          return;
        }
        recorder?.pluginFailure(name, 'timeout');
        logger.error(
          {
            plugin: name,
            route: ex.routeName,
            request_id: ex.requestId,
            timeout_ms: instance.timeoutMs,
          },
          'plugin step timed out',
        );
        resolve(timedOut);
      }, instance.timeoutMs);
      pending.then(
        (result) => {
          clearTimeout(timer);
          resolve(verdictOf(ex, result));
        },
        (err: unknown) => {
          clearTimeout(timer);
          resolve(fail(ex, err, 'request'));
        },
      );
    });

  const requestStep = steps.request;
  const responseStep = steps.response;
  const request: RequestStep | null =
    requestStep === undefined
      ? null
      : function pluginRequest(ex) {
          // The instance must outlive the request only if it has more to do for it: a response
          // step, or a promise; a synchronous step is done when it returns.
          if (responseStep !== undefined) instance.set.track(ex);
          let result: RequestResult | Promise<RequestResult>;
          try {
            result = requestStep(PluginRequestView.of(ex, view));
          } catch (err) {
            return fail(ex, err, 'request');
          }
          if (result instanceof Promise) {
            instance.set.track(ex);
            return settle(ex, result);
          }
          return verdictOf(ex, result);
        };

  const head = new ResponseView();
  const response: ResponseStep | null =
    responseStep === undefined
      ? null
      : function pluginResponse(ex, target) {
          instance.set.track(ex);
          head.begin(target);
          try {
            responseStep(head, PluginRequestView.of(ex, view));
          } catch (err) {
            fail(ex, err, 'response');
          }
          head.end();
        };

  return {
    descriptions: [
      instance.phase === 'after_auth' ? `plugin ${name}` : `plugin ${name} (${instance.phase})`,
    ],
    request,
    response,
    ownsResponseHeader: null,
    upstreamHeaders: null,
  };
}

/**
 * The response as one plugin's response step sees it: its edits go straight to the route's
 * response head, before any header is written. One object per filter, reused: response steps are
 * synchronous and run one at a time.
 */
class ResponseView implements PluginResponse {
  private target: ResponseHead | null = null;

  begin(target: ResponseHead): void {
    this.target = target;
  }

  end(): void {
    this.target = null;
  }

  get status(): number {
    return (this.target as ResponseHead).status;
  }

  header(name: string): string | undefined {
    return (this.target as ResponseHead).get(String(name).toLowerCase());
  }

  setHeader(name: string, value: string): void {
    const lower = editableResponseHeader(name);
    if (typeof value !== 'string' || !FIELD_VALUE.test(value))
      throw new TypeError(`setHeader("${name}"): the value must be a string without CR, LF or NUL`);
    const target = this.target as ResponseHead;
    target.remove(lower);
    target.add(lower, value);
  }

  removeHeader(name: string): void {
    (this.target as ResponseHead).remove(editableResponseHeader(name));
  }
}

function editableResponseHeader(name: string): string {
  if (typeof name !== 'string' || !isHttpToken(name))
    throw new TypeError(`${JSON.stringify(name)} is not a header name`);
  const lower = name.toLowerCase();
  if (isGatewayWrittenResponseHeader(lower))
    throw new TypeError(`the gateway writes the ${lower} header itself; a plugin cannot change it`);
  return lower;
}

/** A request step's answer as the response the gateway writes; throws on an invalid one. */
function prepareAnswer(answer: PluginAnswer): PreparedResponse {
  if (typeof answer !== 'object')
    throw new TypeError(
      'a request step returns nothing (go on) or an answer { status, headers?, body? }',
    );
  const status = answer.status;
  if (!Number.isInteger(status) || status < 200 || status > 599)
    throw new TypeError(`the answer's status ${String(status)} is not an integer from 200 to 599`);
  const headers: Array<readonly [string, string]> = [];
  for (const [name, value] of Object.entries(answer.headers ?? {})) {
    if (!isHttpToken(name) || typeof value !== 'string' || !FIELD_VALUE.test(value))
      throw new TypeError(`the answer's header ${JSON.stringify(name)} is not a valid header`);
    const lower = name.toLowerCase();
    if (isGatewayWrittenResponseHeader(lower))
      throw new TypeError(`the answer sets ${lower}, which the gateway writes itself`);
    headers.push([lower, value]);
  }
  const given = answer.body;
  let body: Buffer;
  let type: string | null = null;
  if (given === undefined) body = Buffer.alloc(0);
  else if (typeof given === 'string') {
    body = Buffer.from(given);
    type = 'text/plain; charset=utf-8';
  } else if (given instanceof Uint8Array) {
    body = Buffer.from(given.buffer, given.byteOffset, given.byteLength);
    type = 'application/octet-stream';
  } else {
    body = Buffer.from(JSON.stringify(given));
    type = 'application/json';
  }
  if (type !== null && !headers.some(([n]) => n === 'content-type'))
    headers.push(['content-type', type]);
  return { status: statusLine(status), statusCode: status, headers, body };
}
