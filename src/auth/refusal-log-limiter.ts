/**
 * Bounds the warnings logged for refused webhook calls, per caller address. A refusal is worth a
 * line (a wrong password after a rotation must be visible), but a caller hammering the endpoint
 * with bad credentials would otherwise write one line per request and flood the logs (and the
 * disk). Each address gets a burst of `burst` lines, refilled at `perSecond`; refusals beyond
 * that are counted, and the next line logged for that address says how many were left out.
 */
export class RefusalLogLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedMs: number; suppressed: number }>();

  constructor(
    private readonly burst = 50,
    private readonly perSecond = 1,
    private readonly maxAddresses = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Whether to log a refusal from `address` now. When it returns a line, log that line (the
   * message plus, if any, how many refusals from the address were not logged since the last one).
   */
  admit(address: string, message: string): string | undefined {
    const now = this.now();
    let bucket = this.buckets.get(address);
    if (!bucket) {
      // Many addresses (a distributed attempt) must not grow the map without bound.
      if (this.buckets.size >= this.maxAddresses) this.buckets.delete(this.buckets.keys().next().value!);
      bucket = { tokens: this.burst, updatedMs: now, suppressed: 0 };
      this.buckets.set(address, bucket);
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updatedMs) / 1000) * this.perSecond);
    bucket.updatedMs = now;
    if (bucket.tokens < 1) {
      bucket.suppressed++;
      return undefined;
    }
    bucket.tokens--;
    const suppressed = bucket.suppressed;
    bucket.suppressed = 0;
    return suppressed ? `${message} (${suppressed} more refusal(s) from this address were not logged)` : message;
  }
}
