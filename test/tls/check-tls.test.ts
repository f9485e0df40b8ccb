import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { ConfigProblem } from '../../engine/config/config-problem.js';
import { loadConfigText } from '../../engine/config-loader/load-config.js';
import { TestCa } from '../helpers/certificates.js';

const ca = TestCa.create(t);
const good = ca.issue({ names: ['gw.test'] });
const other = ca.issue({ names: ['other.test'] });
const soon = ca.issue({ names: ['soon.test'], days: 3 });
const locked = ca.issue({ names: ['locked.test'], passphrase: 'open sesame' });

function check(tls: string[], env: Record<string, string> = {}): ConfigProblem[] {
  const text = [
    'server:',
    '  https_port: 8443',
    '  tls:',
    ...tls.map((l) => `    ${l}`),
    'routes:',
    '  - { path: /, direct_response: { status: 204 } }',
  ].join('\n');
  const result = loadConfigText(text, 'gateway.yaml', env);
  return result.ok ? result.warnings : result.problems;
}

const line = (p: ConfigProblem) => `${p.code} ${p.line}:${p.column} ${p.message}`;

t.test('a good pair loads with no problem', async (t) => {
  t.same(check([`cert_file: ${good.certFile}`, `key_file: ${good.keyFile}`]), []);
});

t.test('a missing file is named, at its key', async (t) => {
  const missing = join(ca.dir, 'nope.pem');
  t.same(check([`cert_file: ${missing}`, `key_file: ${good.keyFile}`]).map(line), [
    `GW_ERR_CONFIG_TLS 4:16 cannot read the certificate file ${missing}: no such file`,
  ]);
});

t.test('a file that is not PEM, and a key of another certificate', async (t) => {
  const junk = join(ca.dir, 'junk.pem');
  writeFileSync(junk, 'hello');
  t.same(check([`cert_file: ${junk}`, `key_file: ${good.keyFile}`]).map(line), [
    `GW_ERR_CONFIG_TLS 4:16 ${junk} holds no PEM certificate`,
  ]);
  t.same(check([`cert_file: ${good.certFile}`, `key_file: ${other.keyFile}`]).map(line), [
    `GW_ERR_CONFIG_TLS 5:15 ${other.keyFile} is not the private key of the certificate in ${good.certFile}`,
  ]);
});

t.test('an SNI certificate is checked at its own entry', async (t) => {
  const found = check([
    `cert_file: ${good.certFile}`,
    `key_file: ${good.keyFile}`,
    'certificates:',
    `  - { server_names: [other.test], cert_file: ${other.certFile}, key_file: ${good.keyFile} }`,
  ]);
  t.same(
    found.map((p) => `${p.code} ${p.path.join('.')}`),
    ['GW_ERR_CONFIG_TLS server.tls.certificates.0.key_file'],
  );
});

t.test('an encrypted key needs its passphrase, from the environment', async (t) => {
  const pair = [`cert_file: ${locked.certFile}`, `key_file: ${locked.keyFile}`];
  t.match(check(pair).map(line), [/it is encrypted and server.tls.passphrase is not set/]);
  t.match(check([...pair, 'passphrase: ${TLS_PASS}'], { TLS_PASS: 'wrong' }).map(line), [
    /the passphrase does not open it/,
  ]);
  t.same(check([...pair, 'passphrase: ${TLS_PASS}'], { TLS_PASS: 'open sesame' }), []);
});

t.test('expiry within 14 days is a warning', async (t) => {
  const found = check([`cert_file: ${soon.certFile}`, `key_file: ${soon.keyFile}`]);
  t.equal(found.length, 1);
  t.equal(found[0]?.severity, 'warning');
  t.equal(found[0]?.code, 'GW_WARN_CONFIG_CERTIFICATE_EXPIRY');
  t.match(found[0]?.message, /expires on .* in 3 days/);
});

t.test('min_version TLSv1.3 and an unknown cipher list are refused with the reason', async (t) => {
  const pair = [`cert_file: ${good.certFile}`, `key_file: ${good.keyFile}`];
  t.match(check([...pair, 'min_version: TLSv1.3']).map(line), [
    /GW_ERR_CONFIG_TLS .* min_version TLSv1.3 cannot be enforced/,
  ]);
  t.match(check([...pair, 'ciphers: NOT-A-CIPHER']).map(line), [
    /GW_ERR_CONFIG_TLS .* not a cipher list OpenSSL accepts/,
  ]);
});

t.test('keys that need each other', async (t) => {
  const text = (server: string) =>
    `server:\n${server}\nroutes:\n  - { path: /, direct_response: { status: 204 } }`;
  const codes = (server: string) => {
    const r = loadConfigText(text(server), 'gateway.yaml', {});
    return (r.ok ? r.warnings : r.problems).map((p) => `${p.code} ${p.path.join('.')}`);
  };
  t.same(codes('  https_port: 8443'), ['GW_WARN_CONFIG_NO_CERTIFICATE server.https_port']);
  t.same(codes(`  tls: { cert_file: ${good.certFile}, key_file: ${good.keyFile} }`), [
    'GW_ERR_CONFIG_TLS server.tls',
  ]);
  t.same(codes('  redirect_to_https: true'), ['GW_ERR_CONFIG_TLS server.redirect_to_https']);
});

t.test('upstream tls: files, pairing, an https endpoint, and verify: false', async (t) => {
  const codes = (tls: string, endpoint = 'https://10.0.0.1:443') => {
    const text = [
      'routes:',
      '  - { path: /, upstream: api }',
      'upstreams:',
      `  api: { discovery: { type: Static, endpoints: ["${endpoint}"] }, tls: ${tls} }`,
    ].join('\n');
    const r = loadConfigText(text, 'gateway.yaml', {});
    return (r.ok ? r.warnings : r.problems).map((p) => `${p.code} ${p.path.join('.')}`);
  };
  t.same(
    codes(`{ ca_file: ${ca.certFile}, cert_file: ${good.certFile}, key_file: ${good.keyFile} }`),
    [],
  );
  t.same(codes(`{ ca_file: ${join(ca.dir, 'none.pem')} }`), [
    'GW_ERR_CONFIG_TLS upstreams.api.tls.ca_file',
  ]);
  t.same(codes(`{ cert_file: ${good.certFile} }`), [
    'GW_ERR_CONFIG_TLS upstreams.api.tls.cert_file',
  ]);
  t.same(codes(`{ cert_file: ${good.certFile}, key_file: ${other.keyFile} }`), [
    'GW_ERR_CONFIG_TLS upstreams.api.tls.key_file',
  ]);
  t.same(codes('{ verify: false }'), ['GW_WARN_CONFIG_TLS_UNVERIFIED upstreams.api.tls.verify']);
  t.same(codes(`{ ca_file: ${ca.certFile} }`, 'http://10.0.0.1:80'), [
    'GW_ERR_CONFIG_TLS upstreams.api.tls',
  ]);
});
