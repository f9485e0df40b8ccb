import t from 'tap';
import {
  compileTelemetrySettings,
  otlpTracesUrl,
} from '../../engine/observability/telemetry-settings.js';

t.test('the OTLP traces URL for each way an endpoint is written', async (t) => {
  t.same(otlpTracesUrl(undefined), {
    url: 'http://localhost:4318/v1/traces',
    jaegerThriftUrl: null,
  });
  t.same(otlpTracesUrl({ endpoint: 'https://otel.example.com:4318/v1/traces' }), {
    url: 'https://otel.example.com:4318/v1/traces',
    jaegerThriftUrl: null,
  });
  t.same(
    otlpTracesUrl({ endpoint: 'http://collector:4318' }).url,
    'http://collector:4318/v1/traces',
    'a bare address gets the signal path',
  );
  t.same(otlpTracesUrl({ type: 'Jaeger', endpoint: 'http://jaeger-collector:14268/api/traces' }), {
    url: 'http://jaeger-collector:4318/v1/traces',
    jaegerThriftUrl: 'http://jaeger-collector:14268/api/traces',
  });
  t.same(
    otlpTracesUrl({ type: 'OTLP', endpoint: 'http://proxy/api/traces' }).url,
    'http://proxy/api/traces',
    'only a Jaeger backend is moved off /api/traces',
  );
});

t.test('metrics need a port; tracing needs enabled: true', async (t) => {
  t.same(compileTelemetrySettings({ routes: [] }), { metrics: null, tracing: null });
  t.same(
    compileTelemetrySettings({
      routes: [],
      server: { metrics_port: 9090, bind_address: '10.0.0.1' },
    }).metrics,
    { port: 9090, bindAddress: '10.0.0.1', path: '/metrics' },
  );
  t.equal(
    compileTelemetrySettings({
      routes: [],
      server: { metrics_port: 9090 },
      observability: { metrics: { prometheus_enabled: false } },
    }).metrics,
    null,
  );
  t.equal(
    compileTelemetrySettings({ routes: [], observability: { tracing: { sampling_rate: 1 } } })
      .tracing,
    null,
  );
  t.same(
    compileTelemetrySettings({
      routes: [],
      observability: { tracing: { enabled: true, sampling_rate: 0.25 } },
    }).tracing,
    {
      url: 'http://localhost:4318/v1/traces',
      jaegerThriftUrl: null,
      samplingRate: 0.25,
      serviceName: 'gatewayd',
    },
  );
});
