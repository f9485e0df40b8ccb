import type { RequestStep, Verdict } from '../../data-plane/filter-chain.js';
import { readWholeBody } from '../../data-plane/request-body.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { parsePathPattern } from '../../router/path-pattern.js';
import type { FilterFactory } from '../filter-factory.js';
import { matchPath, routeCovers, type DocumentPath } from './document-paths.js';
import { routeValidation, type ValidatedDocument } from './openapi-documents.js';
import {
  checkJsonBody,
  checkParameters,
  mediaFor,
  type CompiledOperation,
} from './operation-validator.js';

type Path = DocumentPath<CompiledOperation>;

interface StepOptions {
  /** The document's paths this route can receive, in matching order. */
  paths: readonly Path[];
  /** The operation `operation` names; null: found by method and path. */
  pinned: { op: CompiledOperation; path: Path } | null;
  pass: boolean;
  /** The route's {param} names: a pinned operation's path values when the request's path is not its. */
  routeParams: readonly string[];
  maxBodyBytes: number;
  requestTimeoutMs: number;
}

/**
 * Checks a request against its OpenAPI operation before the upstream is asked: parameters at
 * once, a JSON body once it is read whole (the proxy then sends those same bytes). Bodies of
 * media types the document lists without JSON stream through unread.
 */
export function validateAgainstOperation(o: StepOptions): RequestStep {
  const notFound = new GatewayError('NOT_FOUND', 'the API has no operation at this path');
  const notAllowed = new Map<Path, GatewayError>(
    o.paths.map((p) => {
      const methods = [...p.operations.keys()];
      if (p.operations.has('GET') && !p.operations.has('HEAD')) methods.push('HEAD');
      return [
        p,
        new GatewayError(
          'METHOD_NOT_ALLOWED',
          `the API has no operation for this method at ${p.template}`,
          [['allow', methods.join(', ')]],
        ),
      ];
    }),
  );
  return function openApiChecked(ex): Verdict | Promise<Verdict> {
    const segments = ex.path.split('/').slice(1);
    const matched = matchPath(o.pinned === null ? o.paths : [o.pinned.path], segments);
    let op: CompiledOperation | undefined;
    if (o.pinned !== null) op = o.pinned.op;
    else if (matched === null) return o.pass ? null : notFound;
    else {
      op = matched.path.operations.get(ex.method);
      if (op === undefined && ex.method === 'HEAD') op = matched.path.operations.get('GET');
      if (op === undefined) return o.pass ? null : (notAllowed.get(matched.path) as GatewayError);
    }
    const refused =
      matched === null
        ? checkParameters(op, ex, o.routeParams, ex.params)
        : checkParameters(op, ex, matched.path.paramNames, matched.values);
    if (refused !== null) return refused;
    const body = op.body;
    if (body === null) return null;
    const contentType = ex.header('content-type');
    if (!ex.hasBody) {
      if (!body.required) return null;
      return contentType === undefined || mediaFor(body.media, contentType) !== undefined
        ? op.bodyRequired
        : op.unsupportedMedia;
    }
    const media = mediaFor(body.media, contentType);
    if (media === undefined) return op.unsupportedMedia;
    if (!media.json) return null;
    return readWholeBody(ex, o.maxBodyBytes, o.requestTimeoutMs).then((read) =>
      read instanceof GatewayError ? read : checkJsonBody(media, read),
    );
  };
}

/** `openapi_validation`: the route's requests checked against an OpenAPI document. */
export const openApiValidation: FilterFactory = {
  name: 'openapi_validation',
  build({ route, table }) {
    const v = routeValidation(route);
    if (v === undefined) return null;
    const doc: ValidatedDocument | undefined = table.openApi?.documents.get(v.document);
    // A document that did not load was reported by the loader; this build is never served.
    if (doc === undefined) return null;
    const pinned = v.operation === undefined ? null : (doc.byOperationId.get(v.operation) ?? null);
    const pattern = parsePathPattern(route.path);
    const paths = doc.paths.filter((p) => routeCovers(pattern, p));
    const pass = v.unknown_operations === 'pass';
    return {
      descriptions: [
        `openapi ${doc.name}${pinned === null ? '' : ` ${v.operation}`}${pass ? ' unknown=pass' : ''}`,
      ],
      request: validateAgainstOperation({
        paths,
        pinned,
        pass,
        routeParams: pattern.paramNames,
        maxBodyBytes: doc.maxBodyBytes ?? table.maxBodyBytes,
        requestTimeoutMs: table.requestTimeoutMs,
      }),
      response: null,
      ownsResponseHeader: null,
      upstreamHeaders: null,
    };
  },
};
