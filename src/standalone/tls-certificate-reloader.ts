import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server as HttpsServer } from 'node:https';
import { createSecureContext } from 'node:tls';
import { Logger } from '@nestjs/common';
import type { StandaloneTlsEnvironment } from './auth-environment';

/** Certificates expiring sooner than this are warned about, once a day. */
export const CERTIFICATE_EXPIRY_WARNING_DAYS = 14;
const DAY_MS = 24 * 60 * 60 * 1000;

/** What the server presents: the files' contents, and the leaf certificate's facts. */
export interface LoadedCertificate {
  options: { cert: Buffer; key: Buffer; ca?: Buffer; minVersion: 'TLSv1.2' };
  /** Of the three files' contents: a change on disk is a different digest. */
  digest: string;
  subject: string;
  fingerprint256: string;
  validTo: Date;
}

/**
 * Reads and checks a certificate set: the files exist, the certificate parses, the key is the
 * certificate's, and OpenSSL accepts the whole set. Throws with the reason otherwise.
 */
export function loadCertificate(files: StandaloneTlsEnvironment): LoadedCertificate {
  const cert = readFileSync(files.certFile);
  const key = readFileSync(files.keyFile);
  const ca = files.caFile ? readFileSync(files.caFile) : undefined;
  const digest = createHash('sha256').update(cert).update('\0').update(key).update('\0').update(ca ?? '').digest('hex');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (error) {
    throw new Error(`${files.certFile} does not hold a PEM certificate (${(error as Error).message})`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    throw new Error(`${files.keyFile} does not hold a usable private key (${(error as Error).message})`);
  }
  if (!leaf.checkPrivateKey(privateKey)) throw new Error(`the key in ${files.keyFile} does not belong to the certificate in ${files.certFile}`);
  const options = { cert, key, ca, minVersion: 'TLSv1.2' as const };
  // TLS 1.2 is the floor: Tradecloud uses TLS 1.2/1.3, and older handshakes are refused.
  createSecureContext(options); // OpenSSL's own opinion (chain file, key format)
  return { options, digest, subject: leaf.subject.replace(/\n/g, ', '), fingerprint256: leaf.fingerprint256, validTo: new Date(leaf.validTo) };
}

export interface TlsCertificateReloaderOptions {
  /** How often the files are looked at. Default 2000 ms: a change is served within two intervals (the files must be unchanged for one). */
  pollIntervalMs?: number;
  /** Told the expiry of every certificate served (for the metric). */
  onServed?: (certificate: LoadedCertificate) => void;
  now?: () => number;
}

/**
 * Serves renewed certificates without a restart: polls `TLS_CERT_FILE`, `TLS_KEY_FILE` and
 * `TLS_CA_FILE`, and when their contents changed and then stayed the same for one interval
 * (so a renewal that writes the certificate and the key one after the other is seen as one
 * change), checks the new set and swaps it in with `server.setSecureContext`. Connections
 * already open keep their session; new handshakes get the new certificate. A set that does not
 * load is logged at error once, and the old certificate keeps serving. A certificate that
 * expires within {@link CERTIFICATE_EXPIRY_WARNING_DAYS} days is warned about at start, at each
 * reload and once a day.
 */
export class TlsCertificateReloader {
  private readonly logger = new Logger('Tls');
  private readonly pollTimer: NodeJS.Timeout;
  private readonly dailyTimer: NodeJS.Timeout;
  private readonly now: () => number;
  private pendingDigest?: string;
  private failedDigest?: string;

  constructor(
    private readonly server: HttpsServer,
    private readonly files: StandaloneTlsEnvironment,
    private served: LoadedCertificate,
    private readonly options: TlsCertificateReloaderOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.announce(served, 'Serving');
    this.pollTimer = setInterval(() => this.poll(), options.pollIntervalMs ?? 2000);
    this.pollTimer.unref();
    this.dailyTimer = setInterval(() => this.warnIfExpiring(this.served), DAY_MS);
    this.dailyTimer.unref();
  }

  get current(): LoadedCertificate {
    return this.served;
  }

  stop(): void {
    clearInterval(this.pollTimer);
    clearInterval(this.dailyTimer);
  }

  /** One look at the files (public for tests). */
  poll(): void {
    let digest: string;
    try {
      const hash = createHash('sha256').update(readFileSync(this.files.certFile)).update('\0').update(readFileSync(this.files.keyFile)).update('\0');
      if (this.files.caFile) hash.update(readFileSync(this.files.caFile));
      digest = hash.digest('hex');
    } catch (error) {
      // A file briefly missing during a replacement: look again next time.
      digest = `unreadable:${(error as NodeJS.ErrnoException).code ?? 'error'}`;
    }
    if (digest === this.served.digest) {
      this.pendingDigest = undefined;
      // The incident is over: the same broken set (or the same missing file) coming back later is
      // a new one, and is reported again.
      this.failedDigest = undefined;
      return;
    }
    if (digest !== this.pendingDigest) {
      this.pendingDigest = digest; // changed: wait until it stops changing
      return;
    }
    if (digest === this.failedDigest) return; // already reported
    try {
      const next = loadCertificate(this.files);
      if (next.digest !== digest) return; // changed again while loading
      this.server.setSecureContext(next.options);
      this.served = next;
      this.failedDigest = undefined;
      this.announce(next, 'Reloaded; now serving');
    } catch (error) {
      this.failedDigest = digest;
      this.logger.error(
        `The replaced TLS certificate files do not load, so the previous certificate (${this.served.subject}, fingerprint ${this.served.fingerprint256}) ` +
          `keeps serving: ${(error as Error).message}`,
      );
    }
  }

  private announce(certificate: LoadedCertificate, verb: string): void {
    this.logger.log(`${verb} TLS certificate ${certificate.subject} (SHA-256 ${certificate.fingerprint256}), valid until ${certificate.validTo.toISOString()}`);
    this.options.onServed?.(certificate);
    this.warnIfExpiring(certificate);
  }

  private warnIfExpiring(certificate: LoadedCertificate): void {
    const left = certificate.validTo.getTime() - this.now();
    if (left > CERTIFICATE_EXPIRY_WARNING_DAYS * DAY_MS) return;
    this.logger.warn(
      left <= 0
        ? `The TLS certificate ${certificate.subject} EXPIRED on ${certificate.validTo.toISOString()}: replace ${this.files.certFile} and ${this.files.keyFile} (no restart needed)`
        : `The TLS certificate ${certificate.subject} expires in ${Math.floor(left / DAY_MS)} day(s), on ${certificate.validTo.toISOString()}: ` +
            `renew it and replace ${this.files.certFile} and ${this.files.keyFile} (no restart needed)`,
    );
  }
}
