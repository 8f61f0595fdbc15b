import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusScrape } from '../observability/prometheus-text';
import { StandaloneProcess, startStandaloneProcess } from '../support/standalone-process';
import { useDatabase } from '../support/receiver-fixture';
import { GeneratedCertificate, presentedFingerprint, serverCertificate, testRootCa } from '../support/test-certificates';

const TOKEN = 'tls-reload-token-7c1e9a4b2d';
const DAY_MS = 24 * 60 * 60 * 1000;

describe('certificates replaced on disk are served without a restart (TLS_CERT_FILE, TLS_KEY_FILE)', () => {
  const database = useDatabase('tls_reload');
  let folder: string;
  let receiver: StandaloneProcess;
  let root: GeneratedCertificate;
  let first: GeneratedCertificate;
  let renewed: GeneratedCertificate;
  let port: number;
  const certFile = () => path.join(folder, 'server.crt');
  const keyFile = () => path.join(folder, 'server.key');
  const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;

  beforeAll(async () => {
    folder = mkdtempSync(path.join(os.tmpdir(), 'tradecloud-tls-reload-'));
    root = await testRootCa('Reload Test Root CA');
    first = await serverCertificate(root, 'first.localhost', new Date(Date.now() + 90 * DAY_MS));
    // The renewal is, for the test, one that expires soon: it must be warned about.
    renewed = await serverCertificate(root, 'renewed.localhost', new Date(Date.now() + 5 * DAY_MS));
    writeFileSync(certFile(), first.cert);
    writeFileSync(keyFile(), first.private, { mode: 0o600 });
    receiver = await startStandaloneProcess({
      DATABASE_URL: database.url,
      DATABASE_SCHEMA: 'tc_tls_reload',
      DATA_DIR: folder,
      TLS_CERT_FILE: certFile(),
      TLS_KEY_FILE: keyFile(),
      WEBHOOK_BEARER_TOKENS: TOKEN,
      // The in-flight request below pauses its body on purpose.
      HTTP_BODY_MIN_BYTES_PER_SECOND: '0',
    });
    port = Number(new URL(receiver.url).port);
  });
  afterAll(async () => {
    if (receiver) expect(await receiver.stop('SIGINT')).toBe(0);
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('swaps in a renewed pair within 10 s, key written after certificate, while a request on the old connection completes', async () => {
    expect(await presentedFingerprint(port, root.cert)).toBe(fingerprint(first.cert));

    // A request in flight on a connection made with the first certificate: headers and half the body sent.
    const body = JSON.stringify({ hello: 'x'.repeat(2000) });
    let oldConnectionFingerprint = '';
    const answered = new Promise<number>((resolve, reject) => {
      const request = https.request(
        `${receiver.url}/tradecloud/webhooks/orders`,
        { method: 'POST', ca: root.cert, agent: false, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (response) => {
          response.resume();
          resolve(response.statusCode!);
        },
      );
      request.on('error', reject);
      request.on('socket', (socket) => socket.on('secureConnect', () => (oldConnectionFingerprint = (socket as tls.TLSSocket).getPeerCertificate().fingerprint256)));
      request.write(body.slice(0, 1000));
      (globalThis as { finishInFlight?: () => void }).finishInFlight = () => request.end(body.slice(1000));
    });
    await expect.poll(() => oldConnectionFingerprint).toBe(fingerprint(first.cert));

    // Non-atomic replacement: the certificate first, the key a moment later. The 300 ms are the
    // condition under test (a renewal tool's gap between the two files), not a wait for something:
    // the receiver's look at the files leaves no trace (no log, no metric) to end it on. The gap
    // stays under the receiver's 2 s polling interval, the longest a half-written pair is
    // tolerated (it must be unchanged for one interval before it is loaded).
    const replacedAt = Date.now();
    writeFileSync(certFile(), renewed.cert);
    await new Promise((resolve) => setTimeout(resolve, 300));
    writeFileSync(keyFile(), renewed.private);
    await expect.poll(() => presentedFingerprint(port, root.cert), { timeout: 10_000, interval: 250 }).toBe(fingerprint(renewed.cert));
    expect(Date.now() - replacedAt).toBeLessThan(10_000);

    (globalThis as { finishInFlight?: () => void }).finishInFlight!();
    expect(await answered).toBe(400); // answered on the old connection (the body is no Tradecloud event)
    expect(oldConnectionFingerprint).toBe(fingerprint(first.cert));

    const output = receiver.output();
    expect(output).toMatch(/Reloaded; now serving TLS certificate CN=renewed\.localhost/);
    // The half-written pair (new certificate, old key) was never reported nor served.
    expect(output).not.toMatch(/do not load/);
    expect(output).toMatch(/warn \[Tls\] The TLS certificate CN=renewed\.localhost expires in 4 day\(s\)/);
  }, 30_000);

  it('shows the served certificate expiry in /metrics', async () => {
    const scrape = new PrometheusScrape(await httpsText(`${receiver.url}/metrics`, root.cert));
    expect(scrape.value('tradecloud_tls_certificate_expiry_timestamp_seconds')).toBe(Date.parse(new X509Certificate(renewed.cert).validTo) / 1000);
  });

  it('keeps serving the current certificate when the replacement is broken, and says so at error', async () => {
    const stranger = await serverCertificate(root, 'stranger.localhost', new Date(Date.now() + 90 * DAY_MS));
    writeFileSync(certFile(), stranger.cert); // its key is never written: the pair does not match
    await expect.poll(() => receiver.output(), { timeout: 10_000 }).toMatch(
      /error \[Tls\] The replaced TLS certificate files do not load, so the previous certificate \(CN=renewed\.localhost.*does not belong to the certificate/,
    );
    expect(await presentedFingerprint(port, root.cert)).toBe(fingerprint(renewed.cert));
    writeFileSync(certFile(), 'not a certificate');
    await expect.poll(() => receiver.output().match(/do not load/g)?.length ?? 0, { timeout: 10_000 }).toBe(2);
    expect(await presentedFingerprint(port, root.cert)).toBe(fingerprint(renewed.cert));
  }, 30_000);
});

function httpsText(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve(text));
      })
      .on('error', reject);
  });
}
