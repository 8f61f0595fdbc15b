import { ConsoleLogger, Logger, LoggerService } from '@nestjs/common';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GeneratedCertificate, presentedFingerprint, serverCertificate, testRootCa } from '../../test/support/test-certificates';
import type { StandaloneTlsEnvironment } from './auth-environment';
import { CERTIFICATE_EXPIRY_WARNING_DAYS, LoadedCertificate, loadCertificate, TlsCertificateReloader } from './tls-certificate-reloader';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Longer than any test: every look at the files is a `poll()` of the test's own, never the reloader's timer. */
const TIMER_OUT_OF_THE_WAY_MS = 60 * 60 * 1000;

const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;
const validTo = (pem: string) => new Date(new X509Certificate(pem).validTo).getTime();

/**
 * What the reloader's `Logger('Tls')` says, as "level message" lines: Nest's loggers all write
 * through the one logger given to `Logger.overrideLogger`.
 */
const logged: string[] = [];
const recordingLogger: LoggerService = {
  log: (message: unknown) => void logged.push(`log ${String(message)}`),
  warn: (message: unknown) => void logged.push(`warn ${String(message)}`),
  error: (message: unknown) => void logged.push(`error ${String(message)}`),
};
const loggedAt = (level: 'log' | 'warn' | 'error') => logged.filter((line) => line.startsWith(`${level} `));

/** A real HTTPS server on 127.0.0.1 serving the files of a temp folder, and its reloader. */
interface Served {
  files: StandaloneTlsEnvironment;
  reloader: TlsCertificateReloader;
  /** Every certificate the reloader told `onServed` about, in order. */
  announced: LoadedCertificate[];
  /** Writes the certificate and/or the key file (as a renewal tool would, in place). */
  write(parts: { cert?: string; key?: string }): void;
  /** The fingerprint a new TLS connection to the server is shown. */
  presented(): Promise<string>;
}

