import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** A certificate chain and its private key, read from their files and checked against each other. */
export interface CertificatePair {
  readonly certFile: string;
  readonly keyFile: string;
  /** The chain as read (leaf first), handed to the TLS listener unchanged. */
  readonly certPem: string;
  readonly key: KeyObject;
  readonly serial: string;
  readonly subject: string;
  /** The names in the leaf's subjectAltName (DNS entries), else its CN. */
  readonly names: readonly string[];
  readonly notAfter: Date;
}

/** Why a pair does not load, one sentence naming the file. */
export class CertificateProblem extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'CertificateProblem';
  }
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/**
 * Reads and checks a pair: both files exist and parse as PEM, an encrypted key opens with
 * `passphrase`, and the key is the certificate's. Throws CertificateProblem otherwise.
 */
export function loadCertificatePair(
  certFile: string,
  keyFile: string,
  passphrase: string | undefined,
): CertificatePair {
  const certPem = readText(certFile, 'certificate');
  const leafPem = PEM_CERTIFICATE.exec(certPem)?.[0];
  if (leafPem === undefined) {
    throw new CertificateProblem(certFile, `${certFile} holds no PEM certificate`);
  }
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(leafPem);
  } catch (err) {
    throw new CertificateProblem(
      certFile,
      `${certFile} does not parse as a certificate: ${(err as Error).message}`,
    );
  }
  const keyPem = readText(keyFile, 'key');
  let key: KeyObject;
  try {
    key = createPrivateKey(passphrase === undefined ? keyPem : { key: keyPem, passphrase });
  } catch (err) {
    const encrypted = /ENCRYPTED/.test(keyPem);
    const why = encrypted
      ? passphrase === undefined
        ? 'it is encrypted and server.tls.passphrase is not set'
        : 'the passphrase does not open it'
      : (err as Error).message;
    throw new CertificateProblem(keyFile, `${keyFile} does not load as a private key: ${why}`);
  }
  if (!leaf.checkPrivateKey(key)) {
    throw new CertificateProblem(
      keyFile,
      `${keyFile} is not the private key of the certificate in ${certFile}`,
    );
  }
  return {
    certFile,
    keyFile,
    certPem,
    key,
    serial: leaf.serialNumber,
    subject: leaf.subject,
    names: namesOf(leaf),
    notAfter: new Date(leaf.validTo),
  };
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new CertificateProblem(file, `cannot read the ${what} file ${file}: ${why}`);
  }
}

function namesOf(leaf: X509Certificate): string[] {
  const dns = (leaf.subjectAltName ?? '')
    .split(', ')
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4));
  if (dns.length > 0) return dns;
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(leaf.subject)?.[1];
  return cn === undefined ? [] : [cn];
}
