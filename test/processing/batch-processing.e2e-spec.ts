import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OrderSnapshotMapper } from '../../src/orders/order-snapshot.mapper';
import { LOCK_NAMESPACES } from '../../src/processing/entity-locks';
import { EventProcessor } from '../../src/processing/event-processor.service';
import { orderEventStream, seededRandom, shuffle } from '../orders/order-stream';
import { deadlockCount } from '../support/deadlock-count';
import { FixtureDatabase, RunningReceiver, startReceiver, useDatabase, waitFor } from '../support/receiver-fixture';
import { sample } from '../support/samples';
import { shipmentEventStream } from '../shipments/shipment-stream';
import { orderTablesState } from '../support/table-state';

/**
 * Batch processing (issue 15): a worker applies up to `queue.batchSize` events in one transaction,
 * resolving versions in memory and writing each table once. These tests store a backlog with a
 * receiver that only receives (`workers: false`), then let workers drain it, and compare the
 * result with the same backlog applied one event at a time (`batchSize: 1`, one worker).
 */

/**
 * A shuffled stream of order events with repeats (the same version under a new message id), a
 * documents event, and versions of shipments (lines removed, listed again, moved to another
 * purchase order line; documents refreshed) whose lines deliver the orders' lines, in between.
 */
function mixedStream(seed: number): unknown[] {
  const random = seededRandom(seed);
  const orders = orderEventStream({ orders: 10, eventsPerOrder: 5, linesPerOrder: 6, seed });
  const repeats = orders.filter(() => random() < 0.2).map((event) => {
    const copy = structuredClone(event) as { orderEvent: { meta: { messageId: string } } };
    copy.orderEvent.meta.messageId = `${copy.orderEvent.meta.messageId.slice(0, -4)}beef`;
    return copy;
  });
  const documents = sample('post-order-documents-event');
  documents.orderDocumentsEvent.orderId = (orders[0] as { orderEvent: { orderId: string } }).orderEvent.orderId;
  const shipments = shipmentEventStream({ shipments: 4, versions: 5, lines: 8, seed });
  return shuffle([...orders, ...repeats, documents, ...shipments], random);
}

type ReceiverApp = RunningReceiver;

/**
 * Receivers of these tests download no documents: a download finishes whenever it does, and the
 * tables compared here (documents included) must depend only on the events applied.
 */
const start = (database: FixtureDatabase, options: Parameters<typeof startReceiver>[0]) =>
  startReceiver(
    options.setup === 'standalone'
      ? { ...options, env: { DOCUMENTS_DOWNLOAD: 'false', ...(options.env as Record<string, string>) } }
      : { ...options, options: { documents: { download: false }, ...(options.options as object) } },
    { database, simulator: undefined as never },
  );

async function storeBacklog(database: FixtureDatabase, bodies: unknown[]): Promise<string[]> {
  const intake = await start(database, { options: { queue: { workers: false } } });
  try {
    const ids: string[] = [];
    for (const body of bodies) {
      const path = 'shipment' in (body as object) ? '/shipments' : 'orderDocumentsEvent' in (body as object) ? '/order-documents' : '/orders';
      const response = await intake.post(path, body);
      expect(response.status, await response.clone().text()).toBe(202);
      ids.push(((await response.json()) as { eventId: string }).eventId);
    }
    return ids;
  } finally {
    await intake.close();
  }
}

async function drain(database: FixtureDatabase, eventIds: string[], queue: { batchSize: number; concurrency: number }, instances = 1): Promise<ReceiverApp[]> {
  const workers = await Promise.all(Array.from({ length: instances }, () => start(database, { options: { queue } })));
  try {
    await workers[0].waitForEvents(eventIds, ['processed', 'stale', 'dead'], 60_000);
  } catch (error) {
    const { rows } = await workers[0].sql.query(`SELECT DISTINCT left(last_error, 500) AS e FROM tradecloud.webhook_events WHERE last_error IS NOT NULL LIMIT 3`);
    throw new Error(`${(error as Error).message.slice(0, 300)}; errors: ${rows.map((row) => row.e).join(' | ')}`);
  }
  return workers;
}

