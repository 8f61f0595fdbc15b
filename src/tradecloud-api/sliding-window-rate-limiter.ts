import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Extra spacing on top of the one-second window: the server sees our requests later, and with
 * jitter (a new connection's handshake, a busy event loop on either side), than we send them,
 * and Tradecloud counts on its side. 25 ms proved too little under load: requests sent 1 s apart
 * arrived bunched up, 12 in one second.
 */
const SERVER_CLOCK_MARGIN_MS = 200;

/**
 * Lets at most `perSecond` requests start in any window of one second (sliding, not per calendar
 * second: a token bucket would allow twice the rate across a bucket refill). Waiters are served
 * in arrival order.
 */
export class SlidingWindowRateLimiter {
  private readonly starts: number[] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly perSecond: number,
    private readonly windowMs = 1000 + SERVER_CLOCK_MARGIN_MS,
  ) {}

  /** Resolves when one more request may start, and counts that request. */
  acquire(): Promise<void> {
    const turn = this.queue.then(() => this.waitForSlot());
    this.queue = turn;
    return turn;
  }

  private async waitForSlot(): Promise<void> {
    for (;;) {
      const now = performance.now();
      while (this.starts.length > 0 && now - this.starts[0] >= this.windowMs) this.starts.shift();
      if (this.starts.length < this.perSecond) {
        this.starts.push(now);
        return;
      }
      await sleep(Math.max(1, this.starts[0] + this.windowMs - now));
    }
  }
}
