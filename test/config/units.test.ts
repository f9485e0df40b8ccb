import t from 'tap';
import {
  durationProblem,
  httpUrlProblem,
  isCidr,
  isHttpUrl,
  parseDuration,
  parseSize,
} from '../../engine/config/units.js';

t.test('parseDuration reads a number and a unit as milliseconds', async (t) => {
  t.equal(parseDuration('250ms'), 250);
  t.equal(parseDuration('30s'), 30_000);
  t.equal(parseDuration('1.5s'), 1_500);
  t.equal(parseDuration('5m'), 300_000);
  t.equal(parseDuration('24h'), 86_400_000);
  t.equal(parseDuration('7d'), 604_800_000);
  t.equal(parseDuration('0s'), 0);
});

t.test('parseDuration refuses bare numbers, negatives and nonsense', async (t) => {
  for (const s of ['30', '', '-5s', 's', '5 parsecs', 'NaN', '1e3s', ' 5s', 'five seconds']) {
    t.equal(parseDuration(s), undefined, s);
  }
});

t.test('parseDuration takes one spelling per unit: no words, spaces, weeks or years', async (t) => {
  for (const s of ['5 seconds', '5 secs', '5 s', '1y', '2 weeks', '2w', '5S', '1.h', '.5s']) {
    t.equal(parseDuration(s), undefined, s);
  }
});

t.test('durationProblem says why a near miss is refused', async (t) => {
  t.equal(durationProblem('30'), 'a bare number has no unit');
  t.equal(durationProblem('5 seconds'), '"seconds" is not one of the units ms, s, m, h, d');
  t.equal(durationProblem('2 weeks'), '"weeks" is not one of the units ms, s, m, h, d');
  t.equal(durationProblem('1y'), '"y" is not one of the units ms, s, m, h, d');
  t.equal(durationProblem('5 s'), 'write the number and the unit with no space');
  t.equal(durationProblem('forever'), undefined);
});

t.test('parseSize reads 1024-based sizes', async (t) => {
  t.equal(parseSize('1mb'), 1_048_576);
  t.equal(parseSize('512kb'), 524_288);
  t.equal(parseSize('10MB'), 10_485_760);
  t.equal(parseSize('100b'), 100);
  t.equal(parseSize('1.5kb'), 1_536);
});

t.test('parseSize refuses bare numbers and unknown units', async (t) => {
  for (const s of ['1024', '10xb', '-1mb', 'mb', '10 megabytes', '', '1 mb', '1tb'])
    t.equal(parseSize(s), undefined, s);
});

t.test('isHttpUrl takes scheme, host and port only', async (t) => {
  for (const s of [
    'http://users:3001',
    'https://users.internal',
    'http://10.0.0.5:80/',
    'http://[::1]:8080',
  ]) {
    t.ok(isHttpUrl(s), s);
  }
  const refused: Record<string, RegExp> = {
    'http://users:3001/api': /has a path \(\/api\)/,
    'http://users:3001?x=1': /query/,
    'http://users:3001/#top': /fragment/,
    'http://me:secret@users': /credentials/,
    'ftp://files': /scheme is ftp/,
    'users:3001': /does not start with http/,
    'http://': /not a URL/,
  };
  for (const [s, reason] of Object.entries(refused)) {
    t.notOk(isHttpUrl(s), s);
    t.match(httpUrlProblem(s), reason, s);
  }
});

t.test('isCidr takes ranges and single addresses, IPv4 and IPv6', async (t) => {
  for (const s of ['10.0.0.0/8', '192.168.1.10', '0.0.0.0/0', '::1', 'fd00::/8', '2001:db8::/32']) {
    t.ok(isCidr(s), s);
  }
  for (const s of [
    '10.1',
    '300.1.1.1',
    '10.0.0.0/33',
    'fd00::/129',
    'localhost',
    '',
    '0x0a000001',
  ]) {
    t.notOk(isCidr(s), s);
  }
});
