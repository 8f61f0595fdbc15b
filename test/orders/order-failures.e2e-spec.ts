import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedPostgres } from '../../src/database/embedded/embedded-postgres';
import { findFreePort } from '../../src/database/embedded/process-utils';
import { OrderSnapshotMapper } from '../../src/orders/order-snapshot.mapper';
import { ReceiverApp, startReceiverApp } from '../support/receiver-app';
import { useReceiver, waitFor } from '../support/receiver-fixture';
import { sample } from '../support/samples';

describe('processing failures', () => {
  // A mapping bug, simulated by replacing the mapper: every attempt fails.
  const receiver = useReceiver({
    label: 'order_failures',
    options: { queue: { attempts: 3, retryDelaySeconds: 1 } },
    overrides: [{ provide: OrderSnapshotMapper, useValue: { map: () => { throw new Error('simulated mapping bug'); } } }],
  });

  it('records each failed attempt on the event, retries with back-off, and ends dead (kept for replay)', async () => {
    const response = await receiver.post('/orders', sample('post-order-event'));
    expect(response.status).toBe(202); // the event is safe: the bug is in processing
    const { eventId } = (await response.json()) as { eventId: string };

    const failed = await receiver.waitForEvents([eventId], ['failed']);
    expect(failed[0].status).toBe('failed');
    const [dead] = await receiver.waitForEvents([eventId], ['dead']);
    expect(dead.status).toBe('dead');
    const row = (await receiver.sql.query(`SELECT attempts, last_error, body IS NOT NULL AS kept FROM tradecloud.webhook_events WHERE id = $1`, [eventId])).rows[0];
    expect(row).toEqual({ attempts: 3, last_error: 'simulated mapping bug', kept: true });
    const orders = await receiver.sql.query(`SELECT count(*)::int AS n FROM tradecloud.orders`);
    expect(orders.rows[0].n).toBe(0);
  });
});

/** A PostgreSQL server of its own, because the test stops and starts it (the fault it simulates). */
describe('database outage', () => {
  let dataDir: string;
  let server: EmbeddedPostgres;
  let port: number;
  let receiver: ReceiverApp;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'tradecloud-outage-'));
    port = await findFreePort();
    server = new EmbeddedPostgres({ dataDir, port });
    await server.start();
    receiver = await startReceiverApp({ databaseUrl: server.url() });
  });
  afterAll(async () => {
    await receiver?.close().catch(() => undefined);
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After while PostgreSQL is down, and processes the redelivery once it is back', async () => {
    const body = sample('post-order-event');
    await server.stop();

    const during = await receiver.post('/orders', body);
    expect(during.status).toBe(503);
    expect(during.headers.get('retry-after')).toBe('5');
    expect(await during.json()).toMatchObject({ statusCode: 503, message: expect.stringContaining('database is unavailable') });

    server = new EmbeddedPostgres({ dataDir, port });
    await server.start();
    // As Tradecloud does: deliver again after a 5xx, until it is taken in.
    const after = await waitFor(
      async () => {
        const response = await receiver.post('/orders', body);
        expect(response.status).not.toBe(503);
        return response;
      },
      { interval: 250 },
    );
    expect(after.status).toBe(202);
    const { eventId } = (await after.json()) as { eventId: string };
    const [done] = await receiver.waitForEvents([eventId], ['processed']);
    expect(done.status).toBe('processed');
    const lines = await receiver.sql.query(`SELECT count(*)::int AS n FROM tradecloud.order_lines`);
    expect(lines.rows[0].n).toBe(2);
  });
});
