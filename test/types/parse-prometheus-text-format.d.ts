declare module 'parse-prometheus-text-format' {
  export interface ParsedSample {
    labels?: Record<string, string>;
    value?: string;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }

  export interface ParsedFamily {
    name: string;
    help: string;
    /** Upper case: COUNTER, GAUGE, HISTOGRAM, SUMMARY, UNTYPED. */
    type: string;
    metrics: ParsedSample[];
  }

  /** Throws an InvalidLineError on a line the text format does not allow. */
  export default function parsePrometheusTextFormat(text: string): ParsedFamily[];
}
