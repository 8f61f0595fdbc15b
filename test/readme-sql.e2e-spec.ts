import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useReceiver } from './support/receiver-fixture';
import { sample, sampleText } from './support/samples';

/** The ```sql blocks of the README's "Querying with SQL" section. */
function readmeQueries(): string[] {
  const readme = readFileSync(path.resolve(__dirname, '../README.md'), 'utf8');
  const section = readme.split('## Querying with SQL')[1]?.split(/\n## /)[0] ?? '';
  return [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((match) => match[1].trim());
}

describe('the README SQL queries', () => {
  const receiver = useReceiver({ label: 'readme_sql' });

  beforeAll(async () => {
    const issued = sample('post-order-event');
    issued.orderEvent.orderId = 'aaaaaaaa-2222-4333-8444-555555555555';
    issued.orderEvent.buyerOrder.purchaseOrderNumber = 'PO2025-009999';
    issued.orderEvent.meta.messageId = 'issued-order';
    for (const line of issued.orderEvent.lines) line.status.processStatus = 'Issued';
    const ids: string[] = [];
    for (const [path, body] of [
      ['/orders', sampleText('post-order-event')],
      ['/orders', issued],
      ['/shipments', sampleText('post-shipment-event')],
      ['/orders', { eventName: 'OrderIssuedByBuyer' }], // rejected: no event object
    ] as const) {
      const response = await receiver.post(path, body);
      const { eventId } = (await response.json()) as { eventId: string };
      if (response.status === 202) ids.push(eventId);
    }
    await receiver.waitForEvents(ids);
  });

  it('has at least five queries', () => {
    expect(readmeQueries().length).toBeGreaterThanOrEqual(5);
  });

  it.each(readmeQueries().map((query) => [query.split('\n')[0], query]))('runs and finds rows: %s', async (_, query) => {
    const result = await receiver.sql.query(query);
    expect(result.rows.length).toBeGreaterThan(0);
  });
});
