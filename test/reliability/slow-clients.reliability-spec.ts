import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { useDatabase } from '../support/receiver-fixture';
import { buildOrderEvent } from '../support/tradecloud-simulator';
import { TEST_BASIC_PASSWORD, TEST_BASIC_USER } from '../support/receiver-app';
import { AnswerTally, answerTimePercentile, deliverAll, waitUntil } from './support/delivery';
import { assertionPool, StandaloneReceiver, startStandaloneReceiver, stopSurely } from './support/receivers';
import { recordEnvironment, scenario } from './support/report';
import { SIZES_FOR_SCALE } from './support/scale';

const size = SIZES_FOR_SCALE.slowClients;
/** The product default: 1024 bytes/s over 10 s windows, checked every second. */
const BODY_CUT_BOUND_MS = 10_000 + 1_000 + 1_500;
/** Shortened for the scenario (default 20 s), so that it stays short; the mechanism is the same. */
const HEADERS_TIMEOUT_MS = 5_000;

interface SlowClient {
  /** Milliseconds from the first byte to the connection's end. */
  closedAfterMs: Promise<number>;
  answer(): string;
  stop(): void;
}

/** A client that sends `head` at once (or not), then one byte per second of the rest. */
function dribble(port: number, head: string, rest: string): SlowClient {
  const started = performance.now();
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  let index = 0;
  socket.on('data', (chunk) => (received += chunk.toString()));
  socket.on('error', () => undefined);
  const closedAfterMs = new Promise<number>((resolve) => socket.on('close', () => resolve(performance.now() - started)));
  socket.on('connect', () => socket.write(head));
  const timer = setInterval(() => {
    if (socket.writable && index < rest.length) socket.write(rest[index++]);
  }, 1000);
  void closedAfterMs.then(() => clearInterval(timer));
  return { closedAfterMs, answer: () => received, stop: () => (clearInterval(timer), socket.destroy()) };
}

