import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { useReceiver, waitFor } from '../support/receiver-fixture';
import {
  buildOrder,
  buildOrderDocumentsEvent,
  buildOrderEvent,
  buildShipmentEvent,
  registerDocuments,
} from '../support/tradecloud-simulator';
import { runCli, runCliJson } from './cli-process';

/**
 * Every CLI command against a real receiver's database: events stored through real HTTP,
 * processed by the receiver's workers; the CLI runs as a child process on the same database.
 */
describe('tradecloud CLI on a database with real events', () => {
  const receiver = useReceiver({
    label: 'cli_commands',
    simulator: true,
    options: ({ simulator }) => ({
      tradecloudApi: { baseUrl: simulator.baseUrl, ...simulator.credentials, maxRetries: 0, requestsPerSecond: 1000 },
      queue: { attempts: 3, retryDelaySeconds: 1 },
    }),
  });
  let env: Record<string, string>;
  const order = buildOrderEvent({ seed: 501, eventName: 'OrderIssuedByBuyer', lastUpdatedAt: '2025-06-12T09:00:00.000Z' });
  const confirmation = buildOrderEvent({ seed: 501, eventName: 'OrderLinesAcceptedBySupplier', lastUpdatedAt: '2025-06-12T10:00:00.000Z' });
  const orderId: string = order.orderEvent.orderId;
  const po: string = order.orderEvent.buyerOrder.purchaseOrderNumber;
  const shipment = buildShipmentEvent({ seed: 501, purchaseOrderNumber: po });
  const documents = buildOrderDocumentsEvent({ seed: 501, lineNumbers: [1], headerDocuments: 1 });
  const unknownOrderId = randomUUID();
  const ids: Record<string, string> = {};

  const q = async <T = any>(text: string, values?: unknown[]) => (await receiver.sql.query(text.replace(/\bS\./g, `"${receiver.schema}".`), values)).rows as T[];
  const post = async (path: string, body: unknown) => {
    const response = await receiver.post(path, body);
    return ((await response.json()) as { eventId: string }).eventId;
  };

  beforeAll(async () => {
    env = { DATABASE_URL: receiver.database.url, DATABASE_SCHEMA: receiver.schema };
    ids.order = await post('/orders', order);
    // Processed before its confirmation arrives: two events of one order in flight together may be
    // applied in either order (the older one then ends 'stale'), and these tests count 'processed'.
    await receiver.waitForEvents([ids.order]);
    ids.confirmation = await post('/orders', confirmation);
    ids.shipment = await post('/shipments', shipment);
    ids.documents = await post('/order-documents', documents); // nothing registered in the simulator: downloads fail (404)
    ids.invalid = await post('/orders', { eventName: 'OrderIssuedByBuyer', orderEvent: { orderId: 'not-a-uuid' } });
    const get = await fetch(`${receiver.webhooks}/orders/${unknownOrderId}`, { headers: { authorization: receiver.authorization } });
    ids.dead = ((await get.json()) as { eventId: string }).eventId; // Tradecloud answers 404: dead at once
    // A request an older, stricter version rejected although its body is valid (as after a validation fix).
    const late = buildOrderEvent({ seed: 502, eventName: 'OrderIssuedByBuyer' });
    ids.lateRejected = (
      await q<{ id: string }>(
        `INSERT INTO S.webhook_events (endpoint, event_name, dedupe_key, status, last_error, body)
         VALUES ('orders', 'OrderIssuedByBuyer', $1, 'rejected', 'orderEvent.lines[0].x must be a string', $2::jsonb) RETURNING id::text`,
        [`rejected:${randomUUID()}`, JSON.stringify(late)],
      )
    )[0].id;
    ids.lateOrderId = late.orderEvent.orderId;
    await receiver.waitForEvents([ids.order, ids.confirmation, ids.shipment, ids.documents, ids.dead]);
    await waitFor(async () => expect(await q(`SELECT 1 FROM S.documents WHERE content_status = 'pending'`), 'documents settled').toEqual([]));
  });

  it('status: counts by status and kind, oldest pending, last received per kind, dead events with their error', async () => {
    const text = await runCli(['status'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Events: 7 in total \(/);
    for (const count of ['processed 4', 'rejected 2', 'dead 1']) expect(text.stdout).toContain(count);
    expect(text.stdout).toMatch(new RegExp(`${ids.dead}\\s+orders-get\\s+-\\s+${unknownOrderId}\\s+1\\s+.*404`));
    expect(text.stdout).toContain('Oldest pending: none');
    expect(text.stdout).toMatch(/Documents: failed 2/);

    const json = await runCliJson(['status'], env);
    expect(json.events.byStatus).toEqual({ processed: 4, rejected: 2, dead: 1 });
    expect(json.events.byKind).toContainEqual({ kind: 'shipments', status: 'processed', count: 1 });
    expect(json.dead).toMatchObject({ count: 1, latest: [{ id: ids.dead, kind: 'orders-get', entityId: unknownOrderId }] });
    expect(json.dead.latest[0].error).toMatch(/404/);
    expect(json.lastReceived.map((row: { kind: string }) => row.kind)).toEqual(['order-documents', 'orders', 'orders-get', 'shipments']);
    expect(json.lastReceived.find((row: { kind: string }) => row.kind === 'shipments').id).toBe(ids.shipment);
    expect(json.documents).toEqual({ failed: 2 });
  });

  it('events list: filters by status, kind, event name, order id or PO number, and time range', async () => {
    const byPo = await runCliJson<Array<{ id: string }>>(['events', 'list', '--order', po], env);
    expect(byPo.map((event) => event.id).sort()).toEqual([ids.order, ids.confirmation, ids.shipment, ids.documents].sort());
    const byId = await runCliJson<Array<{ id: string; purchaseOrderNumber: string }>>(['events', 'list', '--order', orderId, '--kind', 'orders'], env);
    expect(byId.map((event) => [event.id, event.purchaseOrderNumber])).toEqual([
      [ids.confirmation, po],
      [ids.order, po],
    ]);
    const rejected = await runCliJson<Array<{ id: string; error: string }>>(['events', 'list', '--status', 'rejected'], env);
    expect(rejected.map((event) => event.id).sort()).toEqual([ids.invalid, ids.lateRejected].sort());
    expect(rejected.find((event) => event.id === ids.invalid)!.error).toMatch(/orderId/);
    const named = await runCliJson(['events', 'list', '--kind', 'shipments,orders', '--event-name', 'OrderLinesAcceptedBySupplier', '--since', '1h'], env);
    expect(named.map((event: { id: string }) => event.id)).toEqual([ids.confirmation]);
    expect(await runCliJson(['events', 'list', '--until', '2000-01-01'], env)).toEqual([]);
    expect(await runCliJson(['events', 'list', '--limit', '2'], env)).toHaveLength(2);

    const text = await runCli(['events', 'list', '--order', po], env);
    expect(text.stdout).toMatch(new RegExp(`${ids.confirmation}\\s+\\S+ \\S+\\s+orders\\s+OrderLinesAcceptedBySupplier\\s+${orderId}\\s+${po}\\s+processed`));
    expect(text.stdout).toContain('4 event(s), newest first');
  });

  it('events show: one event with its outcome, the changes it applied and its body', async () => {
    const text = await runCli(['events', 'show', ids.order], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Status:\s+processed after 1 attempt\(s\)/);
    expect(text.stdout).toContain(`Purchase order: ${po}`);
    expect(text.stdout).toMatch(/Changes applied: [1-9]/);
    const json = await runCliJson(['events', 'show', ids.order], env);
    expect(json).toMatchObject({ id: ids.order, kind: 'orders', eventName: 'OrderIssuedByBuyer', entityId: orderId, status: 'processed' });
    expect(json.body.orderEvent.orderId).toBe(orderId);
    expect(json.changes.length).toBeGreaterThan(0);

    const missing = await runCli(['events', 'show', '987654321'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No event 987654321');
  });

  it('replay --status dead: once the cause is fixed, the event is processed; a second replay finds nothing', async () => {
    receiver.simulator.orders.set(unknownOrderId, buildOrder({ orderId: unknownOrderId, seed: 9 }));
    const results = await runCliJson(['replay', '--status', 'dead', '--wait', '--timeout', '60'], env);
    expect(results).toEqual([{ id: ids.dead, kind: 'orders-get', previousStatus: 'dead', result: 'queued', finalStatus: 'processed' }]);
    expect(await q(`SELECT order_id FROM S.orders WHERE order_id = $1`, [unknownOrderId])).toHaveLength(1);
    const again = await runCli(['replay', '--status', 'dead'], env);
    expect(again.stdout).toContain('Nothing to replay.');
  });

  it('replay <id>: idempotent, the order stays exactly as it was', async () => {
    const before = await q(`SELECT last_updated_at, version, updated_at FROM S.orders WHERE order_id = $1`, [orderId]);
    const changes = await q(`SELECT count(*)::int AS n FROM S.changes WHERE order_id = $1`, [orderId]);
    const [result] = await runCliJson(['replay', ids.confirmation, '--wait'], env);
    expect(result).toMatchObject({ id: ids.confirmation, previousStatus: 'processed', result: 'queued' });
    expect(['processed', 'stale']).toContain(result.finalStatus);
    expect(await q(`SELECT last_updated_at, version, updated_at FROM S.orders WHERE order_id = $1`, [orderId])).toEqual(before);
    expect(await q(`SELECT count(*)::int AS n FROM S.changes WHERE order_id = $1`, [orderId])).toEqual(changes);
  });

  it('replay --status rejected: validated again; valid now becomes pending under its own id, invalid stays rejected', async () => {
    const dryRun = await runCli(['replay', '--status', 'rejected', '--dry-run'], env);
    expect(dryRun.stdout).toContain('2 event(s) would be replayed (--dry-run).');
    const results = await runCliJson<Array<{ id: string; result: string; finalStatus?: string; detail?: string }>>(['replay', '--status', 'rejected', '--wait'], env);
    const byId = Object.fromEntries(results.map((result) => [result.id, result]));
    expect(byId[ids.lateRejected]).toMatchObject({ result: 'accepted', finalStatus: 'processed' });
    expect(byId[ids.invalid]).toMatchObject({ result: 'still-rejected', finalStatus: 'rejected' });
    expect(byId[ids.invalid].detail).toMatch(/orderEvent\.orderId/);
    expect(await q(`SELECT 1 FROM S.orders WHERE order_id = $1`, [ids.lateOrderId])).toHaveLength(1);
    const [stored] = await q(`SELECT status, entity_id, message_id IS NOT NULL AS has_message_id FROM S.webhook_events WHERE id = $1`, [ids.lateRejected]);
    expect(stored).toEqual({ status: 'processed', entity_id: ids.lateOrderId, has_message_id: true });
  });

  it('documents retry: catches up without touching failed downloads; --failed puts them back after the cause is fixed', async () => {
    expect(await runCliJson(['documents', 'retry'], env)).toEqual({ reopened: 0, queued: 0, caughtUp: 0 });
    registerDocuments(receiver.simulator, documents);
    const retried = await runCliJson(['documents', 'retry', '--failed'], env);
    expect(retried).toMatchObject({ reopened: 2, caughtUp: 0 });
    expect(retried.queued).toBeGreaterThanOrEqual(1);
    await waitFor(async () => expect(await q(`SELECT 1 FROM S.documents WHERE content_status <> 'stored'`), 'documents stored').toEqual([]));
  });

  it('refuses wrong usage with exit code 2 and a hint', async () => {
    for (const args of [['bogus'], ['events', 'list', '--status', 'nope'], ['events', 'list', '--frobnicate'], ['replay'], ['replay', '--status', 'processed']]) {
      const run = await runCli(args, env);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain('see "tradecloud help"');
    }
    const help = await runCli(['help']);
    expect(help.stdout).toContain('simulate <scenario>');
    const noDatabase = await runCli(['status'], { DATABASE_URL: '', DATA_DIR: '/nonexistent-tradecloud-data' });
    expect(noDatabase.code).toBe(1);
    expect(noDatabase.stderr).toContain('DATABASE_URL is not set and no embedded PostgreSQL is running');
  });
});
