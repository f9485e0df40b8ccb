// Removes headers that tell the world what runs behind the gateway (Server, X-Powered-By, ...)
// from every response of the routes that use it. For a fixed list, the config's own
// server.hide_upstream_headers does this too; a plugin can decide per response (by status, by
// route, by caller).
import type { Plugin } from 'gatewayd';

interface ScrubberConfig {
  remove: string[];
}

const plugin: Plugin<ScrubberConfig> = {
  name: 'header-scrubber',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      remove: {
        type: 'array',
        minItems: 1,
        uniqueItems: true,
        items: { type: 'string', pattern: '^[A-Za-z0-9-]+$' },
        default: ['server', 'x-powered-by', 'x-aspnet-version'],
      },
    },
  },
  create(config) {
    const names = config.remove.map((name) => name.toLowerCase());
    return {
      response(res) {
        for (const name of names) res.removeHeader(name);
      },
    };
  },
};

export default plugin;
