import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Tap {
  teardown(fn: () => unknown): void;
}

export interface Issued {
  certFile: string;
  keyFile: string;
  /** Upper-case hex, as node's getPeerCertificate().serialNumber gives it. */
  serial: string;
  pem: string;
}

export interface IssueOptions {
  /** DNS names for subjectAltName; the first is also the CN. */
  names: string[];
  /** Days until it expires; default 30. */
  days?: number;
  /** Encrypt the key with this passphrase. */
  passphrase?: string;
  /** A client certificate (extendedKeyUsage clientAuth) rather than a server one. */
  client?: boolean;
  /** File stem in the folder; default the first name. */
  stem?: string;
}

let serials = 0x1000;

/**
 * A private CA in a temp folder (removed in teardown) that issues server and client
 * certificates with the openssl command, each with a serial of its own.
 */
export class TestCa {
  readonly certFile: string;
  readonly pem: string;
  private readonly keyFile: string;

  private constructor(readonly dir: string) {
    this.keyFile = join(dir, 'ca-key.pem');
    this.certFile = join(dir, 'ca.pem');
    openssl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      this.keyFile,
      '-out',
      this.certFile,
      '-days',
      '30',
      '-subj',
      '/CN=gatewayd test CA',
    ]);
    this.pem = readFileSync(this.certFile, 'utf8');
  }

  static create(t: Tap): TestCa {
    const dir = mkdtempSync(join(tmpdir(), 'gatewayd-certs-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    return new TestCa(dir);
  }

  /** Issues a certificate; its files are written to `folder` (default the CA's own). */
  issue(options: IssueOptions, folder = this.dir): Issued {
    const stem = join(folder, options.stem ?? (options.names[0] as string).replace('*', 'star'));
    // Eight hex digits, the first never 0: node prints the serial exactly so.
    const serial = (0x10000000 + ((serials++ * 0x9e3779b1) >>> 4)).toString(16).toUpperCase();
    const ext = join(this.dir, `ext-${serial}.cnf`);
    writeFileSync(
      ext,
      [
        `subjectAltName=${options.names.map((n) => `DNS:${n}`).join(',')}`,
        `extendedKeyUsage=${options.client ? 'clientAuth' : 'serverAuth'}`,
      ].join('\n'),
    );
    const keyArgs = options.passphrase ? ['-passout', `pass:${options.passphrase}`] : ['-nodes'];
    openssl([
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      ...keyArgs,
      '-keyout',
      `${stem}-key.pem`,
      '-out',
      `${stem}.csr`,
      '-subj',
      `/CN=${options.names[0]}`,
    ]);
    openssl([
      'x509',
      '-req',
      '-in',
      `${stem}.csr`,
      '-CA',
      this.certFile,
      '-CAkey',
      this.keyFile,
      '-set_serial',
      `0x${serial}`,
      '-days',
      String(options.days ?? 30),
      '-extfile',
      ext,
      '-out',
      `${stem}.pem`,
    ]);
    rmSync(`${stem}.csr`);
    rmSync(ext);
    return {
      certFile: `${stem}.pem`,
      keyFile: `${stem}-key.pem`,
      serial,
      pem: readFileSync(`${stem}.pem`, 'utf8'),
    };
  }
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
