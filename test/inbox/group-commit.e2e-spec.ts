import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WebhookIntake } from '../../src/inbox/webhook-intake.service';
import { useReceiver, WAIT_TIMEOUT_MS } from '../support/receiver-fixture';
import { sample } from '../support/samples';

/**
 * Intake writes the events of concurrent requests together (one INSERT, one commit). Each request
 * must still get its own answer: its own event, a duplicate of the delivery stored first, or a 400
 * for a body PostgreSQL cannot store, without failing the requests it was grouped with.
 */
/** Intake statements running at once (`GROUP_WRITERS` in webhook-intake.service.ts). */
const GROUP_WRITERS = 3;

describe('Intake group commit', () => {
  const receiver = useReceiver({ label: 'group_commit' });

  const orderBody = (orderId: string, messageId: string) => {
    const body = sample('post-order-event');
    body.orderEvent.orderId = orderId;
    body.orderEvent.meta.messageId = messageId;
    return JSON.stringify(body);
  };

  it('answers each of many concurrent requests for itself: stored once, duplicates, and one unstorable body alone refused', async () => {
    const distinct = Array.from({ length: 40 }, () => ({ orderId: randomUUID(), messageId: `group-${randomUUID()}` }));
    const repeated = distinct.slice(0, 4);
    // A number beyond PostgreSQL's numeric range: valid JSON, refused by jsonb when its statement runs.
    const unstorable = orderBody(randomUUID(), `group-${randomUUID()}`).replace(/^\{/, '{"unknownHuge":1e200000,');
    const bodies = [
      ...distinct.map(({ orderId, messageId }) => orderBody(orderId, messageId)),
      ...repeated.flatMap(({ orderId, messageId }) => [orderBody(orderId, messageId), orderBody(orderId, messageId)]),
      unstorable,
    ].sort(() => Math.random() - 0.5);

    // The inbox table is locked while the requests arrive: the first statements wait for the lock,
    // and every other event queues behind them, so that the next statement certainly holds a group
    // (duplicates and the unstorable body among them) whatever the machine's speed.
    const lock = await receiver.sql.connect();
    let answers: Array<{ body: string; status: number; json: { eventId: string; status?: string; message?: string[] } }>;
    try {
      await lock.query('BEGIN');
      await lock.query(`LOCK TABLE "${receiver.schema}".webhook_events IN EXCLUSIVE MODE`);
      const answering = Promise.all(
        bodies.map(async (body) => {
          const response = await receiver.post('/orders', body);
          return { body, status: response.status, json: (await response.json()) as { eventId: string; status?: string; message?: string[] } };
        }),
      );
      const intake = receiver.app!.get(WebhookIntake);
      await expect.poll(() => intake.eventsWaiting, { timeout: WAIT_TIMEOUT_MS }).toBe(bodies.length - GROUP_WRITERS);
      await lock.query('COMMIT');
      answers = await answering;
    } finally {
      lock.release();
    }

    const refused = answers.filter((answer) => answer.body === unstorable);
    expect(refused).toHaveLength(1);
    expect(refused[0].status).toBe(400);
    expect(refused[0].json.message?.[0]).toMatch(/^The body cannot be stored: value overflows numeric format/);

    for (const { messageId } of distinct) {
      const mine = answers.filter((answer) => answer.body.includes(messageId));
      const accepted = mine.filter((answer) => answer.status === 202);
      expect(accepted, messageId).toHaveLength(1);
      for (const other of mine.filter((answer) => answer !== accepted[0])) {
        expect(other).toMatchObject({ status: 200, json: { status: 'duplicate', eventId: accepted[0].json.eventId } });
      }
    }

    const stored = await receiver.q<{ message_id: string; n: number; received_at: string }>(
      `SELECT message_id, count(*)::int AS n, min(received_at)::text AS received_at FROM S.webhook_events
        WHERE message_id LIKE 'group-%' AND status <> 'rejected' GROUP BY message_id`,
    );
    expect(stored.map((row) => row.message_id).sort()).toEqual(distinct.map((entry) => entry.messageId).sort());
    expect(stored.every((row) => row.n === 1)).toBe(true);
    // Written together: events of one statement share its start time (`received_at`). The
    // statements that waited for the lock hold one event each; the next one all that queued, and
    // the unstorable body splits it in halves (about log2 of its size more statements).
    const statements = new Set(stored.map((row) => row.received_at)).size;
    expect(statements).toBeLessThanOrEqual(GROUP_WRITERS + 2 * Math.ceil(Math.log2(bodies.length)));

    const rejected = await receiver.q(`SELECT raw_body FROM S.webhook_events WHERE id = $1 AND status = 'rejected'`, [refused[0].json.eventId]);
    expect(rejected).toEqual([{ raw_body: unstorable }]);

    const ids = answers.filter((answer) => answer.status === 202).map((answer) => answer.json.eventId);
    const processed = await receiver.waitForEvents(ids);
    expect(processed.every((event) => event.status === 'processed')).toBe(true);
    const orders = await receiver.q(`SELECT count(*)::int AS n FROM S.orders WHERE order_id = ANY($1::uuid[])`, [distinct.map((entry) => entry.orderId)]);
    expect(orders).toEqual([{ n: distinct.length }]);
  });
});
