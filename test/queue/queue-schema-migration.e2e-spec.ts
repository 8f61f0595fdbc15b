import { readFileSync } from 'node:fs';
import path from 'node:path';
import PgBoss from 'pg-boss';
import { beforeAll, describe, expect, it } from 'vitest';
import { TRADECLOUD_MIGRATIONS } from '../../src';
import { TradecloudDataSource, tradecloudDataSourceOptions } from '../../src/database/tradecloud-data-source';
import { MoveJobQueueToOwnSchema1765000016001 } from '../../migrations/1765000016001-MoveJobQueueToOwnSchema';
import { startReceiverApp } from '../support/receiver-app';
import { sample } from '../support/samples';
import { useDatabase } from '../support/receiver-fixture';
import { withClient } from '../support/test-database';

/** The processing queue of receivers before the inbox became the queue (migration InboxQueue). */
const PROCESS_EVENT_QUEUE = 'tradecloud-process-event';

const tablesIn = (url: string, schema: string) =>
  withClient(url, (client) => client.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`, [schema])).then(
    (result) => result.rows.map((row) => row.table_name as string),
  );

/**
 * A database of the previous layout (pg-boss's tables in the receiver's schema) with events
 * waiting for their jobs: the migration moves the queue to `tradecloud_queue`, and the jobs
 * created before it are processed after it.
 */
describe('moving the job queue to its own schema', () => {
  const database = useDatabase('queue_schema_move');
  const eventIds: string[] = [];

  beforeAll(async () => {
    // The layout before: every migration up to (not including) the move.
    const before = TRADECLOUD_MIGRATIONS.filter((migration) => migration !== MoveJobQueueToOwnSchema1765000016001);
    const dataSource = await new TradecloudDataSource({ ...tradecloudDataSourceOptions({ url: database.url, schema: 'tradecloud' }), migrations: before }).initialize();
    try {
      await dataSource.runMigrations({ transaction: 'each' });
      // Webhook events stored, each with its processing job, by a receiver of the old layout.
      const boss = new PgBoss({ connectionString: database.url, schema: 'tradecloud', migrate: false, supervise: false, schedule: false });
      boss.on('error', () => undefined);
      await boss.start();
      try {
        await boss.createQueue(PROCESS_EVENT_QUEUE, { name: PROCESS_EVENT_QUEUE, retryLimit: 7, retryDelay: 2, retryBackoff: true });
        for (const [index, orderId] of ['aaaaaaaa-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000002'].entries()) {
          const body = sample('post-order-event');
          body.orderEvent.orderId = orderId;
          const [row] = (await dataSource.query(
            `INSERT INTO tradecloud.webhook_events (endpoint, payload_kind, event_name, entity_id, message_id, dedupe_key, body)
             VALUES ('orders', 'orderEvent', $1, $2, $3, $4, $5::jsonb) RETURNING id::text AS id`,
            [body.eventName, orderId, `before-move-${index}`, `orders:before-move-${index}`, JSON.stringify(body)],
          )) as Array<{ id: string }>;
          eventIds.push(row.id);
          await boss.send(PROCESS_EVENT_QUEUE, { eventId: row.id });
        }
      } finally {
        await boss.stop({ graceful: false, wait: true });
      }
    } finally {
      await dataSource.destroy();
    }
    expect(await tablesIn(database.url, 'tradecloud')).toEqual(expect.arrayContaining(['job', 'queue', 'version']));
  });

  it('moves the queue at start, processes the jobs created before, and leaves only the receiver tables in its schema', async () => {
    const receiver = await startReceiverApp({ databaseUrl: database.url });
    try {
      const done = await receiver.waitForEvents(eventIds, ['processed']);
      expect(done.map((row) => row.status)).toEqual(['processed', 'processed']);
      const orders = await receiver.sql.query(`SELECT order_id FROM tradecloud.orders ORDER BY order_id`);
      expect(orders.rows.map((row) => row.order_id)).toEqual(['aaaaaaaa-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000002']);
      // New events use the moved queue too.
      const fresh = sample('post-order-event');
      const response = await receiver.post('/orders', fresh);
      expect(response.status).toBe(202);
      await receiver.waitForEvents([((await response.json()) as { eventId: string }).eventId], ['processed']);
    } finally {
      await receiver.close();
    }
    // Exactly the tables and views the README lists (its "Connecting with psql" section).
    const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
    const listed = [...readme.matchAll(/^- (?:tables|views): (.+)$/gm)].flatMap((match) => [...match[1].matchAll(/`([a-z_]+)`/g)].map((name) => name[1]));
    expect(listed.length).toBeGreaterThan(10);
    expect(await tablesIn(database.url, 'tradecloud')).toEqual(listed.sort());
    expect(await tablesIn(database.url, 'tradecloud_queue')).toEqual(expect.arrayContaining(['archive', 'job', 'queue', 'schedule', 'subscription', 'version']));
  });

  it('starts on a receiver schema created again beside the kept queue schema (the new, empty queue is dropped)', async () => {
    await withClient(database.url, (client) => client.query('DROP SCHEMA tradecloud CASCADE'));
    const receiver = await startReceiverApp({ databaseUrl: database.url });
    try {
      const response = await receiver.post('/orders', sample('post-order-event'));
      expect(response.status).toBe(202);
      await receiver.waitForEvents([((await response.json()) as { eventId: string }).eventId], ['processed']);
    } finally {
      await receiver.close();
    }
    expect(await tablesIn(database.url, 'tradecloud')).not.toContain('job');
  });
});
