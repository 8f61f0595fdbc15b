import { Injectable } from '@nestjs/common';

/**
 * Tells this instance's event workers that the inbox has new work (an event was stored, an event
 * was queued again). Intake signals after its INSERT has committed; the workers wait on it while
 * idle, with the polling interval as the fallback for events stored by other instances.
 */
@Injectable()
export class InboxSignal {
  private readonly waiters = new Set<() => void>();

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