describe('reliability: slow clients', () => {
  const database = useDatabase('rel_slow_clients');
  let receiver: StandaloneReceiver | undefined;
  const sql = () => assertionPool(database.url);
  afterAll(async () => {
    await stopSurely(receiver);
  });

  it('clients sending one byte per second are cut with 408 while Tradecloud\'s deliveries are answered and processed', () =>
    scenario(
      {
        id: 'slow-clients',
        order: 9,
        title: 'Slow clients (slow POST, slowloris)',
        checks: [
          `the compiled standalone receiver with its defaults (HTTP_BODY_MIN_BYTES_PER_SECOND=1024 over 10 s windows), except HTTP_HEADERS_TIMEOUT_MS=${HEADERS_TIMEOUT_MS} to keep the scenario short`,
          `${size.slowBodies} authenticated clients send complete headers and then their body at one byte per second; ${size.slowHeaders} clients send their headers at one byte per second`,
          `meanwhile ${size.events.toLocaleString('en-US')} order events are delivered by ${size.clients} concurrent senders: every one is answered 2xx and processed`,
          `every slow body is answered 408 and its connection closed within ${BODY_CUT_BOUND_MS / 1000} s; every slow header stream is closed within ${HEADERS_TIMEOUT_MS / 1000 + 3} s (Node checks the timeout once a second); nothing the slow clients sent is stored`,
          'the cuts are counted in tradecloud_http_slow_requests_cut_total',
        ],
      },
      async (recorder) => {
        recorder.size = `${size.slowBodies} slow bodies + ${size.slowHeaders} slow header streams, ${size.events.toLocaleString('en-US')} events alongside`;
        receiver = await startStandaloneReceiver(database.url, 'tradecloud', { HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS) });
        const pool = sql();
        await recordEnvironment(pool);
        const authorization = `Basic ${Buffer.from(`${TEST_BASIC_USER}:${TEST_BASIC_PASSWORD}`).toString('base64')}`;
        const slowBody = JSON.stringify(buildOrderEvent({ seed: 90, lineCount: 1 }));
        const bodyClients = Array.from({ length: size.slowBodies }, () =>
          dribble(
            receiver!.port,
            `POST /tradecloud/webhooks/orders HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nAuthorization: ${authorization}\r\nContent-Length: ${Buffer.byteLength(slowBody)}\r\n\r\n`,
            slowBody,
          ),
        );
        const headerClients = Array.from({ length: size.slowHeaders }, () => dribble(receiver!.port, '', `POST /tradecloud/webhooks/orders HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'a'.repeat(200)}\r\n\r\n`));

        const tally = new AnswerTally();
        const items = Array.from({ length: size.events }, (_, i) => ({ path: '/orders', body: buildOrderEvent({ seed: 1000 + i, lineCount: 2 }) }));
        const deliveries = await deliverAll(receiver.webhooks, items, { clients: size.clients, tally });
        const [bodyTimes, headerTimes] = await Promise.all([Promise.all(bodyClients.map((client) => client.closedAfterMs)), Promise.all(headerClients.map((client) => client.closedAfterMs))]);
        for (const client of [...bodyClients, ...headerClients]) client.stop();

        const bodies408 = bodyClients.filter((client) => /^HTTP\/1\.1 408 /.test(client.answer())).length;
        const headers408 = headerClients.filter((client) => /^HTTP\/1\.1 408 /.test(client.answer())).length;
        const eventIds = deliveries.map((delivery) => delivery.eventId).filter((id): id is string => Boolean(id));
        const processed = await waitUntil('every delivered event processed', 120_000, async () => {
          const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM tradecloud.webhook_events WHERE id = ANY($1::bigint[]) AND status IN ('processed', 'stale')`, [eventIds]);
          return rows[0].n === eventIds.length ? rows[0].n : undefined;
        });
        const { rows: stored } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM tradecloud.webhook_events`);
        const metrics = await (await fetch(`http://127.0.0.1:${receiver.port}/metrics`)).text();
        const cutCounter = Number(/^tradecloud_http_slow_requests_cut_total (\S+)$/m.exec(metrics)?.[1] ?? NaN);
        const max = (values: number[]) => Math.max(...values);

        recorder.set({ ...tally.standard(), processed, sent: tally.calls + size.slowBodies + size.slowHeaders, answered4xx: tally.clientErrors + bodies408 + headers408 });
        recorder.detail('slow bodies answered 408', `${bodies408} of ${size.slowBodies}`);
        recorder.detail('slow bodies: time to the cut, min / max (s)', `${(Math.min(...bodyTimes) / 1000).toFixed(1)} / ${(max(bodyTimes) / 1000).toFixed(1)}`);
        recorder.detail('slow header streams answered 408', `${headers408} of ${size.slowHeaders}`);
        recorder.detail('slow header streams: time to the close, max (s)', (max(headerTimes) / 1000).toFixed(1));
        recorder.detail('tradecloud_http_slow_requests_cut_total', cutCounter);
        recorder.detail('deliveries alongside: answers', tally.describe());
        recorder.detail('deliveries alongside: answer time p50 / p95 / max (ms)', [50, 95, 100].map((p) => answerTimePercentile(deliveries, p).toFixed(1)).join(' / '));
        recorder.detail('webhook_events rows (the deliveries only)', stored[0].n);

        expect(bodies408).toBe(size.slowBodies);
        expect(max(bodyTimes)).toBeLessThan(BODY_CUT_BOUND_MS);
        expect(headers408).toBe(size.slowHeaders);
        expect(max(headerTimes)).toBeLessThan(HEADERS_TIMEOUT_MS + 3_000);
        expect(tally.ok).toBe(size.events);
        expect(tally.calls).toBe(size.events);
        expect(processed).toBe(size.events);
        expect(stored[0].n).toBe(size.events);
        expect(cutCounter).toBe(size.slowBodies);
      },
    ));
});
