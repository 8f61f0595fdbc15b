import { HttpStatus, Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { RESOLVED_TRADECLOUD_OPTIONS, ResolvedTradecloudOptions } from '../options/resolved-options';

/** A request waited longer than `webhooks.bodyWaitSeconds` for room to read its body: answered 503, Tradecloud delivers again. */
export class BodyBudgetWaitError extends ServiceUnavailableException {
  constructor() {
    super({
      statusCode: HttpStatus.SERVICE_UNAVAILABLE,
      error: 'Service Unavailable',
      message: 'The receiver is reading other large bodies; please deliver again later.',
    });
  }
}

interface Waiter {
  bytes: number;
  grant: () => void;
}

/**
 * The request bodies this instance reads and holds at once, by their declared length
 * (`webhooks.concurrentBodyBytes`). A body is held from before its first byte is read until its
 * event is stored: the text, its parsed tree (several times the text) and the INSERT's copy. A
 * request that would go over the budget waits with its body unread (TCP holds the sender back)
 * until earlier ones are stored; one larger than the whole budget is read when nothing else is
 * held. Small events are never held back in practice (a 16 MiB budget holds 700 ten-line order
 * events at once); concurrent 5,000-line orders (12 MB each) are read one after the other instead
 * of all at once, so memory stays bounded whatever the sender's concurrency. A wait longer than
 * `webhooks.bodyWaitSeconds` is answered 503, which Tradecloud retries.
 */
@Injectable()
export class IntakeBodyBudget {
  private held = 0;
  private readonly waiters: Waiter[] = [];
  private readonly limit: number;
  private readonly waitMs: number;

  constructor(@Inject(RESOLVED_TRADECLOUD_OPTIONS) options: ResolvedTradecloudOptions) {
    this.limit = options.webhooks.concurrentBodyBytes;
    this.waitMs = options.webhooks.bodyWaitSeconds * 1000;
  }

  /** Requests waiting for room to read their bodies. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Bytes of the bodies being read or stored now. */
  get heldBytes(): number {
    return this.held;
  }

  /**
   * Resolves, once `bytes` fit, with the function that gives them back (call it once the event is
   * stored or refused; more calls do nothing); rejects with {@link BodyBudgetWaitError} after the wait.
   */
  reserve(bytes: number): Promise<() => void> {
    if (this.fits(bytes)) return Promise.resolve(this.take(bytes));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        bytes,
        grant: () => {
          clearTimeout(timer);
          resolve(this.take(bytes));
        },
      };
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(new BodyBudgetWaitError());
      }, this.waitMs);
      this.waiters.push(waiter);
    });
  }

  private fits(bytes: number): boolean {
    return this.held === 0 || this.held + bytes <= this.limit;
  }

  private take(bytes: number): () => void {
    this.held += bytes;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.held -= bytes;
      // In arrival order, every waiter that fits now (a small one may pass a large one that does not).
      for (let i = 0; i < this.waiters.length; ) {
        const waiter = this.waiters[i];
        if (!this.fits(waiter.bytes)) {
          i++;
          continue;
        }
        this.waiters.splice(i, 1);
        waiter.grant();
      }
    };
  }
}
