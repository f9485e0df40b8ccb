import t from 'tap';
import { loadConfigText } from '../../engine/config-loader/load-config.js';

/** 200 routes over 20 upstreams, about 900 lines. */
function bigConfig(): string {
  const lines = ['server:', '  http_port: ${PORT:-8080}', 'routes:'];
  for (let i = 0; i < 200; i++) {
    lines.push(
      `  - path: /api/v1/service-${i}/items/{id}`,
      '    methods: [GET, POST]',
      `    upstream: svc-${i % 20}`,
      '    timeout: 5s',
    );
  }
  lines.push('upstreams:');
  for (let i = 0; i < 20; i++) {
    lines.push(
      `  svc-${i}:`,
      '    discovery:',
      '      type: Static',
      `      endpoints: ["http://svc-${i}:3001", { url: "http://svc-${i}b:3001", weight: 2 }]`,
    );
  }
  return lines.join('\n');
}

t.test('a 200-route config loads in well under 50 ms once the validator is compiled', async (t) => {
  const text = bigConfig();
  // The first calls pay for compiling the schema and warming the JIT.
  for (let i = 0; i < 3; i++) t.ok(loadConfigText(text, 'big.yaml', {}).ok);
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    loadConfigText(text, 'big.yaml', {});
    best = Math.min(best, performance.now() - start);
  }
  t.comment(`best of 5: ${best.toFixed(1)} ms`);
  t.ok(best < 50, `${best.toFixed(1)} ms`);
});
