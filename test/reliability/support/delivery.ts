import { waitFor } from '../../support/wait';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeliveryPolicy, DeliveryResult, deliverWebhook, WebhookAuth } from '../../support/tradecloud-simulator';
import { TEST_BASIC_PASSWORD, TEST_BASIC_USER } from '../../support/receiver-app';

export const TEST_AUTH: WebhookAuth = { basic: { username: TEST_BASIC_USER, password: TEST_BASIC_PASSWORD } };

/** Every answer of every call, counted by status. */
export class AnswerTally {
  readonly byStatus = new Map<string, number>();
  calls = 0;

  add(statuses: Array<number | undefined>): void {
    for (const status of statuses) {
      this.calls++;
      const key = status === undefined ? 'none' : String(status);
      this.byStatus.set(key, (this.byStatus.get(key) ?? 0) + 1);
    }
  }

  count(predicate: (status: number) => boolean): number {
    let total = 0;
    for (const [key, value] of this.byStatus) if (key !== 'none' && predicate(Number(key))) total += value;
    return total;
  }

  get ok(): number {
    return this.count((status) => status >= 200 && status < 300);
  }
  get clientErrors(): number {
    return this.count((status) => status >= 400 && status < 500);
  }
  get serverErrors(): number {
    return this.count((status) => status >= 500);
  }
  get noAnswer(): number {
    return this.byStatus.get('none') ?? 0;
  }

  /** `202: 950, 200: 50, 503: 12` */
  describe(): string {
    return [...this.byStatus.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => `${key === 'none' ? 'no answer' : key}: ${value}`)
      .join(', ');
  }

  standard() {
    return { sent: this.calls, answered2xx: this.ok, answered4xx: this.clientErrors, answered5xx: this.serverErrors, noAnswer: this.noAnswer };
  }
}

export interface Delivery<T> {
  item: T;
  result: DeliveryResult;
  /** The `eventId` of a 2xx answer. */
  eventId?: string;
  /** From the first call to the last answer (retries and back-off included), in milliseconds. */
  elapsedMs: number;
}

/**
 * Delivers every item from `clients` concurrent senders, each delivery as Tradecloud makes it
 * (retrying answers above 500 and connection failures with back-off). Results keep the items' order.
 */
export async function deliverAll<T extends { path: string; body: unknown }>(
  baseUrl: string,
  items: T[],
  options: { clients: number; tally: AnswerTally; policy?: DeliveryPolicy; auth?: WebhookAuth; onDelivered?: (delivery: Delivery<T>) => void },
): Promise<Array<Delivery<T>>> {
  const results: Array<Delivery<T>> = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(options.clients, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        const item = items[index];
        const startedAt = performance.now();
        const result = await deliverWebhook(`${baseUrl}${item.path}`, item.body, {
          auth: options.auth ?? TEST_AUTH,
          timeoutMs: 30_000,
          ...options.policy,
        });
        options.tally.add(result.statuses);
        const delivery: Delivery<T> = { item, result, eventId: eventIdOf(result), elapsedMs: performance.now() - startedAt };
        results[index] = delivery;
        options.onDelivered?.(delivery);
      }
    }),
  );
  return results;
}

/** The `p`-th percentile (0–100) of the deliveries' answer times, in milliseconds (nearest rank). */
export function answerTimePercentile(deliveries: Array<{ elapsedMs: number }>, p: number): number {
  const sorted = deliveries.map((delivery) => delivery.elapsedMs).sort((a, b) => a - b);
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function eventIdOf(result: DeliveryResult): string | undefined {
  if (result.outcome !== 'delivered') return undefined;
  try {
    return String((JSON.parse(result.last.body) as { eventId?: unknown }).eventId ?? '') || undefined;
  } catch {
    return undefined;
  }
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitUntil<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, intervalMs = 200): Promise<T> {
  try {
    return await waitFor(
      async () => {
        const value = await check();
        if (value === undefined) throw new Error(`still waiting for ${what}`);
        return value;
      },
      { timeout: timeoutMs, interval: intervalMs },
    );
  } catch (error) {
    throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what} (last error: ${(error as Error).message})`);
  }
}
