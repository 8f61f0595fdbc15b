import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReceiverApp, startReceiverApp } from '../support/receiver-app';
import { useDatabase } from '../support/receiver-fixture';
import { buildOrderEvent, buildShipmentEvent } from '../support/tradecloud-simulator';
import { exactlyOnce, dataState, waitForQuiet } from './support/checks';
import { AnswerTally, deliverAll } from './support/delivery';
import { recordEnvironment, scenario } from './support/report';
import { SIZES_FOR_SCALE } from './support/scale';

const { copies } = SIZES_FOR_SCALE.duplicates;

/** The `changes` log without ids, times and event ids: what was applied. */
async function appliedChanges(sql: Pool, schema: string): Promise<string[]> {
  const { rows } = await sql.query<{ r: string }>(
    `SELECT concat_ws(' ', entity, change_type, order_id, line_id, shipment_id, last_updated_at, diff::text) AS r
       FROM "${schema}".changes ORDER BY 1`,
  );
  return rows.map((row) => row.r);
}

describe('reliability: duplicates', () => {
  const database = useDatabase('rel_duplicates');
  let receiver: ReceiverApp;
  let once: ReceiverApp;

  beforeAll(async () => {
    receiver = await startReceiverApp({ databaseUrl: database.url, schema: 'tc_duplicates', options: { queue: { concurrency: 8 } } });
    once = await startReceiverApp({ databaseUrl: database.url, schema: 'tc_once', options: { queue: { concurrency: 1 } } });
    await recordEnvironment(receiver.sql);
  });
  afterAll(async () => {
    await receiver?.close();
    await once?.close();
  });

  it(`the same event ${copies} times at once is stored once and applied once`, () =>
    scenario(
      {
        id: 'duplicates',
        order: 1,
        title: 'Duplicates',
        checks: [
          `each variant's ${copies} copies are sent at the same moment from ${copies} concurrent clients; every copy is answered 2xx (one 202, the rest 200 "duplicate" when the copies share an idempotency key)`,
          'one `webhook_events` row per idempotency key, ending `processed`',
          'the data tables equal, row for row, those of a receiver that got the event once, and so does the `changes` log (one `created` row per entity, nothing recorded twice)',
          'variants: order event with `meta.messageId`; shipment event; order event without any message id (the body hash is the key); the same content under ' +
            `${copies} different message ids (a resend from the portal: ${copies} events, each processed, the data applied once)`,
        ],
      },
      async (recorder) => {
        const tally = new AnswerTally();
        const variants = [
          { name: 'order event', path: '/orders' as const, body: buildOrderEvent({ seed: 11, lineCount: 4, headerDocuments: 1, messageId: 'dup-order-1' }), keys: 1 },
          { name: 'shipment event', path: '/shipments' as const, body: buildShipmentEvent({ seed: 12, lineCount: 3, documentCount: 1, messageId: 'dup-shipment-1' }), keys: 1 },
          { name: 'order event without message id', path: '/orders' as const, body: withoutMessageIds(buildOrderEvent({ seed: 13, lineCount: 3 })), keys: 1 },
          { name: 'same content, new message ids', path: '/orders' as const, body: buildOrderEvent({ seed: 14, lineCount: 5, headerDocuments: 2 }), keys: copies },
        ];
        recorder.size = `${variants.length} variants × ${copies} concurrent copies`;
        let sentEvents = 0;
        let storedEvents = 0;
        for (const variant of variants) {
          const bodies = Array.from({ length: copies }, (_, i) => {
            if (variant.keys === 1) return { path: variant.path, body: variant.body };
            const body = structuredClone(variant.body) as ReturnType<typeof buildOrderEvent>;
            body.orderEvent.meta.messageId = `resend-${i}`;
            return { path: variant.path, body };
          });
          const before = (await receiver.sql.query(`SELECT count(*)::int AS n FROM tc_duplicates.webhook_events`)).rows[0].n;
          const variantTally = new AnswerTally();
          const deliveries = await deliverAll(receiver.webhooks, bodies, { clients: copies, tally: variantTally, policy: { maxAttempts: 1 } });
          for (const [status, n] of variantTally.byStatus) for (let i = 0; i < n; i++) tally.add([status === 'none' ? undefined : Number(status)]);
          sentEvents += copies;
          const statuses = deliveries.map((delivery) => delivery.result.last.status);
          recorder.detail(`${variant.name}: answers`, variantTally.describe());
          expect(statuses.every((status) => status === 200 || status === 202), variantTally.describe()).toBe(true);
          expect(statuses.filter((status) => status === 202)).toHaveLength(variant.keys);
          expect(new Set(deliveries.map((delivery) => delivery.eventId)).size).toBe(variant.keys);

          // The same event once, on its own, for comparison.
          const reference = await once.post(variant.path, bodies[0].body);
          expect(reference.status).toBe(202);
          await waitForQuiet(receiver.sql, 'tc_duplicates', 60_000);
          await waitForQuiet(once.sql, 'tc_once', 60_000);
          const stored = (await receiver.sql.query(`SELECT count(*)::int AS n FROM tc_duplicates.webhook_events`)).rows[0].n - before;
          storedEvents += stored;
          expect(stored).toBe(variant.keys);
        }
        const messageIds = ['dup-order-1', 'dup-shipment-1', ...Array.from({ length: copies }, (_, i) => `resend-${i}`)];
        const check = await exactlyOnce(receiver.sql, 'tc_duplicates', messageIds);
        const hashed = (await receiver.sql.query(`SELECT status FROM tc_duplicates.webhook_events WHERE message_id IS NULL`)).rows;
        const processed = check.processed + hashed.filter((row) => row.status === 'processed').length;
        // Of the resent copies, whichever was processed first wrote its own message id into the header JSON.
        const state = anyResend(await dataState(receiver.sql, 'tc_duplicates'));
        const expected = anyResend(await dataState(once.sql, 'tc_once'));
        const changes = await appliedChanges(receiver.sql, 'tc_duplicates');
        const expectedChanges = await appliedChanges(once.sql, 'tc_once');
        const extraChanges = changes.length - expectedChanges.length;
        recorder.set({ ...tally.standard(), processed, lost: storedEvents - processed, appliedTwice: check.appliedTwice + Math.max(0, extraChanges) });
        recorder.detail('copies sent', sentEvents);
        recorder.detail('events stored (distinct idempotency keys)', storedEvents);
        recorder.detail('events processed', processed);
        recorder.detail('data rows (orders, lines, schedules, documents, shipments, shipment lines)', Object.values(state).flat().length);
        recorder.detail('`changes` rows / rows after a single delivery', `${changes.length} / ${expectedChanges.length}`);
        recorder.detail('applied twice', check.appliedTwice + Math.max(0, extraChanges));
        expect(check.examples).toEqual([]);
        expect(hashed).toEqual([{ status: 'processed' }]);
        expect(state).toEqual(expected);
        expect(changes).toEqual(expectedChanges);
      },
    ));
});

function anyResend(state: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(state).map(([table, rows]) => [table, rows.map((row) => row.replace(/"resend-\d+"/g, '"resend-*"'))]));
}

function withoutMessageIds<T extends { orderEvent: Record<string, any> }>(body: T): T {
  delete body.orderEvent.meta.messageId;
  return body;
}
