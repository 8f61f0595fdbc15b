import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReceiverApp, startReceiverApp } from '../support/receiver-app';
import { useDatabase } from '../support/receiver-fixture';
import { buildOrderEvent, sendWebhook } from '../support/tradecloud-simulator';
import { rowCounts } from './support/checks';
import { AnswerTally, TEST_AUTH } from './support/delivery';
import { HostileRequest, hostileRequests, RAW, toText, validBody } from './support/hostile-bodies';
import { recordEnvironment, scenario } from './support/report';
import { SIZES_FOR_SCALE } from './support/scale';

const size = SIZES_FOR_SCALE.hostile;
const LIMIT = 2 * 1024 * 1024;
const SEED = 20_251_128;
const REFUSED = [400, 413, 415];
const prototypes = () => [Object.prototype, Array.prototype, Function.prototype, String.prototype].map((p) => Object.getOwnPropertyNames(p).sort().join(','));

/** Hand-written requests that must be refused. */
function handWritten(): HostileRequest[] {
  const json = (body: unknown, category: string, path: HostileRequest['path'] = '/orders'): HostileRequest => ({
    category, path, body: Buffer.from(typeof body === 'string' ? body : toText(body)), contentType: 'application/json',
  });
  const order = () => buildOrderEvent({ seed: 77, lineCount: 2 });
  const withVersion = order();
  withVersion.orderEvent.version = RAW('2147483648');
  const tinyQuantity = order();
  tinyQuantity.orderEvent.lines[0].deliverySchedule[0].quantity = RAW('1e-20000');
  const badDate = order();
  badDate.orderEvent.lines[0].deliverySchedule[0].date = '2025-02-30';
  const yearZero = order();
  yearZero.orderEvent.lastUpdatedAt = '0000-01-01T00:00:00.000Z';
  const manyLines = order();
  manyLines.orderEvent.lines = Array.from({ length: 100_000 }, (_, i) => i);
  return [
    ...['', ' ', 'null', '[]', '"text"', '123', '{}', '{"eventName":"x"}', '{"eventName":"x","eventName":{}}', '{"a":1}garbage'].map((text) => json(text, 'hand-written: empty and minimal')),
    json(withVersion, 'hand-written: version beyond a 32-bit integer'),
    json(tinyQuantity, 'hand-written: quantity 1e-20000 (beyond numeric)'),
    json(badDate, 'hand-written: delivery date 2025-02-30'),
    json(yearZero, 'hand-written: lastUpdatedAt in year 0'),
    json(manyLines, 'hand-written: 100,000 invalid lines'),
    json(`{"nested":${'['.repeat(100_000)}${']'.repeat(100_000)},${JSON.stringify(order()).slice(1)}`, 'hand-written: nesting 100,000 deep'),
    json(`{"nested":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)},${JSON.stringify(order()).slice(1)}`, 'hand-written: nesting 50,000 deep'),
    { category: 'hand-written: UTF-16 body', path: '/orders', body: Buffer.from(JSON.stringify(order()), 'utf16le'), contentType: 'application/json; charset=utf-16' },
    { category: 'hand-written: over the body limit', path: '/orders', body: Buffer.alloc(LIMIT + 1, 0x20), contentType: 'application/json' },
  ];
}

/** Bodies at the edge that are valid: they must be accepted, processed and stored exactly. */
function validExtremes() {
  const fortyDigits = buildOrderEvent({ seed: 91, lineCount: 1, orderId: '91000000-0000-4000-8000-000000000001' });
  fortyDigits.orderEvent.lines[0].deliverySchedule[0].quantity = RAW('1234567890123456789012345678901234567890');
  fortyDigits.orderEvent.lines[0].prices.netPrice.priceInTransactionCurrency.value = RAW('0.1234567890123456789012345678901234567890');
  const hugeText = buildOrderEvent({ seed: 92, lineCount: 1, orderId: '91000000-0000-4000-8000-000000000002' });
  hugeText.orderEvent.lines[0].buyerLine.description = 'Ω≈ç√∫ 😀 עברית ́e '.repeat(40_000).slice(0, 1_000_000);
  const manyLines = buildOrderEvent({ seed: 93, lineCount: 300, orderId: '91000000-0000-4000-8000-000000000003' });
  const unknownFields = buildOrderEvent({ seed: 94, lineCount: 1, orderId: '91000000-0000-4000-8000-000000000004' });
  unknownFields.orderEvent.futureField = JSON.parse('{"a":'.repeat(30) + '1' + '}'.repeat(30));
  return { fortyDigits, hugeText, manyLines, unknownFields };
}

