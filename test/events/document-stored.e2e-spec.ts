import { Injectable } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { DocumentStoredEvent, OnTradecloudEvent, OrderDocumentsAttachedEvent } from '../../src';
import { useReceiver, waitFor } from '../support/receiver-fixture';
import { buildOrderDocumentsEvent, contentSha256, registerDocuments } from '../support/tradecloud-simulator';

const stored: DocumentStoredEvent[] = [];
const attached: OrderDocumentsAttachedEvent[] = [];

@Injectable()
class ArchiveDocuments {
  @OnTradecloudEvent('document.stored')
  onStored(event: DocumentStoredEvent): void {
    stored.push(event);
  }

  @OnTradecloudEvent('order.documents.attached')
  onAttached(event: OrderDocumentsAttachedEvent): void {
    attached.push(event);
  }
}

describe('document domain events', () => {
  const receiver = useReceiver({
    label: 'document_events',
    simulator: true,
    // Workers that poll only every 120 s: the events below arrive within the default wait (30 s)
    // only if the worker is woken when they are committed.
    options: ({ simulator }) => ({ tradecloudApi: { baseUrl: simulator.baseUrl, ...simulator.credentials }, queue: { pollingIntervalSeconds: 120 } }),
    providers: [ArchiveDocuments],
  });

  it('emits order.documents.attached when the reference arrives and document.stored once its content is downloaded', async () => {
    const body = buildOrderDocumentsEvent({ seed: 7, headerDocuments: 1, lineNumbers: [] });
    const objectId = body.orderDocumentsEvent.supplierOrder.documents[0].objectId as string;
    const registered = registerDocuments(receiver.simulator, body, { sizeBytes: 4096 });
    const response = await receiver.post('/order-documents', body);
    expect(response.status).toBe(202);
    // Within the default wait, well under the 120 s polling interval: only a wake delivers this
    // soon (three of them: the event's worker, the download's, the delivery's).
    await waitFor(() => expect(stored.length).toBeGreaterThan(0));
    const row = (await receiver.sql.query(`SELECT id::text, order_id, sha256 FROM tradecloud.documents WHERE object_id = $1`, [objectId])).rows[0];
    expect(attached.map((event) => event.documents.map((document) => document.documentId))).toEqual([[row.id]]);
    expect(stored).toEqual([
      expect.objectContaining({
        type: 'document.stored',
        documentId: row.id,
        orderId: row.order_id,
        shipmentId: null,
        sha256: await contentSha256(registered.get(objectId)!.content),
      }),
    ]);
    expect(row.sha256).toBe(stored[0].sha256);
  });
  it('emits document.stored for another order attaching content already stored, without downloading it again', async () => {
    const first = (await receiver.sql.query(`SELECT object_id, sha256 FROM tradecloud.documents WHERE content_status = 'stored' LIMIT 1`)).rows[0];
    const body = buildOrderDocumentsEvent({ seed: 8, headerDocuments: 1, lineNumbers: [] });
    body.orderDocumentsEvent.supplierOrder.documents[0].objectId = first.object_id;
    const requestsBefore = receiver.simulator.requests.length;
    const storedBefore = stored.length;
    const response = await receiver.post('/order-documents', body);
    expect(response.status).toBe(202);
    await waitFor(() => expect(stored.length).toBeGreaterThan(storedBefore));
    const row = (await receiver.sql.query(
      `SELECT id::text, order_id, sha256, content_status FROM tradecloud.documents WHERE object_id = $1 AND order_id = $2`,
      [first.object_id, body.orderDocumentsEvent.orderId],
    )).rows[0];
    expect(row).toMatchObject({ content_status: 'stored', sha256: first.sha256 });
    expect(stored.slice(storedBefore)).toEqual([
      expect.objectContaining({ type: 'document.stored', documentId: row.id, orderId: row.order_id, sha256: first.sha256 }),
    ]);
    expect(receiver.simulator.requests.slice(requestsBefore)).toEqual([]); // reused: no API call, no download
  });
});
