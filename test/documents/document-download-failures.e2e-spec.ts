import { beforeAll, describe, expect, it } from 'vitest';
import { DocumentContentService } from '../../src/documents/document-content.service';
import { DocumentDownloader } from '../../src/documents/document-downloader.service';
import { useReceiver, waitFor } from '../support/receiver-fixture';
import { buildOrderDocumentsEvent, contentSha256, registerDocuments, TradecloudSimulator } from '../support/tradecloud-simulator';
import { deliver, documentReceiverOptions, settledDocuments, sha256Of } from './document-test-kit';

describe('document downloads when things go wrong', () => {
  const receiver = useReceiver({
    label: 'document_failures',
    simulator: true,
    options: ({ simulator }) => documentReceiverOptions(simulator, { allowPrivateAddresses: true }),
  });
  let simulator: TradecloudSimulator;
  beforeAll(() => {
    simulator = receiver.simulator;
  });

  const q = (text: string, values?: unknown[]) => receiver.sql.query(text.replace(/\bS\./g, `"${receiver.schema}".`), values);
  const headerDocumentEvent = (seed: number) => {
    const body = buildOrderDocumentsEvent({ seed, headerDocuments: 1, lineNumbers: [] });
    return { body, objectId: body.orderDocumentsEvent.supplierOrder.documents[0].objectId as string };
  };

  it('falls back to the proxy download, with the Bearer token, when the pre-signed S3 link fails', async () => {
    const { body, objectId } = headerDocumentEvent(21);
    const registered = registerDocuments(simulator, body, { sizeBytes: 20_000 });
    const s3 = simulator.s3Down();
    try {
      const [row] = await settledDocuments(receiver, await deliver(receiver, '/order-documents', body));
      expect(row).toMatchObject({ content_status: 'stored', sha256: await contentSha256(registered.get(objectId)!.content), size_bytes: '20000' });
    } finally {
      s3.remove();
    }
    const s3Requests = simulator.requestsTo('s3').filter((request) => request.path.includes(objectId));
    expect(s3Requests.length).toBeGreaterThan(0);
    expect(s3Requests.every((request) => request.status === 503 && !request.hasAuthorization)).toBe(true);
    const proxied = simulator.requestsTo('document.proxy').filter((request) => request.path.includes(objectId));
    expect(proxied).toHaveLength(1);
    expect(proxied[0]).toMatchObject({ authorizationScheme: 'Bearer', status: 200 });
  });

  it('uses the proxy too when the pre-signed link has expired (403 from S3)', async () => {
    const { body, objectId } = headerDocumentEvent(22);
    registerDocuments(simulator, body);
    const expired = simulator.addFault({ route: 's3', status: 403, body: '<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>' });
    try {
      const [row] = await settledDocuments(receiver, await deliver(receiver, '/order-documents', body));
      expect(row.content_status).toBe('stored');
    } finally {
      expired.remove();
    }
    expect(simulator.requestsTo('document.proxy').filter((request) => request.path.includes(objectId))).toHaveLength(1);
  });

  it('retries through a Tradecloud API outage, with back-off, and stores the document once the API is back', async () => {
    const { body, objectId } = headerDocumentEvent(23);
    registerDocuments(simulator, body);
    const outage = simulator.apiDown(503);
    let eventId: string;
    try {
      eventId = await deliver(receiver, '/order-documents', body);
      // Two queue attempts (each with its in-call retry) fail while the API is down: the second
      // has started (attempts counts a lease) and the API has answered 503 to both of its calls.
      const downloads = await waitFor(async () => {
        const row = (await q(`SELECT attempts, last_error FROM S.document_downloads WHERE download_key = $1`, [`object:${objectId}`])).rows[0];
        expect(row?.attempts, 'two attempts').toBeGreaterThanOrEqual(2);
        const refused = simulator.requestsTo('document.metadata').filter((request) => request.path.includes(objectId) && request.status === 503);
        expect(refused.length, 'four refused calls').toBeGreaterThanOrEqual(4);
        return row;
      });
      expect(downloads.last_error).toMatch(/HTTP 503/);
      const waiting = (await q(`SELECT content_status, last_error FROM S.documents WHERE object_id = $1`, [objectId])).rows;
      // Still waiting, and the document itself shows the latest error while it is retried.
      expect(waiting).toEqual([{ content_status: 'pending', last_error: expect.stringMatching(/HTTP 503/) }]);
    } finally {
      outage.remove();
    }
    const [row] = await settledDocuments(receiver, eventId);
    expect(row.content_status).toBe('stored');
    const metadata = simulator.requestsTo('document.metadata').filter((request) => request.path.includes(objectId));
    expect(metadata.filter((request) => request.status === 503).length).toBeGreaterThanOrEqual(4);
    expect(metadata.at(-1)!.status).toBe(200);
  });

  it('gives up after documents.attempts, not queue.attempts, while the API stays down', async () => {
    // A receiver of its own, in another schema: queue.attempts is 6 there, documents.attempts 2.
    const limited = await receiver.startAnother({
      schema: 'tc_download_attempts',
      options: documentReceiverOptions(simulator, { allowPrivateAddresses: true, attempts: 2 }),
    });
    const { body, objectId } = headerDocumentEvent(25);
    registerDocuments(simulator, body);
    const outage = simulator.apiDown(503);
    try {
      const eventId = await deliver(limited, '/order-documents', body);
      const [row] = await settledDocuments(limited, eventId);
      expect(row.content_status).toBe('failed');
      expect(row.last_error).toMatch(/HTTP 503/);
      const downloads = (await limited.sql.query(`SELECT attempts FROM tc_download_attempts.document_downloads WHERE download_key = $1`, [`object:${objectId}`])).rows[0];
      expect(downloads.attempts).toBe(2);
    } finally {
      outage.remove();
      await limited.close();
    }
  });

  it('fails a document the object storage does not know at once, with the reason, and the event stays processed', async () => {
    const { body, objectId } = headerDocumentEvent(24); // nothing registered: the simulator answers 404
    const eventId = await deliver(receiver, '/order-documents', body);
    const [row] = await settledDocuments(receiver, eventId);
    expect(row.content_status).toBe('failed');
    expect(row.last_error).toMatch(/document\.metadata.*HTTP 404/);
    const downloads = (await q(`SELECT attempts FROM S.document_downloads WHERE download_key = $1`, [`object:${objectId}`])).rows[0];
    expect(downloads.attempts).toBe(1);
    const event = (await q(`SELECT status, last_error FROM S.webhook_events WHERE id = $1`, [eventId])).rows[0];
    expect(event).toEqual({ status: 'processed', last_error: null });
    await expect(receiver.app!.get(DocumentContentService).open(row.id)).rejects.toMatchObject({ reason: 'failed' });

    // Once the document exists, an operator puts the failed download back in the queue.
    simulator.documents.set(objectId, { filename: 'late.pdf', contentType: 'application/pdf', content: Buffer.from('late but here') });
    expect(await receiver.app!.get(DocumentDownloader).retryFailed([row.id])).toBe(1);
    const [retried] = await settledDocuments(receiver, eventId);
    expect(retried).toMatchObject({ content_status: 'stored', filename: 'late.pdf', last_error: null });
    const opened = await receiver.app!.get(DocumentContentService).open(row.id);
    expect((await sha256Of(opened.stream)).bytes).toBe('late but here'.length);
  });

  it('fails a url document whose partner file is missing (404) or whose scheme is not http(s)', async () => {
    const body = buildOrderDocumentsEvent({ seed: 25, headerDocuments: 0, lineNumbers: [1], documentsPerLine: 0, urlBase: simulator.partnerUrl('nowhere') });
    body.orderDocumentsEvent.lines.push({
      id: '25252525-0000-4000-8000-000000000002',
      buyerLine: { position: '0020' },
      supplierLine: { documents: [{ code: 'FTP-1', name: 'old.pdf', url: 'ftp://files.supplier-example.de/old.pdf' }] },
    });
    const rows = await settledDocuments(receiver, await deliver(receiver, '/order-documents', body));
    expect(rows.map((row) => row.content_status)).toEqual(['failed', 'failed']);
    expect(rows[0].last_error).toMatch(/HTTP 404/);
    expect(rows[1].last_error).toMatch(/only http\(s\)/);
  });
});
