import type { Exchange } from '../data-plane/exchange.js';
import { createAccessLog } from './access-log.js';
import type { Logger } from './logger.js';
import type { Telemetry } from './telemetry.js';
import type { UsageRecorder } from './usage-recorder.js';
import type { UsageAnalytics } from './usage-analytics.js';

/** What the table in force says about recording finished requests. */
export interface RecordingSettings {
  accessLog: boolean;
  recordsUsage: boolean;
  /** Usage per route and caller over hours, days and months; null when usage is not recorded. */
  analytics: UsageAnalytics | null;
}

/**
 * Records every finished exchange. Its duration is measured once, here, and that one figure goes
 * to the metrics, the span, the access log and the usage table, so no two of them can disagree
 * on how long a request took.
 */
export function createRequestObserver(
  logger: Logger,
  telemetry: Telemetry,
  usage: UsageRecorder,
  settings: () => RecordingSettings | null,
): (ex: Exchange) => void {
  const accessLog = createAccessLog(logger);
  const unmatched = telemetry.metrics?.unmatched.requests() ?? null;
  const tracer = telemetry.tracer;
  return function observeFinished(ex) {
    const durationMs = (ex.responseEndedAt || performance.now()) - ex.startedAt;
    if (unmatched !== null) {
      (ex.metrics ?? ex.route?.metrics ?? unmatched).record(ex, ex.reportedStatus, durationMs);
    }
    tracer?.finish(ex, durationMs);
    const s = settings();
    if (s === null) return;
    if (s.accessLog) accessLog(ex, durationMs);
    // Usage is read through the admin API and usage routes only: without them, nothing is recorded.
    if (s.recordsUsage) usage.record(ex, durationMs);
    s.analytics?.record(ex);
  };
}
