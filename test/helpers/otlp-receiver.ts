import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Tap {
  teardown(fn: () => unknown): void;
}

type AnyValue = { stringValue?: string; intValue?: number | string; boolValue?: boolean };

/** One span as OTLP/HTTP JSON carries it, with its attributes flattened to a record. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  traceState?: string;
  name: string;
  /** 2 SERVER, 3 CLIENT. */
  kind: number;
  status: { code?: number; message?: string };
  /** Nanoseconds since the epoch, as OTLP/JSON writes them (decimal strings). */
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Record<string, string | number | boolean | undefined>;
  service: string | undefined;
  /** The attributes of the resource the span came with. */
  resource: Record<string, string | number | boolean | undefined>;
}

interface RawSpan extends Omit<ReceivedSpan, 'attributes' | 'service' | 'resource'> {
  attributes?: Array<{ key: string; value: AnyValue }>;
}

interface ExportRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: Array<{ key: string; value: AnyValue }> };
    scopeSpans?: Array<{ spans?: RawSpan[] }>;
  }>;
}

/**
 * A minimal OTLP/HTTP collector: accepts POST /v1/traces in JSON (what the OTLP HTTP exporter
 * sends) and keeps every span, for tests to assert on.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  posts = 0;
  private waiters: Array<() => void> = [];

  private constructor(private readonly server: Server) {}

  static async start(t: Tap): Promise<OtlpReceiver> {
    let receiver: OtlpReceiver | null = null;
    const server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (c: string) => (body += c));
      req.on('end', () => {
        const self = receiver as OtlpReceiver;
        if (req.method !== 'POST' || req.url !== '/v1/traces') {
          res.writeHead(404).end();
          return;
        }
        self.posts++;
        self.add(JSON.parse(body) as ExportRequest);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver = new OtlpReceiver(server);
    t.teardown(() => receiver?.close());
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/traces`;
  }

  private add(request: ExportRequest): void {
    for (const rs of request.resourceSpans ?? []) {
      const resource = flatten(rs.resource?.attributes);
      const service = resource['service.name'];
      for (const ss of rs.scopeSpans ?? []) {
        for (const raw of ss.spans ?? []) {
          this.spans.push({
            ...raw,
            attributes: flatten(raw.attributes),
            service: typeof service === 'string' ? service : undefined,
            resource,
          });
        }
      }
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves once `cond` holds over the spans received; rejects after timeoutMs. */
  waitFor(cond: (spans: ReceivedSpan[]) => boolean, timeoutMs = 10_000): Promise<void> {
    if (cond(this.spans)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('spans not received in time')), timeoutMs);
      const check = () => {
        if (!cond(this.spans)) {
          this.waiters.push(check);
          return;
        }
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(check);
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function flatten(
  attributes: Array<{ key: string; value: AnyValue }> | undefined,
): Record<string, string | number | boolean | undefined> {
  const out: Record<string, string | number | boolean | undefined> = {};
  for (const { key, value } of attributes ?? []) {
    out[key] =
      value.stringValue ??
      (value.intValue === undefined ? undefined : Number(value.intValue)) ??
      value.boolValue;
  }
  return out;
}