/** The `changes` log in order, each row with the message id of its event, without ids and times. */
async function changeLog(receiver: ReceiverApp): Promise<string[]> {
  const { rows } = await receiver.sql.query<{ r: string }>(
    `SELECT jsonb_build_object('entity', c.entity, 'type', c.change_type, 'order', c.order_id, 'line', c.line_id,
              'shipment', c.shipment_id, 'previous', c.previous_last_updated_at, 'at', c.last_updated_at, 'diff', c.diff,
              'message', e.message_id, 'endpoint', e.endpoint)::text AS r
       FROM tradecloud.changes c LEFT JOIN tradecloud.webhook_events e ON e.id = c.event_id
      ORDER BY c.id`,
  );
  return rows.map((row) => row.r);
}

async function eventOutcomes(receiver: ReceiverApp): Promise<string[]> {
  const { rows } = await receiver.sql.query<{ r: string }>(
    `SELECT jsonb_build_object('message', message_id, 'endpoint', endpoint, 'status', status, 'outcome', outcome)::text AS r
       FROM tradecloud.webhook_events ORDER BY id`,
  );
  return rows.map((row) => row.r);
}

describe('batch processing gives exactly the result of one event at a time', () => {
  const databases = [useDatabase('batch_equivalence'), useDatabase('batch_equivalence_single')];
  const receivers: ReceiverApp[] = [];
  let batched: { tables: unknown; changes: string[]; outcomes: string[]; transactions: number; events: number };
  let single: { tables: unknown; changes: string[]; outcomes: string[] };

  beforeAll(async () => {
    const bodies = mixedStream(15);
    const run = async (database: FixtureDatabase, queue: { batchSize: number; concurrency: number }) => {
      const ids = await storeBacklog(database, bodies);
      const [worker] = await drain(database, ids, queue);
      receivers.push(worker);
      // Events of one transaction share `processed_at` (the transaction's start time).
      const batches = await worker.sql.query<{ transactions: number; events: number }>(
        `SELECT count(DISTINCT processed_at)::int AS transactions, count(*)::int AS events FROM tradecloud.webhook_events`,
      );
      return {
        tables: await orderTablesState(worker.sql, 'tradecloud'),
        changes: await changeLog(worker),
        outcomes: await eventOutcomes(worker),
        ...batches.rows[0],
      };
    };
    batched = await run(databases[0], { batchSize: 64, concurrency: 1 });
    single = await run(databases[1], { batchSize: 1, concurrency: 1 });
  });
  afterAll(async () => {
    for (const receiver of receivers) await receiver.close();
  });

  it('applies the backlog in few transactions (batches really happened)', () => {
    expect(batched.events).toBeGreaterThan(60);
    expect(batched.transactions).toBeLessThan(batched.events / 4);
  });

  it('writes the same rows', () => {
    expect(batched.tables).toEqual(single.tables);
  });

  it('writes the same change rows, one per version, in the same order, with the same diffs', () => {
    expect(batched.changes.length).toBeGreaterThan(100);
    expect(batched.changes).toEqual(single.changes);
  });

  it('gives every event the same status and outcome', () => {
    expect(batched.outcomes.some((outcome) => outcome.includes('"status": "stale"'))).toBe(true);
    expect(batched.outcomes).toEqual(single.outcomes);
  });
});

