import { sample } from '../support/samples';

/** A deterministic pseudo-random generator (mulberry32), so a failing stream can be reproduced. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/**
 * A stream of `orderEvent` bodies for several orders, in the order Tradecloud produced them:
 * each event bumps the order's `lastUpdatedAt` and carries only the lines it changed, each with
 * its own newer `lastUpdatedAt`, new prices and statuses, and about half the time a new current
 * schedule (quantities with decimals, dates); otherwise the line's schedule of its last event, so
 * that versions whose schedule rows are those stored already come in every order too.
 */
export function orderEventStream(options: { orders: number; eventsPerOrder: number; linesPerOrder: number; seed: number }) {
  const random = seededRandom(options.seed);
  const template = sample('post-order-event');
  const events: Array<Record<string, unknown>> = [];
  for (let o = 0; o < options.orders; o++) {
    const orderId = uuidFrom(random);
    const lineIds = Array.from({ length: options.linesPerOrder }, () => uuidFrom(random));
    const base = Date.UTC(2025, 5, 1, 8, 0, 0) + o * 1000;
    const schedules = new Map<string, unknown[]>();
    for (let e = 0; e < options.eventsPerOrder; e++) {
      const at = new Date(base + (e + 1) * 60_000).toISOString();
      const touched = e === 0 ? lineIds : lineIds.filter(() => random() < 0.4);
      const event = structuredClone(template);
      const body = event.orderEvent;
      body.orderId = orderId;
      body.version = e + 1;
      body.buyerOrder.purchaseOrderNumber = `PO-${o}`;
      body.meta.messageId = uuidFrom(random);
      body.lastUpdatedAt = at;
      body.status.processStatus = ['Issued', 'InProgress', 'Confirmed'][e % 3];
      body.lines = touched.map((id) => {
        const index = lineIds.indexOf(id);
        const line = structuredClone(template.orderEvent.lines[0]);
        line.id = id;
        line.buyerLine.position = String((index + 1) * 10).padStart(4, '0');
        const kept = schedules.get(id);
        if (kept && random() < 0.5) {
          line.deliverySchedule = structuredClone(kept);
        } else {
          const quantity = Number((random() * 1000).toFixed(3));
          const day = 1 + Math.floor(random() * 28);
          line.deliverySchedule = [
            { position: '1', date: `2025-08-${String(day).padStart(2, '0')}`, quantity, status: 'Open' },
            ...(random() < 0.5 ? [{ position: '2', date: '2025-09-01', quantity: 1.5, status: 'Open' }] : []),
          ];
          schedules.set(id, structuredClone(line.deliverySchedule));
        }
        line.prices.netPrice.priceInTransactionCurrency.value = Number((random() * 100).toFixed(2));
        line.status.processStatus = ['Issued', 'InProgress', 'Confirmed'][Math.floor(random() * 3)];
        line.lastUpdatedAt = at;
        return line;
      });
      events.push(event);
    }
  }
  return events;
}

function uuidFrom(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

