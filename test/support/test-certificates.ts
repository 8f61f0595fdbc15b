import tls from 'node:tls';
import { generate } from 'selfsigned';

/** A certificate and its private key, PEM (what `selfsigned` returns). */
export type GeneratedCertificate = Awaited<ReturnType<typeof generate>>;

/** A root CA of its own, for a test's clients to trust (through `ca`) and its server certificates to be issued by. */
export function testRootCa(commonName: string): Promise<GeneratedCertificate> {
  return generate([{ name: 'commonName', value: commonName }], {
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
}

/** A `localhost` (and 127.0.0.1) server certificate with a key of its own, issued by `root`, valid until `notAfterDate`. */
export function serverCertificate(root: GeneratedCertificate, commonName: string, notAfterDate: Date): Promise<GeneratedCertificate> {
  return generate([{ name: 'commonName', value: commonName }], {
    algorithm: 'sha256',
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
    ],
    ca: { key: root.private, cert: root.cert },
  });
}

/**
 * The SHA-256 fingerprint a fresh TLS connection to 127.0.0.1 is shown (as `localhost`, trusting
 * `ca` only). A new connection each time, never a resumed session: the server's current
 * certificate, not the one of an earlier handshake.
 */
export function presentedFingerprint(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.on('error', reject);
  });
}
