import t from 'tap';
import {
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
  t.equal(parseDuration('0s'), 0);
  t.equal(parseDuration('2 minutes'), 120_000);
});

t.test('parseDuration refuses bare numbers, negatives and nonsense', async (t) => {
  for (const s of ['30', '', '-5s', 's', '5 parsecs', 'NaN', '1e3s', ' 5s', 'five seconds']) {
    t.equal(parseDuration(s), undefined, s);
  }
});

t.test('parseSize reads 1024-based sizes', async (t) => {
  t.equal(parseSize('1mb'), 1_048_576);
  t.equal(parseSize('512kb'), 524_288);
  t.equal(parseSize('10MB'), 10_485_760);
  t.equal(parseSize('100b'), 100);
  t.equal(parseSize('1.5kb'), 1_536);
});

t.test('parseSize refuses bare numbers and unknown units', async (t) => {
  for (const s of ['1024', '10xb', '-1mb', 'mb', '10 megabytes', ''])
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
