import type { ChannelPolicy } from './hub-settings.js';
import { compileChannelPattern, type ChannelMatcher } from './channel-pattern.js';

/** Resolved names kept; beyond this the cache starts over (names are client-chosen). */
const CACHE_LIMIT = 10_000;

/**
 * Which policy governs a channel: the entry of its exact name, else the first pattern entry
 * (in config order) that matches it, else `default`. A pattern subscription is governed by
 * the entry of the pattern itself, else `default`; it receives a channel's messages only when
 * that channel is governed by the same policy, so a wildcard never reaches past the ACL it
 * was checked against. Lookups of concrete names are cached.
 */
export class ChannelPolicies {
  private readonly cache = new Map<string, ChannelPolicy>();

  constructor(
    private readonly exact: ReadonlyMap<string, ChannelPolicy>,
    private readonly patterns: ReadonlyArray<{ matches: ChannelMatcher; policy: ChannelPolicy }>,
    readonly fallback: ChannelPolicy,
  ) {}

  static from(policies: readonly ChannelPolicy[], fallback: ChannelPolicy): ChannelPolicies {
    const exact = new Map<string, ChannelPolicy>();
    const patterns: Array<{ matches: ChannelMatcher; policy: ChannelPolicy }> = [];
    for (const policy of policies) {
      exact.set(policy.key, policy);
      if (policy.key.includes('*')) {
        patterns.push({ matches: compileChannelPattern(policy.key), policy });
      }
    }
    return new ChannelPolicies(exact, patterns, fallback);
  }

  /** The policy of a concrete channel. */
  forChannel(channel: string): ChannelPolicy {
    const cached = this.cache.get(channel);
    if (cached !== undefined) return cached;
    let policy = this.exact.get(channel);
    if (policy === undefined) {
      policy = this.patterns.find((p) => p.matches(channel))?.policy ?? this.fallback;
    }
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(channel, policy);
    return policy;
  }

  /** The policy of a pattern subscription. */
  forPattern(pattern: string): ChannelPolicy {
    return this.exact.get(pattern) ?? this.fallback;
  }

  /** The policy a subscription (channel or pattern) is checked against. */
  forSubscription(name: string, pattern: boolean): ChannelPolicy {
    return pattern ? this.forPattern(name) : this.forChannel(name);
  }
}
