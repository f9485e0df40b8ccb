import type { Cluster, Redis } from 'ioredis';
import { isCluster } from './redis-connection.js';

/**
 * Reads and deletes over many keys that work on one server and on a Cluster alike. A Cluster
 * refuses a multi-key command whose keys sit in different slots (CROSSSLOT), and its SCAN sees one
 * node only, so these split the work per key (auto-pipelined by the cluster client) and scan
 * every master.
 */

/** Every key matching `match`, on every master of a Cluster. */
export async function scanKeys(client: Redis | Cluster, match: string): Promise<string[]> {
  const nodes = isCluster(client) ? client.nodes('master') : [client];
  const keys: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', match, 'COUNT', 500);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
  }
  return keys;
}

/** GET of each key, in order (null for a missing one). */
export function getEach(
  client: Redis | Cluster,
  keys: readonly string[],
): Promise<(string | null)[]> {
  if (keys.length === 0) return Promise.resolve([]);
  if (!isCluster(client)) return client.mget(...keys);
  return Promise.all(keys.map((key) => client.get(key)));
}

/** DEL of each key; resolves with how many existed. */
export async function deleteEach(
  client: Redis | Cluster,
  keys: readonly string[],
): Promise<number> {
  if (keys.length === 0) return 0;
  if (!isCluster(client)) return client.del(...keys);
  const counts = await Promise.all(keys.map((key) => client.del(key)));
  return counts.reduce((sum, n) => sum + n, 0);
}
