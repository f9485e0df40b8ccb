import type { HrTime } from '@opentelemetry/api';
import { addHrTimes, millisToHrTime } from '@opentelemetry/core';

/**
 * Span times on one clock: every span starts at a performance.now() reading given as epoch
 * milliseconds (performance.timeOrigin + reading), which the SDK turns into an HrTime without
 * mixing in Date.now(); a number costs no allocation on requests that are not sampled.
 */
export function spanStart(startedAt: number): number {
  return performance.timeOrigin + startedAt;
}

/**
 * The end of a span started at `spanStart(startedAt)` that lasted `durationMs`: the start as the
 * SDK converts it plus the duration, so the span lasts the measured duration to the nanosecond.
 */
export function spanEnd(startedAt: number, durationMs: number): HrTime {
  return addHrTimes(millisToHrTime(spanStart(startedAt)), millisToHrTime(durationMs));
}

/**
 * The end of a child span that started at `startedAt` and ended at `endedAt`, never after its
 * parent (started at `parentStartedAt`) ends at the same reading or later: each start is rounded
 * to the SDK's resolution on its own, so the earlier of the two conversions is taken.
 */
export function childSpanEnd(parentStartedAt: number, startedAt: number, endedAt: number): HrTime {
  const own = spanEnd(startedAt, endedAt - startedAt);
  const parents = spanEnd(parentStartedAt, endedAt - parentStartedAt);
  return own[0] < parents[0] || (own[0] === parents[0] && own[1] <= parents[1]) ? own : parents;
}
