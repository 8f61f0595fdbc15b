import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseExact } from '../../src/changes/lossless-json';
import { OrderSnapshotMapper } from '../../src/orders/order-snapshot.mapper';
import { useReceiver } from '../support/receiver-fixture';
import { buildOrderEvent, stableUuid } from '../support/tradecloud-simulator';

/**
 * Issue 15, item 4: a 5,000-line order and 500 small events arriving together, on the standalone
 * receiver as its own process, so that the resident memory sampled is the receiver's alone. The
 * large order's lines and schedules are written from its stored jsonb inside PostgreSQL (R8) and
 * the intake keeps one copy of a body at a time; the receiver must stay under 300 MB throughout.
 * The test waits for every event to be processed and checks the rows; it measures no time.
 */

const MEMORY_LIMIT_BYTES = 300 * 1024 * 1024;
const LARGE_ORDER_ID = stableUuid('large-order-memory', 1);

/** `VmRSS` and `VmHWM` (peak since start or since the last reset) of a Linux process, in bytes. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** Samples a process's memory until stopped; its peak counts VmHWM too where it can be reset (a spike between samples). */
function sampleMemory(pid: number): { stop: () => { peakBytes: number; samples: number } } {
  let peakUsable = true;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5'); // VmHWM starts again from the current RSS
  } catch {
    peakUsable = false;
  }
  let peakBytes = 0;
  let samples = 0;
  const sample = () => {
    const memory = memoryOf(pid);
    peakBytes = Math.max(peakBytes, memory.rss, peakUsable ? memory.peak : 0);
    samples++;
  };
  sample();
  const timer = setInterval(sample, 20);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return { peakBytes, samples };
    },
  };
}

/** Runs `work` over the items with at most `limit` at a time. */
async function inParallel<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]);
      }
    }),
  );
  return results;
}

describe.runIf(process.platform === 'linux')('a 5,000-line order and 500 small events at once', () => {
  const receiver = useReceiver({ setup: 'standalone', label: 'large_order_memory', env: { DOCUMENTS_DOWNLOAD: 'false' } });

  it('processes all of them with the receiver under 300 MB of resident memory', { timeout: 300_000 }, async () => {
    const large = JSON.stringify(buildOrderEvent({ orderId: LARGE_ORDER_ID, lineCount: 5_000, scheduleEntries: 3, seed: 15 }));
    const small = Array.from({ length: 500 }, (_, i) =>
      JSON.stringify(
        buildOrderEvent({
          orderId: stableUuid('large-order-memory-small', i % 50),
          lineCount: 10,
          seed: i,
          lastUpdatedAt: new Date(Date.UTC(2025, 5, 12, 9, 0, Math.floor(i / 50))).toISOString(),
          messageId: stableUuid('large-order-memory-message', i),
        }),
      ),
    );
    const pid = receiver.process!.child.pid!;
    const post = async (body: string) => {
      const response = await receiver.post('/orders', body);
      expect(response.status, await response.clone().text()).toBe(202);
      return ((await response.json()) as { eventId: string }).eventId;
    };

    const memory = sampleMemory(pid);
    // The large order goes first and the small events follow while it is being received and processed.
    const [largeId, smallIds] = await Promise.all([post(large), inParallel(small, 16, post)]);
    const events = await receiver.waitForEvents([largeId, ...smallIds], ['processed', 'stale', 'dead'], 240_000);
    const { peakBytes, samples } = memory.stop();

    expect(events.filter((event) => event.status === 'dead')).toEqual([]);
    expect(events.find((event) => event.id === largeId)?.status).toBe('processed');
    const expected = new OrderSnapshotMapper().map((parseExact(large) as { orderEvent: Record<string, unknown> }).orderEvent, 'deliverySchedule');
    const [counts] = await receiver.q<{ lines: number; schedules: number }>(
      `SELECT (SELECT count(*)::int FROM S.order_lines WHERE order_id = $1) AS lines,
              (SELECT count(*)::int FROM S.delivery_lines WHERE order_id = $1) AS schedules`,
      [LARGE_ORDER_ID],
    );
    expect(counts).toEqual({ lines: 5_000, schedules: expected.lines.reduce((sum, line) => sum + line.deliveryLines.length, 0) });
    expect(samples).toBeGreaterThan(10);
    expect(peakBytes, `peak resident memory ${(peakBytes / 1024 / 1024).toFixed(0)} MB`).toBeLessThan(MEMORY_LIMIT_BYTES);
  });
});
