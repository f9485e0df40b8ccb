// The metrics reference (docs/reference/metrics.md), generated from the table of metric
// definitions (engine/observability/metrics/metric-definitions.ts): every family's name, type,
// labels and help text. prom-client's default process and Node.js metrics are named as a group:
// which of them exist depends on the platform.
import { code, generatedNotice, prose, table } from './markdown.mjs';

export function renderMetricsReference({ definitions, prefix }) {
  const own = Object.values(definitions).sort((a, b) => (a.name < b.name ? -1 : 1));
  return [
    generatedNotice('engine/observability/metrics/metric-definitions.ts'),
    '',
    '# Metrics reference',
    '',
    'The Prometheus metrics a gateway serves on `server.metrics_port` (path',
    '`observability.metrics.endpoint_path`, default `/metrics`). Without `metrics_port` nothing is',
    'collected. With `server.workers` above 1 the supervisor serves the port and sums the',
    "workers' series. Labels come from the config (route and upstream names, endpoint URLs, channels",
    'as configured) and from fixed sets, never from the request, so the number of series is bounded',
    'by the config. The [observability guide](../guides/observability.md) shows what to do with them.',
    '',
    table(
      ['metric', 'type', 'labels', 'what it counts'],
      own.map((m) => [
        code(m.name),
        m.type,
        m.labelNames.length === 0 ? '—' : m.labelNames.map((l) => code(l)).join(', '),
        prose(m.help),
      ]),
    ),
    '',
    `Besides these, every process exports prom-client's default metrics with the \`${prefix}\``,
    'prefix: CPU time, resident memory, open file descriptors, Node.js heap, event loop lag and',
    'garbage collection (for example `gatewayd_process_cpu_seconds_total`,',
    '`gatewayd_nodejs_eventloop_lag_seconds`).',
    '',
  ].join('\n');
}
