import { Injectable } from '@nestjs/common';

/**
 * Tells this instance's event workers that the inbox has new work (an event was stored, an event
 * was queued again). Intake signals after its INSERT has committed; the workers wait on it while
 * idle, with the polling interval as the fallback for events stored by other instances.
 */
/** Requests in flight at once from which intake counts as flooded (see `InboxSignal.flooded`). */
export const FLOOD_REQUESTS = 8;

@Injectable()
export class InboxSignal {
  private readonly waiters = new Set<() => void>();
  private requests = 0;
  private notifications = 0;

  /**
   * Webhook requests this instance is answering right now. While there are any, the workers yield
   * between batches: intake and processing share one event loop (issue 15: the workers never
   * starve intake).
   */
  get busy(): boolean {
    return this.requests > 0;
  }

  /**
   * Whether requests arrive faster than they are answered (a flood: {@link FLOOD_REQUESTS} or more
   * in flight at once). Then the workers take small batches, so that intake keeps the CPU it needs
   * and a request never waits long behind a batch's parsing and mapping. A steady stream keeps
   * fewer in flight, and the workers keep their large batches, which is what lets them keep up.
   */
  get flooded(): boolean {
    return this.requests >= FLOOD_REQUESTS;
  }

  requestStarted(): void {
    this.requests++;
  }

  requestEnded(): void {
    this.requests = Math.max(0, this.requests - 1);
  }

  notify(): void {
    this.notifications++;
    for (const wake of [...this.waiters]) wake();
  }

  /**
   * A mark of the notifications so far. A worker takes it before it looks for work and passes it
   * to `wait`: a notification that came while it was looking (its claim may have started before
   * the new event's INSERT committed, and so not seen it) then ends the wait at once instead of
   * being lost until the polling interval.
   */
  get mark(): number {
    return this.notifications;
  }

  /**
   * Resolves at the next `notify()` (at once if there was one since `since`, a `mark`), after
   * `timeoutMs`, or when `stop` is aborted, whichever comes first.
   */
  wait(timeoutMs: number, stop?: AbortSignal, since?: number): Promise<void> {
    // Stopped while the worker was looking for work: the abort event has fired already.
    if (stop?.aborted || (since !== undefined && since !== this.notifications)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        stop?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
      stop?.addEventListener('abort', done, { once: true });
    });
  }
}
