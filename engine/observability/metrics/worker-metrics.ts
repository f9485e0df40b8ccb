import type { ChildProcess } from 'node:child_process';
import type { ReadMetrics } from './metrics-server.js';

const REQUEST = 'gatewayd:metrics-request';
const RESPONSE = 'gatewayd:metrics-response';

interface MetricsRequest {
  type: typeof REQUEST;
  id: number;
}

interface MetricsResponse {
  type: typeof RESPONSE;
  id: number;
  metrics: object[];
}

/**
 * `workers` > 1: the supervisor serves the metrics port and each scrape asks every worker for
 * its series over the fork IPC channel (prom-client's cluster aggregation, over child_process
 * instead of the cluster module), then merges them with AggregatorRegistry.aggregate: counters
 * and histograms are summed, and each gauge by its own aggregator.
 */
export function answerMetricsRequests(metrics: { json(): Promise<object[]> }): void {
  process.on('message', (msg: unknown) => {
    if (!isMessage<MetricsRequest>(msg, REQUEST)) return;
    void metrics.json().then((metrics) => {
      const response: MetricsResponse = { type: RESPONSE, id: msg.id, metrics };
      process.send?.(response);
    });
  });
}

/** The supervisor's side: a scrape that waits at most `timeoutMs` for slow workers. */
export function readWorkerMetrics(
  children: () => Iterable<ChildProcess>,
  timeoutMs: number,
): ReadMetrics {
  let nextId = 0;
  return async function readAggregated() {
    const id = nextId++;
    const asked = [...children()].filter((c) => c.connected);
    const answers = await Promise.all(asked.map((child) => ask(child, id, timeoutMs)));
    // Loaded on the first scrape: a supervisor without metrics never loads prom-client.
    const { AggregatorRegistry } = await import('prom-client');
    const registry = AggregatorRegistry.aggregate(answers.filter((a) => a !== null));
    return { contentType: registry.contentType, body: await registry.metrics() };
  };
}

function ask(child: ChildProcess, id: number, timeoutMs: number): Promise<object[] | null> {
  return new Promise((resolve) => {
    const done = (metrics: object[] | null) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(metrics);
    };
    const onMessage = (msg: unknown) => {
      if (isMessage<MetricsResponse>(msg, RESPONSE) && msg.id === id) done(msg.metrics);
    };
    const onExit = () => done(null);
    const timer = setTimeout(() => done(null), timeoutMs);
    child.on('message', onMessage);
    child.once('exit', onExit);
    const request: MetricsRequest = { type: REQUEST, id };
    child.send(request, (err) => {
      if (err) done(null);
    });
  });
}

function isMessage<T extends { type: string }>(msg: unknown, type: T['type']): msg is T {
  return typeof msg === 'object' && msg !== null && (msg as { type?: unknown }).type === type;
}