describe('reliability: hostile input', () => {
  const database = useDatabase('rel_hostile');
  let receiver: ReceiverApp;

  beforeAll(async () => {
    receiver = await startReceiverApp({ databaseUrl: database.url, options: { webhooks: { bodyLimitBytes: LIMIT } } });
    await recordEnvironment(receiver.sql);
  });
  afterAll(async () => {
    await receiver?.close();
  });

  it(`at least ${size.generated.toLocaleString('en-US')} generated hostile bodies: only 400/413/415, the process up, no partial rows, no polluted prototype`, () =>
    scenario(
      {
        id: 'hostile-input',
        order: 7,
        title: 'Hostile input',
        checks: [
          `fast-check (seed ${SEED}) generates ${size.generated.toLocaleString('en-US')} requests over the webhook DTOs: valid bodies with 1–3 checked fields broken (wrong types, missing, non-UUIDs, impossible dates, 40-digit and out-of-range numbers, over-long keys and document references, a document meta that is not an object), prototype-pollution keys, truncated JSON, invalid UTF-8, \\u0000 and lone surrogates, wrong content types, random JSON and text, deep nesting, bodies sent to another webhook's route`,
          'plus hand-written ones: empty and minimal bodies, duplicate keys, 100,000 lines, nesting 100,000 deep, UTF-16, a body over the limit (413, not buffered), a body over the limit sent chunked',
          `sent from ${size.concurrency} concurrent clients to the module (body limit ${LIMIT / 1024 / 1024} MB): every answer is 400, 413 or 415; never 5xx`,
          'each 400 is kept as one `rejected` event; no order, line, shipment, document or change row is written; the receiver still accepts and processes a valid event afterwards',
          'no property appears on Object/Array/Function/String prototypes, and `({}).polluted` stays undefined',
          'valid extremes are accepted and stored exactly: 40-digit quantity, 40-decimal price, 1 MB unicode description, 300 lines, unknown fields 30 deep',
        ],
      },
      async (recorder) => {
        const generated = fc.sample(hostileRequests, { numRuns: size.generated, seed: SEED });
        const requests = [...generated, ...handWritten()];
        recorder.size = `${generated.length.toLocaleString('en-US')} generated + ${(requests.length - generated.length + 1).toLocaleString('en-US')} hand-written bodies`;
        const before = prototypes();
        const countsBefore = await rowCounts(receiver.sql, 'tradecloud');
        const tally = new AnswerTally();
        const byCategory = new Map<string, { sent: number; wrong: number }>();
        const wrong: string[] = [];
        const wrongAll: string[] = [];
        // Answer times of the hostile tXML bodies (entity bombs, external entities, …) and the
        // process's RSS around the whole run: reported, not asserted (speed is the benchmark's job).
        const txmlAnswerMs: number[] = [];
        const rssBefore = process.memoryUsage().rss;
        let next = 0;
        await Promise.all(
          Array.from({ length: size.concurrency }, async () => {
            while (next < requests.length) {
              const request = requests[next++];
              const sentAt = performance.now();
              const response = await sendWebhook(`${receiver.webhooks}${request.path}`, undefined, {
                auth: TEST_AUTH, rawBody: request.body, contentType: request.contentType, timeoutMs: 60_000,
              });
              if (request.category.startsWith('tXML: ')) txmlAnswerMs.push(performance.now() - sentAt);
              tally.add([response.status]);
              const entry = byCategory.get(request.category) ?? { sent: 0, wrong: 0 };
              entry.sent++;
              if (!REFUSED.includes(response.status ?? 0)) {
                entry.wrong++;
                wrongAll.push(`${request.category} [${request.note ?? ''}]: ${response.status ?? response.error} ${request.body.subarray(0, 4000).toString('utf8')} → ${response.body.slice(0, 500)}`);
                if (wrong.length < 10) wrong.push(`${request.category} [${request.note ?? ''}]: ${response.status ?? response.error} ${request.body.subarray(0, 300).toString('utf8')} → ${response.body.slice(0, 300)}`);
              }
              byCategory.set(request.category, entry);
            }
          }),
        );
        if (wrongAll.length) writeFileSync(path.join(os.tmpdir(), 'tradecloud-hostile-wrong.txt'), wrongAll.join('\n\n'));
        const chunked = await sendChunked(`${receiver.webhooks}/orders`, receiver.authorization, LIMIT * 2);
        tally.add([chunked]);
        const after = prototypes();
        const countsAfter = await rowCounts(receiver.sql, 'tradecloud');
        const written = Object.fromEntries(Object.entries(countsAfter).map(([table, n]) => [table, n - countsBefore[table]]));
        const rejected = (await receiver.sql.query(`SELECT count(*)::int AS n FROM tradecloud.webhook_events WHERE status = 'rejected'`)).rows[0].n;

        recorder.set({ sent: tally.calls, answered2xx: tally.ok, answered4xx: tally.clientErrors, answered5xx: tally.serverErrors, noAnswer: tally.noAnswer, badInputs: requests.length + 1, serverErrorsOnBadInputs: tally.serverErrors });
        recorder.detail('answers', tally.describe());
        for (const [category, entry] of [...byCategory.entries()].sort()) recorder.detail(`${category}: sent / answered other than 400, 413, 415`, `${entry.sent} / ${entry.wrong}`);
        recorder.detail('chunked body over the limit', chunked ?? 'no answer');
        const sortedTxml = [...txmlAnswerMs].sort((a, b) => a - b);
        const at = (q: number) => sortedTxml[Math.min(sortedTxml.length - 1, Math.floor(q * sortedTxml.length))]?.toFixed(1) ?? '–';
        recorder.detail(`hostile tXML bodies (${sortedTxml.length}): answer time p50 / p99 / max (ms, ${size.concurrency} concurrent clients)`, `${at(0.5)} / ${at(0.99)} / ${sortedTxml.at(-1)?.toFixed(1) ?? '–'}`);
        recorder.detail('RSS of the process (receiver and senders) before / after the hostile bodies (MB)', `${(rssBefore / 2 ** 20).toFixed(0)} / ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)}`);
        recorder.detail('`rejected` events stored / 400 answers', `${rejected} / ${tally.count((status) => status === 400)}`);
        recorder.detail('rows written outside webhook_events', Object.entries(written).filter(([table]) => table !== 'webhook_events').reduce((n, [, rows]) => n + rows, 0));
        recorder.detail('prototype properties added', before.join() === after.join() ? 0 : 'yes');
        // The process is up and still does its work; valid extremes are stored exactly.
        const extremes = validExtremes();
        const extremeAnswers = await Promise.all(Object.values(extremes).map((body) => receiver.post('/orders', toText(body))));
        const extremeIds = await Promise.all(extremeAnswers.map(async (answer) => String(((await answer.json()) as { eventId?: unknown }).eventId)));
        const statuses = (await receiver.waitForEvents(extremeIds, ['processed', 'stale', 'dead'], 60_000).catch(() => [])).map((event) => event.status);
        const exact = (await receiver.sql.query(
          `SELECT d.quantity::text AS quantity, l.net_price::text AS price FROM tradecloud.delivery_lines d JOIN tradecloud.order_lines l USING (order_id, line_id)
            WHERE d.order_id = '91000000-0000-4000-8000-000000000001' AND d.schedule = 'current' AND d.seq = 0`,
        )).rows[0];
        const description = (await receiver.sql.query(`SELECT description FROM tradecloud.order_lines WHERE order_id = '91000000-0000-4000-8000-000000000002'`)).rows[0]?.description;
        const lines = (await receiver.sql.query(`SELECT count(*)::int AS n FROM tradecloud.order_lines WHERE order_id = '91000000-0000-4000-8000-000000000003'`)).rows[0].n;

        recorder.detail('valid extremes accepted / processed', `${extremeAnswers.filter((r) => r.status === 202).length} / ${statuses.filter((status) => status === 'processed').length} of ${extremeAnswers.length}`);
        recorder.detail('40-digit quantity and 40-decimal price stored as', `${exact?.quantity} / ${exact?.price}`);
        expect(wrong).toEqual([]);
        expect(chunked).toBe(413);
        expect(tally.serverErrors).toBe(0);
        expect(rejected).toBe(tally.count((status) => status === 400));
        expect(written).toEqual({ ...Object.fromEntries(Object.keys(written).map((t) => [t, 0])), webhook_events: rejected });
        expect(after).toEqual(before);
        expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
        expect(extremeAnswers.map((r) => r.status)).toEqual([202, 202, 202, 202]);
        expect(statuses).toEqual(['processed', 'processed', 'processed', 'processed']);
        expect(exact).toEqual({ quantity: '1234567890123456789012345678901234567890', price: '0.1234567890123456789012345678901234567890' });
        expect(description).toBe(extremes.hugeText.orderEvent.lines[0].buyerLine.description);
        expect(lines).toBe(300);
      },
    ));
});

/** A body over the limit sent without Content-Length (chunked): it must be cut off with 413. */
function sendChunked(url: string, authorization: string, bytes: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const request = http.request(url, { method: 'POST', headers: { authorization, 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode));
    });
    request.on('error', () => resolve(undefined));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const write = () => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!request.write(chunk)) return void request.once('drain', write);
      }
      request.end();
    };
    write();
  });
}

export { validBody };
