import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildOrder, contentSha256, TradecloudSimulator } from '../../test/support/tradecloud-simulator';
import { createHash } from 'node:crypto';
import { TradecloudApiOptions } from './tradecloud-api-options';
import { TradecloudApiClient } from './tradecloud-api.client';
import { TradecloudApiError } from './tradecloud-api.error';

async function sha256Of(stream: Readable): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

async function rejection(promise: Promise<unknown>): Promise<TradecloudApiError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TradecloudApiError);
  return error as TradecloudApiError;
}

describe('TradecloudApiClient (documents and rate limit, against the simulator)', () => {
  let simulator: TradecloudSimulator;
  const clients: TradecloudApiClient[] = [];
  const objectId = '5669ec82-5394-4554-8bd3-8507545a0eca';
  const certificate = { filename: 'material-certificate 3.1.pdf', contentType: 'application/pdf', content: { size: 300_000, seed: 42 } };

  const newClient = (overrides: TradecloudApiOptions = {}) => {
    const client = TradecloudApiClient.create({
      baseUrl: simulator.baseUrl,
      ...simulator.credentials,
      retryBaseDelayMs: 20,
      retryMaxDelayMs: 200,
      requestsPerSecond: 1000,
      ...overrides,
    });
    clients.push(client);
    return client;
  };

  beforeEach(async () => {
    simulator = await TradecloudSimulator.start();
    simulator.documents.set(objectId, certificate);
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.onApplicationShutdown();
    await simulator.stop();
  });

  it('reads the metadata with the token and downloads the pre-signed URL without any Authorization header', async () => {
    const client = newClient();
    const metadata = await client.getDocumentMetadata(objectId);
    expect(metadata).toMatchObject({ id: objectId, filename: certificate.filename, contentType: 'application/pdf' });
    expect(metadata.downloadUrl).toMatch(/\/s3\/.*X-Amz-Expires=59/);

    const download = await client.downloadFromUrl(metadata.downloadUrl, { maxBytes: 1_000_000 });
    expect(download).toMatchObject({ contentType: 'application/pdf', filename: certificate.filename, contentLength: 300_000 });
    expect(await sha256Of(download.stream)).toEqual({ sha256: await contentSha256(certificate.content), bytes: 300_000 });

    expect(simulator.requestsTo('document.metadata')[0].authorizationScheme).toBe('Bearer');
    const [s3] = simulator.requestsTo('s3');
    expect(s3.hasAuthorization).toBe(false);
    expect(s3.status).toBe(200);
  });

  it('falls back to the proxy download, with the Bearer token, when S3 is down', async () => {
    const client = newClient();
    const metadata = await client.getDocumentMetadata(objectId);
    simulator.s3Down();
    const failed = await rejection(client.downloadFromUrl(metadata.downloadUrl, { maxBytes: 1_000_000, maxRetries: 0 }));
    expect(failed).toMatchObject({ endpoint: 'document.url', status: 503, transient: true });
    expect(failed.message).not.toContain('X-Amz-Signature');

    const download = await client.downloadDocumentViaProxy(objectId, { maxBytes: 1_000_000 });
    expect((await sha256Of(download.stream)).sha256).toBe(await contentSha256(certificate.content));
    expect(download.filename).toBe(certificate.filename);
    const [proxy] = simulator.requestsTo('document.proxy');
    expect(proxy.authorizationScheme).toBe('Bearer');
    expect(proxy.status).toBe(200);
  });

  it('reports an expired pre-signed URL as permanent (403), so the caller asks for new metadata or the proxy', async () => {
    const client = newClient();
    const metadata = await client.getDocumentMetadata(objectId);
    simulator.expirePresignedUrls();
    const error = await rejection(client.downloadFromUrl(metadata.downloadUrl, { maxBytes: 1_000_000 }));
    expect(error).toMatchObject({ endpoint: 'document.url', status: 403, transient: false });
    expect(simulator.requestsTo('s3')).toHaveLength(1);
  });

  it('logs in again when the proxy download meets an expired token', async () => {
    const client = newClient();
    await client.getDocumentMetadata(objectId);
    simulator.expireAccessTokens();
    const download = await client.downloadDocumentViaProxy(objectId, { maxBytes: 1_000_000 });
    expect((await sha256Of(download.stream)).bytes).toBe(300_000);
    expect(simulator.requestsTo('document.proxy').map((request) => request.status)).toEqual([401, 200]);
    expect(simulator.requestsTo('auth.login')).toHaveLength(2);
  });

  it('refuses an announced oversize body before reading it', async () => {
    const client = newClient();
    const error = await rejection(client.downloadDocumentViaProxy(objectId, { maxBytes: 100_000 }));
    expect(error).toMatchObject({ endpoint: 'document.proxy', code: 'too_large', transient: false });
    expect(error.message).toContain('300000');
  });

  it('aborts an unannounced (chunked) body as soon as it passes maxBytes', async () => {
    const client = newClient();
    const url = simulator.addPartnerFile('huge/drawing.dwg', { filename: 'drawing.dwg', contentType: 'application/acad', content: { size: 50_000_000 }, omitContentLength: true });
    const download = await client.downloadFromUrl(url, { maxBytes: 200_000 });
    expect(download.contentLength).toBeUndefined();
    let received = 0;
    const error = await (async () => {
      try {
        for await (const chunk of download.stream) received += (chunk as Buffer).length;
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(TradecloudApiError);
    expect(error).toMatchObject({ endpoint: 'document.url', code: 'too_large', transient: false });
    expect(received).toBeLessThanOrEqual(200_000);
  });

  it('fails a body that stalls mid-way with a transient timeout', async () => {
    const client = newClient({ timeoutMs: 200 });
    const url = simulator.addPartnerFile('slow.pdf', { filename: 'slow.pdf', contentType: 'application/pdf', content: { size: 10_000 }, stallAfterBytes: 1_000 });
    const download = await client.downloadFromUrl(url, { maxBytes: 1_000_000 });
    const error = await sha256Of(download.stream).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TradecloudApiError);
    expect(error).toMatchObject({ endpoint: 'document.url', code: 'timeout', transient: true });
  });

  it('downloads a partner url document without credentials, following redirects that pass checkUrl', async () => {
    const client = newClient();
    const target = simulator.addPartnerFile('datasheets/HA-12.pdf', { filename: 'HA-12.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF-1.7 datasheet') });
    const hop2 = simulator.addRedirect('b', target);
    const hop1 = simulator.addRedirect('a', hop2);
    const checked: string[] = [];
    const download = await client.downloadFromUrl(hop1, { maxBytes: 1_000, checkUrl: (url) => void checked.push(url.pathname) });
    expect(download.filename).toBe('HA-12.pdf');
    expect((await sha256Of(download.stream)).bytes).toBe(18);
    expect(checked).toEqual(['/redirect/a', '/redirect/b', '/partner/datasheets/HA-12.pdf']);
    expect(simulator.requests.every((request) => !request.hasAuthorization)).toBe(true);

    const refused = await client.downloadFromUrl(hop1, {
      maxBytes: 1_000,
      checkUrl: (url) => {
        if (url.pathname.startsWith('/partner/')) throw new Error('private address refused');
      },
    }).catch((caught: Error) => caught);
    expect((refused as Error).message).toBe('private address refused');

    const tooMany = await rejection(client.downloadFromUrl(hop1, { maxBytes: 1_000, maxRedirects: 1 }));
    expect(tooMany).toMatchObject({ endpoint: 'document.url', status: 302, transient: false });
  });

  it('never starts more than requestsPerSecond API requests in any second (read from the simulator log)', async () => {
    const order = buildOrder({ seed: 3 });
    simulator.orders.set(order.id, order);
    const client = newClient({ requestsPerSecond: 5 });
    await Promise.all(Array.from({ length: 15 }, () => client.getOrder(order.id)));

    const times = simulator.requests.map((request) => request.receivedAt);
    expect(times).toHaveLength(16); // the login counts too
    // Six requests inside 900 ms would break a 5/s limit beyond any clock jitter.
    for (let index = 0; index + 5 < times.length; index++) expect(times[index + 5] - times[index]).toBeGreaterThanOrEqual(900);
    expect(times[15] - times[0]).toBeGreaterThanOrEqual(2_900);
  });
});