describe('one bad event never fails its batch', () => {
  const database = useDatabase('batch_poison');
  let worker: ReceiverApp;
  const poisonOrderId = 'dddddddd-0000-4000-8000-00000000000d';

  afterAll(async () => {
    await worker?.close();
  });

  it('fails the poison event alone; the other events of its batch are processed', async () => {
    const bodies = orderEventStream({ orders: 8, eventsPerOrder: 2, linesPerOrder: 3, seed: 7 });
    const poison = structuredClone(bodies[5]) as { orderEvent: { orderId: string; buyerOrder: { purchaseOrderNumber: string }; meta: { messageId: string } } };
    poison.orderEvent.orderId = poisonOrderId;
    poison.orderEvent.meta.messageId = 'poison-message';
    poison.orderEvent.buyerOrder.purchaseOrderNumber = 'PO-POISON';
    bodies.splice(5, 0, poison);
    const ids = await storeBacklog(database, bodies);
    // A mapping bug that only shows in the database: a quantity PostgreSQL refuses, for one order.
    const real = new OrderSnapshotMapper();
    const buggy = Object.assign(Object.create(OrderSnapshotMapper.prototype), {
      map: (...args: Parameters<OrderSnapshotMapper['map']>) => {
        const snapshot = real.map(...args);
        if (snapshot.header.orderId === poisonOrderId) snapshot.lines[0].openQuantity = 'not a number';
        return snapshot;
      },
    });
    worker = await start(database, {
      options: { queue: { batchSize: 64, concurrency: 1, attempts: 1 } },
      overrides: [{ provide: OrderSnapshotMapper, useValue: buggy }],
    });
    const done = await worker.waitForEvents(ids, ['processed', 'stale', 'dead'], 60_000);
    const byId = new Map(done.map((row) => [row.id, row.status]));
    const poisonId = ids[5];
    expect(byId.get(poisonId)).toBe('dead');
    expect(ids.filter((id) => id !== poisonId).map((id) => byId.get(id))).toEqual(ids.filter((id) => id !== poisonId).map(() => 'processed'));
    const { rows } = await worker.sql.query(`SELECT last_error FROM tradecloud.webhook_events WHERE id = $1`, [poisonId]);
    expect(rows[0].last_error).toMatch(/numeric|invalid input/i);
    // Nothing of the poison event was written; everything of the others was.
    const orders = await worker.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM tradecloud.orders WHERE order_id = $1`, [poisonOrderId]);
    expect(orders.rows[0].n).toBe(0);
    const others = await worker.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM tradecloud.orders`);
    expect(others.rows[0].n).toBe(8);
    // The others went through together, after the failed batch was written again one event at a time.
    const transactions = await worker.sql.query<{ n: number }>(
      `SELECT count(DISTINCT processed_at)::int AS n FROM tradecloud.webhook_events WHERE status = 'processed'`,
    );
    expect(transactions.rows[0].n).toBeLessThan(ids.length - 1);
  });
});

