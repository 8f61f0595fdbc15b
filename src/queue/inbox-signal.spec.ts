import { describe, expect, it, vi } from 'vitest';
import { FLOOD_FACTOR, FLOOD_REQUESTS, InboxSignal, PACE_MIN_BATCH } from './inbox-signal';

describe('InboxSignal', () => {
  it('a wait ends at the next notify', async () => {
    const signal = new InboxSignal();
    const waited = signal.wait(60_000);
    signal.notify();
    await expect(waited).resolves.toBeUndefined();
  });

  it('a notify that came after the mark was taken (while the worker looked for work) ends the wait at once', async () => {
    const signal = new InboxSignal();
    const mark = signal.mark;
    signal.notify(); // nobody waiting yet: without the mark this wake would be lost
    const started = Date.now();
    await signal.wait(60_000, undefined, mark);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('without a notify since the mark, the wait lasts until its timeout', async () => {
    const signal = new InboxSignal();
    const mark = signal.mark;
    let ended = false;
    const waited = signal.wait(20, undefined, mark).then(() => (ended = true));
    expect(ended).toBe(false);
    await waited;
    expect(ended).toBe(true);
  });

  it('a wait that starts after the stop ends at once', async () => {
    const signal = new InboxSignal();
    const stop = new AbortController();
    stop.abort();
    const started = Date.now();
    await signal.wait(60_000, stop.signal);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("is busy while any request is in flight; before the workers' pace is known, flooded from FLOOD_REQUESTS at once", () => {
    const signal = new InboxSignal();
    expect([signal.busy, signal.flooded]).toEqual([false, false]);
    signal.requestStarted();
    expect([signal.busy, signal.flooded]).toEqual([true, false]);
    for (let i = 1; i < FLOOD_REQUESTS; i++) signal.requestStarted();
    expect([signal.busy, signal.flooded]).toEqual([true, true]);
    signal.requestEnded();
    expect([signal.busy, signal.flooded]).toEqual([true, false]);
    for (let i = 0; i < FLOOD_REQUESTS + 3; i++) signal.requestEnded();
    expect([signal.busy, signal.flooded]).toEqual([false, false]);
  });

  it('is flooded while requests arrive much faster than the workers applied events in their full batches', () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      const signal = new InboxSignal();
      signal.batchApplied(PACE_MIN_BATCH - 1, 1, 2); // a trickle's batch says nothing
      for (let i = 0; i < FLOOD_REQUESTS; i++) signal.requestStarted();
      for (let i = 0; i < FLOOD_REQUESTS; i++) signal.requestEnded();
      signal.batchApplied(32, 320, 2); // 2 loops × 32 events in 320 ms: 200 events a second
      const arrive = (count: number, overMs: number) => {
        for (let i = 0; i < count; i++) {
          signal.requestStarted();
          signal.requestEnded();
          vi.advanceTimersByTime(overMs / count);
        }
      };
      arrive(150, 1_000); // 150 a second: the workers keep up
      expect(signal.arrivalRate()).toBeLessThan(200);
      expect(signal.flooded).toBe(false);
      arrive(350, 1_000); // 350 a second: faster than they apply, but not twice: full batches let the queue grow slowly
      expect(signal.arrivalRate()).toBeGreaterThan(200);
      expect(signal.arrivalRate()).toBeLessThan(FLOOD_FACTOR * 200);
      expect(signal.flooded).toBe(false);
      arrive(450, 1_000); // 450 a second: the queue grows whatever they do
      expect(signal.arrivalRate()).toBeGreaterThan(FLOOD_FACTOR * 200);
      expect(signal.flooded).toBe(true);
      vi.advanceTimersByTime(1_250); // a quiet second
      expect(signal.arrivalRate()).toBe(0);
      expect(signal.flooded).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});
