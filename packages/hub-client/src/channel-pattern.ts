/**
 * Whether a channel receives messages of a subscription: the same name, or a pattern whose
 * `*` segments stand for one segment each and whose trailing `**` for one or more (as the hub
 * matches them).
 */
export function channelMatches(subscription: string, channel: string): boolean {
  if (subscription === channel) return true;
  if (!subscription.includes('*')) return false;
  const segments = subscription.split('.');
  const rest = segments.at(-1) === '**';
  if (rest) segments.pop();
  const parts = channel.split('.');
  if (rest ? parts.length <= segments.length : parts.length !== segments.length) return false;
  return segments.every((s, i) => s === '*' || s === parts[i]);
}

export function isPattern(name: string): boolean {
  return name.includes('*');
}
