import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { AppOptions, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import { nativeUws } from '../native/uws-binding.js';
import {
  CertificateProblem,
  loadCertificatePair,
  type CertificatePair,
} from './certificate-pair.js';
import type { CertificateSource, TlsSettings } from './tls-settings.js';

/** What the HTTPS listener needs of the data plane's server. */
export interface SecureServer {
  secureApp(defaults: AppOptions, byServerName: ReadonlyArray<[string, AppOptions]>): TemplatedApp;
  listenApp(
    app: TemplatedApp,
    host: string,
    port: number,
    exclusive: boolean,
  ): Promise<us_listen_socket>;
  stopListening(socket: us_listen_socket): void;
  httpsPort: number | null;
}

/** One certificate as served now: the admin API and the expiry metric show these. */
export interface ServedCertificate {
  readonly certFile: string;
  readonly serverNames: readonly string[];
  readonly serial: string;
  readonly subject: string;
  readonly notAfter: Date;
}

/** A burst of file events (an editor or certbot writing several files) makes one rebuild. */
const SETTLE_MS = 100;

/**
 * The HTTPS listener: an SSL app with the default certificate and the SNI ones. A change of the
 * certificate files, or of `server.tls` on reload, builds a new app from the new files and lets
 * it take the port over (SO_REUSEPORT) before the old one stops accepting, so new connections
 * get the new certificate and open ones continue on the old app. Files that do not load leave
 * the app in force serving and are logged.
 */
export class HttpsListener {
  private settings: TlsSettings | null = null;
  private socket: us_listen_socket | null = null;
  private served: ServedCertificate[] = [];
  private watchers: FSWatcher[] = [];
  private settle: NodeJS.Timeout | null = null;
  private rebuilding: Promise<void> = Promise.resolve();
  /** uWS reads certificates from files: validated copies go here, and are deleted once read. */
  private readonly scratch = mkdtempSync(join(tmpdir(), 'gatewayd-tls-'));
  private host = '';
  port = 0;

  constructor(
    private readonly server: SecureServer,
    private readonly logger: Logger,
  ) {}

  /** Opens the port with `settings`' certificates; rejects when they do not load. */
  async start(settings: TlsSettings, host: string): Promise<number> {
    this.host = host;
    // uWS cannot share a port the kernel picked (SO_REUSEPORT needs an explicit bind), so 0 is
    // resolved here to a free port that later certificate swaps can share.
    this.port = settings.httpsPort === 0 ? await freePort(host) : settings.httpsPort;
    await this.swapIn(settings);
    this.watchFiles();
    return this.port;
  }

  /** A reload's settings: a listener is rebuilt only when they changed. */
  configure(settings: TlsSettings | null): void {
    if (settings === null || this.socket === null) return;
    if (settings.fingerprint === this.settings?.fingerprint) return;
    this.queueRebuild(settings, 'server.tls changed');
  }

  certificates(): readonly ServedCertificate[] {
    return this.served;
  }

  /** Waits for a rebuild under way (tests, shutdown). */
  settled(): Promise<void> {
    return this.rebuilding;
  }

  close(): void {
    if (this.settle) clearTimeout(this.settle);
    for (const w of this.watchers) w.close();
    this.watchers = [];
    if (this.socket) this.server.stopListening(this.socket);
    this.socket = null;
    rmSync(this.scratch, { recursive: true, force: true });
  }

  private queueRebuild(settings: TlsSettings, reason: string): void {
    this.rebuilding = this.rebuilding.then(async () => {
      try {
        await this.swapIn(settings);
        this.logger.info(
          {
            reason,
            certificates: this.served.map((c) => ({
              cert_file: c.certFile,
              serial: c.serial,
              not_after: c.notAfter.toISOString(),
            })),
          },
          'TLS certificates loaded',
        );
      } catch (err) {
        const why = err instanceof CertificateProblem ? err.message : String(err);
        this.logger.error(
          { reason, problem: why },
          'TLS certificates not reloaded; still serving the previous ones',
        );
      }
      this.watchFiles();
    });
  }

  /** Loads every pair, builds an app from them and moves the port onto it. */
  private async swapIn(settings: TlsSettings): Promise<void> {
    const pairs = settings.certificates.map((c) =>
      loadCertificatePair(c.certFile, c.keyFile, settings.passphrase),
    );
    const app = this.buildApp(settings, pairs);
    const socket = await this.server.listenApp(app, this.host, this.port, false);
    const previous = this.socket;
    this.socket = socket;
    if (previous) {
      // Closing a listener resets the connections still in its accept queue: one turn of the
      // event loop lets it accept those that queued while the new app was being built.
      await new Promise((resolve) => setImmediate(resolve));
      this.server.stopListening(previous);
    }
    this.port = nativeUws().us_socket_local_port(socket);
    this.server.httpsPort = this.port;
    this.settings = settings;
    this.served = pairs.map((pair, i) =>
      served(pair, settings.certificates[i] as CertificateSource),
    );
  }

  private buildApp(settings: TlsSettings, pairs: readonly CertificatePair[]): TemplatedApp {
    const written: string[] = [];
    const optionsOf = (pair: CertificatePair, i: number): AppOptions => {
      // Re-encrypted with a one-time passphrase: the key never lies on disk in clear.
      const passphrase = randomBytes(24).toString('base64url');
      const stem = join(this.scratch, `${Date.now()}-${i}`);
      writeFileSync(`${stem}-cert.pem`, pair.certPem, { mode: 0o600 });
      writeFileSync(
        `${stem}-key.pem`,
        pair.key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }),
        { mode: 0o600 },
      );
      written.push(`${stem}-cert.pem`, `${stem}-key.pem`);
      return {
        cert_file_name: `${stem}-cert.pem`,
        key_file_name: `${stem}-key.pem`,
        passphrase,
        ...(settings.ciphers === undefined ? {} : { ssl_ciphers: settings.ciphers }),
      };
    };
    try {
      const byName: Array<[string, AppOptions]> = [];
      settings.certificates.forEach((source, i) => {
        if (i === 0) return;
        const options = optionsOf(pairs[i] as CertificatePair, i);
        for (const name of source.serverNames) byName.push([name, options]);
      });
      return this.server.secureApp(optionsOf(pairs[0] as CertificatePair, 0), byName);
    } finally {
      for (const file of written) rmSync(file, { force: true });
    }
  }

  /** Watches each file's folder: renewals usually replace the file (rename, symlink swap). */
  private watchFiles(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    const settings = this.settings;
    if (settings === null) return;
    const byFolder = new Map<string, Set<string>>();
    for (const c of settings.certificates) {
      for (const file of [c.certFile, c.keyFile]) {
        const folder = dirname(file);
        byFolder.set(folder, (byFolder.get(folder) ?? new Set()).add(basename(file)));
      }
    }
    for (const [folder, names] of byFolder) {
      try {
        const watcher = watch(folder, (_event, changed) => {
          const name = changed?.toString() ?? null;
          if (name !== null && !names.has(name)) return;
          if (this.settle) clearTimeout(this.settle);
          this.settle = setTimeout(() => {
            this.settle = null;
            this.queueRebuild(settings, `certificate file changed: ${join(folder, name ?? '')}`);
          }, SETTLE_MS);
        });
        watcher.on('error', (err) =>
          this.logger.warn({ err, folder }, 'watching certificate files failed'),
        );
        this.watchers.push(watcher);
      } catch (err) {
        this.logger.warn({ err, folder }, 'cannot watch certificate files; renewals need a reload');
      }
    }
  }
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function served(pair: CertificatePair, source: CertificateSource): ServedCertificate {
  return {
    certFile: pair.certFile,
    serverNames: source.serverNames,
    serial: pair.serial,
    subject: pair.subject,
    notAfter: pair.notAfter,
  };
}
