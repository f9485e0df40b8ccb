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