describe('TlsCertificateReloader, polled by the test against a real HTTPS server on 127.0.0.1', () => {
  let root: GeneratedCertificate;
  let first: GeneratedCertificate;
  /** A renewal that expires soon (5 days), to be warned about. */
  let renewed: GeneratedCertificate;
  let stranger: GeneratedCertificate;
  const cleanups: Array<() => Promise<void> | void> = [];

  async function serve(initial: GeneratedCertificate, now?: () => number): Promise<Served> {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'tradecloud-tls-reloader-'));
    cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
    const files = { certFile: path.join(folder, 'server.crt'), keyFile: path.join(folder, 'server.key') };
    const write = (parts: { cert?: string; key?: string }) => {
      if (parts.cert !== undefined) writeFileSync(files.certFile, parts.cert);
      if (parts.key !== undefined) writeFileSync(files.keyFile, parts.key, { mode: 0o600 });
    };
    write({ cert: initial.cert, key: initial.private });
    const certificate = loadCertificate(files);
    const server = https.createServer(certificate.options);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    const announced: LoadedCertificate[] = [];
    const reloader = new TlsCertificateReloader(server, files, certificate, {
      pollIntervalMs: TIMER_OUT_OF_THE_WAY_MS,
      onServed: (served) => announced.push(served),
      now,
    });
    cleanups.push(() => reloader.stop());
    const port = (server.address() as AddressInfo).port;
    return { files, reloader, announced, write, presented: () => presentedFingerprint(port, root.cert) };
  }

  beforeAll(async () => {
    root = await testRootCa('Reloader Test Root CA');
    first = await serverCertificate(root, 'first.localhost', new Date(Date.now() + 90 * DAY_MS));
    renewed = await serverCertificate(root, 'renewed.localhost', new Date(Date.now() + 5 * DAY_MS));
    stranger = await serverCertificate(root, 'stranger.localhost', new Date(Date.now() + 90 * DAY_MS));
    Logger.overrideLogger(recordingLogger);
  });
  afterAll(() => {
    // Back to Nest's default for the files that run after this one in the same worker.
    Logger.overrideLogger(new ConsoleLogger());
  });
  beforeEach(() => {
    logged.length = 0;
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('serves a renewal whose key is written after its certificate only once the key is there and both stayed unchanged for one poll', async () => {
    const tls = await serve(first);
    expect(await tls.presented()).toBe(fingerprint(first.cert));

    tls.write({ cert: renewed.cert }); // the old key still next to it
    tls.reloader.poll();
    expect(await tls.presented()).toBe(fingerprint(first.cert));

    tls.write({ key: renewed.private });
    tls.reloader.poll(); // the files changed since the last poll: not yet
    expect(await tls.presented()).toBe(fingerprint(first.cert));

    tls.reloader.poll(); // unchanged for one poll: loaded, checked and swapped in
    expect(await tls.presented()).toBe(fingerprint(renewed.cert));
    expect(tls.reloader.current.fingerprint256).toBe(fingerprint(renewed.cert));
    expect(loggedAt('log')).toContainEqual(expect.stringMatching(/^log Reloaded; now serving TLS certificate CN=renewed\.localhost/));
    // The half-written pair (new certificate, old key) was never tried, so never reported.
    expect(loggedAt('error')).toEqual([]);
  });

  it('keeps serving the old pair while a new certificate waits for its key over several polls, reports that once, and serves the new pair when the key arrives', async () => {
    const tls = await serve(first);

    tls.write({ cert: renewed.cert });
    for (let poll = 0; poll < 4; poll++) {
      tls.reloader.poll();
      expect(await tls.presented()).toBe(fingerprint(first.cert));
    }
    expect(loggedAt('error')).toEqual([
      expect.stringMatching(
        /^error The replaced TLS certificate files do not load, so the previous certificate \(CN=first\.localhost, fingerprint [0-9A-F:]+\) keeps serving: the key in .*server\.key does not belong to the certificate in .*server\.crt$/,
      ),
    ]);

    tls.write({ key: renewed.private });
    tls.reloader.poll();
    expect(await tls.presented()).toBe(fingerprint(first.cert));
    tls.reloader.poll();
    expect(await tls.presented()).toBe(fingerprint(renewed.cert));
    expect(loggedAt('error')).toHaveLength(1);
  });

  it('never serves a certificate and key that do not belong together, nor a file that is no certificate: the current pair keeps serving, each broken set reported once', async () => {
    const tls = await serve(first);

    // Both files new, but of two different pairs.
    tls.write({ cert: stranger.cert, key: renewed.private });
    for (let poll = 0; poll < 4; poll++) tls.reloader.poll();
    expect(await tls.presented()).toBe(fingerprint(first.cert));
    expect(tls.reloader.current.fingerprint256).toBe(fingerprint(first.cert));
    expect(loggedAt('error')).toEqual([expect.stringMatching(/keeps serving: the key in .*server\.key does not belong to the certificate in .*server\.crt$/)]);

    tls.write({ cert: 'not a certificate' });
    for (let poll = 0; poll < 4; poll++) tls.reloader.poll();
    expect(await tls.presented()).toBe(fingerprint(first.cert));
    expect(loggedAt('error')).toHaveLength(2);
    expect(loggedAt('error')[1]).toMatch(/keeps serving: .*server\.crt does not hold a PEM certificate/);
    // Nothing but the start was announced: no reload happened.
    expect(tls.announced.map((served) => served.fingerprint256)).toEqual([fingerprint(first.cert)]);
  });

  it('waits for the newer set when the files change again between two polls', async () => {
    const tls = await serve(first);

    tls.write({ cert: renewed.cert, key: renewed.private });
    tls.reloader.poll();
    tls.write({ cert: stranger.cert, key: stranger.private });
    tls.reloader.poll(); // not the set seen one poll ago: not yet
    expect(await tls.presented()).toBe(fingerprint(first.cert));
    tls.reloader.poll();
    expect(await tls.presented()).toBe(fingerprint(stranger.cert));
    expect(tls.announced.map((served) => served.subject)).toEqual(['CN=first.localhost', 'CN=stranger.localhost']);
  });

  it('reloads a set once however often it is polled, and takes the same contents written again for no change', async () => {
    const tls = await serve(first);

    tls.write({ cert: renewed.cert, key: renewed.private });
    for (let poll = 0; poll < 5; poll++) tls.reloader.poll();
    // What the metric is told: the start and the one reload, with the served certificate's expiry.
    expect(tls.announced.map((served) => [served.fingerprint256, served.validTo.getTime()])).toEqual([
      [fingerprint(first.cert), validTo(first.cert)],
      [fingerprint(renewed.cert), validTo(renewed.cert)],
    ]);

    // A renewal tool run again with nothing to renew rewrites identical files (new mtime, same bytes).
    tls.write({ cert: renewed.cert, key: renewed.private });
    for (let poll = 0; poll < 3; poll++) tls.reloader.poll();
    expect(tls.announced).toHaveLength(2);
    expect(loggedAt('log').filter((line) => line.includes('Reloaded'))).toHaveLength(1);
    expect(await tls.presented()).toBe(fingerprint(renewed.cert));
  });

  it('says nothing of a key file missing for less than one poll (a replacement that deletes, then writes), each time it happens', async () => {
    const tls = await serve(first);

    for (let time = 0; time < 2; time++) {
      unlinkSync(tls.files.keyFile);
      tls.reloader.poll();
      expect(await tls.presented()).toBe(fingerprint(first.cert));
      tls.write({ key: first.private });
      tls.reloader.poll();
    }
    expect(loggedAt('error')).toEqual([]);
    expect(tls.announced).toHaveLength(1);
  });

  it('reports a key file missing for a whole poll each time it happens, not only the first time', async () => {
    const tls = await serve(first);

    // Every absence of the key looks the same to the reloader (its files are unreadable, ENOENT),
    // but the second comes after the served files were back: a new incident for the operator.
    for (let time = 0; time < 2; time++) {
      unlinkSync(tls.files.keyFile);
      tls.reloader.poll();
      tls.reloader.poll();
      expect(await tls.presented()).toBe(fingerprint(first.cert));
      tls.write({ key: first.private });
      tls.reloader.poll();
    }
    expect(loggedAt('error')).toEqual([
      expect.stringMatching(/keeps serving: ENOENT: no such file or directory, open '.*server\.key'$/),
      expect.stringMatching(/keeps serving: ENOENT: no such file or directory, open '.*server\.key'$/),
    ]);
  });

  describe(`expiry warning (within ${CERTIFICATE_EXPIRY_WARNING_DAYS} days)`, () => {
    it(`warns at start about a certificate with ${CERTIFICATE_EXPIRY_WARNING_DAYS} days left, in whole days`, async () => {
      const end = validTo(first.cert);
      const tls = await serve(first, () => end - CERTIFICATE_EXPIRY_WARNING_DAYS * DAY_MS);
      expect(loggedAt('warn')).toEqual([
        `warn The TLS certificate CN=first.localhost expires in ${CERTIFICATE_EXPIRY_WARNING_DAYS} day(s), on ${new Date(end).toISOString()}: ` +
          `renew it and replace ${tls.files.certFile} and ${tls.files.keyFile} (no restart needed)`,
      ]);
    });

    it(`says nothing at start of a certificate with a millisecond more than ${CERTIFICATE_EXPIRY_WARNING_DAYS} days left`, async () => {
      const end = validTo(first.cert);
      await serve(first, () => end - CERTIFICATE_EXPIRY_WARNING_DAYS * DAY_MS - 1);
      expect(loggedAt('log')).toContainEqual(expect.stringMatching(/^log Serving TLS certificate CN=first\.localhost/));
      expect(loggedAt('warn')).toEqual([]);
    });

    it('says EXPIRED of a certificate past its end', async () => {
      const end = validTo(first.cert);
      await serve(first, () => end + 1);
      expect(loggedAt('warn')).toEqual([expect.stringMatching(new RegExp(`^warn The TLS certificate CN=first\\.localhost EXPIRED on ${new Date(end).toISOString()}: replace `))]);
    });

    it('warns at reload about a renewal that expires soon', async () => {
      // 4.5 days before the renewal ends; the first certificate has months left.
      const tls = await serve(first, () => validTo(renewed.cert) - 4.5 * DAY_MS);
      expect(loggedAt('warn')).toEqual([]);
      tls.write({ cert: renewed.cert, key: renewed.private });
      tls.reloader.poll();
      tls.reloader.poll();
      expect(await tls.presented()).toBe(fingerprint(renewed.cert));
      expect(loggedAt('warn')).toEqual([expect.stringMatching(/^warn The TLS certificate CN=renewed\.localhost expires in 4 day\(s\)/)]);
    });
  });
});

