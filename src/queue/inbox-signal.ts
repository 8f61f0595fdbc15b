import { Injectable } from '@nestjs/common';

/**
 * Tells this instance's event workers that the inbox has new work (an event was stored, an event
 * was queued again). Intake signals after its INSERT has committed; the workers wait on it while
 * idle, with the polling interval as the fallback for events stored by other instances.
 */
@Injectable()
export class InboxSignal {
  private readonly waiters = new Set<() => void>();
  private requests = 0;

  /**
   * Webhook requests this instance is answering right now. While there are any, the workers take
   * small batches and yield between them: intake and processing share one event loop, and a
   * request waiting behind a large batch's parsing would be answered late (issue 15: the workers
   * never starve intake).
   */
  get busy(): boolean {
    return this.requests > 0;
  }

  requestStarted(): void {
    this.requests++;
  }

  requestEnded(): void {
    this.requests = Math.max(0, this.requests - 1);
  }

  notify(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves at the next `notify()`, after `timeoutMs`, or when `stop` is aborted, whichever comes first. */
  wait(timeoutMs: number, stop?: AbortSignal): Promise<void> {
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
