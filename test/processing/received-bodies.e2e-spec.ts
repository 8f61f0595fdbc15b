import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReceivedBodies } from '../../src/queue/received-bodies';
import { orderEventStream, seededRandom } from '../orders/order-stream';
import { FixtureDatabase, RunningReceiver, startReceiver, useDatabase } from '../support/receiver-fixture';
import { orderTablesState } from '../support/table-state';

/**
 * Intake hands the bodies it stores to the workers of its own instance (`ReceivedBodies`), which
 * then parse intake's text instead of reading the stored jsonb back. These tests send one stream
 * both ways (live to a receiver that processes as it receives; stored by a receiver without
 * workers and drained by another) and compare every table and the `changes` log. The stream's
 * texts are written as jsonb would not print them: numbers in exponent form, keys out of jsonb's
 * order, and a repeated key (jsonb keeps the last value; `parseExact` refuses the text, so the
 * worker reads that body back).
 */

/**
 * The stream as texts: bodies re-spelled so that intake's text and the stored jsonb's differ, each
 * made large enough to be kept (`ReceivedBodies` keeps bodies of 256 K characters and more) by an
 * unknown field, which is stored with the body as unknown fields are.
 */
function streamTexts(): string[] {
  const random = seededRandom(41);
  const events = orderEventStream({ orders: 6, eventsPerOrder: 4, linesPerOrder: 5, seed: 41 });
  return events.map((event, index) => {
    // Keys in reverse order at the top of the order (jsonb sorts them by length, then bytes).
    const order = (event as { orderEvent: Record<string, unknown> }).orderEvent;
    const reversed = Object.fromEntries(Object.entries(order).reverse());
    let text = JSON.stringify({ ...event, orderEvent: reversed, erpNotes: 'n'.repeat(260 * 1024) });
    // Quantities in exponent form: 1.5 as 15E-1 (jsonb stores and prints 1.5).
    text = text.replace(/"quantity":1\.5\b/g, '"quantity":15E-1');
    // Every fifth body repeats a key of its first schedule entry; the last value is the one stored.
    if (index % 5 === 2) text = text.replace('"deliverySchedule":[{', `"deliverySchedule":[{"status":"Dropped-${random().toFixed(3)}",`);
    return text;
  });
}

const start = (database: FixtureDatabase, queue: { workers?: boolean; batchSize?: number; concurrency?: number }) =>
  startReceiver({ options: { documents: { download: false }, queue } }, { database, simulator: undefined as never });

async function postAll(receiver: RunningReceiver, texts: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const text of texts) {
    const response = await receiver.post('/orders', text);
    expect(response.status, await response.clone().text()).toBe(202);
    ids.push(((await response.json()) as { eventId: string }).eventId);
  }
  return ids;
}

async function state(receiver: RunningReceiver) {
  const changes = await receiver.sql.query<{ r: string }>(
    `SELECT jsonb_build_object('entity', c.entity, 'type', c.change_type, 'order', c.order_id, 'line', c.line_id,
              'previous', c.previous_last_updated_at, 'at', c.last_updated_at, 'diff', c.diff, 'message', e.message_id)::text AS r
       FROM tradecloud.changes c LEFT JOIN tradecloud.webhook_events e ON e.id = c.event_id
      ORDER BY e.message_id, c.entity, c.line_id`,
  );
  const events = await receiver.sql.query<{ r: string }>(
    `SELECT jsonb_build_object('message', message_id, 'status', status, 'outcome', outcome)::text AS r FROM tradecloud.webhook_events ORDER BY message_id`,
  );
  return { tables: await orderTablesState(receiver.sql, 'tradecloud'), changes: changes.rows.map((row) => row.r), events: events.rows.map((row) => row.r) };
}

describe('bodies handed from intake to the workers of the same instance', () => {
  const databases = [useDatabase('handed_bodies'), useDatabase('handed_bodies_read_back')];
  const receivers: RunningReceiver[] = [];
  const texts = streamTexts();
  let handed: Awaited<ReturnType<typeof state>>;
  let readBack: Awaited<ReturnType<typeof state>>;
  let kept: { after: number; handedOver: number; parsedAhead: number };

  beforeAll(async () => {
    // Live: one worker loop, one event per batch, every body handed over as it is stored.
    const live = await start(databases[0], { batchSize: 1, concurrency: 1 });
    receivers.push(live);
    const liveIds = await postAll(live, texts);
    await live.waitForEvents(liveIds, ['processed', 'stale', 'dead'], 60_000);
    const bodies = live.app!.get(ReceivedBodies, { strict: false });
    kept = { after: bodies.size, handedOver: bodies.handedOver, parsedAhead: bodies.parsedAhead };
    handed = await state(live);

    // Read back: stored by a receiver without workers, drained by another (nothing handed over).
    const intake = await start(databases[1], { workers: false });
    const storedIds = await postAll(intake, texts);
    await intake.close();
    const worker = await start(databases[1], { batchSize: 1, concurrency: 1 });
    receivers.push(worker);
    await worker.waitForEvents(storedIds, ['processed', 'stale', 'dead'], 60_000);
    readBack = await state(worker);
  });
  afterAll(async () => {
    for (const receiver of receivers) await receiver.close();
  });

  it('processes every event, the repeated-key bodies included', () => {
    expect(handed.events).toHaveLength(texts.length);
    expect(handed.events.every((event) => event.includes('"status": "processed"') || event.includes('"status": "stale"'))).toBe(true);
    // Bodies were handed over (a repeated-key one too: its text was taken, then read back), none is
    // left. Not necessarily all: a claim sent just before a body was kept reads it from the inbox.
    expect(kept.after).toBe(0);
    expect(kept.handedOver).toBeGreaterThanOrEqual(texts.length / 2);
    // Parsed while intake's INSERT ran (all but the repeated-key ones, which parseExact refuses).
    expect(kept.parsedAhead).toBeGreaterThan(0);
  });

  it('writes the rows and change rows of bodies read back from the inbox', () => {
    expect(handed.changes.length).toBeGreaterThan(50);
    expect(handed.tables).toEqual(readBack.tables);
    expect(handed.changes).toEqual(readBack.changes);
    expect(handed.events).toEqual(readBack.events);
  });
});
