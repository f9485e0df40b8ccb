/**
 * Channel names are dot-separated segments. A pattern has `*` segments (exactly one segment
 * each) and may end in `**` (one or more segments): `instance.status.*` matches
 * `instance.status.changed`, `instance.**` matches `instance.a` and `instance.a.b`.
 */
export type ChannelMatcher = (channel: string) => boolean;

/** A concrete name or a pattern: segments of letters, digits and `_:@-`, or `*` / trailing `**`. */
const NAME = /^([A-Za-z0-9_:@-]+|\*)(\.([A-Za-z0-9_:@-]+|\*))*(\.\*\*)?$|^\*\*$/;
const MAX_NAME_LENGTH = 200;

export function isValidChannelName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && NAME.test(name);
}

export function isChannelPattern(name: string): boolean {
  return name === '*' || name === '**' || name.startsWith('*.') || name.includes('.*');
}

/** The matcher of a valid pattern; built once, when the pattern is first used. */
export function compileChannelPattern(pattern: string): ChannelMatcher {
  const segments = pattern.split('.');
  const rest = segments.at(-1) === '**';
  if (rest) segments.pop();
  const fixed = segments.length;
  return function matchesChannel(channel) {
    const parts = channel.split('.');
    if (rest ? parts.length <= fixed : parts.length !== fixed) return false;
    for (let i = 0; i < fixed; i++) {
      const s = segments[i];
      if (s !== '*' && s !== parts[i]) return false;
    }
    return true;
  };
}
