import t from 'tap';
import { formatRate, parseRate } from '../../../engine/filters/rate-limit/rate.js';

t.test('rates with units', async (t) => {
  const cases: Array<[string, number, number]> = [
    ['100/hour', 100, 3600],
    ['10/s', 10, 1],
    ['1000/minute', 1000, 60],
    ['5/10s', 5, 10],
    ['1,000/hour', 1000, 3600],
    ['100,000/hour', 100_000, 3600],
    ['20 / 5 minutes', 20, 300],
    ['7/day', 7, 86_400],
    ['3/2h', 3, 7200],
    ['60/MIN', 60, 60],
  ];
  for (const [input, points, durationSeconds] of cases) {
    t.same(parseRate(input), { ok: true, rate: { points, durationSeconds } }, input);
  }
});

t.test('a bare number means per minute', async (t) => {
  t.same(parseRate(1000), { ok: true, rate: { points: 1000, durationSeconds: 60 } });
  t.same(parseRate(10), { ok: true, rate: { points: 10, durationSeconds: 60 } });
  t.same(parseRate('5'), { ok: true, rate: { points: 5, durationSeconds: 60 } });
});

t.test('bad rates are reported, not thrown', async (t) => {
  const cases: Array<[string | number, RegExp]> = [
    ['', /is not a rate/],
    ['abc', /is not a rate/],
    ['100/fortnight', /unknown time unit "fortnight"/],
    ['10/500ms', /shorter than a second/],
    ['0/hour', /at least 1 request/],
    ['5/0s', /empty window/],
    ['-5/s', /is not a rate/],
    ['1.5/s', /is not a rate/],
    ['100/hour/day', /is not a rate/],
    [0, /not a positive whole number/],
    [-1, /not a positive whole number/],
    [2.5, /not a positive whole number/],
    [Number.NaN, /not a positive whole number/],
  ];
  for (const [input, problem] of cases) {
    const result = parseRate(input);
    t.equal(result.ok, false, String(input));
    if (!result.ok) t.match(result.problem, problem, String(input));
  }
});

t.test('formatRate writes rates back', async (t) => {
  t.equal(formatRate({ points: 100, durationSeconds: 3600 }), '100/hour');
  t.equal(formatRate({ points: 10, durationSeconds: 1 }), '10/s');
  t.equal(formatRate({ points: 10, durationSeconds: 60 }), '10/minute');
  t.equal(formatRate({ points: 5, durationSeconds: 10 }), '5/10s');
  t.equal(formatRate({ points: 1, durationSeconds: 86_400 }), '1/day');
});
