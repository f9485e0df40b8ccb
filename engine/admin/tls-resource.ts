import type { AdminRequest, AdminResource } from './admin-http.js';

/**
 * The HTTPS listener's certificates as served now (after any renewal):
 *
 *   GET /admin/tls/certificates   each certificate's file, SNI names, serial, subject and expiry
 */
export const tlsResource: AdminResource = [['GET', '/admin/tls/certificates', listCertificates]];

async function listCertificates({ ctx }: AdminRequest) {
  const now = Date.now();
  return {
    status: 200,
    body: {
      https_port: ctx.httpsPort(),
      certificates: ctx.certificates().map((c) => ({
        cert_file: c.certFile,
        server_names: c.serverNames.length === 0 ? null : c.serverNames,
        default: c.serverNames.length === 0,
        serial: c.serial,
        subject: c.subject,
        not_after: c.notAfter.toISOString(),
        expires_in_seconds: Math.floor((c.notAfter.getTime() - now) / 1000),
      })),
    },
  };
}
