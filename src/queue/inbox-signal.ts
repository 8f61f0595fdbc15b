import { Injectable } from '@nestjs/common';

/** Requests in flight at once from which intake counts as flooded while the workers' pace is unknown. */
export const FLOOD_REQUESTS = 8;

/** The window over which webhook requests are counted for their arrival rate (a second: the count is the rate). */
const ARRIVAL_WINDOW_MS = 1_000;
const ARRIVAL_SLOTS = 4;

/**
 * How much faster than the workers' pace requests must arrive before intake counts as flooded.
 * Just above the pace, full batches let the queue grow slowly; held back (small batches and a
 * rest) the workers apply a fraction of what arrives, and the lag grows many times faster. The
 * pace is measured while intake is busy too, so on a slow spell of the machine it is well below
 * what the workers can do: with the threshold at the pace itself, a machine 20 % slower than
 * usual turned a lag p99 of 1 s at 200 requests a second into 25 s (bench/ANALYSIS.md, the lag
 * cliff). Twice the pace leaves the workers their full batches at any rate they can nearly keep
 * up with; a flood of requests at twice what they apply grows the queue whatever they do, and
 * answering fast is what is left.
 */
export const FLOOD_FACTOR = 2;

/** Batches of fewer events say little about the workers' pace (a trickle is shared out one by one). */
export const PACE_MIN_BATCH = 8;

/**
 * Tells this instance's event workers that the inbox has new work (an event was stored, an event
 * was queued again). Intake signals after its INSERT has committed; the workers wait on it while
 * idle, with the polling interval as the fallback for events stored by other instances. It also
 * weighs intake against processing for the workers (`flooded`).
 */
@Injectable()
export class InboxSignal {
  private readonly waiters = new Set<() => void>();
  private requests = 0;
  private notifications = 0;
  /** Requests started per slot of the arrival window, and the slot the last one fell in. */
  private readonly arrivals = new Array<number>(ARRIVAL_SLOTS).fill(0);
  private arrivalSlot = 0;
  /** Events a second the workers applied in their last full batches (smoothed), 0 while unknown. */
  private pace = 0;
  /** The absolute slot number `arrivalSlot` stands for. */
  private slotAt = 0;

  /**
   * Webhook requests this instance is answering right now. While there are any, the workers yield
   * between batches: intake and processing share one event loop (issue 15: the workers never
   * starve intake).
   */
  get busy(): boolean {
    return this.requests > 0;
  }

  /**
   * Whether webhook requests arrive much faster than the workers can apply their events (the
   * arrival rate of the last second against {@link FLOOD_FACTOR} times the workers' pace in their
   * last full batches). Then the queue grows whatever the workers do, and intake comes first: the
   * workers take small batches and rest between them, so that requests are answered fast, and
   * catch up when the flood is over. When requests arrive slower, or only a little faster, the
   * workers keep full batches: that is what keeps the lag short.
   * While the pace is not known yet, {@link FLOOD_REQUESTS} in flight at once count as a flood.
   */
  get flooded(): boolean {
    if (!this.pace) return this.requests >= FLOOD_REQUESTS;
    return this.arrivalRate() > FLOOD_FACTOR * this.pace;
  }

  /** Requests started in the last second (the current slot counted in full). */
  arrivalRate(): number {
    this.advance(performance.now());
    return this.arrivals.reduce((sum, count) => sum + count, 0);
  }

  /**
   * The workers' report of a batch: `events` applied in `ms` by one of `loops` loops. Batches of
   * fewer than {@link PACE_MIN_BATCH} events are left out.
   */
  batchApplied(events: number, ms: number, loops: number): void {
    if (events < PACE_MIN_BATCH || ms <= 0) return;
    const pace = (events * loops * 1_000) / ms;
    this.pace = this.pace ? 0.7 * this.pace + 0.3 * pace : pace;
  }

  requestStarted(): void {
    this.requests++;
    this.advance(performance.now());
    this.arrivals[this.arrivalSlot]++;
  }

  /** Moves the window to `now`, emptying the slots it passed. */
  private advance(now: number): void {
    const slot = Math.floor(now / (ARRIVAL_WINDOW_MS / ARRIVAL_SLOTS));
    const passed = Math.min(ARRIVAL_SLOTS, slot - this.slotAt);
    for (let i = 1; i <= passed; i++) this.arrivals[(this.arrivalSlot + i) % ARRIVAL_SLOTS] = 0;
    if (passed > 0) {
      this.arrivalSlot = (this.arrivalSlot + passed) % ARRIVAL_SLOTS;
      this.slotAt = slot;
    }
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
