import { beforeAll, describe, expect, it } from 'vitest';
import { DocumentContentService, DocumentContentUnavailableError } from '../../src/documents/document-content.service';
import { useReceiver } from '../support/receiver-fixture';
import { sample } from '../support/samples';
import {
  buildOrderDocumentsEvent,
  contentSha256,
  contentSize,
  contentStream,
  registerDocuments,
  TradecloudSimulator,
} from '../support/tradecloud-simulator';
import { deliver, documentReceiverOptions, readAll, settledDocuments, sha256Of } from './document-test-kit';

describe('document downloads (content in Postgres)', () => {
  const receiver = useReceiver({
    label: 'document_downloads',
    simulator: true,
    // The simulator's partner server is on loopback: allowed here, refused by default (see the filesystem spec).
    options: ({ simulator }) => documentReceiverOptions(simulator, { allowPrivateAddresses: true }),
  });
  let simulator: TradecloudSimulator;
  beforeAll(() => {
    simulator = receiver.simulator;
  });

  const q = (text: string, values?: unknown[]) => receiver.sql.query(text.replace(/\bS\./g, `"${receiver.schema}".`), values);
  const contentOf = async (sha256: string) =>
    (await q(`SELECT storage, content, size_bytes::int AS size, content_type FROM S.document_contents WHERE sha256 = $1`, [sha256])).rows[0];

  it('stores objectId and url documents: exact bytes, sha256, size, type; S3 and partner get no credentials', async () => {
    const body = buildOrderDocumentsEvent({ seed: 11, headerDocuments: 1, lineNumbers: [1, 2], urlBase: simulator.partnerUrl('datasheets') });
    const registered = registerDocuments(simulator, body, { sizeBytes: 8 * 1024 });
    expect(registered.size).toBe(5); // header, two line objects, two line URLs
    const eventId = await deliver(receiver, '/order-documents', body);

    const rows = await settledDocuments(receiver, eventId);
    expect(rows).toHaveLength(5);
    for (const row of rows) {
      const expected = registered.get(row.object_id ?? row.url!)!;
      expect(row).toMatchObject({
        content_status: 'stored',
        sha256: await contentSha256(expected.content),
        size_bytes: String(contentSize(expected.content)),
        content_type: 'application/pdf',
        filename: expected.filename,
        last_error: null,
      });
      const stored = await contentOf(row.sha256!);
      expect(stored.storage).toBe('postgres');
      expect(Buffer.compare(stored.content, await readAll(contentStream(expected.content)))).toBe(0);
    }
    expect(rows.filter((row) => row.url)).toHaveLength(2);

    const s3 = simulator.requestsTo('s3');
    expect(s3).toHaveLength(3);
    expect(s3.every((request) => !request.hasAuthorization && request.status === 200)).toBe(true);
    expect(simulator.requestsTo('document.metadata').every((request) => request.authorizationScheme === 'Bearer')).toBe(true);
    expect(simulator.requestsTo('document.proxy')).toHaveLength(0);
    const partner = simulator.requestsTo('partner');
    expect(partner).toHaveLength(2);
    expect(partner.every((request) => !request.hasAuthorization && request.status === 200)).toBe(true);
  });

  it('streams stored content to the host through DocumentContentService.open, a 5 MB file included', async () => {
    const body = buildOrderDocumentsEvent({ seed: 12, headerDocuments: 1, lineNumbers: [] });
    const objectId = body.orderDocumentsEvent.supplierOrder.documents[0].objectId;
    const large = { size: 5 * 1024 * 1024 + 123, seed: 99 };
    simulator.documents.set(objectId, { filename: 'drawing set.pdf', contentType: 'application/pdf', content: large });
    const [row] = await settledDocuments(receiver, await deliver(receiver, '/order-documents', body));
    expect(row).toMatchObject({ content_status: 'stored', size_bytes: String(large.size), sha256: await contentSha256(large) });

    const service = receiver.app!.get(DocumentContentService);
    const opened = await service.open(row.id);
    expect(opened).toMatchObject({ filename: 'drawing set.pdf', contentType: 'application/pdf', sizeBytes: large.size, sha256: row.sha256 });
    let chunks = 0;
    opened.stream.on('data', () => chunks++);
    expect(await sha256Of(opened.stream)).toEqual({ sha256: row.sha256, bytes: large.size });
    expect(chunks).toBeGreaterThan(4); // read in slices, not as one value

    await expect(service.open('999999999')).rejects.toMatchObject({ reason: 'not_found' });
    await expect(service.open('nonsense')).rejects.toBeInstanceOf(DocumentContentUnavailableError);
  });

  it('stores identical content once, downloads an objectId on two lines once, and reuses it for a shipment', async () => {
    const body = buildOrderDocumentsEvent({ seed: 13, headerDocuments: 1, lineNumbers: [1, 2] });
    const shared = 'a1b2c3d4-0000-4000-8000-000000000013';
    const twin = 'a1b2c3d4-0000-4000-8000-000000000014';
    for (const line of body.orderDocumentsEvent.lines) line.supplierLine.documents[0].objectId = shared;
    body.orderDocumentsEvent.supplierOrder.documents[0].objectId = twin;
    const bytes = Buffer.from('%PDF-1.7 the very same certificate\n'.repeat(200));
    simulator.documents.set(shared, { filename: 'certificate.pdf', contentType: 'application/pdf', content: bytes });
    simulator.documents.set(twin, { filename: 'certificate-copy.pdf', contentType: 'application/pdf', content: Buffer.from(bytes) });
    simulator.clearRequests();

    const rows = await settledDocuments(receiver, await deliver(receiver, '/order-documents', body));
    expect(rows).toHaveLength(3);
    expect(new Set(rows.map((row) => row.content_status))).toEqual(new Set(['stored']));
    const sha256 = await contentSha256(bytes);
    expect(rows.every((row) => row.sha256 === sha256)).toBe(true);
    expect((await q(`SELECT count(*)::int AS n FROM S.document_contents WHERE sha256 = $1`, [sha256])).rows[0].n).toBe(1);
    const fetchedFor = (objectId: string) => simulator.requestsTo('s3', 'document.proxy').filter((request) => request.path.includes(objectId));
    expect(simulator.requestsTo('document.metadata').filter((request) => request.path.includes(shared))).toHaveLength(1);
    expect(fetchedFor(shared)).toHaveLength(1);
    expect(fetchedFor(twin)).toHaveLength(1);

    // The same object arrives again on a shipment: its row is stored without any request.
    const shipment = sample('post-shipment-event');
    shipment.shipment.supplierShipment.documents[0].objectId = shared;
    simulator.clearRequests();
    const [shipmentDocument] = await settledDocuments(receiver, await deliver(receiver, '/shipments', shipment));
    expect(shipmentDocument).toMatchObject({ object_id: shared, content_status: 'stored', sha256 });
    expect(simulator.requestsTo('document.metadata', 's3', 'document.proxy')).toHaveLength(0);
  });

  it('keeps the older revision of a re-attached document next to the new one, each with its own content', async () => {
    const first = buildOrderDocumentsEvent({ seed: 14, headerDocuments: 1, lineNumbers: [], revision: '1' });
    const second = buildOrderDocumentsEvent({ seed: 14, headerDocuments: 1, lineNumbers: [], revision: '2', lastUpdatedAt: '2025-06-13T08:00:00.000Z' });
    registerDocuments(simulator, first, { sizeBytes: 2048 });
    registerDocuments(simulator, second, { sizeBytes: 3072 });
    const [older] = await settledDocuments(receiver, await deliver(receiver, '/order-documents', first));
    const [newer] = await settledDocuments(receiver, await deliver(receiver, '/order-documents', second));
    expect(newer.code).toBe(older.code);
    expect(newer.id).not.toBe(older.id);
    expect([older.content_status, newer.content_status]).toEqual(['stored', 'stored']);
    expect([older.size_bytes, newer.size_bytes]).toEqual(['2048', '3072']);
    const service = receiver.app!.get(DocumentContentService);
    expect((await readAll((await service.open(older.id)).stream)).length).toBe(2048);
  });

  it('marks a reference with neither objectId nor url `none`, and sends nothing', async () => {
    const body = buildOrderDocumentsEvent({ seed: 15, headerDocuments: 1, lineNumbers: [] });
    delete body.orderDocumentsEvent.supplierOrder.documents[0].objectId;
    simulator.clearRequests();
    const [row] = await settledDocuments(receiver, await deliver(receiver, '/order-documents', body));
    expect(row).toMatchObject({ content_status: 'none', sha256: null });
    // No download was queued for it; and a document sent after it is downloaded (the positive
    // signal), by then anything queued for the first would have been sent.
    expect((await q(`SELECT download_enqueued FROM S.documents WHERE id = $1`, [row.id])).rows).toEqual([{ download_enqueued: false }]);
    const later = buildOrderDocumentsEvent({ seed: 115, headerDocuments: 1, lineNumbers: [] });
    registerDocuments(simulator, later, { sizeBytes: 1024 });
    const [stored] = await settledDocuments(receiver, await deliver(receiver, '/order-documents', later));
    expect(stored.content_status).toBe('stored');
    // Exactly the later document's metadata call and download: none for the first one.
    expect(simulator.requestsTo('document.metadata', 's3', 'partner').map((request) => request.route)).toEqual(['document.metadata', 's3']);
    await expect(receiver.app!.get(DocumentContentService).open(row.id)).rejects.toMatchObject({ reason: 'none' });
  });

  it('follows a partner redirect, without credentials, to the file', async () => {
    const body = buildOrderDocumentsEvent({ seed: 16, headerDocuments: 0, lineNumbers: [1], documentsPerLine: 0 });
    const target = simulator.addPartnerFile('moved/datasheet.pdf', { filename: 'datasheet.pdf', contentType: 'application/pdf', content: Buffer.from('moved content') });
    body.orderDocumentsEvent.lines[0].supplierLine.documents = [{ code: 'DS-1', name: 'Datasheet', url: simulator.addRedirect('datasheet-16', target) }];
    simulator.clearRequests();
    const [row] = await settledDocuments(receiver, await deliver(receiver, '/order-documents', body));
    expect(row).toMatchObject({ content_status: 'stored', filename: 'datasheet.pdf', size_bytes: String('moved content'.length) });
    expect(simulator.requestsTo('redirect', 'partner').map((request) => [request.route, request.hasAuthorization])).toEqual([
      ['redirect', false],
      ['partner', false],
    ]);
  });

  it('downloads, at the next start, documents recorded while downloads were switched off', async () => {
    const schema = 'tc_switched_on';
    const body = buildOrderDocumentsEvent({ seed: 17, headerDocuments: 2, lineNumbers: [] });
    registerDocuments(simulator, body, { sizeBytes: 1500 });
    simulator.clearRequests();
    const off = await receiver.startAnother({ schema, options: documentReceiverOptions(simulator, { download: false }) });
    let eventId: string;
    try {
      eventId = await deliver(off, '/order-documents', body);
      const waiting = (await off.sql.query(`SELECT content_status, download_enqueued FROM ${schema}.documents WHERE first_event_id = $1`, [eventId])).rows;
      expect(waiting).toEqual([
        { content_status: 'pending', download_enqueued: false },
        { content_status: 'pending', download_enqueued: false },
      ]);
    } finally {
      await off.close();
    }
    expect(simulator.requestsTo('document.metadata')).toHaveLength(0);

    const on = await receiver.startAnother({ schema, options: documentReceiverOptions(simulator, {}) });
    try {
      const rows = await settledDocuments(on, eventId);
      expect(rows.map((row) => [row.content_status, row.size_bytes])).toEqual([['stored', '1500'], ['stored', '1500']]);
    } finally {
      await on.close();
    }
  });
});
