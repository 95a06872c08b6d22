/**
 * Latency percentiles for the load and bench reports, from an HDR histogram
 * (hdr-histogram-js): values are recorded in microseconds with 3 significant digits, so
 * a percentile is exact to 0.1% whatever the spread, without sorting every sample.
 */
import * as hdr from "hdr-histogram-js";

/** A histogram of latencies given in milliseconds (fractions kept to the microsecond). */
export class LatencyHistogram {
  private readonly histogram = hdr.build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3, autoResize: true });

  constructor(values: Iterable<number> = []) {
    for (const ms of values) this.record(ms);
  }

  record(ms: number): void {
    this.histogram.recordValue(Math.max(0, Math.round(ms * 1000)));
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  /** The latency (ms, to 0.01) at or below which `p` percent (0-100) of the values are; 0 when empty. */
  at(p: number): number {
    if (this.histogram.totalCount === 0) return 0;
    return Math.round(this.histogram.getValueAtPercentile(p) / 10) / 100;
  }
}

/** The `p`th percentile (0-100; 100 is the maximum) of `values` in ms; 0 when there are none. */
export function percentile(values: Iterable<number>, p: number): number {
  return new LatencyHistogram(values).at(p);
}
