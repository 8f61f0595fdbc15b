import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { IntakeBodyBudget } from '../../src/inbox/body-budget';
import { useReceiver } from '../support/receiver-fixture';
import { sample } from '../support/samples';

/**
 * Intake reads and holds at most `webhooks.concurrentBodyBytes` of request bodies at once (by
 * their declared length): a request that would go over it waits with its body unread until the
 * bodies before it are stored, and is answered 503 (which Tradecloud retries) when it waits
 * longer than `webhooks.bodyWaitSeconds`. The tests hold the budget with a request whose body
 * they send only in part, and watch the budget's own counters.
 */
const orderBody = (lines: number) => {
  const body = sample('post-order-event');
  body.orderEvent.orderId = randomUUID();
  body.orderEvent.meta.messageId = `budget-${randomUUID()}`;
  const line = body.orderEvent.lines[0];
  body.orderEvent.lines = Array.from({ length: lines }, () => ({ ...structuredClone(line), id: randomUUID() }));
  return Buffer.from(JSON.stringify(body));
};

const FIRST = orderBody(12);
const SECOND = orderBody(10);

describe('Intake body budget', () => {
  // Room for the first body, not for both.
  const receiver = useReceiver({
    label: 'body_budget',
    options: { webhooks: { concurrentBodyBytes: FIRST.length + SECOND.length - 1, bodyWaitSeconds: 2 } },
  });

  /** A POST whose body is sent up to `sent` bytes; `finish()` sends the rest. */
  function partialPost(body: Buffer, sent: number): { answer: Promise<{ status: number; text: string; retryAfter?: string }>; finish: () => void } {
    const url = new URL(`${receiver.webhooks}/orders`);
    const request = http.request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': body.length, authorization: receiver.authorization },
    });
    const answer = new Promise<{ status: number; text: string; retryAfter?: string }>((resolve, reject) => {
      request.on('response', (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, text, retryAfter: response.headers['retry-after'] as string | undefined }));
      });
      request.on('error', reject);
    });
    request.write(body.subarray(0, sent));
    return { answer, finish: () => request.end(body.subarray(sent)) };
  }

  const budget = () => receiver.app!.get(IntakeBodyBudget);

  it('reads a body that does not fit only once the one before it is stored, and stores both', async () => {
    const first = partialPost(FIRST, 1000);
    await expect.poll(() => budget().heldBytes).toBe(FIRST.length);
    const second = partialPost(SECOND, SECOND.length);
    await expect.poll(() => budget().waiting).toBe(1);
    first.finish();
    const answers = await Promise.all([first.answer, second.answer]);
    expect(answers.map((answer) => answer.status)).toEqual([202, 202]);
    const ids = answers.map((answer) => (JSON.parse(answer.text) as { eventId: string }).eventId);
    expect((await receiver.waitForEvents(ids)).map((event) => event.status)).toEqual(['processed', 'processed']);
    expect([budget().heldBytes, budget().waiting]).toEqual([0, 0]);
  });

  it('answers 503 with Retry-After to a request that waits longer than bodyWaitSeconds, and stores nothing of it', async () => {
    const first = partialPost(orderBody(12), 1000);
    await expect.poll(() => budget().heldBytes).toBeGreaterThan(0);
    const waiting = orderBody(10);
    const second = partialPost(waiting, waiting.length);
    const refused = await second.answer;
    expect(refused.status).toBe(503);
    expect(refused.retryAfter).toBeDefined();
    first.finish();
    expect((await first.answer).status).toBe(202);
    const messageId = (JSON.parse(waiting.toString()) as { orderEvent: { meta: { messageId: string } } }).orderEvent.meta.messageId;
    expect(await receiver.q(`SELECT id FROM S.webhook_events WHERE message_id = $1`, [messageId])).toEqual([]);
    expect([budget().heldBytes, budget().waiting]).toEqual([0, 0]);
  });
});