describe('a claim leaves the events of an order that another batch of this instance is writing', () => {
  const database = useDatabase('batch_in_flight');
  let receiver: ReceiverApp | undefined;

  afterAll(async () => {
    await receiver?.close();
  });

  it('applies the other events meanwhile, and that order’s next event after the batch', async () => {
    const [a1, a2, b1, , c1] = orderEventStream({ orders: 3, eventsPerOrder: 2, linesPerOrder: 2, seed: 11 }) as Array<{ orderEvent: { orderId: string } }>;
    const [idA1, idB1, idA2, idC1] = await storeBacklog(database, [a1, b1, a2, c1]);
    receiver = await start(database, { options: { queue: { workers: false } } });
    const processor = receiver.app!.get(EventProcessor);
    const status = async () =>
      Object.fromEntries(
        (await receiver!.q<{ id: string; status: string }>(`SELECT id::text, status FROM S.webhook_events WHERE id = ANY($1::bigint[])`, [[idA1, idB1, idA2, idC1]])).map((row) => [row.id, row.status]),
      );

    // Another transaction holds order A's lock: the batch that claims A's first event waits for it.
    const holder = await receiver.sql.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_NAMESPACES.order, a1.orderEvent.orderId]);
      const first = processor.processBatch(1);
      await vi.waitFor(async () => {
        const { rows } = await holder.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`);
        expect(rows[0].n).toBe(1);
      });

      // The next claim skips A's second event (it would only wait behind the first batch) and applies B and C.
      let second: number | undefined;
      void processor.processBatch(10).then((claimed) => (second = claimed));
      await vi.waitFor(() => expect(second).toBe(2), { timeout: 10_000 });
      expect(await status()).toEqual({ [idA1]: 'pending', [idB1]: 'processed', [idA2]: 'pending', [idC1]: 'processed' });

      await holder.query('COMMIT');
      expect(await first).toBe(1);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      holder.release();
    }
    expect(await processor.processBatch(10)).toBe(1);
    expect(await status()).toEqual({ [idA1]: 'processed', [idB1]: 'processed', [idA2]: 'processed', [idC1]: 'processed' });
    const [order] = await receiver.q<{ version: number }>(`SELECT version FROM S.orders WHERE order_id = $1`, [a1.orderEvent.orderId]);
    expect(order.version).toBe(2);
  });
});

describe('two instances drain a shared backlog of overlapping orders', () => {
  const database = useDatabase('batch_two_instances');
  const reference = useDatabase('batch_two_reference');
  const workers: ReceiverApp[] = [];

  afterAll(async () => {
    for (const worker of workers) await worker.close();
  });

  it('ends with the one-at-a-time tables, with no deadlock and nothing applied twice', async () => {
    const bodies = orderEventStream({ orders: 6, eventsPerOrder: 12, linesPerOrder: 4, seed: 21 });
    const ids = await storeBacklog(database, bodies);
    const referenceIds = await storeBacklog(reference, bodies);
    const started = await drain(database, ids, { batchSize: 8, concurrency: 4 }, 2);
    workers.push(...started);
    const [expected] = await drain(reference, referenceIds, { batchSize: 1, concurrency: 1 });
    workers.push(expected);
    // Every event processed, so every transaction that could have deadlocked has ended and the
    // count is complete (see deadlockCount); the database is this test's own, created empty.
    expect(await deadlockCount(started[0].sql)).toBe(0);
    expect(await orderTablesState(started[0].sql, 'tradecloud')).toEqual(await orderTablesState(expected.sql, 'tradecloud'));
    // Each version is applied once: no (entity, version) twice in the change log.
    const { rows } = await started[0].sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM tradecloud.changes GROUP BY entity, order_id, line_id, last_updated_at HAVING count(*) > 1) twice`,
    );
    expect(rows[0].n).toBe(0);
    const failed = await started[0].sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM tradecloud.webhook_events WHERE attempts > 1 OR status NOT IN ('processed', 'stale')`);
    expect(failed.rows[0].n).toBe(0);
  });
});

describe('a worker killed (SIGKILL) in the middle of a batch', () => {
  const database = useDatabase('batch_crash');
  const reference = useDatabase('batch_crash_reference');
  const apps: ReceiverApp[] = [];
  let standalone: RunningReceiver | undefined;

  afterAll(async () => {
    await standalone?.close().catch(() => undefined);
    for (const app of apps) await app.close();
  });

  it('loses nothing and applies nothing twice: the batch rolls back and its events are claimed again at once', async () => {
    const bodies = orderEventStream({ orders: 24, eventsPerOrder: 6, linesPerOrder: 5, seed: 33 });
    const ids = await storeBacklog(database, bodies);
    const referenceIds = await storeBacklog(reference, bodies);
    const [expected] = await drain(reference, referenceIds, { batchSize: 1, concurrency: 1 });
    apps.push(expected);

    standalone = await start(database, { setup: 'standalone', env: { QUEUE_BATCH_SIZE: '64', QUEUE_CONCURRENCY: '2' } });
    const sql = database.sql;
    {
      const settled = async () =>
        (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM tradecloud.webhook_events WHERE status IN ('processed', 'stale')`)).rows[0].n;
      // Killed as soon as the first batches are in: the next ones are being written.
      await waitFor(async () => expect(await settled()).toBeGreaterThan(0), { interval: 5 });
      await standalone.process!.stop('SIGKILL');
      const atKill = await settled();
      expect(atKill).toBeLessThan(ids.length);

      const [worker] = await drain(database, ids, { batchSize: 64, concurrency: 2 });
      apps.push(worker);
      expect(await orderTablesState(worker.sql, 'tradecloud')).toEqual(await orderTablesState(expected.sql, 'tradecloud'));
      // Each event was applied in exactly one committed attempt; each version has one change row.
      const attempts = await worker.sql.query<{ attempts: number; n: number }>(
        `SELECT attempts, count(*)::int AS n FROM tradecloud.webhook_events GROUP BY attempts ORDER BY attempts`,
      );
      expect(attempts.rows).toEqual([{ attempts: 1, n: ids.length }]);
      const twice = await worker.sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (SELECT 1 FROM tradecloud.changes GROUP BY entity, order_id, line_id, last_updated_at HAVING count(*) > 1) twice`,
      );
      expect(twice.rows[0].n).toBe(0);
    }
  });
});

describe('claims hold at most queue.batchBodyBytes of bodies at once', () => {
  const database = useDatabase('batch_body_budget');
  const BUDGET = 65_536;
  let receiver: ReceiverApp | undefined;

  afterAll(async () => {
    await receiver?.close();
  });

  it('claims the events that fit, a larger one alone, and nothing while another batch holds the budget', async () => {
    // One order of 60 lines (larger than the budget), then eleven small orders.
    const [large] = orderEventStream({ orders: 1, eventsPerOrder: 1, linesPerOrder: 60, seed: 21 }) as Array<{ orderEvent: { orderId: string } }>;
    const small = orderEventStream({ orders: 11, eventsPerOrder: 1, linesPerOrder: 3, seed: 22 });
    const ids = await storeBacklog(database, [large, ...small]);
    receiver = await start(database, { options: { queue: { workers: false, batchBodyBytes: BUDGET } } });
    const processor = receiver.app!.get(EventProcessor);
    const sizes = await receiver.q<{ id: string; size: number; sent: number }>(
      `SELECT id::text, body_size AS size, octet_length(body::text) AS sent FROM S.webhook_events WHERE id = ANY($1::bigint[]) ORDER BY available_at, id`,
      [ids],
    );
    expect(sizes.map((row) => row.id)).toEqual(ids);
    // Intake keeps the length of the body it received (jsonb prints it with other spacing).
    for (const row of sizes) expect(row.size).toBeGreaterThan(0.8 * row.sent);
    expect(sizes[0].size).toBeGreaterThan(BUDGET);
    const smallSizes = sizes.slice(1).map((row) => row.size);
    expect(smallSizes.reduce((sum, size) => sum + size, 0)).toBeGreaterThan(BUDGET);
    const status = async () => (await receiver!.q<{ status: string }>(`SELECT status FROM S.webhook_events ORDER BY available_at, id`)).map((row) => row.status);

    // The large order's first batch waits for its lock (held here) with its body claimed: the
    // budget is taken, and a second claim gets nothing.
    const holder = await receiver.sql.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_NAMESPACES.order, large.orderEvent.orderId]);
      const first = processor.processBatch(32);
      await vi.waitFor(async () => {
        const { rows } = await holder.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`);
        expect(rows[0].n).toBe(1);
      });
      expect(await processor.processBatch(32)).toBe(0);
      await holder.query('COMMIT');
      expect(await first).toBe(1);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      holder.release();
    }
    expect(await status()).toEqual(['processed', ...smallSizes.map(() => 'pending')]);

    // Then the small ones, as many at a time as fit in the budget, in arrival order.
    let next = 0;
    while (next < smallSizes.length) {
      let fitting = 0;
      for (let total = 0; next + fitting < smallSizes.length && total + smallSizes[next + fitting] <= BUDGET; fitting++) total += smallSizes[next + fitting];
      expect(fitting).toBeGreaterThan(1);
      expect(await processor.processBatch(32)).toBe(fitting);
      next += fitting;
    }
    expect(await status()).toEqual(sizes.map(() => 'processed'));
  });
});
