import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArrivalClock } from '../support/arrival-clock';
import { RunningReceiver, useReceiver } from '../support/receiver-fixture';
import { busiestSecond, expectSuccess, passes, seedOrders } from './reconcile-kit';

describe('reconciliation with two instances on one database', () => {
  // Both instances call the simulator through the arrival clock: the simulator runs in this busy
  // process, next to both instances, and would note a request's time late (see ArrivalClock).
  let clock: ArrivalClock;
  const options = ({ simulator }: { simulator: typeof first.simulator }) => ({
    tradecloudApi: { baseUrl: clock.url, ...simulator.credentials },
    reconcile: { interval: 'off' as const, shipments: false },
  });
  const first = useReceiver({
    label: 'reconcile_instances',
    simulator: true,
    before: async ({ simulator }) => {
      clock = await ArrivalClock.start(simulator.baseUrl);
    },
    options,
  });
  let second: RunningReceiver;
  let simulator: typeof first.simulator;

  beforeAll(async () => {
    simulator = first.simulator;
    second = await first.startAnother({ options: { ...options(first), database: { migrationsRun: false } as never } });
  });
  afterAll(async () => {
    await clock?.stop();
  });

  it('runs one pass at a time, and both together stay within 10 requests in any second', async () => {
    const ids = seedOrders(simulator, 'instances', 600, Date.now() - 3_600_000, 1);
    simulator.clearRequests();
    await clock.clear();
    // While the first instance polls, the second fetches orders for GET webhooks: one budget for both.
    const getWebhooks = Promise.all(
      ids.slice(0, 30).map(async (id) => {
        const response = await fetch(`${second.webhooks}/orders/${id}`, { headers: { authorization: second.authorization } });
        expect(response.status).toBe(202);
        return ((await response.json()) as { eventId: string }).eventId;
      }),
    );
    const [one, two] = await Promise.all([passes(first).run('orders'), passes(second).run('orders')]);
    expect([one.outcome, two.outcome].sort()).toEqual(['skipped', 'success']);
    expectSuccess(one.outcome === 'success' ? one : two);
    await second.waitForEvents(await getWebhooks, ['processed'], 60_000);

    const { rows } = await first.sql.query(`SELECT count(*)::int AS n FROM "${first.schema}".orders`);
    expect(rows[0].n).toBe(600);
    expect(simulator.requestsTo('order.poll')).toHaveLength(6);
    expect(simulator.requestsTo('order.get').length).toBeGreaterThanOrEqual(30);
    const arrivals = await clock.noted();
    expect(arrivals).toHaveLength(simulator.requests.length); // every request went through the clock
    expect(busiestSecond(arrivals.map((arrival) => arrival.at))).toBeLessThanOrEqual(10);
    // The check means something only when the budget was the limit: more requests than one second allows.
    expect(arrivals.length).toBeGreaterThan(30);
  });

  it('a pass waiting for the lock runs after the other one, never next to it', async () => {
    // From the first page a pass applied to its end: the two spans must not overlap.
    const spans: Array<[number, number]> = [];
    const run = async (receiver: RunningReceiver) => {
      let firstPage = 0;
      const result = await passes(receiver).run('orders', { waitForLock: true, onProgress: () => (firstPage ||= performance.now()) });
      spans.push([firstPage, performance.now()]);
      return result;
    };
    const [one, two] = await Promise.all([run(first), run(second)]);
    expectSuccess(one);
    expectSuccess(two);
    spans.sort((a, b) => a[0] - b[0]);
    expect(spans[0][0]).toBeGreaterThan(0);
    expect(spans[0][1]).toBeLessThanOrEqual(spans[1][0]);
  });
});
