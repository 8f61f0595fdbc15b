import { afterAll, describe, expect, it } from 'vitest';
import { FakeEntra } from '../support/fake-entra/fake-entra';
import { useReceiver } from '../support/receiver-fixture';
import { runCli, runCliJson } from './cli-process';

const BASIC = { username: 'tradecloud', password: 'simulate-basic-password-4f1c' };
const BEARER = 'simulate-static-bearer-token-93b7';
const RESOURCE = { applicationIdUri: 'api://tradecloud-webhooks', clientId: 'c0ffee00-0000-4000-8000-00000000a001', accessTokenVersion: 2 as const };
const CLIENT = { clientId: 'c0ffee00-0000-4000-8000-00000000a002', clientSecret: 'simulate~client~secret' };

interface SimulateJson {
  seed: number;
  summary: Record<string, number>;
  results: Array<{ step: number; route: string; eventName: string; orderId: string; purchaseOrderNumber: string; shipmentId?: string; status: number; answer: { eventId: string } }>;
}

/** `tradecloud simulate` against the compiled standalone receiver: the scenarios land in the tables. */
describe('tradecloud simulate', () => {
  let entra: FakeEntra;
  const receiver = useReceiver({
    label: 'cli_simulate',
    setup: 'standalone',
    before: async () => {
      entra = await FakeEntra.start();
      entra.registerResource(RESOURCE);
      entra.registerClient(CLIENT);
    },
    env: () => ({
      WEBHOOK_BASIC_USERNAME: BASIC.username,
      WEBHOOK_BASIC_PASSWORD: BASIC.password,
      WEBHOOK_BEARER_TOKENS: BEARER,
      WEBHOOK_OAUTH_JWKS_URI: entra.jwksUri(),
      WEBHOOK_OAUTH_ISSUERS: entra.issuer(2),
      WEBHOOK_OAUTH_AUDIENCES: RESOURCE.clientId,
      WEBHOOK_OAUTH_CLIENT_IDS: CLIENT.clientId,
      // One worker loop, so that the events of one order are applied in the order they arrived.
      // With two, the other loop may claim a later event and apply it first: correct (the older
      // one then ends stale), but not the order the out-of-order test checks.
      QUEUE_CONCURRENCY: '1',
    }),
  });
  const basicArgs = () => ['--url', receiver.url, '--auth', 'basic', '--username', BASIC.username, '--password', BASIC.password];

  /** Waits until every event has left pending/failed; their statuses by id. */
  const waitProcessed = async (eventIds: string[]) =>
    new Map((await receiver.waitForEvents(eventIds, ['processed', 'stale', 'dead', 'rejected'])).map((row) => [row.id, row.status]));
  const eventIds = (run: SimulateJson) => [...new Set(run.results.map((result) => result.answer.eventId))];

  afterAll(async () => {
    await entra?.close();
  });

  it('lifecycle (Basic): the order, its lines, documents and the approved shipment land in the tables', async () => {
    const run = await runCliJson<SimulateJson>(['simulate', 'lifecycle', '--seed', '11', ...basicArgs()]);
    expect(run.summary).toEqual({ accepted: 6 });
    expect(run.results.map((result) => `${result.route} ${result.eventName} ${result.status}`)).toEqual([
      'orders OrderIssuedByBuyer 202',
      'orders OrderChangesProposedBySupplier 202',
      'orders OrderLinesAcceptedBySupplier 202',
      'order-documents OrderDocumentsAttachedBySupplier 202',
      'shipments ShipmentIssuedBySupplier 202',
      'shipments ShipmentApprovedByBuyer 202',
    ]);
    const statuses = await waitProcessed(eventIds(run));
    expect([...statuses.values()].every((status) => status === 'processed' || status === 'stale')).toBe(true);
    const { orderId, purchaseOrderNumber } = run.results[0];
    const shipmentId = run.results[5].shipmentId!;
    const [order] = (await receiver.sql.query(`SELECT purchase_order_number, process_status FROM tradecloud.orders WHERE order_id = $1`, [orderId])).rows;
    expect(order).toEqual({ purchase_order_number: purchaseOrderNumber, process_status: 'Confirmed' });
    expect((await receiver.sql.query(`SELECT 1 FROM tradecloud.order_lines WHERE order_id = $1`, [orderId])).rowCount).toBe(2);
    const [shipment] = (await receiver.sql.query(`SELECT process_status FROM tradecloud.shipments WHERE shipment_id = $1`, [shipmentId])).rows;
    expect(shipment).toEqual({ process_status: 'Approved' });
    const linked = await receiver.sql.query(`SELECT order_id FROM tradecloud.shipment_lines WHERE shipment_id = $1 AND order_id IS NOT NULL`, [shipmentId]);
    expect(linked.rows).toEqual([{ order_id: orderId }, { order_id: orderId }]);
    const documents = await receiver.sql.query(`SELECT 1 FROM tradecloud.documents WHERE order_id = $1`, [orderId]);
    expect(documents.rowCount).toBeGreaterThanOrEqual(3); // header + two lines (order documents event)
  });

  it('lifecycle --format txml: order and order-document webhooks go as tXML (the XML kept), shipments as JSON, all land in the tables', async () => {
    const run = await runCliJson<SimulateJson>(['simulate', 'lifecycle', '--seed', '18', '--format', 'txml', ...basicArgs()]);
    expect(run.summary).toEqual({ accepted: 6 });
    const statuses = await waitProcessed(eventIds(run));
    expect([...statuses.values()].every((status) => status === 'processed' || status === 'stale')).toBe(true);
    const stored = await receiver.sql.query(`SELECT endpoint, raw_body IS NOT NULL AS xml FROM tradecloud.webhook_events WHERE id = ANY($1::bigint[]) ORDER BY id`, [eventIds(run)]);
    expect(stored.rows.map((row) => `${row.endpoint} ${row.xml}`)).toEqual([
      'orders true', 'orders true', 'orders true', 'order-documents true', 'shipments false', 'shipments false',
    ]);
    const { orderId, purchaseOrderNumber } = run.results[0];
    const [order] = (await receiver.sql.query(`SELECT purchase_order_number, process_status FROM tradecloud.orders WHERE order_id = $1`, [orderId])).rows;
    expect(order).toEqual({ purchase_order_number: purchaseOrderNumber, process_status: 'Confirmed' });
    expect((await receiver.sql.query(`SELECT 1 FROM tradecloud.documents WHERE order_id = $1`, [orderId])).rowCount).toBeGreaterThanOrEqual(3);

    const wrong = await runCli(['simulate', 'new-order', '--format', 'yaml', ...basicArgs()]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('--format must be json or txml, got "yaml"');
  });

  it('prints each answer (Bearer), and OAuth tokens from a token endpoint are accepted', async () => {
    const text = await runCli(['simulate', 'new-order', '--seed', '12', '--url', receiver.url, '--auth', 'bearer', '--token', BEARER]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Scenario new-order \(seed 12\): 1 webhook\(s\) to http:\/\/localhost:\d+\/tradecloud\/webhooks with a static Bearer token/);
    expect(text.stdout).toMatch(/#1 POST orders OrderIssuedByBuyer \(order SIM-[0-9A-F]{8}\) -> 202 \{"status":"accepted","eventId":"\d+"\} in \d+ ms/);
    expect(text.stdout).not.toContain(BEARER);

    const oauth = await runCliJson<SimulateJson>([
      'simulate', 'confirmation', '--seed', '13', '--url', receiver.url, '--auth', 'oauth',
      '--token-url', entra.tokenEndpoint(), '--client-id', CLIENT.clientId, '--client-secret', CLIENT.clientSecret, '--scope', `${RESOURCE.applicationIdUri}/.default`,
    ]);
    expect(oauth.summary).toEqual({ accepted: 2 });
    await waitProcessed(eventIds(oauth));
  });

  it('duplicates answer 200 duplicate; out-of-order leaves the older proposal stale', async () => {
    const duplicates = await runCliJson<SimulateJson>(['simulate', 'duplicates', '--seed', '14', ...basicArgs()]);
    expect(duplicates.summary).toEqual({ accepted: 2, duplicate: 2 });
    expect(duplicates.results[1].answer.eventId).toBe(duplicates.results[0].answer.eventId);

    const disorder = await runCliJson<SimulateJson>(['simulate', 'out-of-order', '--seed', '15', ...basicArgs()]);
    const statuses = await waitProcessed(eventIds(disorder));
    expect(disorder.results.map((result) => `${result.eventName} ${statuses.get(result.answer.eventId)}`)).toEqual([
      'OrderIssuedByBuyer processed',
      'OrderLinesAcceptedBySupplier processed',
      'OrderChangesProposedBySupplier stale',
    ]);
  });

  it('burst of N sends them concurrently and every one lands; wrong credentials exit 1 with the 401s', async () => {
    const burst = await runCliJson<SimulateJson>(['simulate', 'burst', '--count', '40', '--concurrency', '8', '--seed', '16', ...basicArgs()]);
    expect(burst.summary).toEqual({ accepted: 40 });
    await waitProcessed(eventIds(burst));
    const orders = [...new Set(burst.results.map((result) => result.orderId))];
    expect(orders).toHaveLength(7); // six events per order
    expect((await receiver.sql.query(`SELECT 1 FROM tradecloud.orders WHERE order_id = ANY($1::uuid[])`, [orders])).rowCount).toBe(7);

    const refused = await runCli(['simulate', 'new-order', '--seed', '17', '--url', receiver.url, '--username', BASIC.username, '--password', 'wrong']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('-> 401');
    expect(refused.stdout).toContain('Answers: 401 1.');
  });
});
