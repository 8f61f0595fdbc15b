import { createReadStream, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DocumentContentService } from '../../src/documents/document-content.service';
import { useReceiver } from '../support/receiver-fixture';
import { buildOrderDocumentsEvent, contentSha256, TradecloudSimulator } from '../support/tradecloud-simulator';
import { deliver, documentReceiverOptions, settledDocuments, sha256Of } from './document-test-kit';

const MAX_BYTES = 210 * 1024 * 1024;

describe('document downloads into a directory (filesystem storage, default address policy)', () => {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'tradecloud-documents-test-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true })); // after the receiver has stopped
  const receiver = useReceiver({
    label: 'document_files',
    simulator: true,
    options: ({ simulator }) => documentReceiverOptions(simulator, { storage: 'filesystem', directory, maxBytes: MAX_BYTES }),
  });
  let simulator: TradecloudSimulator;
  beforeAll(() => {
    simulator = receiver.simulator;
  });

  const q = (text: string, values?: unknown[]) => receiver.sql.query(text.replace(/\bS\./g, `"${receiver.schema}".`), values);
  const incoming = () => readdirSync(path.join(directory, '.incoming'));
  const headerDocumentEvent = (seed: number) => {
    const body = buildOrderDocumentsEvent({ seed, headerDocuments: 1, lineNumbers: [] });
    return { body, objectId: body.orderDocumentsEvent.supplierOrder.documents[0].objectId as string };
  };

  it('writes a 5 MB document as a file named by its sha256, and streams it back', async () => {
    const { body, objectId } = headerDocumentEvent(31);
    const content = { size: 5 * 1024 * 1024, seed: 31 };
    simulator.documents.set(objectId, { filename: 'drawings.zip', contentType: 'application/zip', content });
    const [row] = await settledDocuments(receiver, await deliver(receiver, '/order-documents', body));
    const sha256 = await contentSha256(content);
    expect(row).toMatchObject({ content_status: 'stored', sha256, size_bytes: String(content.size), content_type: 'application/zip' });

    const file = path.join(directory, sha256.slice(0, 2), sha256);
    expect(await sha256Of(createReadStream(file))).toEqual({ sha256, bytes: content.size });
    const stored = (await q(`SELECT storage, content IS NULL AS no_content, size_bytes::int AS size FROM S.document_contents WHERE sha256 = $1`, [sha256])).rows[0];
    expect(stored).toEqual({ storage: 'filesystem', no_content: true, size: content.size });
    expect(incoming()).toEqual([]);

    const opened = await receiver.app!.get(DocumentContentService).open(row.id);
    expect(opened).toMatchObject({ filename: 'drawings.zip', sizeBytes: content.size });
    expect(await sha256Of(opened.stream)).toEqual({ sha256, bytes: content.size });
  });

  it('streams a 200 MB download to disk without the process memory growing with it; attached twice, it is kept once', async () => {
    const body = buildOrderDocumentsEvent({ seed: 32, headerDocuments: 1, lineNumbers: [1] });
    const objectId = body.orderDocumentsEvent.supplierOrder.documents[0].objectId as string;
    body.orderDocumentsEvent.lines[0].supplierLine.documents[0].objectId = objectId;
    const content = { size: 200 * 1024 * 1024, seed: 32 };
    simulator.documents.set(objectId, { filename: 'scan.bin', contentType: 'application/octet-stream', content });

    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    let rows;
    try {
      rows = await settledDocuments(receiver, await deliver(receiver, '/order-documents', body), 60_000);
    } finally {
      clearInterval(sampler);
    }
    const sha256 = await contentSha256(content);
    expect(rows.map((row) => [row.content_status, row.sha256])).toEqual([['stored', sha256], ['stored', sha256]]);
    // The simulator serving the file runs in this process too, and garbage is collected lazily;
    // a receiver that buffered the download would grow by its 200 MB at least.
    expect(peak - baseline).toBeLessThan(120 * 1024 * 1024);
    expect(simulator.requestsTo('s3').filter((request) => request.path.includes(objectId))).toHaveLength(1);
    expect(readdirSync(path.join(directory, sha256.slice(0, 2)))).toEqual([sha256]);
    expect((await q(`SELECT count(*)::int AS n FROM S.document_contents WHERE sha256 = $1`, [sha256])).rows[0].n).toBe(1);
  });

  it('aborts a download over documents.maxBytes: failed with the reason, nothing partial kept', async () => {
    const { body, objectId } = headerDocumentEvent(33);
    // No Content-Length: the limit has to be caught while streaming.
    simulator.documents.set(objectId, { filename: 'huge.bin', contentType: 'application/octet-stream', content: { size: MAX_BYTES + 1024 * 1024, seed: 33 }, omitContentLength: true });
    const before = (await q(`SELECT count(*)::int AS n FROM S.document_contents`)).rows[0].n;
    const [row] = await settledDocuments(receiver, await deliver(receiver, '/order-documents', body), 60_000);
    expect(row.content_status).toBe('failed');
    expect(row.last_error).toMatch(/larger than the limit of 220200960 bytes/);
    expect((await q(`SELECT count(*)::int AS n FROM S.document_contents`)).rows[0].n).toBe(before);
    expect(incoming()).toEqual([]);
    // Refused on the pre-signed link already: no second try through the proxy.
    expect(simulator.requestsTo('document.proxy').filter((request) => request.path.includes(objectId))).toHaveLength(0);
  });

  it('refuses a url document on a loopback address (documents.allowPrivateAddresses is off by default)', async () => {
    const body = buildOrderDocumentsEvent({ seed: 34, headerDocuments: 0, lineNumbers: [1], documentsPerLine: 0, urlBase: simulator.partnerUrl('internal') });
    simulator.clearRequests();
    const [row] = await settledDocuments(receiver, await deliver(receiver, '/order-documents', body));
    expect(row.content_status).toBe('failed');
    expect(row.last_error).toMatch(/non-public address 127\.0\.0\.1/);
    expect(simulator.requestsTo('partner')).toHaveLength(0);
  });
});
