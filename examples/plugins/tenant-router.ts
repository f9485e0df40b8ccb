// Routes by tenant: reads the tenant the client names in a header, and tells the upstream which
// backend pool (or schema, or shard) serves it in a header the client cannot set itself.
import type { Plugin } from 'gatewayd';

interface TenantConfig {
  /** The client's header naming the tenant. */
  tenant_header: string;
  /** The header the upstream reads. */
  target_header: string;
  /** Tenant -> the value sent upstream. */
  tenants: Record<string, string>;
  /** For tenants not listed; without it they are refused with 403. */
  default?: string;
}

const plugin: Plugin<TenantConfig> = {
  name: 'tenant-router',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['tenants'],
    properties: {
      tenant_header: { type: 'string', pattern: '^[A-Za-z0-9-]+$', default: 'x-tenant-id' },
      target_header: { type: 'string', pattern: '^[A-Za-z0-9-]+$', default: 'x-tenant-pool' },
      tenants: {
        type: 'object',
        minProperties: 1,
        additionalProperties: { type: 'string', minLength: 1 },
      },
      default: { type: 'string', minLength: 1 },
    },
  },
  create(config) {
    const tenants = new Map(Object.entries(config.tenants));
    const tenantHeader = config.tenant_header.toLowerCase();
    const targetHeader = config.target_header.toLowerCase();
    return {
      request(req) {
        const tenant = req.header(tenantHeader);
        const target = (tenant === undefined ? undefined : tenants.get(tenant)) ?? config.default;
        if (target === undefined) {
          return {
            status: 403,
            body: { error: 'UNKNOWN_TENANT', message: `no tenant ${JSON.stringify(tenant ?? '')}` },
          };
        }
        // Replaces whatever the client sent under this name.
        req.setHeader(targetHeader, target);
        return undefined;
      },
    };
  },
};

export default plugin;
